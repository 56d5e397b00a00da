import { BpmnModdle } from 'bpmn-moddle';
import type { FieldError } from '../../kernel/errors.js';
import { parseDuration } from './calendar.js';
import { compileCondition } from './expressions.js';
import { jiyueModdleDescriptor } from './moddle.js';

/*
 * BPMN XML → a compiled, JSON-serialisable process model the runtime walks. Everything the
 * runtime could trip over is checked here, at deploy, and reported by element id.
 */

export type NodeType =
  | 'startEvent'
  | 'endEvent'
  | 'userTask'
  | 'serviceTask'
  | 'exclusiveGateway'
  | 'parallelGateway'
  | 'inclusiveGateway'
  | 'subProcess'
  | 'boundaryEvent'
  | 'messageCatch'
  | 'timerCatch';

export type SignMode = 'all' | 'ratio' | 'any';

export interface MultiInstance {
  sequential: boolean;
  signMode: SignMode;
  passRatio: number;
  collection: string | null;
}

export interface FlowNode {
  id: string;
  type: NodeType;
  name: string;
  /** Enclosing sub-process id, null at process level. */
  scope: string | null;
  incoming: string[];
  outgoing: string[];
  defaultFlow?: string;
  terminate?: boolean;
  // userTask
  assignee?: string;
  candidateGroups?: string;
  candidateUsers?: string;
  formKey?: string;
  formVersion?: number;
  dueIn?: string;
  warnBefore?: string;
  cc?: string;
  multi?: MultiInstance;
  // serviceTask
  handler?: string;
  // subProcess: its start event
  start?: string;
  // boundary events attached to this node
  boundaries?: string[];
  // boundaryEvent / timerCatch / messageCatch
  attachedTo?: string;
  cancelActivity?: boolean;
  timer?: string;
  action?: 'notify' | 'escalate' | 'route';
  escalateTo?: string;
  message?: string;
}

export interface Flow {
  id: string;
  name: string;
  source: string;
  target: string;
  condition?: string;
}

export interface ProcessModel {
  key: string;
  name: string;
  category: string | null;
  start: string;
  nodes: Record<string, FlowNode>;
  flows: Record<string, Flow>;
}

export interface ParseResult {
  model: ProcessModel | null;
  errors: FieldError[];
}

const IGNORED = new Set([
  'bpmn:TextAnnotation',
  'bpmn:Association',
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
  'bpmn:Group',
]);

const moddle = new BpmnModdle({ jiyue: jiyueModdleDescriptor });

