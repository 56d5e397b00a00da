import type {
  FieldOption,
  FieldUi,
  FormDocuments,
  JsonSchema,
  UiLayout,
  Widget,
} from '../../components/form-renderer/engine';

/*
 * The designer's edits as pure functions over the two documents (JSON Schema + UI schema), so
 * the canvas, the properties panel and the JSON view all change one source of truth, and the
 * operations are tested in node (designer-model.test.ts). Every function returns new objects.
 * `table` names a table field when the edit is about one of its columns.
 */

export interface PaletteItem {
  widget: Widget;
  title: string;
  group: '基础控件' | '选择控件' | '政务控件' | '高级控件';
}

/** 控件库: every control the renderer and the server understand. */
export const PALETTE: PaletteItem[] = [
  { widget: 'text', title: '单行文本', group: '基础控件' },
  { widget: 'textarea', title: '多行文本', group: '基础控件' },
  { widget: 'number', title: '数字', group: '基础控件' },
  { widget: 'money', title: '金额', group: '基础控件' },
  { widget: 'date', title: '日期', group: '基础控件' },
  { widget: 'time', title: '时间', group: '基础控件' },
  { widget: 'datetime', title: '日期时间', group: '基础控件' },
  { widget: 'dateRange', title: '日期区间', group: '基础控件' },
  { widget: 'select', title: '下拉选择', group: '选择控件' },
  { widget: 'radio', title: '单选', group: '选择控件' },
  { widget: 'checkbox', title: '多选', group: '选择控件' },
  { widget: 'org', title: '组织机构', group: '选择控件' },
  { widget: 'user', title: '人员', group: '选择控件' },
  { widget: 'idNumber', title: '身份证号', group: '政务控件' },
  { widget: 'creditCode', title: '统一社会信用代码', group: '政务控件' },
  { widget: 'mobile', title: '手机号码', group: '政务控件' },
  { widget: 'email', title: '电子邮箱', group: '政务控件' },
  { widget: 'address', title: '地址', group: '政务控件' },
  { widget: 'file', title: '附件上传', group: '高级控件' },
  { widget: 'table', title: '明细表', group: '高级控件' },
  { widget: 'richText', title: '富文本', group: '高级控件' },
  { widget: 'computed', title: '计算字段', group: '高级控件' },
];

/** Controls allowed as table columns (no nested tables, no uploads or pickers in a grid cell). */
export const COLUMN_WIDGETS: Widget[] = ['text', 'number', 'money', 'date', 'select', 'idNumber', 'mobile', 'computed'];

export const widgetTitle = (widget: Widget) => PALETTE.find((p) => p.widget === widget)?.title ?? widget;

const DEFAULT_OPTIONS: FieldOption[] = [
  { value: '1', label: '选项一' },
  { value: '2', label: '选项二' },
];

