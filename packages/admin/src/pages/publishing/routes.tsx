import {
  CloudServerOutlined,
  DatabaseOutlined,
  FileTextOutlined,
  PictureOutlined,
  ProfileOutlined,
} from '@ant-design/icons';
import { lazy } from 'react';
import type { ConsoleRoute } from '../../routes';

/**
 * Console pages of the publishing module (网站管理 menu group, docs/decisions/0006); listed in
 * packages/admin/src/routes.tsx. Paths and permissions are the menu entries the module seeds.
 */
const designer = lazy(() => import('./TopicDesignerPage'));

export const publishingRoutes: ConsoleRoute[] = [
  {
    path: '/publishing/sites',
    title: '站点发布',
    icon: <CloudServerOutlined />,
    resource: 'publishing',
    permission: 'publishing:read',
    component: lazy(() => import('./SitesPage')),
  },
  {
    path: '/publishing/cache',
    title: '高速缓存',
    icon: <DatabaseOutlined />,
    resource: 'publishing',
    permission: 'publishing:refresh',
    component: lazy(() => import('./CachePage')),
  },
  {
    path: '/publishing/templates',
    title: '模板管理',
    icon: <FileTextOutlined />,
    resource: 'template',
    permission: 'template:manage',
    component: lazy(() => import('./TemplatesPage')),
  },
  {
    path: '/publishing/assets',
    title: '素材库',
    icon: <PictureOutlined />,
    resource: 'topic',
    permission: 'topic:manage',
    component: lazy(() => import('./AssetsPage')),
  },
  {
    path: '/publishing/topics',
    title: '专题',
    icon: <ProfileOutlined />,
    resource: 'topic',
    permission: 'topic:manage',
    component: lazy(() => import('./TopicsPage')),
  },
  {
    path: '/publishing/topics/:id',
    title: '专题设计',
    icon: <ProfileOutlined />,
    resource: 'topic',
    permission: 'topic:manage',
    menuPath: '/publishing/topics',
    component: designer,
  },
];
