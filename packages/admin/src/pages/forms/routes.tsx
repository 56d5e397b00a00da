import { FormOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { ConsoleRoute } from '../../routes';

/** Console pages of the forms module; listed in packages/admin/src/routes.tsx. */
export const formsRoutes: ConsoleRoute[] = [
  {
    path: '/forms/definitions',
    title: '表单管理',
    icon: <FormOutlined />,
    resource: 'form',
    permission: 'form:read',
    component: lazy(() => import('./FormsPage')),
  },
  {
    path: '/forms/definitions/:key',
    title: '表单设计',
    icon: <FormOutlined />,
    resource: 'form',
    permission: 'form:read',
    menuPath: '/forms/definitions',
    component: lazy(() => import('./DesignerPage')),
  },
];