/** The schema and UI of a freshly dropped control. */
export function newField(widget: Widget): { schema: JsonSchema; ui: FieldUi } {
  const title = widgetTitle(widget);
  const s = (schema: JsonSchema, ui: Partial<FieldUi> = {}) => ({
    schema: { title, ...schema },
    ui: { widget, ...ui },
  });
  switch (widget) {
    case 'text':
      return s({ type: 'string', maxLength: 100 });
    case 'textarea':
      return s({ type: 'string', maxLength: 2000 }, { rows: 4 });
    case 'number':
      return s({ type: 'number' });
    case 'money':
      return s({ type: 'number', format: 'money', minimum: 0 });
    case 'date':
      return s({ type: 'string', format: 'date' });
    case 'time':
      return s({ type: 'string', format: 'local-time' });
    case 'datetime':
      return s({ type: 'string', format: 'date-time' });
    case 'dateRange':
      return s({ type: 'array', items: { type: 'string', format: 'date' }, minItems: 2, maxItems: 2 });
    case 'select':
    case 'radio':
      return s({ type: 'string', enum: DEFAULT_OPTIONS.map((o) => o.value) }, { options: DEFAULT_OPTIONS });
    case 'checkbox':
      return s(
        { type: 'array', items: { type: 'string', enum: DEFAULT_OPTIONS.map((o) => o.value) }, uniqueItems: true },
        { options: DEFAULT_OPTIONS },
      );
    case 'org':
    case 'user':
      return s({ type: 'string', format: 'uuid' });
    case 'idNumber':
      return s({ type: 'string', format: 'cn-id-number' });
    case 'creditCode':
      return s({ type: 'string', format: 'cn-credit-code' });
    case 'mobile':
      return s({ type: 'string', format: 'cn-mobile' });
    case 'email':
      return s({ type: 'string', format: 'email', maxLength: 100 });
    case 'address':
      return s(
        {
          type: 'object',
          properties: {
            codes: { type: 'array', items: { type: 'string', pattern: '^\\d{2,9}$' }, minItems: 4, maxItems: 4 },
            detail: { type: 'string', maxLength: 200 },
            names: { type: 'array', items: { type: 'string' }, maxItems: 4 },
          },
          required: ['codes'],
          additionalProperties: false,
        },
        { levels: 4, withDetail: true, span: 24 },
      );
    case 'file':
      return s(
        { type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 5 },
        { file: { accept: ['pdf', 'jpg', 'png'], maxSize: 10 * 1024 * 1024 } },
      );
    case 'table':
      return s(
        {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            properties: { col1: { type: 'string', title: '列1', maxLength: 100 } },
            required: [],
            additionalProperties: false,
          },
        },
        { span: 24, columns: { order: ['col1'], fields: { col1: { widget: 'text' } } } },
      );
    case 'richText':
      return s({ type: 'string', maxLength: 20000 }, { span: 24 });
    case 'computed':
      return s({ type: 'number', readOnly: true }, { compute: '0', precision: 2 });
  }
}

interface Level {
  schema: JsonSchema;
  layout: UiLayout;
}

/** Deep copy, then the level (form or a table's columns) the edit applies to. */
function edit(docs: FormDocuments, table?: string): { next: FormDocuments; level: Level } {
  const next = structuredClone(docs);
  if (!table) return { next, level: { schema: next.schema, layout: next.uiSchema } };
  const tableSchema = next.schema.properties?.[table];
  const tableUi = next.uiSchema.fields[table];
  if (!tableSchema?.items || !tableUi?.columns) throw new Error(`「${table}」不是明细表`);
  return { next, level: { schema: tableSchema.items, layout: tableUi.columns } };
}

/** A key not used at this level: `text1`, `text2`, … */
export function freeKey(layout: UiLayout, widget: Widget): string {
  for (let i = 1; ; i++) {
    const key = `${widget}${i}`;
    if (!layout.order.includes(key)) return key;
  }
}

export function addField(docs: FormDocuments, widget: Widget, index?: number, table?: string) {
  const { next, level } = edit(docs, table);
  const key = freeKey(level.layout, widget);
  const field = newField(widget);
  level.schema.properties = { ...level.schema.properties, [key]: field.schema };
  level.layout.fields[key] = field.ui;
  const at = index === undefined ? level.layout.order.length : Math.max(0, Math.min(index, level.layout.order.length));
  level.layout.order.splice(at, 0, key);
  return { docs: next, key };
}

export function moveField(docs: FormDocuments, from: number, to: number, table?: string): FormDocuments {
  const { next, level } = edit(docs, table);
  const [key] = level.layout.order.splice(from, 1);
  if (key !== undefined) level.layout.order.splice(to, 0, key);
  return next;
}

export function removeField(docs: FormDocuments, key: string, table?: string): FormDocuments {
  const { next, level } = edit(docs, table);
  level.layout.order = level.layout.order.filter((k) => k !== key);
  delete level.layout.fields[key];
  if (level.schema.properties) delete level.schema.properties[key];
  if (Array.isArray(level.schema.required)) level.schema.required = level.schema.required.filter((k) => k !== key);
  return next;
}

