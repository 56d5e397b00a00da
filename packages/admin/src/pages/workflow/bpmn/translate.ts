import zn from 'bpmn-js-i18n/translations/zn';

/**
 * 中文 labels for bpmn-js: the community translation (bpmn-js-i18n, MIT) for the palette, context
 * pad and replace menu, plus the properties panel's standard groups it does not cover.
 */
const extra: Record<string, string> = {
  General: '基本信息',
  Name: '名称',
  ID: '编号',
  'Version tag': '版本标签',
  Executable: '可执行',
  Documentation: '说明',
  'Element documentation': '元素说明',
  'Process documentation': '流程说明',
  'Multi-instance': '多实例',
  'Loop cardinality': '实例数',
  'Completion condition': '完成条件',
  Timer: '定时器',
  Type: '类型',
  Value: '值',
  Duration: '时长',
  Date: '日期',
  Cycle: '周期',
  '<none>': '<无>',
  Message: '消息',
  'Global message reference': '消息引用',
  'Create new ...': '新建…',
  'Select an element to edit its properties.': '选择一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single one to edit its properties.':
    '已选择多个元素，请只选择一个以编辑属性。',
  'Must be unique.': '编号必须唯一。',
  'ID must not be empty.': '编号不能为空。',
  'ID must not contain spaces.': '编号不能包含空格。',
  'ID must be a valid QName.': '编号须为合法的 QName（字母开头）。',
  'Append user task': '追加用户任务',
  'Append service task': '追加服务任务',
  'Create user task': '创建用户任务',
  'Create service task': '创建服务任务',
  'Create expanded sub-process': '创建子流程（展开）',
  'Parallel multi-instance': '并行多实例（会签）',
  'Sequential multi-instance': '串行多实例',
  // Element types in the properties panel's header ("Start Event" from StartEvent).
  Process: '流程',
  Collaboration: '协作',
  Participant: '参与者',
  Lane: '泳道',
  'Start Event': '开始事件',
  'End Event': '结束事件',
  'Terminate End Event': '终止结束事件',
  'Message Start Event': '消息开始事件',
  'Timer Start Event': '定时开始事件',
  'Message Intermediate Catch Event': '消息中间捕获事件',
  'Timer Intermediate Catch Event': '定时中间捕获事件',
  'Intermediate Throw Event': '中间抛出事件',
  'Timer Boundary Event': '定时边界事件',
  'Timer Boundary Event (Non Interrupting)': '定时边界事件（非中断）',
  Task: '任务',
  'User Task': '用户任务',
  'Service Task': '服务任务',
  'Expanded Sub Process': '子流程',
  'Collapsed Sub Process': '子流程（折叠）',
  'Exclusive Gateway': '排他网关',
  'Parallel Gateway': '并行网关',
  'Inclusive Gateway': '包容网关',
  'Sequence Flow': '顺序流',
  'Conditional Flow': '条件流',
  'Default Flow': '默认流',
  'Text Annotation': '文本注释',
  Association: '关联',
};

const translations: Record<string, string> = { ...zn, ...extra };

/** bpmn-js's `translate` service: looks the template up, then fills `{placeholders}`. */
export function translate(template: string, replacements: Record<string, string> = {}): string {
  const text = translations[template] ?? template;
  return text.replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
}

export const translateModule = { translate: ['value', translate] };
