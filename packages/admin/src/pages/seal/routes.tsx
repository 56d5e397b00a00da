import {
  ApiOutlined,
  AuditOutlined,
  FileProtectOutlined,
  FileSearchOutlined,
  KeyOutlined,
  PictureOutlined,
  SafetyCertificateOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { lazy, type ReactNode } from 'react';
import type { ConsoleRoute } from '../../routes';

/**
 * 电子印章 (docs/decisions/0003, "Console menus"): paths equal the menu paths the seal module seeds.
 * `resource`/`permission` only matter for servers that send no menu tree.
 */
function page(
  path: string,
  title: string,
  icon: ReactNode,
  permission: string,
  component: ConsoleRoute['component'],
): ConsoleRoute {
  return { path, title, icon, resource: permission.split(':')[0] as string, permission, component };
}

export const sealRoutes: ConsoleRoute[] = [
  page(
    '/seal/images',
    '印模管理',
    <PictureOutlined />,
    'seal-image:read',
    lazy(() => import('./ImagesPage')),
  ),
  page(
    '/seal/seals',
    '印章管理',
    <SafetyCertificateOutlined />,
    'seal:read',
    lazy(() => import('./SealsPage')),
  ),
  page(
    '/seal/certs',
    '密钥与证书',
    <KeyOutlined />,
    'seal-key:read',
    lazy(() => import('./CertsPage')),
  ),
  page(
    '/seal/authorizations',
    '用章授权',
    <TeamOutlined />,
    'seal:read',
    lazy(() => import('./AuthorizationsPage')),
  ),
  page(
    '/seal/requests',
    '用章申请',
    <AuditOutlined />,
    'seal:sign',
    lazy(() => import('./RequestsPage')),
  ),
  page(
    '/seal/workbench',
    '签章工作台',
    <FileProtectOutlined />,
    'seal:sign',
    lazy(() => import('./WorkbenchPage')),
  ),
  page(
    '/seal/records',
    '签章记录',
    <AuditOutlined />,
    'seal:sign',
    lazy(() => import('./RecordsPage')),
  ),
  page(
    '/seal/verify',
    '签章验证',
    <FileSearchOutlined />,
    'seal:sign',
    lazy(() => import('./VerifyPage')),
  ),
  page(
    '/seal/api-clients',
    '接口客户端',
    <ApiOutlined />,
    'api-client:manage',
    lazy(() => import('./ApiClientsPage')),
  ),
];
