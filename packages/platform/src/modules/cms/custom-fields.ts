import { type Static, Type } from '@sinclair/typebox';
import { badRequest, type FieldError } from '../../kernel/errors.js';

/*
 * 自定义字段: a channel declares extra fields its documents carry in `custom` (e.g. 文号, 发文日期).
 * The declaration's shape is checked by the route schema; the rules a JSON schema cannot express
 * (unique keys, options only for select) and the documents' values are checked here.
 */

export const CUSTOM_FIELD_TYPES = ['text', 'textarea', 'number', 'date', 'select'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export const CustomFieldSchema = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-zA-Z0-9_]{0,39}$', description: '字段键（英文）' }),
    label: Type.String({ minLength: 1, maxLength: 40, description: '字段名称' }),
    type: Type.Union(
      CUSTOM_FIELD_TYPES.map((t) => Type.Literal(t)),
      { description: 'text 单行文本 | textarea 多行文本 | number 数字 | date 日期 | select 下拉选择' },
    ),
    options: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50, uniqueItems: true }),
    ),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const CustomFieldsSchema = Type.Array(CustomFieldSchema, { maxItems: 30, description: '自定义字段' });

export type CustomFieldInput = Static<typeof CustomFieldSchema>;
export interface CustomField {
  key: string;
  label: string;
  type: CustomFieldType;
  options?: string[];
  required: boolean;
}

/** Longest accepted value of a text field; a textarea may hold a short paragraph of notes. */
const MAX_LENGTH: Partial<Record<CustomFieldType, number>> = { text: 500, textarea: 5000 };

const definitionError = (errors: FieldError[]) =>
  badRequest('custom_field_definition_invalid', '自定义字段定义不正确', { errors });

/**
 * Checks a channel's field declarations and returns them normalized (required defaults to false,
 * options kept only for select fields, where they are mandatory).
 */
export function normalizeFieldDefinitions(fields: CustomFieldInput[]): CustomField[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  fields.forEach((field, i) => {
    if (seen.has(field.key)) {
      errors.push({ field: `customFields.${i}.key`, message: `字段键「${field.key}」重复` });
    }
    seen.add(field.key);
    if (field.type === 'select' && !field.options?.length) {
      errors.push({ field: `customFields.${i}.options`, message: `下拉选择字段「${field.label}」须至少有一个选项` });
    }
  });
  if (errors.length) throw definitionError(errors);
  return fields.map(({ key, label, type, options, required }) => ({
    key,
    label,
    type,
    ...(type === 'select' ? { options } : {}),
    required: required ?? false,
  }));
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is refused). */
function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const isBlank = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && !value.trim());

/** The stored form of one value, or why it is refused. */
function checkValue(field: CustomField, value: unknown): { value: string | number } | { problem: string } {
  if (field.type === 'number') {
    return typeof value === 'number' && Number.isFinite(value) ? { value } : { problem: `「${field.label}」须为数字` };
  }
  if (typeof value !== 'string') return { problem: `「${field.label}」须为文本` };
  const text = value.trim();
  const max = MAX_LENGTH[field.type];
  if (max && text.length > max) return { problem: `「${field.label}」不能超过 ${max} 个字` };
  if (field.type === 'date' && !isDay(text)) return { problem: `「${field.label}」须为日期（如 2026-01-31）` };
  if (field.type === 'select' && !field.options?.includes(text)) {
    return { problem: `「${field.label}」须为以下选项之一：${field.options?.join('、')}` };
  }
  return { value: text };
}

type Failure = FieldError & { code: string };

/**
 * Validates a document's `custom` against its channel's fields and returns the stored form:
 * blank optional values are dropped, text is trimmed. A channel without declared fields keeps
 * `custom` free-form, as it was before channels could declare fields (API clients, old data).
 */
export function validateCustomValues(fields: CustomField[], custom: Record<string, unknown>): Record<string, unknown> {
  if (!fields.length) return custom;
  const failures: Failure[] = [];
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(custom)) {
    if (!known.has(key)) {
      failures.push({
        code: 'custom_field_unknown',
        field: `custom.${key}`,
        message: `本栏目没有自定义字段「${key}」`,
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = custom[field.key];
    if (isBlank(value)) {
      if (field.required) {
        failures.push({
          code: 'custom_field_required',
          field: `custom.${field.key}`,
          message: `「${field.label}」不能为空`,
        });
      }
      continue;
    }
    const checked = checkValue(field, value);
    if ('problem' in checked) {
      failures.push({ code: 'custom_field_invalid', field: `custom.${field.key}`, message: checked.problem });
    } else {
      out[field.key] = checked.value;
    }
  }
  if (failures.length) {
    // One problem carries every field's message; its code is that of the first failure.
    throw badRequest(failures[0].code, '自定义字段填写不正确', {
      errors: failures.map(({ field, message }) => ({ field, message })),
    });
  }
  return out;
}
