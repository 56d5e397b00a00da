/*
 * Our properties-panel groups (bpmn-js-properties-panel custom provider): assignment, form,
 * deadline, 抄送, 会签/或签, service handler, timer action, flow condition, process category.
 * Every value is a `jiyue:` attribute (docs/decisions/0005) written through `modeling`, so it is
 * undoable and lands in the exported XML. Entries are Preact components (the panel renders with
 * Preact); they are built with `h` because the console's JSX compiles for React.
 */
import {
  CheckboxEntry,
  isCheckboxEntryEdited,
  isNumberFieldEntryEdited,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
  NumberFieldEntry,
  SelectEntry,
  TextFieldEntry,
} from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import {
  type DurationUnit,
  durationUnitLabels,
  formatRule,
  parseDuration,
  parseRule,
  type RuleKind,
  ruleKindLabels,
  switchKind,
} from '../assignment';

export interface Option {
  value: string;
  label: string;
}

/** Choices loaded by the designer page before the modeler starts (injected as `jiyueOptions`). */
export interface JiyueOptions {
  forms: Option[];
  roles: Option[];
  users: Option[];
  handlers: Option[];
}

type Any = any;
interface EntryProps {
  element: Any;
  id: string;
}
/** What an entry passes to its component besides element and id (the panel spreads the entry). */
interface AttrProps extends EntryProps {
  /** The `jiyue:` attribute, without prefix. */
  name: string;
  label: string;
  description?: string;
  /** The moddle object holding the attribute, when it is not the element's business object. */
  target?: (element: Any) => Any;
  visible?: (element: Any) => boolean;
}
type Entry = {
  id: string;
  component: (props: any) => unknown;
  isEdited?: (node: unknown) => boolean;
} & Partial<Omit<AttrProps, 'element' | 'id'>>;
interface PanelGroup {
  id: string;
  label: string;
  entries: Entry[];
}

const bo = (element: Any) => element.businessObject;
const is = (element: Any, type: string) => Boolean(bo(element)?.$instanceOf?.(type));
const attr = (target: Any, name: string): string => target?.get?.(`jiyue:${name}`) ?? '';

/** Writes `jiyue:<name>` on the element's business object (an empty string removes it). */
function useAttr(element: Any, name: string, target: () => Any = () => bo(element)) {
  const modeling = useService<Any>('modeling');
  return {
    get: () => attr(target(), name),
    set: (value: string | undefined) => {
      const props = { [`jiyue:${name}`]: value ? String(value) : undefined };
      const t = target();
      if (t === bo(element)) modeling.updateProperties(element, props);
      else modeling.updateModdleProperties(element, t, props);
    },
  };
}

const withNone = (options: Option[], none = '<无>') => [{ value: '', label: none }, ...options];

/** A free-text `jiyue:` attribute. */
function TextAttr({ element, id, name, label, description, target, visible }: AttrProps) {
  const a = useAttr(element, name, target ? () => target(element) : undefined);
  const debounce = useService('debounceInput');
  if (visible && !visible(element)) return null;
  return h(TextFieldEntry, { element, id, label, description, getValue: a.get, setValue: a.set, debounce });
}

const textEntry = (
  id: string,
  name: string,
  label: string,
  description?: string,
  extra: Pick<AttrProps, 'target' | 'visible'> = {},
): Entry => ({ id, component: TextAttr, isEdited: isTextFieldEntryEdited, name, label, description, ...extra });

/* ---------- 办理人 (assignment rule) ---------- */

const VALUE_LABELS: Partial<Record<RuleKind, string>> = {
  user: '用户',
  role: '角色',
  roleInInitiatorOrg: '角色',
  roleInVarOrg: '角色',
  leader: '领导角色代码（留空＝leader）',
  var: '变量名',
  custom: '规则',
};

function RuleKindEntry({ element, id, name, label }: AttrProps) {
  const a = useAttr(element, name);
  return h(SelectEntry, {
    element,
    id,
    label,
    getValue: () => parseRule(a.get()).kind,
    setValue: (kind: RuleKind) => a.set(formatRule(switchKind(parseRule(a.get()), kind))),
    getOptions: () => Object.entries(ruleKindLabels).map(([value, text]) => ({ value, label: text })),
  });
}

