import type { Rule } from 'antd/es/form';
import type { CustomFieldDef, CustomFieldType } from './api';

/*
 * 自定义字段: pure helpers shared by the channel editor (definitions) and the document editor (values),
 * tested in cms-logic.test.ts. The server validates again; these rules only spare a round trip.
 */

export const CUSTOM_FIELD_TYPE: Record<CustomFieldType, string> = {
  text: '单行文本',
  textarea: '多行文本',
  number: '数字',
  date: '日期',
  select: '下拉选择',
};

export const CUSTOM_FIELD_KEY = /^[a-z][a-zA-Z0-9_]{0,39}$/;
export const MAX_CUSTOM_FIELDS = 30;

/** The channel body's `customFields`: options only for selects, `required` always a boolean. */
export function customFieldsBody(defs: Partial<CustomFieldDef>[] | undefined): CustomFieldDef[] {
  return (defs ?? []).map((d) => ({
    key: (d.key ?? '').trim(),
    label: (d.label ?? '').trim(),
    type: d.type ?? 'text',
    ...(d.type === 'select' ? { options: (d.options ?? []).map((o) => o.trim()).filter(Boolean) } : {}),
    required: Boolean(d.required),
  }));
}

/** Keys used more than once among the definitions (the server refuses duplicates). */
export function duplicateKeys(defs: Partial<CustomFieldDef>[] | undefined): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const d of defs ?? []) {
    if (!d?.key) continue;
    if (seen.has(d.key)) dup.add(d.key);
    seen.add(d.key);
  }
  return dup;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Form rules of one custom field in the document editor; messages name the field as the server's do. */
export function customFieldRules(def: CustomFieldDef): Rule[] {
  const rules: Rule[] = [];
  if (def.required) {
    const verb = def.type === 'select' || def.type === 'date' ? '请选择' : '请填写';
    rules.push({ required: true, whitespace: true, message: `${verb}${def.label}` });
  }
  if (def.type === 'number') rules.push({ type: 'number', message: `${def.label}须为数字` });
  if (def.type === 'select' && def.options?.length)
    rules.push({ type: 'enum', enum: def.options, message: `${def.label}须为给定选项之一` });
  return rules;
}

/**
 * The document body's `custom`: only the channel's fields, empty ones left out (an empty optional field
 * is "not filled", and the server treats a missing required one as the error it is).
 */
export function customBody(
  defs: CustomFieldDef[],
  values: Record<string, unknown> | undefined,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const def of defs) {
    const v = values?.[def.key];
    if (isEmpty(v)) continue;
    out[def.key] = def.type === 'number' ? Number(v) : typeof v === 'string' ? v.trim() : String(v);
  }
  return out;
}
