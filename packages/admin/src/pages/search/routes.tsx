import { BookOutlined, DashboardOutlined, FileSearchOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { ConsoleRoute } from '../../routes';

/**
 * Console pages of the search module; listed in packages/admin/src/routes.tsx. Paths and
 * permissions are the menu entries the search module seeds (docs/decisions/0004). 索引维护 is a
 * dialog on 检索词典 and 检索日志, shown to holders of `search:manage`.
 */
export const searchRoutes: ConsoleRoute[] = [
  {
    path: '/search/global',
    title: '全局搜索',
    icon: <FileSearchOutlined />,
    resource: 'search',
    permission: 'search:global',
    component: lazy(() => import('./GlobalSearchPage')),
  },
  {
    path: '/search/dictionaries',
    title: '检索词典',
    icon: <BookOutlined />,
    resource: 'search',
    permission: 'search:dictionary',
    component: lazy(() => import('./DictionariesPage')),
  },
  {
    path: '/search/queries',
    title: '检索日志',
    icon: <DashboardOutlined />,
    resource: 'search',
    permission: 'search:log',
    component: lazy(() => import('./QueryLogPage')),
  },
];