function RuleValueEntry({ element, id, name }: AttrProps) {
  const a = useAttr(element, name);
  const options = useService<JiyueOptions>('jiyueOptions');
  const debounce = useService('debounceInput');
  const rule = parseRule(a.get());
  const setValue = (value: string) => a.set(formatRule({ ...rule, value: value ?? '' }));
  if (rule.kind === 'none' || rule.kind === 'initiator') return null;
  const list = rule.kind === 'user' ? options.users : rule.kind.startsWith('role') ? options.roles : [];
  if (list.length && rule.kind !== 'custom') {
    const known = list.some((o) => o.value === rule.value);
    return h(SelectEntry, {
      element,
      id,
      label: VALUE_LABELS[rule.kind],
      getValue: () => rule.value,
      setValue,
      getOptions: () =>
        withNone(known || !rule.value ? list : [{ value: rule.value, label: rule.value }, ...list], '<请选择>'),
    });
  }
  return h(TextFieldEntry, {
    element,
    id,
    label: VALUE_LABELS[rule.kind],
    description: rule.kind === 'custom' ? '如 role:reviewer@initiatorOrg,user:zhangsan；见流程中心使用说明' : undefined,
    getValue: () => rule.value,
    setValue,
    debounce,
  });
}

function RuleOrgVarEntry({ element, id, name }: AttrProps) {
  const a = useAttr(element, name);
  const debounce = useService('debounceInput');
  const rule = parseRule(a.get());
  if (rule.kind !== 'roleInVarOrg') return null;
  return h(TextFieldEntry, {
    element,
    id,
    label: '部门变量名',
    description: '流程变量中保存部门编号的变量，如 applicantOrgId',
    getValue: () => rule.orgVar,
    setValue: (orgVar: string) => a.set(formatRule({ ...rule, orgVar: orgVar ?? '' })),
    debounce,
  });
}

/** 分配方式 + its value (+ the org variable) for one assignment-rule attribute. */
const ruleEntries = (name: string, prefix: string, label: string): Entry[] => [
  { id: `${prefix}Kind`, component: RuleKindEntry, isEdited: isSelectEntryEdited, name, label },
  { id: `${prefix}Value`, component: RuleValueEntry, isEdited: isTextFieldEntryEdited, name, label },
  { id: `${prefix}OrgVar`, component: RuleOrgVarEntry, isEdited: isTextFieldEntryEdited, name, label },
];

/* ---------- 表单 ---------- */

function FormKey({ element, id }: EntryProps) {
  const a = useAttr(element, 'formKey');
  const options = useService<JiyueOptions>('jiyueOptions');
  const debounce = useService('debounceInput');
  if (!options.forms.length) {
    return h(TextFieldEntry, {
      element,
      id,
      label: '表单',
      description: '表单标识（尚无已发布的表单可选）',
      getValue: a.get,
      setValue: a.set,
      debounce,
    });
  }
  const current = a.get();
  const list =
    options.forms.some((f) => f.value === current) || !current
      ? options.forms
      : [{ value: current, label: `${current}（未发布）` }, ...options.forms];
  return h(SelectEntry, {
    element,
    id,
    label: '表单',
    getValue: a.get,
    setValue: a.set,
    getOptions: () => withNone(list),
  });
}

/* ---------- 期限 ---------- */

function dueParts(element: Any) {
  return parseDuration(attr(bo(element), 'dueIn'));
}

/** Written on every input, not debounced: the number field reads the input element when its
 * debounce fires, and a re-render in between (selecting the next task) wrote "no deadline". */
const immediate = <F>(fn: F) => fn;

function DueAmount({ element, id }: EntryProps) {
  const a = useAttr(element, 'dueIn');
  return h(NumberFieldEntry, {
    element,
    id,
    label: '办理期限',
    min: 0,
    step: 1,
    getValue: () => dueParts(element)?.amount,
    setValue: (amount: number | string) => {
      const n = Number(amount);
      a.set(n > 0 ? `${n}${dueParts(element)?.unit ?? 'wd'}` : undefined);
    },
    debounce: immediate,
  });
}

function DueUnit({ element, id }: EntryProps) {
  const a = useAttr(element, 'dueIn');
  return h(SelectEntry, {
    element,
    id,
    label: '期限单位',
    getValue: () => dueParts(element)?.unit ?? 'wd',
    setValue: (unit: DurationUnit) => {
      const amount = dueParts(element)?.amount;
      if (amount) a.set(`${amount}${unit}`);
    },
    getOptions: () => Object.entries(durationUnitLabels).map(([value, label]) => ({ value, label })),
  });
}

/* ---------- 会签 / 或签 ---------- */

const SIGN_MODES = [
  { value: 'single', label: '单人办理' },
  { value: 'all', label: '会签（全部同意）' },
  { value: 'ratio', label: '会签（按比例通过）' },
  { value: 'any', label: '或签（一人决定）' },
];

const loopOf = (element: Any) => {
  const loop = bo(element).loopCharacteristics;
  return loop?.$instanceOf('bpmn:MultiInstanceLoopCharacteristics') ? loop : undefined;
};

