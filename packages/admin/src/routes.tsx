import {
  ApartmentOutlined,
  AppstoreOutlined,
  AuditOutlined,
  BookOutlined,
  CloudServerOutlined,
  CloudUploadOutlined,
  ClusterOutlined,
  ControlOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  DeleteOutlined,
  FileSearchOutlined,
  FileTextOutlined,
  FolderOpenOutlined,
  FormOutlined,
  GlobalOutlined,
  HomeOutlined,
  IdcardOutlined,
  KeyOutlined,
  LayoutOutlined,
  LockOutlined,
  LoginOutlined,
  MenuOutlined,
  NotificationOutlined,
  PartitionOutlined,
  PictureOutlined,
  ProfileOutlined,
  ReadOutlined,
  SafetyCertificateOutlined,
  SafetyOutlined,
  ScheduleOutlined,
  SettingOutlined,
  SolutionOutlined,
  TagsOutlined,
  TeamOutlined,
  ThunderboltOutlined,
  UserOutlined,
  VerifiedOutlined,
} from '@ant-design/icons';
import { type ComponentType, type LazyExoticComponent, lazy, type ReactNode } from 'react';
import type { Me, MenuNode } from './auth/session';
import { formsRoutes } from './pages/forms/routes';
import { pdfgenRoutes } from './pages/pdfgen/routes';
import { publishingRoutes } from './pages/publishing/routes';
import { sealRoutes } from './pages/seal/routes';
import { searchRoutes } from './pages/search/routes';
import { workflowRoutes } from './pages/workflow/routes';

export interface ConsoleRoute {
  path: string;
  title: string;
  icon: ReactNode;
  /** Permission prefix used only when the server sends no `menus` (older servers). */
  resource: string;
  component: LazyExoticComponent<ComponentType>;
  /** For pages reached from another page (the document editor): the menu entry that grants access. */
  menuPath?: string;
  /** Permission that shows the page in the menu derived when the server sends no entry for it. */
  permission?: string;
  /** A count shown beside the menu entry (待办); the layout polls it and ignores failures. */
  badge?: () => Promise<number>;
}

/** Every page the console implements; each is its own chunk so the first load stays small. */
export const consoleRoutes: ConsoleRoute[] = [
  {
    path: '/identity/orgs',
    title: '组织机构',
    icon: <ApartmentOutlined />,
    resource: 'org',
    component: lazy(() => import('./pages/orgs/OrgsPage')),
  },
  {
    path: '/identity/users',
    title: '用户管理',
    icon: <UserOutlined />,
    resource: 'user',
    component: lazy(() => import('./pages/users/UsersPage')),
  },
  {
    path: '/identity/roles',
    title: '角色权限',
    icon: <SafetyCertificateOutlined />,
    resource: 'role',
    component: lazy(() => import('./pages/roles/RolesPage')),
  },
  {
    path: '/identity/accounts',
    title: '注册用户',
    icon: <IdcardOutlined />,
    resource: 'account',
    component: lazy(() => import('./pages/accounts/AccountsPage')),
  },
  {
    path: '/settings/dictionaries',
    title: '数据字典',
    icon: <BookOutlined />,
    resource: 'dictionary',
    component: lazy(() => import('./pages/settings/DictionariesPage')),
  },
  {
    path: '/settings/menus',
    title: '菜单配置',
    icon: <MenuOutlined />,
    resource: 'menu',
    component: lazy(() => import('./pages/settings/MenusPage')),
  },
  {
    path: '/settings/channel-categories',
    title: '栏目类别',
    icon: <TagsOutlined />,
    resource: 'channel-category',
    component: lazy(() => import('./pages/settings/ChannelCategoriesPage')),
  },
  {
    path: '/settings/parameters',
    title: '系统参数',
    icon: <ControlOutlined />,
    resource: 'parameter',
    component: lazy(() => import('./pages/settings/ParametersPage')),
  },
  {
    path: '/security/password-policy',
    title: '口令策略',
    icon: <LockOutlined />,
    resource: 'password-policy',
    component: lazy(() => import('./pages/security/PasswordPolicyPage')),
  },
  {
    path: '/security/login-log',
    title: '登录日志',
    icon: <LoginOutlined />,
    resource: 'login-log',
    component: lazy(() => import('./pages/security/LoginLogPage')),
  },
  {
    path: '/security/audit-log',
    title: '操作日志',
    icon: <AuditOutlined />,
    resource: 'audit',
    component: lazy(() => import('./pages/audit/AuditLogPage')),
  },
  ...cmsRoutes(),
  ...formsRoutes,
  ...workflowRoutes,
  ...searchRoutes,
  ...sealRoutes,
  ...pdfgenRoutes,
  ...publishingRoutes,
];

