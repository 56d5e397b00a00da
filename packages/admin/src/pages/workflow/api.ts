/* Shapes of /api/workflow (docs/decisions/0005-workflow-contracts.md, "HTTP"). */
import { api, type Page } from '../../api/client';

export interface FieldError {
  field: string;
  message: string;
}

export interface DefinitionView {
  id: string;
  key: string;
  name: string;
  version: number;
  category: string | null;
  deployedAt: string;
  deployedBy: string | null;
  deployedByName: string | null;
  versions?: number;
  runningInstances?: number;
}

export interface DefinitionDetail extends DefinitionView {
  xml: string;
  userTasks: { id: string; name: string; formKey: string | null }[];
}

export interface ValidationResult {
  ok: boolean;
  key: string | null;
  name: string | null;
  errors: FieldError[];
}

export type InstanceState = 'running' | 'suspended' | 'completed' | 'terminated' | 'withdrawn';

export interface CurrentTask {
  id: string;
  elementId: string;
  name: string;
  assigneeName: string | null;
  dueAt?: string | null;
}

export interface InstanceView {
  id: string;
  definitionId: string;
  definitionKey: string;
  definitionName: string;
  version: number;
  businessKey: string | null;
  title: string | null;
  state: InstanceState;
  initiatorId: string | null;
  initiatorName: string | null;
  initiatorOrgId: string | null;
  startedAt: string;
  endedAt: string | null;
  currentTasks: CurrentTask[];
}

export interface HistoryEntry {
  id: number;
  at: string;
  /** start, complete, reject, claim, transfer, delegate, return, add-signer, reassign, escalate, end … */
  action: string;
  taskId: string | null;
  taskName: string | null;
  elementId: string | null;
  actorId: string | null;
  actorName: string | null;
  opinion: string | null;
  /** JSON (object or its text): `outcome` of complete, `target` of reject, `result` of multi-result. */
  detail: Record<string, unknown> | string | null;
}

export interface InstanceDetail extends InstanceView {
  variables: Record<string, unknown>;
  tasks: TaskView[];
  history: HistoryEntry[];
  activeElementIds: string[];
  completedElementIds: string[];
  takenFlowIds: string[];
  xml: string;
}

export type TaskState = 'open' | 'completed' | 'cancelled';

export interface TaskView {
  id: string;
  instanceId: string;
  instanceTitle: string | null;
  definitionKey: string;
  definitionName: string;
  elementId: string;
  name: string;
  state: TaskState;
  assigneeId: string | null;
  assigneeName: string | null;
  candidate: boolean;
  ownerId: string | null;
  delegationState: 'pending' | 'resolved' | null;
  formKey: string | null;
  formVersion: number | null;
  dueAt: string | null;
  warnAt: string | null;
  overdue: boolean;
  warning: boolean;
  createdAt: string;
  completedAt: string | null;
  outcome: string | null;
  opinion: string | null;
  initiatorName: string | null;
  version?: number;
  /** 抄送 rows carry their own id and read flag. */
  read?: boolean;
}

export interface TaskDetail extends TaskView {
  formData: Record<string, unknown> | null;
  instance: InstanceDetail | InstanceView;
  history: HistoryEntry[];
  rejectTargets: { elementId: string; name: string }[];
}

export interface TaskCounts {
  todo: number;
  overdue: number;
  cc: number;
  ccUnread: number;
  started: number;
  done: number;
}

export type CalendarDayKind = 'holiday' | 'workday';

export interface CalendarDay {
  date: string;
  kind: CalendarDayKind;
  name: string;
}

export interface WorkHours {
  start: string;
  end: string;
  lunchStart: string | null;
  lunchEnd: string | null;
}

export interface CalendarYear {
  year: number;
  days: CalendarDay[];
  workHours: WorkHours;
}

const base = '/workflow';

export const workflowApi = {
  definitions: (query: Record<string, string | undefined>) =>
    api.get<Page<DefinitionView>>(`${base}/definitions`, query),
  versions: (key: string) =>
    api.get<{ items: DefinitionView[] }>(`${base}/definitions/${encodeURIComponent(key)}/versions`),
  definition: (key: string, version?: number) =>
    api.get<DefinitionDetail>(
      version
        ? `${base}/definitions/${encodeURIComponent(key)}/versions/${version}`
        : `${base}/definitions/${encodeURIComponent(key)}`,
    ),
  validate: (xml: string) => api.post<ValidationResult>(`${base}/definitions/validate`, { xml }),
  deploy: (xml: string) => api.post<DefinitionView>(`${base}/definitions`, { xml }),
  instance: (id: string) => api.get<InstanceDetail>(`${base}/instances/${id}`),
  start: (body: { definitionKey: string; title?: string; variables?: Record<string, unknown> }) =>
    api.post<InstanceView>(`${base}/instances`, body),
  instanceAction: (id: string, action: 'suspend' | 'resume' | 'terminate' | 'withdraw', reason?: string) =>
    api.post<InstanceView>(`${base}/instances/${id}/${action}`, reason ? { reason } : {}),
  counts: () => api.get<TaskCounts>(`${base}/tasks/counts`),
  task: (id: string) => api.get<TaskDetail>(`${base}/tasks/${id}`),
  taskAction: <T = unknown>(id: string, action: string, body: Record<string, unknown> = {}) =>
    api.post<T>(`${base}/tasks/${id}/${action}`, body),
  readCc: (id: string) => api.post(`${base}/cc/${id}/read`),
  calendar: (year: number) => api.get<CalendarYear>(`${base}/calendar/${year}`),
  saveCalendar: (year: number, days: CalendarDay[]) => api.put(`${base}/calendar/${year}`, { days }),
  saveWorkHours: (body: WorkHours) => api.put(`${base}/calendar/work-hours`, body),
  compute: (body: { start: string; amount: number; unit: string }) =>
    api.post<{ deadline: string }>(`${base}/calendar/compute`, body),
};

export const instanceStateLabels: Record<InstanceState, { text: string; color: string }> = {
  running: { text: '运行中', color: 'processing' },
  suspended: { text: '已挂起', color: 'warning' },
  completed: { text: '已办结', color: 'success' },
  terminated: { text: '已终止', color: 'error' },
  withdrawn: { text: '已撤回', color: 'default' },
};

/** History actions as people say them. */
export const historyActionLabels: Record<string, string> = {
  start: '发起',
  complete: '办理',
  'multi-result': '会签结果',
  claim: '认领',
  unclaim: '放弃认领',
  unassigned: '待认领',
  transfer: '转办',
  delegate: '委派',
  return: '归还',
  'add-signer': '加签',
  reject: '退回',
  reassign: '改派',
  escalate: '超期升级',
  withdraw: '撤回',
  withdrawn: '撤回',
  'withdraw-reason': '撤回原因',
  suspend: '挂起',
  suspended: '挂起',
  resume: '恢复',
  terminate: '终止',
  terminated: '终止',
  message: '收到消息',
  timer: '定时到期',
  cancel: '任务取消',
  end: '办结',
};

/** `detail` is jsonb: an object from PostgreSQL drivers, sometimes still its text. */
export function historyDetail(entry: HistoryEntry): Record<string, unknown> {
  if (!entry.detail) return {};
  if (typeof entry.detail === 'object') return entry.detail;
  try {
    return JSON.parse(entry.detail) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function historyActionLabel(action: string): string {
  return historyActionLabels[action] ?? action;
}

export const outcomeLabels: Record<string, string> = {
  approve: '同意',
  reject: '不同意',
  approved: '通过',
  rejected: '未通过',
};
