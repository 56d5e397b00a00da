import { randomUUID } from 'node:crypto';
import { type QueryCreator, sql } from 'kysely';
import { executePrepared, type Tx } from '../../kernel/db.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type AssignContext, candidateRoleKeys, resolveRules } from './assignment.js';
import { addDurationIn, deadlineFor, loadCalendar, parseDuration } from './calendar.js';
import { evaluateCondition } from './expressions.js';
import type { FlowNode, ProcessModel } from './model.js';

/*
 * The runtime. A command (start, complete, fire a timer, correlate a message, reject back …)
 * locks the instance row and loads its tokens (executions) in one statement, moves them through
 * the compiled model in memory, and writes the difference back in one statement of
 * data-modifying CTEs (tasks, tokens, timers, history, outbox) — docs/workflow.md, "Four round
 * trips per command". Everything happens in the caller's
 * transaction, so a failure anywhere (a service handler throwing, no outgoing flow) leaves
 * nothing half-applied. Locking the instance row serialises commands on one instance, which is
 * what makes joins and "exactly one of two completions wins" correct on any number of nodes.
 */

export type InstanceState = 'running' | 'suspended' | 'completed' | 'terminated' | 'withdrawn';

export interface InstanceRow {
  id: string;
  definition_id: string;
  definition_key: string;
  business_key: string | null;
  title: string;
  state: InstanceState;
  initiator_id: string | null;
  initiator_org_id: string | null;
  variables: Record<string, unknown>;
  revision: number;
  started_at: Date;
  ended_at: Date | null;
}

export interface MultiState {
  users: string[];
  signMode: 'all' | 'ratio' | 'any';
  passRatio: number;
  sequential: boolean;
  /** Tasks created so far (sequential: index of the next user = created). */
  created: number;
  completed: number;
  approvals: number;
  rejections: number;
}

export interface ExecRow {
  id: string;
  instance_id: string;
  parent_id: string | null;
  element_id: string;
  kind: 'task' | 'join' | 'message' | 'timer' | 'scope';
  arrived_flow: string | null;
  message_name: string | null;
  multi: MultiState | null;
}

export interface TaskRow {
  id: string;
  instance_id: string;
  execution_id: string;
  element_id: string;
  name: string;
  state: 'open' | 'completed' | 'cancelled';
  assignee_id: string | null;
  candidate_users: string[];
  candidate_roles: string[];
  owner_id: string | null;
  delegation_state: 'pending' | 'resolved' | null;
  form_key: string | null;
  form_version: number | null;
  form_data: unknown;
  due_at: Date | null;
  warn_at: Date | null;
  warned: boolean;
  overdue: boolean;
  outcome: string | null;
  opinion: string | null;
  completed_by: string | null;
  created_at: Date;
  completed_at: Date | null;
  revision: number;
}

/** A task row read through row_to_json: its timestamps arrive as strings. */
function taskFromJson(t: TaskRow): TaskRow {
  const date = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    ...t,
    due_at: date(t.due_at),
    warn_at: date(t.warn_at),
    created_at: date(t.created_at) as Date,
    completed_at: date(t.completed_at),
  };
}

export interface HistoryInsert {
  instance_id: string;
  task_id?: string | null;
  element_id?: string | null;
  flow_id?: string | null;
  action: string;
  actor_id?: string | null;
  opinion?: string | null;
  /** A JSON value (stored as jsonb). */
  detail?: unknown;
}

/** A task completion in the current command: who decided, and what (办理人、办理结果、批示). */
export interface TaskDecision {
  taskId: string;
  elementId: string;
  actorId: string;
  outcome: string;
  opinion: string | null;
}

export interface ServiceContext {
  tx: Tx;
  kernel: Kernel;
  instanceId: string;
  businessKey: string | null;
  elementId: string;
  variables: Readonly<Record<string, unknown>>;
  /** Who acted in this command (null: the system — a timer, a message). */
  actorId: string | null;
  /** The task completion that moved the token here in this command, if one did. */
  decision: TaskDecision | null;
}
/** Returns variables to merge into the instance, or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing are the common case
export type ServiceHandler = (ctx: ServiceContext) => Promise<Record<string, unknown> | void>;

const serviceHandlers = new Map<string, ServiceHandler>();

/** Other modules register the code a service task runs (`jiyue:handler="cms.publish"`). */
export function registerServiceHandler(name: string, handler: ServiceHandler): void {
  serviceHandlers.set(name, handler);
}