function SignMode({ element, id }: EntryProps) {
  const modeling = useService<Any>('modeling');
  const bpmnFactory = useService<Any>('bpmnFactory');
  return h(SelectEntry, {
    element,
    id,
    label: '办理模式',
    getValue: () => {
      const loop = loopOf(element);
      return loop ? attr(loop, 'signMode') || 'all' : 'single';
    },
    setValue: (mode: string) => {
      const loop = loopOf(element);
      if (mode === 'single') {
        modeling.updateProperties(element, { loopCharacteristics: undefined });
      } else if (loop) {
        modeling.updateModdleProperties(element, loop, { 'jiyue:signMode': mode });
      } else {
        const created = bpmnFactory.create('bpmn:MultiInstanceLoopCharacteristics', { isSequential: false });
        created.set('jiyue:signMode', mode);
        modeling.updateProperties(element, { loopCharacteristics: created });
      }
    },
    getOptions: () => SIGN_MODES,
  });
}

/* ---------- 连线条件 / 默认路径 ---------- */

function Condition({ element, id }: EntryProps) {
  const modeling = useService<Any>('modeling');
  const bpmnFactory = useService<Any>('bpmnFactory');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element,
    id,
    label: '流转条件',
    description: '按流程变量判断，如 outcome == "approve" 或 amount > 1000 and dept == "jyj"',
    getValue: () => bo(element).conditionExpression?.body ?? '',
    setValue: (value: string) => {
      const body = (value ?? '').trim();
      modeling.updateProperties(element, {
        conditionExpression: body ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined,
      });
    },
    debounce,
  });
}

function DefaultFlow({ element, id }: EntryProps) {
  const modeling = useService<Any>('modeling');
  return h(CheckboxEntry, {
    element,
    id,
    label: '默认路径（其他条件都不满足时走此路径）',
    getValue: () => bo(element.source)?.default === bo(element),
    setValue: (checked: boolean) =>
      modeling.updateProperties(element.source, { default: checked ? bo(element) : undefined }),
  });
}

/* ---------- 定时边界事件 ---------- */

const hasTimer = (element: Any) =>
  (bo(element).eventDefinitions ?? []).some((d: Any) => d.$instanceOf('bpmn:TimerEventDefinition'));

function TimerAction({ element, id }: EntryProps) {
  const a = useAttr(element, 'action');
  return h(SelectEntry, {
    element,
    id,
    label: '到期动作',
    getValue: a.get,
    setValue: a.set,
    getOptions: () => [
      { value: '', label: '默认（中断时转出，否则提醒）' },
      { value: 'notify', label: '超期提醒' },
      { value: 'escalate', label: '升级改派' },
      { value: 'route', label: '自动流转（沿此事件的连线）' },
    ],
  });
}

function TimerDuration({ element, id }: EntryProps) {
  const modeling = useService<Any>('modeling');
  const bpmnFactory = useService<Any>('bpmnFactory');
  const debounce = useService('debounceInput');
  const definition = () =>
    (bo(element).eventDefinitions ?? []).find((d: Any) => d.$instanceOf('bpmn:TimerEventDefinition'));
  return h(TextFieldEntry, {
    element,
    id,
    label: '到期时长',
    description: '3wd＝3 个工作日，8wh＝8 个工作小时，也可写 P2D、PT4H',
    getValue: () => definition()?.timeDuration?.body ?? '',
    setValue: (value: string) => {
      const body = (value ?? '').trim();
      modeling.updateModdleProperties(element, definition(), {
        timeDuration: body ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined,
      });
    },
    debounce,
  });
}

function Handler({ element, id }: EntryProps) {
  const a = useAttr(element, 'handler');
  const options = useService<JiyueOptions>('jiyueOptions');
  const debounce = useService('debounceInput');
  if (options.handlers.length) {
    return h(SelectEntry, {
      element,
      id,
      label: '服务处理器',
      getValue: a.get,
      setValue: a.set,
      getOptions: () => withNone(options.handlers),
    });
  }
  return h(TextFieldEntry, {
    element,
    id,
    label: '服务处理器',
    description: '其他模块注册的处理器名称，如 cms.publish',
    getValue: a.get,
    setValue: a.set,
    debounce,
  });
}