/** 网站群管理 (docs/decisions/0002, "Console routes and menus"). */
function cmsRoutes(): ConsoleRoute[] {
  const page = (
    path: string,
    title: string,
    icon: ReactNode,
    permission: string,
    component: ConsoleRoute['component'],
  ): ConsoleRoute => ({ path, title, icon, resource: permission.split(':')[0] as string, permission, component });
  const editor = lazy(() => import('./pages/cms/EditorPage'));
  return [
    page(
      '/cms/portal',
      '工作门户',
      <HomeOutlined />,
      'document:read',
      lazy(() => import('./pages/cms/PortalPage')),
    ),
    page(
      '/cms/sites',
      '站点管理',
      <GlobalOutlined />,
      'site:read',
      lazy(() => import('./pages/cms/SitesPage')),
    ),
    page(
      '/cms/channels',
      '栏目管理',
      <MenuOutlined />,
      'channel:manage',
      lazy(() => import('./pages/cms/ChannelsPage')),
    ),
    page(
      '/cms/documents',
      '信息管理',
      <FileTextOutlined />,
      'document:read',
      lazy(() => import('./pages/cms/DocumentsPage')),
    ),
    {
      ...page('/cms/documents/new', '新建信息', <FormOutlined />, 'document:write', editor),
      menuPath: '/cms/documents',
    },
    {
      ...page('/cms/documents/:id', '编辑信息', <FormOutlined />, 'document:read', editor),
      menuPath: '/cms/documents',
    },
    page(
      '/cms/review',
      '审核',
      <AuditOutlined />,
      'document:review',
      lazy(() => import('./pages/cms/ReviewPage')),
    ),
    page(
      '/cms/files',
      '文件资源',
      <PictureOutlined />,
      'file:read',
      lazy(() => import('./pages/cms/FilesPage')),
    ),
    page(
      '/cms/recycle-bin',
      '回收站',
      <DeleteOutlined />,
      'document:write',
      lazy(() => import('./pages/cms/RecycleBinPage')),
    ),
  ];
}