/** A `jiyue:` attribute, whether the descriptor declared it or moddle kept it as unknown. */
function ext(el: any, name: string): string | undefined {
  const v = el.get?.(`jiyue:${name}`) ?? el.$attrs?.[`jiyue:${name}`];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

const ASSIGNMENT_RULE =
  /^(initiator|leader(:[\w-]+)?|user:[\w.@-]+|role:[\w-]+(@initiatorOrg|@var:[\w.]+)?|var:[\w.]+)$/;

/** Checks a comma-separated list of assignment rules. */
function checkRules(value: string | undefined, field: string, errors: FieldError[]): void {
  if (!value) return;
  for (const rule of value.split(',').map((s) => s.trim())) {
    if (!ASSIGNMENT_RULE.test(rule)) errors.push({ field, message: `无法识别的办理人规则「${rule}」` });
  }
}

function checkDuration(value: string | undefined, field: string, errors: FieldError[]): void {
  if (value && !parseDuration(value))
    errors.push({ field, message: `无法识别的期限「${value}」（如 3wd、8wh、2d、PT4H）` });
}

interface Registry {
  hasServiceHandler(name: string): boolean;
}

/** Parses and validates BPMN XML; `errors` name the offending element ids. */
export async function parseBpmn(xml: string, registry: Registry): Promise<ParseResult> {
  const errors: FieldError[] = [];
  let root: any;
  try {
    const res = await moddle.fromXML(xml);
    root = res.rootElement;
    for (const w of res.warnings as { message: string; element?: { id?: string } }[]) {
      const unknownType = /unknown type <([^>]+)>/.exec(w.message);
      const field = w.element?.id ?? '';
      if (unknownType) errors.push({ field, message: `不支持或无法识别的元素 ${unknownType[1]}` });
      else if (!/unknown attribute/.test(w.message)) errors.push({ field, message: w.message.split('\n')[0] });
    }
  } catch (err) {
    return { model: null, errors: [{ field: '', message: `BPMN 无法解析：${(err as Error).message.split('\n')[0]}` }] };
  }
  const processes = (root?.rootElements ?? []).filter((e: any) => e.$type === 'bpmn:Process');
  if (processes.length !== 1) {
    const field = root?.id ?? '';
    errors.push({
      field,
      message: processes.length === 0 ? '缺少流程（bpmn:process）' : '只支持一个流程（不支持协作图/多泳池）',
    });
    return { model: null, errors };
  }
  const proc = processes[0];
  if (!proc.id || !/^[A-Za-z_][\w-]{0,63}$/.test(proc.id)) {
    errors.push({ field: proc.id ?? '', message: '流程 id 只能包含字母、数字、下划线和短横线，且以字母开头' });
  }
  const model: ProcessModel = {
    key: proc.id,
    name: proc.name || proc.id,
    category: ext(proc, 'category') ?? null,
    start: '',
    nodes: {},
    flows: {},
  };
  const messages = new Map<string, string>();
  for (const e of root.rootElements ?? []) if (e.$type === 'bpmn:Message') messages.set(e.id, e.name || e.id);

  const walk = (container: any, scope: string | null) => {
    const starts: string[] = [];
    for (const el of container.flowElements ?? []) {
      if (IGNORED.has(el.$type)) continue;
      if (el.$type === 'bpmn:SequenceFlow') {
        const flow: Flow = { id: el.id, name: el.name ?? '', source: el.sourceRef?.id, target: el.targetRef?.id };
        const body = el.conditionExpression?.body;
        if (typeof body === 'string' && body.trim()) {
          flow.condition = body.trim();
          try {
            compileCondition(flow.condition);
          } catch (err) {
            errors.push({ field: el.id, message: `条件表达式有误：${(err as Error).message.split('\n').pop()}` });
          }
        }
        if (!flow.source || !flow.target) errors.push({ field: el.id, message: '连线缺少起点或终点' });
        model.flows[el.id] = flow;
        continue;
      }
      const node = compileNode(el, scope, messages, errors, registry);
      if (!node) continue;
      if (model.nodes[node.id]) errors.push({ field: node.id, message: '元素 id 重复' });
      model.nodes[node.id] = node;
      if (node.type === 'startEvent') starts.push(node.id);
      if (node.type === 'subProcess') {
        node.start = walk(el, node.id);
      }
    }
    const where = scope ?? proc.id;
    if (starts.length !== 1) {
      errors.push({ field: where, message: starts.length === 0 ? '缺少开始事件' : '只能有一个开始事件' });
    }
    return starts[0] ?? '';
  };
  model.start = walk(proc, null);
  linkAndCheck(model, errors);
  return { model: errors.length ? null : model, errors };
}

function compileNode(
  el: any,
  scope: string | null,
  messages: Map<string, string>,
  errors: FieldError[],
  registry: Registry,
): FlowNode | null {
  const base = { id: el.id as string, name: (el.name as string) || '', scope, incoming: [], outgoing: [] };
  const defs: any[] = el.eventDefinitions ?? [];
  const onlyDef = (allowed: string[]) => {
    if (defs.length > 1 || (defs[0] && !allowed.includes(defs[0].$type))) {
      errors.push({ field: el.id, message: `不支持的事件类型 ${defs.map((d) => d.$type).join(', ')}` });
    }
  };
  switch (el.$type) {
    case 'bpmn:StartEvent':
      onlyDef([]);
      return { ...base, type: 'startEvent' };
    case 'bpmn:EndEvent':
      onlyDef(['bpmn:TerminateEventDefinition']);
      return { ...base, type: 'endEvent', terminate: defs[0]?.$type === 'bpmn:TerminateEventDefinition' };
    case 'bpmn:UserTask':
    case 'bpmn:Task':
    case 'bpmn:ManualTask':
      return compileUserTask(el, base, errors);
    case 'bpmn:ServiceTask': {
      const handler = ext(el, 'handler');
      if (!handler) errors.push({ field: el.id, message: '服务任务缺少处理程序（jiyue:handler）' });
      else if (!registry.hasServiceHandler(handler))
        errors.push({ field: el.id, message: `未注册的服务处理程序「${handler}」` });
      if (el.loopCharacteristics) errors.push({ field: el.id, message: '服务任务不支持多实例' });
      return { ...base, type: 'serviceTask', handler };
    }
    case 'bpmn:ExclusiveGateway':
    case 'bpmn:ParallelGateway':
    case 'bpmn:InclusiveGateway': {
      const type = (el.$type.slice(5, 6).toLowerCase() + el.$type.slice(6)) as NodeType;
      return { ...base, type, defaultFlow: el.default?.id };
    }
    case 'bpmn:SubProcess':
      if (el.triggeredByEvent) errors.push({ field: el.id, message: '不支持事件子流程' });
      if (el.loopCharacteristics) errors.push({ field: el.id, message: '子流程不支持多实例' });
      return { ...base, type: 'subProcess' };
    case 'bpmn:BoundaryEvent': {
      onlyDef(['bpmn:TimerEventDefinition']);
      if (defs[0]?.$type !== 'bpmn:TimerEventDefinition') {
        errors.push({ field: el.id, message: '边界事件只支持定时器' });
        return null;
      }
      const cancelActivity = el.cancelActivity !== false;
      const action = (ext(el, 'action') ?? (cancelActivity ? 'route' : 'notify')) as FlowNode['action'];
      if (!['notify', 'escalate', 'route'].includes(action as string))
        errors.push({ field: el.id, message: `jiyue:action 只能是 notify、escalate 或 route` });
      if (action === 'route' && !cancelActivity)
        errors.push({ field: el.id, message: '改道（route）须为中断型边界事件' });
      if (action !== 'route' && cancelActivity)
        errors.push({ field: el.id, message: '提醒/升级（notify/escalate）须为非中断型边界事件' });
      const escalateTo = ext(el, 'escalateTo');
      if (action === 'escalate' && !escalateTo) errors.push({ field: el.id, message: '升级须指定 jiyue:escalateTo' });
      checkRules(escalateTo, el.id, errors);
      const timer = timerOf(el.id, defs[0], errors);
      return {
        ...base,
        type: 'boundaryEvent',
        attachedTo: el.attachedToRef?.id,
        cancelActivity,
        action,
        escalateTo,
        timer,
      };
    }
    case 'bpmn:IntermediateCatchEvent': {
      onlyDef(['bpmn:MessageEventDefinition', 'bpmn:TimerEventDefinition']);
      const def = defs[0];
      if (def?.$type === 'bpmn:MessageEventDefinition') {
        const message = def.messageRef ? (messages.get(def.messageRef.id) ?? def.messageRef.name) : undefined;
        if (!message) errors.push({ field: el.id, message: '消息事件须引用一个消息（messageRef）' });
        return { ...base, type: 'messageCatch', message };
      }
      if (def?.$type === 'bpmn:TimerEventDefinition') {
        return { ...base, type: 'timerCatch', timer: timerOf(el.id, def, errors) };
      }
      errors.push({ field: el.id, message: '中间捕获事件只支持消息和定时器' });
      return null;
    }
    default:
      errors.push({ field: el.id ?? '', message: `不支持的元素类型 ${el.$type}` });
      return null;
  }
}

function timerOf(id: string, def: any, errors: FieldError[]): string | undefined {
  const body = def.timeDuration?.body?.trim();
  if (!body) {
    errors.push({ field: id, message: '定时器只支持时长（timeDuration），如 P2D、PT4H、3wd' });
    return undefined;
  }
  checkDuration(body, id, errors);
  return body;
}

function compileUserTask(el: any, base: Omit<FlowNode, 'type'>, errors: FieldError[]): FlowNode {
  const node: FlowNode = {
    ...base,
    type: 'userTask',
    assignee: ext(el, 'assignee'),
    candidateGroups: ext(el, 'candidateGroups'),
    candidateUsers: ext(el, 'candidateUsers'),
    formKey: ext(el, 'formKey'),
    dueIn: ext(el, 'dueIn'),
    warnBefore: ext(el, 'warnBefore'),
    cc: ext(el, 'cc'),
  };
  const formVersion = ext(el, 'formVersion');
  if (formVersion) {
    if (!/^\d{1,6}$/.test(formVersion)) errors.push({ field: el.id, message: 'jiyue:formVersion 须为正整数' });
    else node.formVersion = Number(formVersion);
  }
  checkRules(node.assignee, el.id, errors);
  checkRules(node.cc, el.id, errors);
  for (const g of (node.candidateGroups ?? '').split(',').filter((s) => s.trim())) {
    checkRules(`role:${g.trim()}`, el.id, errors);
  }
  checkDuration(node.dueIn, el.id, errors);
  checkDuration(node.warnBefore, el.id, errors);
  const loop = el.loopCharacteristics;
  if (loop) {
    if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
      errors.push({ field: el.id, message: '只支持多实例（会签/或签），不支持标准循环' });
    } else {
      const signMode = (ext(loop, 'signMode') ?? 'all') as SignMode;
      if (!['all', 'ratio', 'any'].includes(signMode))
        errors.push({ field: el.id, message: 'jiyue:signMode 只能是 all、ratio 或 any' });
      const ratio = Number(ext(loop, 'passRatio') ?? '1');
      if (signMode === 'ratio' && !(ratio > 0 && ratio <= 1))
        errors.push({ field: el.id, message: 'jiyue:passRatio 须在 0 与 1 之间' });
      const collection = ext(loop, 'collection') ?? null;
      if (!collection && !node.assignee)
        errors.push({ field: el.id, message: '多实例任务须指定 jiyue:collection 或 jiyue:assignee' });
      node.multi = { sequential: loop.isSequential === true, signMode, passRatio: ratio, collection };
    }
  }
  if (!node.multi?.collection && !node.assignee && !node.candidateGroups && !node.candidateUsers) {
    errors.push({ field: el.id, message: '用户任务须指定办理人（jiyue:assignee）或候选组/候选人' });
  }
  return node;
}

