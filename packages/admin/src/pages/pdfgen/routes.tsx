import { FileTextOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { ConsoleRoute } from '../../routes';

/** Console pages of the pdfgen module; listed in packages/admin/src/routes.tsx. */
export const pdfgenRoutes: ConsoleRoute[] = [
  {
    path: '/seal/templates',
    title: '文书模板',
    icon: <FileTextOutlined />,
    resource: 'pdfgen',
    permission: 'pdfgen:template',
    component: lazy(() => import('./TemplatesPage')),
  },
];
