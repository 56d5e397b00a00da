import {
  CalendarOutlined,
  DeploymentUnitOutlined,
  FundViewOutlined,
  InboxOutlined,
  PartitionOutlined,
} from '@ant-design/icons';
import { lazy } from 'react';
import type { ConsoleRoute } from '../../routes';
import { workflowApi } from './api';

/** 流程中心 (docs/decisions/0005, "Menus"); listed in packages/admin/src/routes.tsx. */
const designer = lazy(() => import('./DesignerPage'));
const instanceDetail = lazy(() => import('./InstanceDetailPage'));

export const workflowRoutes: ConsoleRoute[] = [
  {
    path: '/workflow/inbox',
    title: '我的任务',
    icon: <InboxOutlined />,
    resource: 'workflow-task',
    component: lazy(() => import('./InboxPage')),
    badge: async () => (await workflowApi.counts()).todo,
  },
  {
    path: '/workflow/tasks/:id',
    title: '办理任务',
    icon: <InboxOutlined />,
    resource: 'workflow-task',
    menuPath: '/workflow/inbox',
    component: lazy(() => import('./TaskPage')),
  },
  {
    // 我发起的 / 抄送: the instance as its initiator or a cc recipient sees it (no monitoring permission).
    path: '/workflow/inbox/instances/:id',
    title: '流程详情',
    icon: <InboxOutlined />,
    resource: 'workflow-task',
    menuPath: '/workflow/inbox',
    component: instanceDetail,
  },
  {
    path: '/workflow/definitions',
    title: '流程定义',
    icon: <PartitionOutlined />,
    resource: 'workflow-definition',
    permission: 'workflow-definition:read',
    component: lazy(() => import('./DefinitionsPage')),
  },
  {
    path: '/workflow/definitions/new',
    title: '新建流程',
    icon: <DeploymentUnitOutlined />,
    resource: 'workflow-definition',
    permission: 'workflow-definition:read',
    menuPath: '/workflow/definitions',
    component: designer,
  },
  {
    path: '/workflow/definitions/:key',
    title: '流程设计',
    icon: <DeploymentUnitOutlined />,
    resource: 'workflow-definition',
    permission: 'workflow-definition:read',
    menuPath: '/workflow/definitions',
    component: designer,
  },
  {
    path: '/workflow/instances',
    title: '流程监控',
    icon: <FundViewOutlined />,
    resource: 'workflow-instance',
    permission: 'workflow-instance:read',
    component: lazy(() => import('./InstancesPage')),
  },
  {
    path: '/workflow/instances/:id',
    title: '流程详情',
    icon: <FundViewOutlined />,
    resource: 'workflow-instance',
    permission: 'workflow-instance:read',
    menuPath: '/workflow/instances',
    component: instanceDetail,
  },
  {
    path: '/workflow/calendar',
    title: '工作日历',
    icon: <CalendarOutlined />,
    resource: 'workflow-calendar',
    permission: 'workflow-calendar:manage',
    component: lazy(() => import('./CalendarPage')),
  },
];
