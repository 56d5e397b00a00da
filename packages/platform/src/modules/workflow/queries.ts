import { type ExpressionBuilder, sql } from 'kysely';
import { can, type Principal } from '../../kernel/auth.js';
import type { Db } from '../../kernel/db.js';
import { forbidden, notFound } from '../../kernel/errors.js';
import { isUuid, roleKeysOf } from './assignment.js';
import type { InstanceRow, TaskRow } from './engine.js';
import { modelOf } from './engine.js';
import { rejectTargets } from './service.js';

/*
 * Read side: the four inbox boxes (待办 / 已办 / 我发起的 / 抄送), counts for the menu badges,
 * task and instance detail for the task page and the diagram viewer, and the monitor list.
 */

export type Box = 'todo' | 'done' | 'started' | 'cc';

export interface TaskQuery {
  box?: Box;
  q?: string;
  definitionKey?: string;
  overdue?: boolean;
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

const bounds = (q: { page?: number; pageSize?: number }) => {
  const pageSize = Math.min(Math.max(q.pageSize ?? 20, 1), 200);
  return { limit: pageSize, offset: (Math.max(q.page ?? 1, 1) - 1) * pageSize };
};

const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Open tasks the principal holds or may claim. */
function todoWhere(p: Principal) {
  const keys = roleKeysOf(p);
  return (eb: ExpressionBuilder<any, any>) =>
    eb.and([
      eb('t.state', '=', 'open'),
      eb.or([
        eb('t.assignee_id', '=', p.userId),
        eb.and([
          eb('t.assignee_id', 'is', null),
          eb.or([
            eb(sql`t.candidate_users`, '@>', sql`array[${p.userId}]::uuid[]`),
            ...(keys.length ? [eb(sql`t.candidate_roles`, '&&', sql`array[${sql.join(keys)}]::text[]`)] : []),
          ]),
        ]),
      ]),
    ]);
}

function taskBase(db: Db) {
  return db
    .selectFrom('workflow_tasks as t')
    .innerJoin('workflow_instances as i', 'i.id', 't.instance_id')
    .innerJoin('workflow_definitions as d', 'd.id', 'i.definition_id')
    .leftJoin('identity_users as a', 'a.id', 't.assignee_id')
    .leftJoin('identity_users as s', 's.id', 'i.initiator_id');
}

const TASK_COLUMNS = [
  't.id',
  't.instance_id',
  'i.title as instance_title',
  'i.state as instance_state',
  'd.key as definition_key',
  'd.name as definition_name',
  't.element_id',
  't.name',
  't.state',
  't.assignee_id',
  'a.display_name as assignee_name',
  't.candidate_users',
  't.candidate_roles',
  't.owner_id',
  't.delegation_state',
  't.form_key',
  't.form_version',
  't.due_at',
  't.warn_at',
  't.overdue',
  't.warned',
  't.created_at',
  't.completed_at',
  't.outcome',
  't.opinion',
  's.display_name as initiator_name',
  't.revision',
] as const;

export function taskView(r: any, p: Principal | null) {
  const now = Date.now();
  return {
    id: r.id,
    instanceId: r.instance_id,
    instanceTitle: r.instance_title,
    instanceState: r.instance_state,
    definitionKey: r.definition_key,
    definitionName: r.definition_name,
    elementId: r.element_id,
    name: r.name,
    state: r.state,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name ?? null,
    candidate:
      !!p &&
      !r.assignee_id &&
      r.state === 'open' &&
      ((r.candidate_users ?? []).includes(p.userId) ||
        (r.candidate_roles ?? []).some((k: string) => roleKeysOf(p).includes(k))),
    ownerId: r.owner_id,
    delegationState: r.delegation_state,
    formKey: r.form_key,
    formVersion: r.form_version,
    dueAt: r.due_at,
    warnAt: r.warn_at,
    overdue: r.overdue || (r.state === 'open' && r.due_at !== null && +r.due_at <= now),
    warning: r.state === 'open' && r.warn_at !== null && +r.warn_at <= now,
    createdAt: r.created_at,
    completedAt: r.completed_at,
    outcome: r.outcome,
    opinion: r.opinion,
    initiatorName: r.initiator_name ?? null,
    version: r.revision,
  };
}

export async function listTasks(db: Db, p: Principal, query: TaskQuery) {
  const box = query.box ?? 'todo';
  if (box === 'started') return listStarted(db, p, query);
  if (box === 'cc') return listCc(db, p, query);
  let base = taskBase(db);
  if (box === 'todo') base = base.where(todoWhere(p));
  else {
    base = base.where('t.id', 'in', (eb: ExpressionBuilder<any, any>) =>
      eb
        .selectFrom('workflow_history as h')
        .select('h.task_id')
        .where('h.actor_id', '=', p.userId)
        .where('h.task_id', 'is not', null)
        .where('h.action', 'in', ['complete', 'reject', 'transfer', 'delegate', 'return', 'add-signer']),
    );
  }
  if (query.q)
    base = base.where((eb) =>
      eb.or([eb('t.name', 'ilike', like(query.q as string)), eb('i.title', 'ilike', like(query.q as string))]),
    );
  if (query.definitionKey) base = base.where('d.key', '=', query.definitionKey);
  if (query.overdue) base = base.where('t.due_at', '<=', new Date());
  if (query.from) base = base.where('t.created_at', '>=', new Date(query.from));
  if (query.to) base = base.where('t.created_at', '<', new Date(query.to));
  const { limit, offset } = bounds(query);
  const [rows, count] = await Promise.all([
    base
      .select([...TASK_COLUMNS])
      .orderBy(box === 'todo' ? 't.created_at' : 't.completed_at', box === 'todo' ? 'asc' : 'desc')
      .orderBy('t.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(count.n), items: rows.map((r) => taskView(r, p)) };
}

function instanceBase(db: Db) {
  return db
    .selectFrom('workflow_instances as i')
    .innerJoin('workflow_definitions as d', 'd.id', 'i.definition_id')
    .leftJoin('identity_users as s', 's.id', 'i.initiator_id');
}

const INSTANCE_COLUMNS = [
  'i.id',
  'i.definition_id',
  'i.definition_key',
  'd.name as definition_name',
  'd.version',
  'i.business_key',
  'i.title',
  'i.state',
  'i.initiator_id',
  's.display_name as initiator_name',
  'i.initiator_org_id',
  'i.started_at',
  'i.ended_at',
] as const;

async function currentTasksOf(db: Db, ids: string[]) {
  if (!ids.length) return new Map<string, any[]>();
  const rows = await db
    .selectFrom('workflow_tasks as t')
    .leftJoin('identity_users as a', 'a.id', 't.assignee_id')
    .select([
      't.id',
      't.instance_id',
      't.element_id',
      't.name',
      't.assignee_id',
      'a.display_name as assignee_name',
      't.due_at',
    ])
    .where('t.instance_id', 'in', ids)
    .where('t.state', '=', 'open')
    .orderBy('t.created_at')
    .execute();
  const by = new Map<string, any[]>();
  for (const r of rows) {
    const list = by.get(r.instance_id) ?? [];
    list.push({
      id: r.id,
      elementId: r.element_id,
      name: r.name,
      assigneeId: r.assignee_id,
      assigneeName: r.assignee_name,
      dueAt: r.due_at,
    });
    by.set(r.instance_id, list);
  }
  return by;
}

function instanceView(r: any, current: Map<string, any[]>) {
  return {
    id: r.id,
    definitionId: r.definition_id,
    definitionKey: r.definition_key,
    definitionName: r.definition_name,
    version: r.version,
    businessKey: r.business_key,
    title: r.title,
    state: r.state,
    initiatorId: r.initiator_id,
    initiatorName: r.initiator_name ?? null,
    initiatorOrgId: r.initiator_org_id,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    currentTasks: current.get(r.id) ?? [],
  };
}

async function listStarted(db: Db, p: Principal, query: TaskQuery) {
  let base = instanceBase(db).where('i.initiator_id', '=', p.userId);
  if (query.q) base = base.where('i.title', 'ilike', like(query.q));
  if (query.definitionKey) base = base.where('i.definition_key', '=', query.definitionKey);
  const { limit, offset } = bounds(query);
  const [rows, count] = await Promise.all([
    base
      .select([...INSTANCE_COLUMNS])
      .orderBy('i.started_at', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  const current = await currentTasksOf(
    db,
    rows.map((r) => r.id),
  );
  return {
    total: Number(count.n),
    items: rows.map((r) => ({ ...instanceView(r, current), instanceId: r.id, instanceTitle: r.title })),
  };
}

async function listCc(db: Db, p: Principal, query: TaskQuery) {
  let base = db
    .selectFrom('workflow_cc as c')
    .innerJoin('workflow_instances as i', 'i.id', 'c.instance_id')
    .innerJoin('workflow_definitions as d', 'd.id', 'i.definition_id')
    .leftJoin('workflow_tasks as t', 't.id', 'c.task_id')
    .leftJoin('identity_users as u', 'u.id', 'c.sent_by')
    .where('c.user_id', '=', p.userId);
  if (query.q) base = base.where('i.title', 'ilike', like(query.q));
  const { limit, offset } = bounds(query);
  const [rows, count] = await Promise.all([
    base
      .select([
        'c.id',
        'c.instance_id',
        'i.title',
        'i.state',
        'd.key',
        'd.name as definition_name',
        'c.task_id',
        't.name as task_name',
        't.element_id',
        't.outcome',
        't.opinion',
        'u.display_name as sent_by_name',
        'c.created_at',
        'c.read_at',
      ])
      .orderBy('c.created_at', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r: any) => ({
      id: r.id,
      instanceId: r.instance_id,
      instanceTitle: r.title,
      instanceState: r.state,
      definitionKey: r.key,
      definitionName: r.definition_name,
      taskId: r.task_id,
      name: r.task_name,
      elementId: r.element_id,
      outcome: r.outcome,
      opinion: r.opinion,
      sentByName: r.sent_by_name,
      createdAt: r.created_at,
      readAt: r.read_at,
    })),
  };
}

export async function taskCounts(db: Db, p: Principal) {
  const one = async (q: any) =>
    Number((await q.select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const [todo, overdue, cc, ccUnread, started, done] = await Promise.all([
    one(db.selectFrom('workflow_tasks as t').where(todoWhere(p))),
    one(db.selectFrom('workflow_tasks as t').where(todoWhere(p)).where('t.due_at', '<=', new Date())),
    one(db.selectFrom('workflow_cc').where('user_id', '=', p.userId)),
    one(db.selectFrom('workflow_cc').where('user_id', '=', p.userId).where('read_at', 'is', null)),
    one(
      db
        .selectFrom('workflow_instances')
        .where('initiator_id', '=', p.userId)
        .where('state', 'in', ['running', 'suspended']),
    ),
    one(db.selectFrom('workflow_tasks').where('completed_by', '=', p.userId).where('state', '=', 'completed')),
  ]);
  return { todo, overdue, cc, ccUnread, started, done };
}

export async function markCcRead(db: Db, p: Principal, id: string) {
  if (!isUuid(id)) throw notFound('cc_not_found', '抄送不存在');
  const res = await db
    .updateTable('workflow_cc')
    .set({ read_at: new Date() })
    .where('id', '=', id)
    .where('user_id', '=', p.userId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    const exists = await db
      .selectFrom('workflow_cc')
      .select('id')
      .where('id', '=', id)
      .where('user_id', '=', p.userId)
      .executeTakeFirst();
    if (!exists) throw notFound('cc_not_found', '抄送不存在');
  }
  return { ok: true };
}

/** Who may look at an instance: monitors, the initiator, anyone who held or was offered a task, cc recipients. */
async function assertMaySee(db: Db, p: Principal, inst: Pick<InstanceRow, 'id' | 'initiator_id' | 'initiator_org_id'>) {
  if (inst.initiator_id === p.userId || can(p, 'workflow-instance:read', inst.initiator_org_id)) return;
  const keys = roleKeysOf(p);
  const involved = await db
    .selectFrom('workflow_tasks as t')
    .select('t.id')
    .where('t.instance_id', '=', inst.id)
    .where((eb) =>
      eb.or([
        eb('t.assignee_id', '=', p.userId),
        eb('t.owner_id', '=', p.userId),
        eb('t.completed_by', '=', p.userId),
        eb(sql`t.candidate_users`, '@>', sql`array[${p.userId}]::uuid[]`),
        ...(keys.length ? [eb(sql`t.candidate_roles`, '&&', sql`array[${sql.join(keys)}]::text[]`)] : []),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  if (involved) return;
  const cc = await db
    .selectFrom('workflow_cc')
    .select('id')
    .where('instance_id', '=', inst.id)
    .where('user_id', '=', p.userId)
    .limit(1)
    .executeTakeFirst();
  if (!cc) throw forbidden('instance_forbidden', '无权查看该流程');
}

export async function instanceHistory(db: Db, instanceId: string) {
  const rows = await db
    .selectFrom('workflow_history as h')
    .leftJoin('identity_users as u', 'u.id', 'h.actor_id')
    .leftJoin('workflow_tasks as t', 't.id', 'h.task_id')
    .select([
      'h.id',
      'h.task_id',
      'h.element_id',
      'h.flow_id',
      'h.action',
      'h.actor_id',
      'u.display_name as actor_name',
      'h.opinion',
      'h.detail',
      'h.at',
      't.name as task_name',
    ])
    .where('h.instance_id', '=', instanceId)
    .orderBy('h.id')
    .execute();
  return rows;
}

export async function instanceDetail(db: Db, p: Principal, id: string) {
  if (!isUuid(id)) throw notFound('instance_not_found', '流程实例不存在');
  const row = await instanceBase(db)
    .select([...INSTANCE_COLUMNS, 'i.variables', 'd.xml'])
    .where('i.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('instance_not_found', '流程实例不存在');
  await assertMaySee(db, p, row as any);
  const current = await currentTasksOf(db, [id]);
  const history = await instanceHistory(db, id);
  const tasks = await taskBase(db)
    .select([...TASK_COLUMNS])
    .where('t.instance_id', '=', id)
    .orderBy('t.created_at')
    .execute();
  const executions = await db
    .selectFrom('workflow_executions')
    .select(['element_id', 'kind'])
    .where('instance_id', '=', id)
    .execute();
  const active = new Set(executions.map((e) => e.element_id as string));
  const completed = new Set<string>();
  const flows = new Set<string>();
  for (const h of history) {
    if (h.action === 'node' && h.element_id) completed.add(h.element_id);
    if (h.flow_id) flows.add(h.flow_id);
  }
  for (const a of active) completed.delete(a);
  return {
    ...instanceView(row, current),
    variables: row.variables,
    xml: row.xml,
    tasks: tasks.map((t) => taskView(t, p)),
    history: history.filter((h) => h.action !== 'node').map(historyView),
    activeElementIds: [...active],
    completedElementIds: [...completed],
    takenFlowIds: [...flows],
  };
}

const historyView = (h: any) => ({
  id: Number(h.id),
  taskId: h.task_id,
  taskName: h.task_name ?? null,
  elementId: h.element_id,
  action: h.action,
  actorId: h.actor_id,
  actorName: h.actor_name ?? null,
  opinion: h.opinion,
  detail: h.detail,
  at: h.at,
});

export async function taskDetail(db: Db, p: Principal, id: string) {
  if (!isUuid(id)) throw notFound('task_not_found', '任务不存在');
  const row = await taskBase(db)
    .select([...TASK_COLUMNS, 't.form_data', 'i.definition_id', 'i.initiator_id', 'i.initiator_org_id'])
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('task_not_found', '任务不存在');
  const instance = await instanceDetail(db, p, row.instance_id);
  const model = await modelOf(db as any, row.definition_id);
  const targets =
    row.state === 'open'
      ? await rejectTargets(db, { model, instance: { id: row.instance_id } as InstanceRow }, row as unknown as TaskRow)
      : [];
  return { ...taskView(row, p), formData: row.form_data, instance, history: instance.history, rejectTargets: targets };
}

export interface InstanceQuery {
  state?: string;
  definitionKey?: string;
  initiatorId?: string;
  orgId?: string;
  q?: string;
  from?: string;
  to?: string;
  /** Only instances with an open task past its deadline (超期). */
  overdue?: boolean;
  page?: number;
  pageSize?: number;
}

/** 流程监控 list, limited to the instances whose initiator org the monitor's scope covers. */
export async function listInstances(db: Db, p: Principal, query: InstanceQuery) {
  const scope = p.permissions.get('workflow-instance:read');
  if (!scope) throw forbidden();
  let base = instanceBase(db);
  if (scope.kind === 'orgs') {
    if (!scope.orgIds.length) return { items: [], total: 0 };
    base = base.where('i.initiator_org_id', 'in', scope.orgIds);
  }
  if (query.state) base = base.where('i.state', '=', query.state);
  if (query.definitionKey) base = base.where('i.definition_key', '=', query.definitionKey);
  if (query.initiatorId) base = base.where('i.initiator_id', '=', query.initiatorId);
  if (query.orgId) base = base.where('i.initiator_org_id', '=', query.orgId);
  if (query.q)
    base = base.where((eb) =>
      eb.or([eb('i.title', 'ilike', like(query.q as string)), eb('i.business_key', '=', query.q as string)]),
    );
  if (query.from) base = base.where('i.started_at', '>=', new Date(query.from));
  if (query.to) base = base.where('i.started_at', '<', new Date(query.to));
  if (query.overdue)
    base = base.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('workflow_tasks as t')
          .select('t.id')
          .whereRef('t.instance_id', '=', 'i.id')
          .where('t.state', '=', 'open')
          .where('t.due_at', '<=', new Date()),
      ),
    );
  const { limit, offset } = bounds(query);
  const [rows, count] = await Promise.all([
    base
      .select([...INSTANCE_COLUMNS])
      .orderBy('i.started_at', 'desc')
      .orderBy('i.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  const current = await currentTasksOf(
    db,
    rows.map((r) => r.id),
  );
  return { total: Number(count.n), items: rows.map((r) => instanceView(r, current)) };
}