export const KEY_RULE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Renames a field everywhere it is named (order, fields, properties, required). */
export function renameField(docs: FormDocuments, from: string, to: string, table?: string): FormDocuments | string {
  if (from === to) return docs;
  if (!KEY_RULE.test(to)) return '字段标识以字母开头，只含字母、数字和下划线';
  const { next, level } = edit(docs, table);
  if (level.layout.order.includes(to)) return `字段标识「${to}」已存在`;
  level.layout.order = level.layout.order.map((k) => (k === from ? to : k));
  level.layout.fields[to] = level.layout.fields[from];
  delete level.layout.fields[from];
  const props = level.schema.properties ?? {};
  level.schema.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k === from ? to : k, v]));
  if (Array.isArray(level.schema.required))
    level.schema.required = level.schema.required.map((k) => (k === from ? to : k));
  return next;
}

export function setRequired(docs: FormDocuments, key: string, required: boolean, table?: string): FormDocuments {
  const { next, level } = edit(docs, table);
  const list = (Array.isArray(level.schema.required) ? level.schema.required : []).filter((k) => k !== key);
  level.schema.required = required ? [...list, key] : list;
  // A required text must also be non-empty.
  const field = level.schema.properties?.[key];
  if (field?.type === 'string' && !field.format) {
    if (required) field.minLength = Math.max(1, Number(field.minLength ?? 1));
    else if (field.minLength === 1) delete field.minLength;
  }
  return next;
}

/** Sets (or, with undefined / '', removes) JSON Schema keywords of a field. */
export function updateFieldSchema(docs: FormDocuments, key: string, patch: Record<string, unknown>, table?: string) {
  const { next, level } = edit(docs, table);
  const field = level.schema.properties?.[key];
  if (!field) return next;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '' || v === null) delete field[k];
    else field[k] = v;
  }
  return next;
}

/** Sets (or removes) UI properties of a field. */
export function updateFieldUi(docs: FormDocuments, key: string, patch: Partial<FieldUi>, table?: string) {
  const { next, level } = edit(docs, table);
  const ui = level.layout.fields[key] as unknown as Record<string, unknown>;
  if (!ui) return next;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '' || v === null) delete ui[k];
    else ui[k] = v;
  }
  return next;
}

/** Static options: the UI lists them, the schema's enum enforces them. */
export function setOptions(docs: FormDocuments, key: string, options: FieldOption[], table?: string): FormDocuments {
  const { next, level } = edit(docs, table);
  const ui = level.layout.fields[key];
  const field = level.schema.properties?.[key];
  if (!ui || !field) return next;
  ui.options = options;
  delete ui.dictionary;
  const values = options.map((o) => o.value);
  if (field.type === 'array') field.items = { type: 'string', enum: values };
  else field.enum = values;
  return next;
}

/** 数据字典 options: the server checks values against settings, so the schema holds no enum. */
export function setDictionary(docs: FormDocuments, key: string, code: string, table?: string): FormDocuments {
  const { next, level } = edit(docs, table);
  const ui = level.layout.fields[key];
  const field = level.schema.properties?.[key];
  if (!ui || !field) return next;
  ui.dictionary = code;
  delete ui.options;
  if (field.type === 'array') field.items = { type: 'string' };
  else delete field.enum;
  return next;
}

/** Address levels also fix how many codes the schema expects. */
export function setAddressLevels(docs: FormDocuments, key: string, levels: 3 | 4): FormDocuments {
  const next = updateFieldUi(docs, key, { levels });
  const codes = next.schema.properties?.[key]?.properties?.codes;
  if (codes) Object.assign(codes, { minItems: levels, maxItems: levels });
  return next;
}

/** "值=标签" per line ↔ options. */
export function parseOptions(text: string): FieldOption[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [value, ...rest] = line.split('=');
      const label = rest.join('=').trim();
      return { value: value.trim(), label: label || value.trim() };
    });
}

export const formatOptions = (options: FieldOption[] = []) => options.map((o) => `${o.value}=${o.label}`).join('\n');