/** The groups for one element; empty for elements we add nothing to. */
export function jiyueGroups(element: Any): PanelGroup[] {
  if (is(element, 'bpmn:UserTask')) {
    return [
      {
        id: 'jiyue-assignment',
        label: '办理人',
        entries: [
          ...ruleEntries('assignee', 'jiyueAssignee', '分配方式'),
          textEntry(
            'jiyueCandidateGroups',
            'candidateGroups',
            '候选角色',
            '角色代码，逗号分隔；可加 @initiatorOrg 限发起人部门；持有人认领后办理',
          ),
          textEntry('jiyueCandidateUsers', 'candidateUsers', '候选用户', '用户名，逗号分隔；其中一人认领后办理'),
        ],
      },
      {
        id: 'jiyue-form',
        label: '表单',
        entries: [
          { id: 'jiyueFormKey', component: FormKey, isEdited: isSelectEntryEdited },
          textEntry('jiyueFormVersion', 'formVersion', '表单版本', '留空＝任务创建时的最新发布版本'),
        ],
      },
      {
        id: 'jiyue-deadline',
        label: '期限与预警',
        entries: [
          { id: 'jiyueDueAmount', component: DueAmount, isEdited: isNumberFieldEntryEdited },
          { id: 'jiyueDueUnit', component: DueUnit, isEdited: isSelectEntryEdited },
          textEntry('jiyueWarnBefore', 'warnBefore', '提前预警', '到期前多久预警，如 1wh、4h；默认 1 个工作小时'),
        ],
      },
      {
        id: 'jiyue-sign',
        label: '会签 / 或签',
        entries: [
          { id: 'jiyueSignMode', component: SignMode, isEdited: isSelectEntryEdited },
          textEntry('jiyuePassRatio', 'passRatio', '通过比例', '同意人数占比达到该值即通过，如 0.6', {
            target: loopOf,
            visible: (el) => attr(loopOf(el), 'signMode') === 'ratio',
          }),
          textEntry(
            'jiyueCollection',
            'collection',
            '会签人员变量',
            '保存会签人员（用户名数组）的流程变量；留空则按办理人规则解析',
            { target: loopOf, visible: (el) => Boolean(loopOf(el)) },
          ),
        ],
      },
      {
        id: 'jiyue-cc',
        label: '抄送',
        entries: [
          textEntry(
            'jiyueCc',
            'cc',
            '抄送对象',
            '办结时抄送，规则同办理人，逗号分隔，如 initiator,role:leader@initiatorOrg',
          ),
        ],
      },
    ];
  }
  if (is(element, 'bpmn:ServiceTask')) {
    return [
      {
        id: 'jiyue-service',
        label: '服务调用',
        entries: [{ id: 'jiyueHandler', component: Handler, isEdited: isTextFieldEntryEdited }],
      },
    ];
  }
  if (is(element, 'bpmn:BoundaryEvent') && hasTimer(element)) {
    return [
      {
        id: 'jiyue-timer',
        label: '期限处理',
        entries: [
          { id: 'jiyueTimerDuration', component: TimerDuration, isEdited: isTextFieldEntryEdited },
          { id: 'jiyueTimerAction', component: TimerAction, isEdited: isSelectEntryEdited },
          ...ruleEntries('escalateTo', 'jiyueEscalate', '改派给'),
        ],
      },
    ];
  }
  if (is(element, 'bpmn:SequenceFlow')) {
    const entries: Entry[] = [{ id: 'jiyueCondition', component: Condition, isEdited: isTextFieldEntryEdited }];
    if (is(element.source, 'bpmn:ExclusiveGateway') || is(element.source, 'bpmn:InclusiveGateway')) {
      entries.push({ id: 'jiyueDefaultFlow', component: DefaultFlow, isEdited: isCheckboxEntryEdited });
    }
    return [{ id: 'jiyue-flow', label: '流转条件', entries }];
  }
  if (is(element, 'bpmn:Process') || is(element, 'bpmn:Participant')) {
    const processOf = (el: Any) => (is(el, 'bpmn:Participant') ? bo(el).processRef : bo(el));
    return [
      {
        id: 'jiyue-process',
        label: '流程属性',
        entries: [
          textEntry('jiyueCategory', 'category', '流程分类', '如 cms、disclosure，用于流程定义列表筛选', {
            target: processOf,
          }),
        ],
      },
    ];
  }
  return [];
}

class JiyuePropertiesProvider {
  static $inject = ['propertiesPanel'];

  constructor(propertiesPanel: Any) {
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element: Any) {
    return (groups: PanelGroup[]) => {
      // The Timer group of the base provider edits the same duration; ours explains our syntax.
      const rest = groups.filter((g) => g.id !== 'timer');
      return [...rest.slice(0, 1), ...jiyueGroups(element), ...rest.slice(1)];
    };
  }
}

export const jiyuePropertiesModule = {
  __init__: ['jiyuePropertiesProvider'],
  jiyuePropertiesProvider: ['type', JiyuePropertiesProvider],
};