function linkAndCheck(model: ProcessModel, errors: FieldError[]): void {
  const reported = new Set(errors.map((e) => e.field));
  for (const flow of Object.values(model.flows)) {
    const from = model.nodes[flow.source];
    const to = model.nodes[flow.target];
    if (!from || !to) {
      // A flow touching an element already reported (unsupported) adds no second error.
      if (from) from.outgoing.push(flow.id);
      if (to) to.incoming.push(flow.id);
      if (flow.source && flow.target && !reported.has(flow.source) && !reported.has(flow.target))
        errors.push({ field: flow.id, message: '连线连接了不存在的元素' });
      continue;
    }
    if (from.scope !== to.scope) errors.push({ field: flow.id, message: '连线不能跨越子流程边界' });
    from.outgoing.push(flow.id);
    to.incoming.push(flow.id);
  }
  for (const node of Object.values(model.nodes)) {
    if (node.type === 'boundaryEvent') {
      const host = node.attachedTo ? model.nodes[node.attachedTo] : undefined;
      if (!host || (host.type !== 'userTask' && host.type !== 'subProcess')) {
        errors.push({ field: node.id, message: '定时边界事件只能附着在用户任务或子流程上' });
      } else {
        node.scope = host.scope;
        host.boundaries = [...(host.boundaries ?? []), node.id];
      }
      if (node.incoming.length) errors.push({ field: node.id, message: '边界事件不能有进入的连线' });
    }
    if (node.type === 'startEvent' && node.incoming.length)
      errors.push({ field: node.id, message: '开始事件不能有进入的连线' });
    if (
      node.type !== 'endEvent' &&
      node.outgoing.length === 0 &&
      !(node.type === 'boundaryEvent' && node.action !== 'route')
    ) {
      errors.push({ field: node.id, message: node.type.endsWith('Gateway') ? '网关没有流出的连线' : '缺少流出的连线' });
    }
    if (node.type !== 'startEvent' && node.type !== 'boundaryEvent' && node.incoming.length === 0) {
      errors.push({ field: node.id, message: '没有进入的连线，永远不会被执行' });
    }
    if (node.defaultFlow && !node.outgoing.includes(node.defaultFlow))
      errors.push({ field: node.id, message: '默认连线必须是该网关的流出连线' });
    if (node.type === 'parallelGateway') {
      for (const f of node.outgoing) {
        if (model.flows[f].condition) errors.push({ field: f, message: '并行网关的流出连线不能带条件' });
      }
    }
    if (node.type === 'exclusiveGateway' || node.type === 'inclusiveGateway') {
      const unconditioned = node.outgoing.filter((f) => !model.flows[f].condition && f !== node.defaultFlow);
      if (node.outgoing.length > 1 && unconditioned.length > 0) {
        errors.push({ field: unconditioned[0], message: '网关有多条流出连线时，每条须有条件或设为默认连线' });
      }
    }
  }
}