export const handlerRegistry = { hasServiceHandler: (name: string) => serviceHandlers.has(name) };

// ---- definitions (immutable once deployed, so cached by id) ----

const models = new Map<string, ProcessModel>();

export async function modelOf(tx: Tx, definitionId: string): Promise<ProcessModel> {
  let model = models.get(definitionId);
  if (!model) {
    const row = await tx
      .selectFrom('workflow_definitions')
      .select('model')
      .where('id', '=', definitionId)
      .executeTakeFirst();
    if (!row) throw notFound('definition_not_found', '流程定义不存在');
    model = row.model as ProcessModel;
    models.set(definitionId, model);
  }
  return model;
}

/** Nodes from which `target` can be reached in the same scope (for inclusive joins), memoised per model. */
const reachCache = new WeakMap<ProcessModel, Map<string, Set<string>>>();
function canReach(model: ProcessModel, from: string, target: string): boolean {
  let byTarget = reachCache.get(model);
  if (!byTarget) {
    byTarget = new Map();
    reachCache.set(model, byTarget);
  }
  let sources = byTarget.get(target);
  if (!sources) {
    sources = new Set();
    const stack = [target];
    while (stack.length) {
      const id = stack.pop() as string;
      const node = model.nodes[id];
      for (const f of node.incoming) {
        const src = model.flows[f].source;
        if (!sources.has(src) && src !== target) {
          sources.add(src);
          stack.push(src);
        }
      }
      // A boundary event leads on from its host activity.
      if (node.type === 'boundaryEvent' && node.attachedTo && !sources.has(node.attachedTo)) {
        sources.add(node.attachedTo);
        stack.push(node.attachedTo);
      }
    }
    byTarget.set(target, sources);
  }
  return sources.has(from);
}

interface Step {
  nodeId: string;
  scopeId: string | null;
  flowId: string | null;
}

/** One command on one instance. */
export class Run {
  readonly execs = new Map<string, ExecRow>();
  private readonly newExecs = new Set<string>();
  private readonly dirtyExecs = new Set<string>();
  private readonly deletedExecs = new Set<string>();
  /** Deleted tokens that may still have open tasks or timers (the others need no clean-up query). */
  private readonly cleanupExecs = new Set<string>();
  private readonly timerExecs = new Set<string>();
  private readonly newTasks: Record<string, unknown>[] = [];
  private readonly newTimers: Record<string, unknown>[] = [];
  private readonly newCc: Record<string, unknown>[] = [];
  private readonly taskUpdates: { id: string; set: Record<string, unknown> }[] = [];
  readonly history: HistoryInsert[] = [];
  private readonly events: [string, unknown][] = [];
  private readonly queue: Step[] = [];
  private readonly scopesToCheck = new Set<string | null>();
  private readonly joinsToCheck = new Map<string, string | null>();
  /** Set by a task completion, for the service tasks it leads to (ServiceContext.decision). */
  decision: TaskDecision | null = null;
  private varsChanged = false;
  private isNew = false;
  private now = new Date();

  private constructor(
    readonly kernel: Kernel,
    readonly tx: Tx,
    readonly instance: InstanceRow,
    readonly model: ProcessModel,
    readonly actorId: string | null,
  ) {}

  /**
   * Locks and loads an existing instance (by its id, or by the id of one of its tasks, which then
   * comes back too) in one statement: the row lock, the tokens and the task together.
   *
   * The tokens and the task are read with the statement's snapshot, taken before the lock was
   * granted; if another command on this instance committed while we waited, they would be stale.
   * Every command bumps the instance's revision (flush), and the locked row is always the newest
   * version, so comparing it with the revision the snapshot saw tells: on a mismatch the same
   * statement runs again, now under the lock, with a fresh snapshot (READ COMMITTED).
   */
  static async load(kernel: Kernel, tx: Tx, instanceId: string, actorId: string | null): Promise<Run> {
    return (await Run.lockAndRead(kernel, tx, instanceId, null, actorId)).run;
  }

