import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { can, type Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { type AppError, badRequest, conflict, forbidden, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { validateFormData } from '../forms/index.js';
import { isUuid, resolveRules, roleKeysOf, userIds } from './assignment.js';
import { type ExecRow, type InstanceRow, modelOf, Run, type TaskRow } from './engine.js';

/*
 * Commands on instances and tasks. Each runs in one transaction (the caller's `tx` when given),
 * starting with the instance row lock taken by Run.load.
 */

export interface Actor {
  principal: Principal | null;
  ip?: string | null;
}

const inTx = <T>(kernel: Kernel, tx: Tx | undefined, fn: (tx: Tx) => Promise<T>) =>
  tx ? fn(tx) : kernel.db.transaction().execute(fn);

const auditName = (p: Principal | null) => (p ? `${p.displayName}（${p.username}）` : '系统');

// ---- start ----

export interface StartInput {
  definitionKey?: string;
  definitionId?: string;
  businessKey?: string | null;
  title?: string;
  variables?: Record<string, unknown>;
  /** Initiator when started on someone's behalf (a module acting for an applicant). */
  initiatorId?: string | null;
  initiatorOrgId?: string | null;
}

export async function startInstance(kernel: Kernel, actor: Actor, input: StartInput, tx?: Tx) {
  return inTx(kernel, tx, async (tx) => {
    let q = tx.selectFrom('workflow_definitions').select(['id', 'key', 'name']);
    if (input.definitionId) q = q.where('id', '=', input.definitionId);
    else
      q = q
        .where('key', '=', input.definitionKey ?? '')
        .orderBy('version', 'desc')
        .limit(1);
    const def = await q.executeTakeFirst();
    if (!def) throw notFound('definition_not_found', '流程定义不存在');
    const model = await modelOf(tx, def.id);
    const p = actor.principal;
    const instance: InstanceRow = {
      id: randomUUID(),
      definition_id: def.id,
      definition_key: def.key,
      business_key: input.businessKey ?? null,
      title: input.title || def.name,
      state: 'running',
      initiator_id: input.initiatorId !== undefined ? input.initiatorId : (p?.userId ?? null),
      initiator_org_id: input.initiatorOrgId !== undefined ? input.initiatorOrgId : (p?.orgId ?? null),
      variables: { ...(input.variables ?? {}) },
      revision: 0,
      started_at: new Date(),
      ended_at: null,
    };
    instance.variables.initiatorId ??= instance.initiator_id;
    instance.variables.initiatorOrgId ??= instance.initiator_org_id;
    const run = Run.create(kernel, tx, instance, model, p?.userId ?? null);
    run.log({ action: 'start' });
    run.emit('workflow.instance.started', {
      instanceId: instance.id,
      definitionKey: def.key,
      businessKey: instance.business_key,
      initiatorId: instance.initiator_id,
    });
    run.start();
    await run.drain();
    await run.flush();
    return { id: instance.id, state: instance.state };
  });
}

// ---- task helpers ----

export function isCandidate(task: Pick<TaskRow, 'candidate_users' | 'candidate_roles'>, p: Principal): boolean {
  if (task.candidate_users?.includes(p.userId)) return true;
  const keys = roleKeysOf(p);
  return (task.candidate_roles ?? []).some((r) => keys.includes(r));
}

/** Who may act on an open task: its assignee, or (unclaimed) a candidate. */
function mayHandle(task: TaskRow, p: Principal): boolean {
  if (task.assignee_id) return task.assignee_id === p.userId;
  return isCandidate(task, p);
}

function assertOpen(task: TaskRow): void {
  if (task.state !== 'open') {
    throw conflict('task_not_open', task.state === 'completed' ? '该任务已被办理' : '该任务已取消', {
      detail: '请刷新待办列表',
    });
  }
}

function notYours(): AppError {
  return forbidden('task_not_yours', '这不是您的待办任务');
}

/** Locks the instance and reads the task with it. */
async function lockTask(kernel: Kernel, tx: Tx, taskId: string, actorId: string | null) {
  if (!isUuid(taskId)) throw notFound('task_not_found', '任务不存在');
  return Run.loadForTask(kernel, tx, taskId, actorId);
}

interface TaskActionContext {
  run: Run;
  task: TaskRow;
  p: Principal;
  tx: Tx;
}

/**
 * The frame of every task action: one transaction (the caller's when given), the instance locked,
 * the task open; unless told otherwise the instance must be running and the caller must hold the
 * task. The run's history, tokens and events are written after `act`.
 */
async function taskAction<T>(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  rules: { running: boolean; holder: boolean },
  act: (c: TaskActionContext) => Promise<T>,
  tx?: Tx,
): Promise<T> {
  const p = actor.principal;
  if (!p) throw forbidden();
  return inTx(kernel, tx, async (tx) => {
    const { run, task } = await lockTask(kernel, tx, taskId, p.userId);
    assertOpen(task);
    if (rules.running) run.assertRunning();
    if (rules.holder && !mayHandle(task, p)) throw notYours();
    const result = await act({ run, task, p, tx });
    await run.flush();
    return result;
  });
}

const HOLDER = { running: true, holder: true };

/** A history entry about the task. */
function logTask(run: Run, task: TaskRow, action: string, opinion?: string | null, detail?: unknown): void {
  run.log({
    task_id: task.id,
    element_id: task.element_id,
    action,
    opinion: opinion ?? null,
    detail: detail === undefined ? null : detail,
  });
}

async function userExists(tx: Tx, userId: string): Promise<string> {
  const [id] = await userIds(tx, [userId]);
  if (!id)
    throw badRequest('user_not_found', '用户不存在或已停用', {
      errors: [{ field: 'userId', message: '用户不存在或已停用' }],
    });
  return id;
}

function assignedEvent(run: Run, task: TaskRow, assigneeId: string | null, reason: string) {
  run.emit('workflow.task.assigned', { taskId: task.id, instanceId: task.instance_id, assigneeId, reason });
}

function completedEvent(run: Run, task: TaskRow, outcome: string, actorId: string) {
  run.emit('workflow.task.completed', {
    taskId: task.id,
    instanceId: task.instance_id,
    elementId: task.element_id,
    outcome,
    actorId,
  });
}

// ---- complete ----

export interface CompleteInput {
  outcome?: string;
  opinion?: string | null;
  formData?: Record<string, unknown>;
  variables?: Record<string, unknown>;
}

/**
 * The task's form (module forms): validated inside the command's transaction, and the cleaned submission (unknown/hidden fields stripped, computed
 * fields recomputed) is what gets stored. Throws 400 `form_invalid` with Chinese field messages.
 */
async function validateForm(kernel: Kernel, task: TaskRow, data: Record<string, unknown> | undefined, tx: Tx) {
  if (!task.form_key) return data;
  const result = await validateFormData(kernel, task.form_key, task.form_version ?? undefined, data ?? {}, tx);
  return result.data;
}

/**
 * 办理. `callerAuthorized`: a module that already decided this principal may act (the CMS checks
 * 审核 permission on the site) skips the assignee/candidate check; everything else still applies.
 */
export async function completeTask(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  input: CompleteInput,
  tx?: Tx,
  options: { callerAuthorized?: boolean } = {},
) {
  const rules = { running: true, holder: !options.callerAuthorized };
  return taskAction(
    kernel,
    actor,
    taskId,
    rules,
    async ({ run, task, p, tx }) => {
      if (task.delegation_state === 'pending') {
        throw conflict('task_delegated', '委派中的任务须由被委派人办理后交回', { detail: '请使用「交回」' });
      }
      const formData = await validateForm(kernel, task, input.formData, tx);
      const outcome = input.outcome ?? 'approve';
      run.updateTask(task.id, {
        state: 'completed',
        assignee_id: p.userId,
        outcome,
        opinion: input.opinion ?? null,
        form_data: formData ? JSON.stringify(formData) : null,
        completed_by: p.userId,
        completed_at: new Date(),
      });
      run.decision = {
        taskId: task.id,
        elementId: task.element_id,
        actorId: p.userId,
        outcome,
        opinion: input.opinion ?? null,
      };
      logTask(run, task, 'complete', input.opinion, { outcome });
      run.setVariables({
        ...(formData ? { ...formData, form: formData } : {}),
        ...(input.variables ?? {}),
        outcome,
        [`${task.element_id}_outcome`]: outcome,
      });
      completedEvent(run, task, outcome, p.userId);
      const exec = run.execs.get(task.execution_id);
      if (!exec) throw conflict('execution_missing', '流程状态不一致，请联系管理员');
      const node = run.model.nodes[task.element_id];
      await run.sendCc(node, task.id);
      if (exec.multi) await advanceMulti(run, exec, task, outcome !== 'reject');
      else run.completeActivity(exec, true);
      await run.drain();
      return { taskId: task.id, instanceId: task.instance_id, instanceState: run.instance.state };
    },
    tx,
  );
}

/** 会签 / 或签: counts the decision and decides whether the activity is over. */
async function advanceMulti(run: Run, exec: ExecRow, task: TaskRow, approve: boolean): Promise<void> {
  const m = exec.multi as NonNullable<ExecRow['multi']>;
  m.completed += 1;
  if (approve) m.approvals += 1;
  else m.rejections += 1;
  const total = m.users.length;
  let result: 'approved' | 'rejected' | null = null;
  if (m.signMode === 'any') result = approve ? 'approved' : 'rejected';
  else if (m.signMode === 'all') {
    if (!approve) result = 'rejected';
    else if (m.approvals >= total) result = 'approved';
  } else {
    const need = Math.ceil(m.passRatio * total - 1e-9);
    if (m.approvals >= need) result = 'approved';
    else if (total - m.rejections < need) result = 'rejected';
  }
  const el = task.element_id;
  if (result) {
    run.setVariables({
      [`${el}_result`]: result,
      [`${el}_approvals`]: m.approvals,
      [`${el}_rejections`]: m.rejections,
    });
    run.log({
      element_id: el,
      action: 'multi-result',
      actor_id: null,
      detail: { result, approvals: m.approvals, rejections: m.rejections, total },
    });
    run.completeActivity(exec);
    return;
  }
  run.markDirty(exec);
  if (m.sequential && m.created < total) {
    await run.addTask(run.model.nodes[el], exec, { assignee: m.users[m.created] });
    m.created += 1;
  }
}

// ---- other task actions ----

export async function claimTask(kernel: Kernel, actor: Actor, taskId: string) {
  return taskAction(kernel, actor, taskId, { running: true, holder: false }, async ({ run, task, p }) => {
    if (task.assignee_id === p.userId) return { taskId: task.id };
    if (task.assignee_id) throw conflict('task_already_claimed', '该任务已被他人签收');
    if (!isCandidate(task, p)) throw notYours();
    run.updateTask(task.id, { assignee_id: p.userId });
    logTask(run, task, 'claim');
    assignedEvent(run, task, p.userId, 'claim');
    return { taskId: task.id };
  });
}

export async function unclaimTask(kernel: Kernel, actor: Actor, taskId: string) {
  return taskAction(kernel, actor, taskId, { running: false, holder: false }, async ({ run, task, p }) => {
    if (task.assignee_id !== p.userId) throw notYours();
    if (!isCandidate(task, p)) throw conflict('task_not_claimed', '该任务是直接指派的，不能退回签收');
    run.updateTask(task.id, { assignee_id: null });
    logTask(run, task, 'unclaim');
    return { taskId: task.id };
  });
}

/** 转办: somebody else holds the task from now on. */
export async function transferTask(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  input: { userId: string; opinion?: string | null },
) {
  return taskAction(kernel, actor, taskId, HOLDER, async ({ run, task, tx }) => {
    const to = await userExists(tx, input.userId);
    run.updateTask(task.id, { assignee_id: to, owner_id: null, delegation_state: null });
    logTask(run, task, 'transfer', input.opinion, { to });
    assignedEvent(run, task, to, 'transfer');
    return { taskId: task.id, assigneeId: to };
  });
}

/** 委派: the delegate works on the task and hands it back (交回) to its owner. */
export async function delegateTask(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  input: { userId: string; opinion?: string | null },
) {
  return taskAction(kernel, actor, taskId, HOLDER, async ({ run, task, p, tx }) => {
    if (task.delegation_state === 'pending') throw conflict('task_delegated', '该任务已委派，等待交回');
    const to = await userExists(tx, input.userId);
    if (to === p.userId) throw badRequest('delegate_self', '不能委派给自己');
    run.updateTask(task.id, { owner_id: p.userId, assignee_id: to, delegation_state: 'pending' });
    logTask(run, task, 'delegate', input.opinion, { to });
    assignedEvent(run, task, to, 'delegate');
    return { taskId: task.id, assigneeId: to };
  });
}

export async function returnTask(kernel: Kernel, actor: Actor, taskId: string, input: { opinion?: string | null }) {
  return taskAction(kernel, actor, taskId, { running: false, holder: false }, async ({ run, task, p }) => {
    if (task.delegation_state !== 'pending' || task.assignee_id !== p.userId) throw notYours();
    run.updateTask(task.id, { assignee_id: task.owner_id, delegation_state: 'resolved' });
    logTask(run, task, 'return', input.opinion);
    assignedEvent(run, task, task.owner_id, 'return');
    return { taskId: task.id, assigneeId: task.owner_id };
  });
}

/** 加签: more signers on the task; a plain task becomes a 会签 of everybody involved. */
export async function addSigners(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  input: { userIds: string[]; opinion?: string | null },
) {
  return taskAction(kernel, actor, taskId, HOLDER, async ({ run, task, p, tx }) => {
    const added = await userIds(tx, input.userIds);
    if (added.length !== new Set(input.userIds).size) {
      throw badRequest('user_not_found', '用户不存在或已停用', {
        errors: [{ field: 'userIds', message: '含有不存在或已停用的用户' }],
      });
    }
    const exec = run.execs.get(task.execution_id) as ExecRow;
    const node = run.model.nodes[task.element_id];
    if (!exec.multi) {
      exec.multi = {
        users: [task.assignee_id ?? p.userId],
        signMode: 'all',
        passRatio: 1,
        sequential: false,
        created: 1,
        completed: 0,
        approvals: 0,
        rejections: 0,
      };
    }
    const m = exec.multi;
    const fresh = added.filter((u) => !m.users.includes(u));
    if (fresh.length === 0) throw conflict('signer_exists', '所选人员已在办理人中');
    m.users.push(...fresh);
    if (!m.sequential) {
      for (const u of fresh) await run.addTask(node, exec, { assignee: u });
      m.created += fresh.length;
    }
    run.markDirty(exec);
    logTask(run, task, 'add-signer', input.opinion, { users: fresh });
    return { taskId: task.id, signers: m.users };
  });
}

/** 驳回: back to an earlier user task of the same scope; parallel branches of that scope are cancelled. */
export async function rejectTask(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  input: { targetElementId: string; opinion: string },
) {
  return taskAction(kernel, actor, taskId, HOLDER, async ({ run, task, p, tx }) => {
    const exec = run.execs.get(task.execution_id) as ExecRow;
    const targets = await rejectTargets(tx, run, task);
    if (!targets.some((t) => t.elementId === input.targetElementId)) {
      throw badRequest('reject_target_invalid', '只能驳回到本流程中已经办理过的前序环节', {
        errors: [{ field: 'targetElementId', message: '不是可驳回的环节' }],
      });
    }
    run.updateTask(task.id, {
      state: 'completed',
      outcome: 'reject',
      opinion: input.opinion,
      completed_by: p.userId,
      completed_at: new Date(),
      assignee_id: p.userId,
    });
    logTask(run, task, 'reject', input.opinion, { target: input.targetElementId });
    run.setVariables({ outcome: 'reject', [`${task.element_id}_outcome`]: 'reject' });
    completedEvent(run, task, 'reject', p.userId);
    for (const e of run.childrenOf(exec.parent_id)) run.removeExec(e);
    run.enter(input.targetElementId, exec.parent_id);
    await run.drain();
    return { taskId: task.id, instanceId: task.instance_id };
  });
}

/** Earlier user tasks of the same scope that were completed in this instance. */
export async function rejectTargets(
  db: Db | Tx,
  run: Pick<Run, 'model' | 'instance'>,
  task: Pick<TaskRow, 'element_id'>,
) {
  const node = run.model.nodes[task.element_id];
  const rows = await db
    .selectFrom('workflow_history')
    .select('element_id')
    .distinct()
    .where('instance_id', '=', run.instance.id)
    .where('action', '=', 'complete')
    .execute();
  return rows
    .map((r: { element_id: string }) => run.model.nodes[r.element_id])
    .filter((n) => n && n.type === 'userTask' && n.id !== node.id && n.scope === node.scope)
    .map((n) => ({ elementId: n.id, name: n.name || n.id }));
}

/** 管理员改派. */
export async function reassignTask(
  kernel: Kernel,
  actor: Actor,
  taskId: string,
  input: { userId: string; reason?: string | null },
) {
  return taskAction(kernel, actor, taskId, { running: false, holder: false }, async ({ run, task, p, tx }) => {
    if (!can(p, 'workflow-instance:manage', run.instance.initiator_org_id)) throw forbidden();
    const to = await userExists(tx, input.userId);
    run.updateTask(task.id, { assignee_id: to, owner_id: null, delegation_state: null });
    logTask(run, task, 'reassign', input.reason, { from: task.assignee_id, to });
    assignedEvent(run, task, to, 'reassign');
    await kernel.audit.record(tx, {
      actorId: p.userId,
      actorName: auditName(p),
      ip: actor.ip ?? null,
      action: 'reassign',
      resource: 'workflow.task',
      resourceId: task.id,
      summary: `改派任务「${task.name}」（流程「${run.instance.title}」）`,
      detail: { from: task.assignee_id, to },
    });
    return { taskId: task.id, assigneeId: to };
  });
}

// ---- instance actions ----

type InstanceAction = 'suspend' | 'resume' | 'terminate';
const ACTION_NAMES: Record<InstanceAction | 'withdraw', string> = {
  suspend: '挂起',
  resume: '恢复',
  terminate: '终止',
  withdraw: '撤回',
};

export async function instanceAction(
  kernel: Kernel,
  actor: Actor,
  instanceId: string,
  action: InstanceAction,
  reason?: string | null,
) {
  const p = actor.principal as Principal;
  if (!isUuid(instanceId)) throw notFound('instance_not_found', '流程实例不存在');
  return kernel.db.transaction().execute(async (tx) => {
    const run = await Run.load(kernel, tx, instanceId, p.userId);
    const inst = run.instance;
    if (!can(p, 'workflow-instance:manage', inst.initiator_org_id)) throw forbidden();
    if (action === 'suspend') {
      if (inst.state !== 'running') throw conflict('instance_not_running', '只有运行中的流程可以挂起');
      inst.state = 'suspended';
    } else if (action === 'resume') {
      if (inst.state !== 'suspended') throw conflict('instance_not_suspended', '流程未挂起');
      inst.state = 'running';
    } else {
      if (inst.state !== 'running' && inst.state !== 'suspended') throw conflict('instance_ended', '流程已结束');
      inst.state = 'running';
      run.endInstance('terminated');
    }
    if (action !== 'terminate') run.log({ action, opinion: reason ?? null });
    await tx
      .updateTable('workflow_instances')
      .set({ state: inst.state, revision: sql`revision + 1` })
      .where('id', '=', inst.id)
      .execute();
    await run.flush();
    await kernel.audit.record(tx, {
      actorId: p.userId,
      actorName: auditName(p),
      ip: actor.ip ?? null,
      action,
      resource: 'workflow.instance',
      resourceId: inst.id,
      summary: `${ACTION_NAMES[action]}流程「${inst.title}」`,
      detail: reason ? { reason } : undefined,
    });
    return { id: inst.id, state: inst.state };
  });
}

/** 撤回: the initiator takes the instance back while nobody else has acted on it. */
export async function withdrawInstance(
  kernel: Kernel,
  actor: Actor,
  instanceId: string,
  reason?: string | null,
  tx?: Tx,
) {
  const p = actor.principal as Principal;
  if (!isUuid(instanceId)) throw notFound('instance_not_found', '流程实例不存在');
  return inTx(kernel, tx, async (tx) => {
    const run = await Run.load(kernel, tx, instanceId, p.userId);
    const inst = run.instance;
    if (inst.initiator_id !== p.userId) throw forbidden('not_initiator', '只有发起人可以撤回');
    if (inst.state !== 'running') throw conflict('instance_not_running', '流程不在运行中，不能撤回');
    const acted = await tx
      .selectFrom('workflow_history')
      .select('id')
      .where('instance_id', '=', inst.id)
      .where('actor_id', 'is not', null)
      .where('actor_id', '!=', p.userId)
      .where('action', 'in', ['complete', 'reject', 'claim', 'transfer', 'delegate', 'return', 'add-signer'])
      .limit(1)
      .executeTakeFirst();
    if (acted) throw conflict('withdraw_too_late', '已有人办理，不能撤回');
    if (reason) run.log({ action: 'withdraw-reason', opinion: reason });
    run.endInstance('withdrawn');
    await run.flush();
    return { id: inst.id, state: inst.state };
  });
}

// ---- external events ----

/** An external event resumes the instances waiting for message `name`. */
export async function correlateMessage(
  kernel: Kernel,
  input: {
    name: string;
    instanceId?: string;
    businessKey?: string;
    variables?: Record<string, unknown>;
    actorId?: string | null;
  },
  tx?: Tx,
) {
  return inTx(kernel, tx, async (tx) => {
    let q = tx
      .selectFrom('workflow_executions as e')
      .innerJoin('workflow_instances as i', 'i.id', 'e.instance_id')
      .select(['e.instance_id'])
      .distinct()
      .where('e.message_name', '=', input.name)
      .where('i.state', '=', 'running');
    if (input.instanceId) q = q.where('e.instance_id', '=', input.instanceId);
    if (input.businessKey) q = q.where('i.business_key', '=', input.businessKey);
    const targets = await q.execute();
    let resumed = 0;
    for (const { instance_id } of targets) {
      const run = await Run.load(kernel, tx, instance_id, input.actorId ?? null);
      const waiting = [...run.execs.values()].filter((e) => e.kind === 'message' && e.message_name === input.name);
      if (!waiting.length || run.instance.state !== 'running') continue;
      run.setVariables(input.variables);
      for (const e of waiting) {
        run.log({ element_id: e.element_id, action: 'message', detail: { name: input.name } });
        run.completeActivity(e);
        resumed += 1;
      }
      await run.drain();
      await run.flush();
    }
    return { resumed };
  });
}

// ---- timers, warnings, overdue (the cron job) ----

/** Fires every timer due by `now`; each in its own transaction so one failure does not block others. */
export async function fireDueTimers(kernel: Kernel, now = new Date()): Promise<number> {
  let fired = 0;
  for (let round = 0; round < 100; round++) {
    const due = await kernel.db
      .selectFrom('workflow_timers')
      .select(['id'])
      .where('due_at', '<=', now)
      .orderBy('due_at')
      .limit(50)
      .execute();
    if (!due.length) break;
    let progressed = 0;
    for (const { id } of due) {
      const done = await kernel.db.transaction().execute(async (tx) => {
        const timer = await tx
          .selectFrom('workflow_timers')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!timer) return false;
        const run = await Run.load(kernel, tx, timer.instance_id, null);
        if (run.instance.state === 'suspended') return false;
        await tx.deleteFrom('workflow_timers').where('id', '=', id).execute();
        const exec = run.execs.get(timer.execution_id);
        if (run.instance.state === 'running' && exec) await fireTimer(run, exec, timer.element_id);
        await run.flush();
        return true;
      });
      if (done) {
        fired += 1;
        progressed += 1;
      }
    }
    if (!progressed) break;
  }
  return fired;
}

async function fireTimer(run: Run, exec: ExecRow, elementId: string): Promise<void> {
  const node = run.model.nodes[elementId];
  run.log({ element_id: elementId, action: 'timer' });
  if (node.type === 'timerCatch') {
    run.completeActivity(exec);
    await run.drain();
    return;
  }
  const openTasks = (await run.tx
    .selectFrom('workflow_tasks')
    .selectAll()
    .where('execution_id', '=', exec.id)
    .where('state', '=', 'open')
    .execute()) as TaskRow[];
  if (node.action === 'route') {
    // Interrupting: the activity is abandoned and the token leaves along the boundary's flows.
    run.removeExec(exec);
    run.leave(node, exec.parent_id);
  } else {
    if (node.action === 'escalate') {
      const to = await resolveRules(run.tx, node.escalateTo, {
        initiatorId: run.instance.initiator_id,
        initiatorOrgId: run.instance.initiator_org_id,
        variables: run.instance.variables,
      });
      if (to.length) {
        for (const t of openTasks) {
          await run.tx
            .updateTable('workflow_tasks')
            .set(
              to.length === 1
                ? { assignee_id: to[0], revision: sql`revision + 1` }
                : { assignee_id: null, candidate_users: to, revision: sql`revision + 1` },
            )
            .where('id', '=', t.id)
            .execute();
          run.log({
            task_id: t.id,
            element_id: t.element_id,
            action: 'escalate',
            detail: { from: t.assignee_id, to },
          });
          assignedEvent(run, t, to.length === 1 ? to[0] : null, 'escalate');
        }
      }
    }
    for (const t of openTasks) {
      run.emit('workflow.task.overdue', {
        taskId: t.id,
        instanceId: t.instance_id,
        dueAt: t.due_at,
        assigneeId: t.assignee_id,
        boundary: node.id,
      });
    }
    // Non-interrupting: the activity stays; the boundary's own flows (if any) run alongside.
    if (node.outgoing.length) run.leave(node, exec.parent_id);
  }
  await run.drain();
}

/** Warnings and overdue marks on tasks with deadlines; returns how many changed. */
export async function markTaskDeadlines(
  kernel: Kernel,
  now = new Date(),
): Promise<{ warned: number; overdue: number }> {
  return kernel.db.transaction().execute(async (tx) => {
    const warned = await tx
      .updateTable('workflow_tasks')
      .set({ warned: true })
      .where('state', '=', 'open')
      .where('warned', '=', false)
      .where('warn_at', '<=', now)
      .returning(['id', 'instance_id', 'due_at', 'assignee_id'])
      .execute();
    const overdue = await tx
      .updateTable('workflow_tasks')
      .set({ overdue: true })
      .where('state', '=', 'open')
      .where('overdue', '=', false)
      .where('due_at', '<=', now)
      .returning(['id', 'instance_id', 'due_at', 'assignee_id'])
      .execute();
    for (const t of warned) {
      await kernel.events.emit(tx, 'workflow.task.warning', {
        taskId: t.id,
        instanceId: t.instance_id,
        dueAt: t.due_at,
        assigneeId: t.assignee_id,
      });
    }
    for (const t of overdue) {
      await kernel.events.emit(tx, 'workflow.task.overdue', {
        taskId: t.id,
        instanceId: t.instance_id,
        dueAt: t.due_at,
        assigneeId: t.assignee_id,
      });
    }
    return { warned: warned.length, overdue: overdue.length };
  });
}

/** Open tasks of the running instances with this business key (for modules that drive their own UI). */
export async function openTasksByBusinessKey(db: Db | Tx, businessKey: string, definitionKey?: string) {
  let q = db
    .selectFrom('workflow_tasks as t')
    .innerJoin('workflow_instances as i', 'i.id', 't.instance_id')
    .select(['t.id', 't.element_id', 't.name', 't.instance_id', 't.assignee_id'])
    .where('i.business_key', '=', businessKey)
    .where('i.state', '=', 'running')
    .where('t.state', '=', 'open');
  if (definitionKey) q = q.where('i.definition_key', '=', definitionKey);
  const rows = await q.orderBy('t.created_at').execute();
  return rows.map((r: any) => ({
    id: r.id as string,
    elementId: r.element_id as string,
    name: r.name as string,
    instanceId: r.instance_id as string,
    assigneeId: r.assignee_id as string | null,
  }));
}

/** Ends the running instances of a business key (the business object was withdrawn or deleted). */
export async function terminateByBusinessKey(kernel: Kernel, tx: Tx, businessKey: string, actorId: string | null) {
  const rows = await tx
    .selectFrom('workflow_instances')
    .select('id')
    .where('business_key', '=', businessKey)
    .where('state', 'in', ['running', 'suspended'])
    .execute();
  for (const { id } of rows) {
    const run = await Run.load(kernel, tx, id, actorId);
    run.endInstance('terminated');
    await run.flush();
  }
  return rows.length;
}