const icons: Record<string, ReactNode> = {
  ApartmentOutlined: <ApartmentOutlined />,
  AppstoreOutlined: <AppstoreOutlined />,
  AuditOutlined: <AuditOutlined />,
  BookOutlined: <BookOutlined />,
  ClusterOutlined: <ClusterOutlined />,
  CloudServerOutlined: <CloudServerOutlined />,
  CloudUploadOutlined: <CloudUploadOutlined />,
  ControlOutlined: <ControlOutlined />,
  DeleteOutlined: <DeleteOutlined />,
  DashboardOutlined: <DashboardOutlined />,
  DatabaseOutlined: <DatabaseOutlined />,
  FileSearchOutlined: <FileSearchOutlined />,
  FileTextOutlined: <FileTextOutlined />,
  FolderOpenOutlined: <FolderOpenOutlined />,
  FormOutlined: <FormOutlined />,
  GlobalOutlined: <GlobalOutlined />,
  HomeOutlined: <HomeOutlined />,
  IdcardOutlined: <IdcardOutlined />,
  LayoutOutlined: <LayoutOutlined />,
  KeyOutlined: <KeyOutlined />,
  LockOutlined: <LockOutlined />,
  LoginOutlined: <LoginOutlined />,
  MenuOutlined: <MenuOutlined />,
  NotificationOutlined: <NotificationOutlined />,
  PartitionOutlined: <PartitionOutlined />,
  PictureOutlined: <PictureOutlined />,
  ProfileOutlined: <ProfileOutlined />,
  ReadOutlined: <ReadOutlined />,
  SafetyCertificateOutlined: <SafetyCertificateOutlined />,
  SafetyOutlined: <SafetyOutlined />,
  ScheduleOutlined: <ScheduleOutlined />,
  SettingOutlined: <SettingOutlined />,
  SolutionOutlined: <SolutionOutlined />,
  TagsOutlined: <TagsOutlined />,
  TeamOutlined: <TeamOutlined />,
  ThunderboltOutlined: <ThunderboltOutlined />,
  UserOutlined: <UserOutlined />,
  VerifiedOutlined: <VerifiedOutlined />,
};

export const iconNames = Object.keys(icons);

/** A menu entry normalised for rendering; `path` is relative to the /admin base. */
export interface NavItem {
  key: string;
  title: string;
  path?: string;
  icon?: ReactNode;
  children?: NavItem[];
}

export function normalisePath(path: string | null | undefined): string | undefined {
  if (!path) return undefined;
  const trimmed = path.replace(/^\/admin(?=\/|$)/, '') || '/';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export function routeFor(path: string | undefined): ConsoleRoute | undefined {
  return path ? consoleRoutes.find((r) => r.path === path) : undefined;
}

function fromServer(node: MenuNode, index: number): NavItem | null {
  const path = normalisePath(node.path);
  const known = routeFor(path);
  const children = (node.children ?? []).map(fromServer).filter((c): c is NavItem => c !== null);
  if (!path && children.length === 0) return null;
  return {
    key: node.code ?? node.id ?? path ?? `menu-${index}`,
    title: node.title ?? node.name ?? known?.title ?? path ?? '',
    path,
    icon: (node.icon && icons[node.icon]) || known?.icon || (children.length ? <AppstoreOutlined /> : undefined),
    children: children.length ? children : undefined,
  };
}

function fromPermissions(me: Me): NavItem[] {
  const held = Object.keys(me.permissions);
  return consoleRoutes
    .filter((r) => held.some((code) => code.startsWith(`${r.resource}:`)))
    .map((r) => ({ key: r.path, title: r.title, path: r.path, icon: r.icon }));
}

/**
 * 网站群管理 derived from held permissions, for a server whose menu table predates the CMS (menus
 * are seeded only into an empty table); once any `/cms/` entry is configured the server's tree rules.
 */
function cmsFallback(me: Me, items: NavItem[]): NavItem[] {
  if (flattenNav(items).some((n) => n.path?.startsWith('/cms/'))) return [];
  const children = consoleRoutes
    .filter((r) => r.path.startsWith('/cms/') && !r.menuPath && r.permission && r.permission in me.permissions)
    .map((r) => ({ key: r.path, title: r.title, path: r.path, icon: r.icon }));
  return children.length ? [{ key: 'cms', title: '网站管理', icon: <GlobalOutlined />, children }] : [];
}

/** The side menu: the server's tree when it sends one, otherwise derived from held permissions. */
export function navigationFor(me: Me): NavItem[] {
  if (!me.menus) return fromPermissions(me).filter((n) => !consoleRoutes.some((r) => r.path === n.path && r.menuPath));
  const items = me.menus.map(fromServer).filter((n): n is NavItem => n !== null);
  return [...cmsFallback(me, items), ...items];
}

export function flattenNav(items: NavItem[]): NavItem[] {
  return items.flatMap((item) => [item, ...flattenNav(item.children ?? [])]);
}