  static async loadForTask(
    kernel: Kernel,
    tx: Tx,
    taskId: string,
    actorId: string | null,
  ): Promise<{ run: Run; task: TaskRow }> {
    const { run, task } = await Run.lockAndRead(kernel, tx, null, taskId, actorId);
    if (!task) throw notFound('task_not_found', '任务不存在');
    return { run, task };
  }

  private static async lockAndRead(
    kernel: Kernel,
    tx: Tx,
    instanceId: string | null,
    taskId: string | null,
    actorId: string | null,
  ): Promise<{ run: Run; task: TaskRow | null }> {
    const target = taskId
      ? sql`(select t.instance_id from workflow_tasks t where t.id = ${taskId})`
      : sql`${instanceId}::uuid`;
    const taskColumn = taskId
      ? sql`(select row_to_json(t) from workflow_tasks t where t.id = ${taskId})`
      : sql`null::json`;
    for (let attempt = 0; ; attempt++) {
      const { rows } = await executePrepared(
        tx,
        sql<InstanceRow & { seen_revision: number; execs: ExecRow[]; task: TaskRow | null }>`
        select i.*,
          (select s.revision from workflow_instances s where s.id = i.id) as seen_revision,
          (select coalesce(json_agg(e), '[]'::json) from workflow_executions e where e.instance_id = i.id) as execs,
          ${taskColumn} as task
        from workflow_instances i where i.id = ${target}
        for update of i`,
      );
      const row = rows[0];
      if (!row) {
        throw taskId ? notFound('task_not_found', '任务不存在') : notFound('instance_not_found', '流程实例不存在');
      }
      if (row.seen_revision !== row.revision && attempt === 0) continue;
      const { seen_revision: _seen, execs, task, ...instance } = row;
      const model = await modelOf(tx, instance.definition_id);
      const run = new Run(kernel, tx, instance, model, actorId);
      for (const e of execs) run.execs.set(e.id, e);
      return { run, task: task ? taskFromJson(task) : null };
    }
  }

  /** A new instance (inserted at flush). */
  static create(kernel: Kernel, tx: Tx, instance: InstanceRow, model: ProcessModel, actorId: string | null): Run {
    const run = new Run(kernel, tx, instance, model, actorId);
    run.isNew = true;
    return run;
  }

  get variables(): Record<string, unknown> {
    return this.instance.variables;
  }

  setVariables(vars: Record<string, unknown> | undefined | null): void {
    if (!vars || Object.keys(vars).length === 0) return;
    this.instance.variables = { ...this.instance.variables, ...vars };
    this.varsChanged = true;
  }

  log(entry: Omit<HistoryInsert, 'instance_id'>): void {
    this.history.push({ instance_id: this.instance.id, actor_id: this.actorId, ...entry });
  }

  emit(name: string, payload: unknown): void {
    this.events.push([name, payload]);
  }

  assertRunning(): void {
    if (this.instance.state === 'suspended') throw conflict('instance_suspended', '流程已挂起，暂不能办理');
    if (this.instance.state !== 'running') throw conflict('instance_ended', '流程已结束');
  }

  private assignContext(): AssignContext {
    return {
      initiatorId: this.instance.initiator_id,
      initiatorOrgId: this.instance.initiator_org_id,
      variables: this.instance.variables,
    };
  }

  // ---- token bookkeeping ----

  private addExec(e: Omit<ExecRow, 'id' | 'instance_id'>): ExecRow {
    const row: ExecRow = { id: randomUUID(), instance_id: this.instance.id, ...e };
    this.execs.set(row.id, row);
    this.newExecs.add(row.id);
    return row;
  }

  markDirty(exec: ExecRow): void {
    if (!this.newExecs.has(exec.id)) this.dirtyExecs.add(exec.id);
  }

