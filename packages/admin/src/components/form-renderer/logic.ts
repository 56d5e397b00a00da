import {
  type FieldError,
  type FieldUi,
  type FormDocuments,
  FormEngine,
  type JsonSchema,
  type UiLayout,
} from './engine';

/*
 * Pure helpers of the renderer (no React, no DOM), tested in node: engines per definition,
 * server/browser error placement, and the text shown for a value in read-only mode.
 */

const engines = new WeakMap<object, WeakMap<object, FormEngine>>();

/** One engine per (schema, uiSchema) object pair; null when the definition itself is broken. */
export function engineOf(docs: FormDocuments): { engine: FormEngine | null; error: string | null } {
  const bySchema = engines.get(docs.schema) ?? new WeakMap<object, FormEngine>();
  engines.set(docs.schema, bySchema);
  const cached = bySchema.get(docs.uiSchema);
  if (cached) return { engine: cached, error: null };
  try {
    const engine = new FormEngine(docs);
    bySchema.set(docs.uiSchema, engine);
    return { engine, error: null };
  } catch (e) {
    return { engine: null, error: (e as Error).message };
  }
}

/** `fees.1.item` → ['fees', 1, 'item'] (antd name path). */
export function namePathOf(path: string): (string | number)[] {
  return path
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Messages per dotted path. */
export function errorsByPath(errors: FieldError[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const e of errors) map.set(e.field, [...(map.get(e.field) ?? []), e.message]);
  return map;
}

/** Whether `key` is required at this level (shown with the red asterisk). */
export function isRequired(schema: JsonSchema, key: string): boolean {
  return Array.isArray(schema.required) && schema.required.includes(key);
}

export interface Lookups {
  /** value → label per dictionary code (loaded by the renderer). */
  dictionaries?: Record<string, Record<string, string>>;
  orgNames?: Map<string, string>;
  userNames?: Map<string, string>;
  fileNames?: Map<string, string>;
}

function optionLabel(ui: FieldUi, value: unknown, lookups: Lookups): string {
  const v = String(value);
  if (ui.dictionary) return lookups.dictionaries?.[ui.dictionary]?.[v] ?? v;
  return ui.options?.find((o) => o.value === v)?.label ?? v;
}

export function formatMoney(n: number): string {
  return `¥${n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Text of a submitted value in read-only mode ('—' when empty). Tables are rendered separately. */
export function displayValue(ui: FieldUi, schema: JsonSchema, value: unknown, lookups: Lookups = {}): string {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return '—';
  switch (ui.widget) {
    case 'select':
    case 'radio':
      return optionLabel(ui, value, lookups);
    case 'checkbox':
      return (value as unknown[]).map((v) => optionLabel(ui, v, lookups)).join('、');
    case 'money':
      return typeof value === 'number' ? formatMoney(value) : String(value);
    case 'computed':
      return typeof value === 'number' && schema.format === 'money' ? formatMoney(value) : String(value);
    case 'dateRange':
      return (value as string[]).join(' 至 ');
    case 'datetime':
      return String(value)
        .replace('T', ' ')
        .replace(/(\+|Z).*$/, '');
    case 'org':
      return lookups.orgNames?.get(String(value)) ?? String(value);
    case 'user':
      return lookups.userNames?.get(String(value)) ?? String(value);
    case 'file':
      return (value as string[]).map((id) => lookups.fileNames?.get(id) ?? id).join('、');
    case 'address': {
      const a = value as { codes?: string[]; names?: string[]; detail?: string };
      return [(a.names ?? a.codes ?? []).join(' '), a.detail].filter(Boolean).join(' ');
    }
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** Every dictionary code a layout uses (tables included), to load their labels once. */
export function dictionariesOf(layout: UiLayout): string[] {
  const codes = new Set<string>();
  for (const key of layout.order) {
    const ui = layout.fields[key];
    if (ui?.dictionary) codes.add(ui.dictionary);
    if (ui?.columns) for (const c of dictionariesOf(ui.columns)) codes.add(c);
  }
  return [...codes];
}
