import type { JiyueModule, Kernel } from '../../kernel/module.js';
import type { PermissionDef } from '../../kernel/permissions.js';
import { ensureModuleMenus } from '../settings/index.js';
import { markOverdueClocks } from './calendar.js';
import { CMS_REVIEW_BPMN, CMS_REVIEW_KEY } from './cms-review-process.js';
import { deployDefinition } from './definitions.js';
import { workflowRoutes } from './routes.js';
import { workflowMigrations } from './schema.js';
import { fireDueTimers, markTaskDeadlines } from './service.js';

export {
  addWorkingTime,
  clockStatus,
  deadlineFor,
  isWorkday,
  parseDuration,
  pauseClock,
  resumeClock,
  startClock,
  stopClock,
  workingTimeBetween,
} from './calendar.js';
export { CMS_REVIEW_KEY } from './cms-review-process.js';
export { deployDefinition, getDefinition, validateBpmn } from './definitions.js';
export { registerServiceHandler, type ServiceHandler, type TaskDecision } from './engine.js';
export { jiyueModdleDescriptor } from './moddle.js';
export {
  addSigners,
  claimTask,
  completeTask,
  correlateMessage,
  delegateTask,
  fireDueTimers,
  instanceAction,
  isCandidate,
  markTaskDeadlines,
  openTasksByBusinessKey,
  reassignTask,
  rejectTask,
  returnTask,
  startInstance,
  terminateByBusinessKey,
  transferTask,
  withdrawInstance,
} from './service.js';

const group = '流程中心';

export const WORKFLOW_PERMISSIONS: PermissionDef[] = [
  { code: 'workflow-definition:read', name: '查看流程定义', group },
  { code: 'workflow-definition:deploy', name: '设计、部署流程', group },
  { code: 'workflow-instance:read', name: '流程监控（查看流程实例）', group },
  { code: 'workflow-instance:manage', name: '挂起、恢复、终止流程，改派任务', group },
  { code: 'workflow-calendar:manage', name: '维护工作日历', group },
];

export const TICK_JOB = 'workflow.tick';

/** The minute tick: due timers, task warnings/overdue marks, overdue SLA clocks. */
async function tick(kernel: Kernel) {
  const fired = await fireDueTimers(kernel);
  const marks = await markTaskDeadlines(kernel);
  const clocks = await kernel.db.transaction().execute(async (tx) => {
    const overdue = await markOverdueClocks(tx);
    for (const c of overdue) {
      await kernel.events.emit(tx, 'workflow.clock.overdue', {
        clockId: c.id,
        ownerType: c.owner_type,
        ownerId: c.owner_id,
      });
    }
    return overdue.length;
  });
  return { fired, ...marks, clocks };
}

async function seedWorkflow(kernel: Kernel): Promise<void> {
  await ensureModuleMenus(kernel, {
    name: group,
    icon: 'PartitionOutlined',
    children: [
      { name: '我的任务', path: '/workflow/inbox', icon: 'ScheduleOutlined' },
      {
        name: '流程定义',
        path: '/workflow/definitions',
        icon: 'ApartmentOutlined',
        permission: 'workflow-definition:read',
      },
      {
        name: '流程监控',
        path: '/workflow/instances',
        icon: 'DashboardOutlined',
        permission: 'workflow-instance:read',
      },
      {
        name: '工作日历',
        path: '/workflow/calendar',
        icon: 'ScheduleOutlined',
        permission: 'workflow-calendar:manage',
      },
    ],
  });
  const deployed = await kernel.db
    .selectFrom('workflow_definitions')
    .select('id')
    .where('key', '=', CMS_REVIEW_KEY)
    .executeTakeFirst();
  if (!deployed) await deployDefinition(kernel, null, { xml: CMS_REVIEW_BPMN });
}

/** 统一 workflow 服务: BPMN 2.0 definitions, runtime, task inbox, SLA clocks. */
export const workflowModule: JiyueModule = {
  name: 'workflow',
  migrations: workflowMigrations,
  permissions: WORKFLOW_PERMISSIONS,
  routes: workflowRoutes,
  jobs: {
    [TICK_JOB]: async (_job, { kernel, progress }) => {
      const result = await tick(kernel);
      await progress(1, 1, `定时器 ${result.fired}，预警 ${result.warned}，超期 ${result.overdue}`);
      return result;
    },
  },
  cron: [{ name: 'workflow.minute-tick', schedule: '* * * * *', job: TICK_JOB }],
  seed: seedWorkflow,
};