  /**
   * Removes a token and, recursively, the tokens inside it (sub-process scope). `tasksSettled`:
   * the caller knows the token has no open task left (its only task was just completed).
   */
  removeExec(exec: ExecRow, tasksSettled = false): void {
    for (const child of [...this.execs.values()]) if (child.parent_id === exec.id) this.removeExec(child);
    this.execs.delete(exec.id);
    this.dirtyExecs.delete(exec.id);
    if (this.newExecs.has(exec.id)) {
      this.newExecs.delete(exec.id);
      return;
    }
    this.deletedExecs.add(exec.id);
    const node = this.model.nodes[exec.element_id];
    if (exec.kind === 'task' && !tasksSettled) this.cleanupExecs.add(exec.id);
    if (node.boundaries?.length || exec.kind === 'timer') this.timerExecs.add(exec.id);
  }

  childrenOf(scopeId: string | null): ExecRow[] {
    return [...this.execs.values()].filter((e) => e.parent_id === scopeId);
  }

  // ---- moving tokens ----

  /** Starts the process at its start event. */
  start(): void {
    this.queue.push({ nodeId: this.model.start, scopeId: null, flowId: null });
  }

  /** Places a token on a node (reject back to an earlier step). */
  enter(nodeId: string, scopeId: string | null): void {
    this.queue.push({ nodeId, scopeId, flowId: null });
  }

  /** Leaves a node along its outgoing flows (activities: conditions on flows are honoured). */
  leave(node: FlowNode, scopeId: string | null): void {
    const flows = node.outgoing.filter((f) => {
      const c = this.model.flows[f].condition;
      return !c || evaluateCondition(c, this.instance.variables);
    });
    for (const f of flows) this.queue.push({ nodeId: this.model.flows[f].target, scopeId, flowId: f });
    if (flows.length === 0) this.scopesToCheck.add(scopeId);
  }

  /** Token at an activity leaves it: token and timers go, flows continue. */
  completeActivity(exec: ExecRow, tasksSettled = false): void {
    const node = this.model.nodes[exec.element_id];
    this.removeExec(exec, tasksSettled);
    this.leave(node, exec.parent_id);
  }

  async drain(): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      const step = this.queue.shift();
      if (step) {
        await this.step(step);
        continue;
      }
      if (await this.checkJoins()) continue;
      if (this.checkScopes()) continue;
      return;
    }
    throw conflict('workflow_loop', '流程出现无限循环', { detail: '检查连线条件是否总是回到同一环节' });
  }

  private async step({ nodeId, scopeId, flowId }: Step): Promise<void> {
    const node = this.model.nodes[nodeId];
    if (this.instance.state !== 'running') return;
    this.log({ element_id: nodeId, flow_id: flowId, action: 'node', actor_id: null });
    switch (node.type) {
      case 'startEvent':
        this.leave(node, scopeId);
        return;
      case 'endEvent':
        if (node.terminate) this.terminateScope(scopeId);
        this.scopesToCheck.add(scopeId);
        return;
      case 'userTask':
        await this.createUserTask(node, scopeId);
        return;
      case 'serviceTask':
        await this.runService(node);
        this.leave(node, scopeId);
        return;
      case 'exclusiveGateway':
      case 'inclusiveGateway':
      case 'parallelGateway':
        return this.gateway(node, scopeId, flowId);
      case 'subProcess': {
        const scope = this.addExec({
          parent_id: scopeId,
          element_id: node.id,
          kind: 'scope',
          arrived_flow: null,
          message_name: null,
          multi: null,
        });
        await this.armBoundaryTimers(node, scope);
        this.queue.push({ nodeId: node.start as string, scopeId: scope.id, flowId: null });
        return;
      }
      case 'messageCatch':
        this.addExec({
          parent_id: scopeId,
          element_id: node.id,
          kind: 'message',
          arrived_flow: null,
          message_name: node.message ?? null,
          multi: null,
        });
        return;
      case 'timerCatch': {
        const exec = this.addExec({
          parent_id: scopeId,
          element_id: node.id,
          kind: 'timer',
          arrived_flow: null,
          message_name: null,
          multi: null,
        });
        await this.addTimer(exec, node);
        return;
      }
      case 'boundaryEvent':
        return;
    }
  }

  private gateway(node: FlowNode, scopeId: string | null, flowId: string | null): void {
    if (node.incoming.length > 1 && node.type !== 'exclusiveGateway') {
      const waiting = this.childrenOf(scopeId).filter((e) => e.element_id === node.id && e.kind === 'join');
      this.addExec({
        parent_id: scopeId,
        element_id: node.id,
        kind: 'join',
        arrived_flow: flowId,
        message_name: null,
        multi: null,
      });
      if (node.type === 'parallelGateway') {
        const arrived = new Set([...waiting.map((e) => e.arrived_flow), flowId]);
        if (node.incoming.every((f) => arrived.has(f))) this.fireJoin(node, scopeId);
      } else {
        this.joinsToCheck.set(node.id, scopeId);
      }
      return;
    }
    this.fork(node, scopeId);
  }

  /** Consumes the tokens waiting at a join (one per incoming flow) and forks on. */
  private fireJoin(node: FlowNode, scopeId: string | null): void {
    const used = new Set<string>();
    for (const e of this.childrenOf(scopeId)) {
      if (e.element_id === node.id && e.kind === 'join' && !used.has(e.arrived_flow ?? '')) {
        used.add(e.arrived_flow ?? '');
        this.removeExec(e);
      }
    }
    this.fork(node, scopeId);
  }

  private fork(node: FlowNode, scopeId: string | null): void {
    const vars = this.instance.variables;
    let flows: string[];
    if (node.type === 'parallelGateway') flows = node.outgoing;
    else {
      const candidates = node.outgoing.filter((f) => f !== node.defaultFlow);
      const holds = (f: string) => {
        const c = this.model.flows[f].condition;
        return !c || evaluateCondition(c, vars);
      };
      flows = node.type === 'exclusiveGateway' ? candidates.filter(holds).slice(0, 1) : candidates.filter(holds);
      if (flows.length === 0 && node.defaultFlow) flows = [node.defaultFlow];
    }
    if (flows.length === 0) {
      throw new AppError(409, 'no_outgoing_flow', '网关没有可走的连线', {
        detail: `网关 ${node.id}（${node.name || node.type}）的条件都不成立，且没有默认连线`,
        errors: [{ field: node.id, message: '没有满足条件的流出连线' }],
      });
    }
    for (const f of flows) this.queue.push({ nodeId: this.model.flows[f].target, scopeId, flowId: f });
  }

  /** Inclusive joins fire once no other token in their scope can still reach them. */
  private async checkJoins(): Promise<boolean> {
    for (const [gatewayId, scopeId] of this.joinsToCheck) {
      const inScope = this.childrenOf(scopeId);
      const waiting = inScope.filter((e) => e.element_id === gatewayId && e.kind === 'join');
      if (waiting.length === 0) {
        this.joinsToCheck.delete(gatewayId);
        continue;
      }
      const blocked = inScope.some((e) => e.element_id !== gatewayId && canReach(this.model, e.element_id, gatewayId));
      if (!blocked) {
        this.joinsToCheck.delete(gatewayId);
        for (const e of waiting) this.removeExec(e);
        this.fork(this.model.nodes[gatewayId], scopeId);
        return true;
      }
    }
    return false;
  }

  /** A scope with no tokens left is done: the instance completes or the sub-process leaves. */
  private checkScopes(): boolean {
    for (const scopeId of this.scopesToCheck) {
      this.scopesToCheck.delete(scopeId);
      if (this.childrenOf(scopeId).length > 0) continue;
      if (scopeId === null) {
        if (this.instance.state === 'running') this.endInstance('completed');
        return true;
      }
      const scope = this.execs.get(scopeId);
      if (!scope) continue;
      this.completeActivity(scope);
      return true;
    }
    // Joins still waiting when nothing else can arrive would wait for ever: re-check them.
    return false;
  }

  /** Terminate end event: every token of the scope goes (process level: the instance ends). */
  private terminateScope(scopeId: string | null): void {
    for (const e of this.childrenOf(scopeId)) this.removeExec(e);
    if (scopeId === null) this.endInstance('completed');
  }

  /** Ends the instance: every token and open task goes. */
  endInstance(state: 'completed' | 'terminated' | 'withdrawn'): void {
    for (const e of this.childrenOf(null)) this.removeExec(e);
    this.instance.state = state;
    this.instance.ended_at = this.now;
    this.queue.length = 0;
    this.log({ action: state === 'completed' ? 'end' : state, actor_id: state === 'completed' ? null : this.actorId });
    this.emit('workflow.instance.completed', {
      instanceId: this.instance.id,
      definitionKey: this.instance.definition_key,
      businessKey: this.instance.business_key,
      state,
    });
  }

  private async runService(node: FlowNode): Promise<void> {
    const handler = serviceHandlers.get(node.handler as string);
    if (!handler) throw conflict('service_handler_missing', `服务处理程序「${node.handler}」未注册`);
    const result = await handler({
      tx: this.tx,
      kernel: this.kernel,
      instanceId: this.instance.id,
      businessKey: this.instance.business_key,
      elementId: node.id,
      variables: this.instance.variables,
      actorId: this.actorId,
      decision: this.decision,
    });
    if (result && typeof result === 'object') this.setVariables(result);
  }

  // ---- user tasks ----

  private async createUserTask(node: FlowNode, scopeId: string | null): Promise<void> {
    const ctx = this.assignContext();
    if (node.multi) {
      const fromVar = node.multi.collection ? await resolveRules(this.tx, `var:${node.multi.collection}`, ctx) : [];
      const users = fromVar.length ? fromVar : await resolveRules(this.tx, node.assignee, ctx);
      if (users.length === 0) {
        throw conflict('no_assignee', `任务「${node.name || node.id}」没有办理人`, {
          errors: [{ field: node.id, message: '会签/或签人员为空' }],
        });
      }
      const multi: MultiState = {
        users,
        signMode: node.multi.signMode,
        passRatio: node.multi.passRatio,
        sequential: node.multi.sequential,
        created: 0,
        completed: 0,
        approvals: 0,
        rejections: 0,
      };
      const exec = this.addExec({
        parent_id: scopeId,
        element_id: node.id,
        kind: 'task',
        arrived_flow: null,
        message_name: null,
        multi,
      });
      const first = multi.sequential ? users.slice(0, 1) : users;
      for (const u of first) await this.addTask(node, exec, { assignee: u });
      multi.created = first.length;
      await this.armBoundaryTimers(node, exec);
      return;
    }
    const assignees = await resolveRules(this.tx, node.assignee, ctx);
    const candidates = node.candidateUsers
      ? await resolveRules(
          this.tx,
          node.candidateUsers
            .split(',')
            .map((u) => `user:${u.trim()}`)
            .join(','),
          ctx,
        )
      : [];
    const roles = candidateRoleKeys(node.candidateGroups, ctx);
    const exec = this.addExec({
      parent_id: scopeId,
      element_id: node.id,
      kind: 'task',
      arrived_flow: null,
      message_name: null,
      multi: null,
    });
    if (assignees.length === 1) await this.addTask(node, exec, { assignee: assignees[0], candidates, roles });
    else
      await this.addTask(node, exec, {
        assignee: null,
        candidates: [...new Set([...assignees, ...candidates])],
        roles,
      });
    await this.armBoundaryTimers(node, exec);
  }

  async addTask(
    node: FlowNode,
    exec: ExecRow,
    who: { assignee: string | null; candidates?: string[]; roles?: string[] },
  ): Promise<string> {
    const id = randomUUID();
    let due: { dueAt: Date; warnAt: Date } | null = null;
    if (node.dueIn) due = await deadlineFor(this.tx, this.now, node.dueIn, node.warnBefore);
    this.newTasks.push({
      id,
      instance_id: this.instance.id,
      execution_id: exec.id,
      element_id: node.id,
      name: node.name || node.id,
      assignee_id: who.assignee,
      candidate_users: who.candidates ?? [],
      candidate_roles: who.roles ?? [],
      form_key: node.formKey ?? null,
      form_version: node.formVersion ?? null,
      due_at: due?.dueAt ?? null,
      warn_at: due?.warnAt ?? null,
      created_at: this.now,
    });
    if (!who.assignee && !who.candidates?.length && !who.roles?.length) {
      this.log({ task_id: id, element_id: node.id, action: 'unassigned', actor_id: null });
    }
    this.emit('workflow.task.created', {
      taskId: id,
      instanceId: this.instance.id,
      elementId: node.id,
      name: node.name || node.id,
      assigneeId: who.assignee,
      candidateUsers: who.candidates ?? [],
      candidateRoles: who.roles ?? [],
      dueAt: due?.dueAt ?? null,
    });
    return id;
  }

  private async armBoundaryTimers(node: FlowNode, exec: ExecRow): Promise<void> {
    for (const b of node.boundaries ?? []) await this.addTimer(exec, this.model.nodes[b]);
  }

  private async addTimer(exec: ExecRow, timerNode: FlowNode): Promise<void> {
    const d = parseDuration(timerNode.timer as string);
    if (!d) return;
    const dueAt = addDurationIn(await loadCalendar(this.tx), this.now, d);
    this.newTimers.push({
      instance_id: this.instance.id,
      execution_id: exec.id,
      element_id: timerNode.id,
      due_at: dueAt,
    });
  }

  /** 抄送: copies to the users of the node's `jiyue:cc` rules. */
  async sendCc(node: FlowNode, taskId: string | null): Promise<void> {
    if (!node.cc) return;
    const users = await resolveRules(this.tx, node.cc, this.assignContext());
    if (!users.length) return;
    for (const u of users) {
      this.newCc.push({ instance_id: this.instance.id, task_id: taskId, user_id: u, sent_by: this.actorId });
    }
    this.emit('workflow.cc.created', { instanceId: this.instance.id, taskId, userIds: users });
  }

  // ---- write-back ----

  /** Changes a task row at flush, in the same statement as everything else (its revision moves on). */
  updateTask(taskId: string, set: Record<string, unknown>): void {
    this.taskUpdates.push({ id: taskId, set });
  }

  /**
   * Writes the command's changes back in ONE statement: each change is a data-modifying CTE
   * (instance, tasks, tokens, timers, copies, history, outbox). They all see the snapshot of the
   * statement's start, so a task changed here is kept out of the clean-up of open tasks, and the
   * foreign keys are checked at the statement's end. One round trip instead of one per table is
   * most of what a task completion costs (docs/workflow.md, "Speed").
   */
  async flush(): Promise<void> {
    const i = this.instance;
    const now = this.now;
    const ctes: [string, (qc: QueryCreator<any>) => any][] = [];
    const add = (name: string, build: (qc: QueryCreator<any>) => any) => ctes.push([name, build]);
    if (this.isNew) {
      add('instance_insert', (qc) =>
        qc.insertInto('workflow_instances').values({
          id: i.id,
          definition_id: i.definition_id,
          definition_key: i.definition_key,
          business_key: i.business_key,
          title: i.title,
          state: i.state,
          initiator_id: i.initiator_id,
          initiator_org_id: i.initiator_org_id,
          variables: JSON.stringify(i.variables),
          started_at: i.started_at,
          ended_at: i.ended_at,
        }),
      );
    }
    const updatedTaskIds = this.taskUpdates.map((u) => u.id);
    const updateNames = this.taskUpdates.map((u, n) => {
      const name = `task_update_${n}`;
      add(name, (qc) =>
        qc
          .updateTable('workflow_tasks')
          .set({ ...u.set, revision: sql`revision + 1` })
          // By id alone: the task was read open under the instance lock. (With `state = 'open'`
          // too, the planner may prefer the partial index of open tasks and walk all of them.)
          .where('id', '=', u.id)
          .returning('id'),
      );
      return name;
    });
    if (this.cleanupExecs.size) {
      add('cancelled', (qc) => {
        let q = qc
          .updateTable('workflow_tasks')
          .set({ state: 'cancelled', completed_at: now, revision: sql`revision + 1` })
          .where('execution_id', 'in', [...this.cleanupExecs])
          .where('state', '=', 'open');
        if (updatedTaskIds.length) q = q.where('id', 'not in', updatedTaskIds);
        return q.returning(['id', 'element_id']);
      });
    }
    if (this.timerExecs.size) {
      add('timers_delete', (qc) => qc.deleteFrom('workflow_timers').where('execution_id', 'in', [...this.timerExecs]));
    }
    const deleted = [...this.deletedExecs];
    if (deleted.length) add('execs_delete', (qc) => qc.deleteFrom('workflow_executions').where('id', 'in', deleted));
    const fresh = [...this.newExecs].map((id) => this.execs.get(id) as ExecRow);
    if (fresh.length) {
      add('execs_insert', (qc) =>
        qc
          .insertInto('workflow_executions')
          .values(fresh.map((e) => ({ ...e, multi: e.multi ? JSON.stringify(e.multi) : null }))),
      );
    }
    [...this.dirtyExecs].forEach((id, n) => {
      const e = this.execs.get(id) as ExecRow;
      add(`exec_update_${n}`, (qc) =>
        qc
          .updateTable('workflow_executions')
          .set({ multi: e.multi ? JSON.stringify(e.multi) : null })
          .where('id', '=', id),
      );
    });
    const live = (r: Record<string, unknown>) => this.execs.has(r.execution_id as string);
    const tasks = this.newTasks.filter(live);
    if (tasks.length) add('tasks_insert', (qc) => qc.insertInto('workflow_tasks').values(tasks));
    const timers = this.newTimers.filter(live);
    if (timers.length) add('timers_insert', (qc) => qc.insertInto('workflow_timers').values(timers));
    if (this.newCc.length) add('cc_insert', (qc) => qc.insertInto('workflow_cc').values(this.newCc));
    if (!this.isNew) {
      // Always, even with nothing else changed: the revision is what Run.load's staleness check reads.
      add('instance_update', (qc) =>
        qc
          .updateTable('workflow_instances')
          .set({
            ...(this.varsChanged ? { variables: JSON.stringify(i.variables) } : {}),
            state: i.state,
            ended_at: i.ended_at,
            revision: sql`revision + 1`,
          })
          .where('id', '=', i.id),
      );
    }
    if (this.history.length || this.cleanupExecs.size) {
      const cancelledEntries = this.cleanupExecs.size
        ? sql`union all
            select ${i.id}::uuid, c.id, c.element_id, null, 'cancel', null::uuid, null, null::jsonb, ${now}::timestamptz
            from cancelled c`
        : sql``;
      add('history_insert', (qc) =>
        qc
          .insertInto('workflow_history')
          .columns(['instance_id', 'task_id', 'element_id', 'flow_id', 'action', 'actor_id', 'opinion', 'detail', 'at'])
          .expression(
            sql`select h.*, ${now}::timestamptz from jsonb_to_recordset(${JSON.stringify(this.history)}::jsonb)
                as h(instance_id uuid, task_id uuid, element_id text, flow_id text, action text, actor_id uuid,
                     opinion text, detail jsonb)
              ${cancelledEntries}`,
          ),
      );
    }
    if (this.events.length) add('events_insert', (qc) => this.kernel.events.insertQuery(qc, this.events));
    if (!ctes.length) return;
    let q: QueryCreator<any> = this.tx;
    for (const [name, build] of ctes) q = q.with(name, build);
    const updated = updateNames.length
      ? sql<number>`(select count(*)::int from (${sql.join(
          updateNames.map((n) => sql`select id from ${sql.table(n)}`),
          sql` union all `,
        )}) u)`
      : sql<number>`0`;
    const { rows } = await executePrepared(this.tx, q.selectNoFrom(updated.as('updated_tasks')));
    if (Number(rows[0]?.updated_tasks) !== updateNames.length) throw conflict('task_not_open', '该任务已被办理');
  }
}
