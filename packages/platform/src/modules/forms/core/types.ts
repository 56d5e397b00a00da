/*
 * The form definition model shared by the server, the console renderer/designer and (later) the
 * citizen portal. Everything under `core/` is pure TypeScript with browser-safe dependencies only
 * (ajv, ajv-formats, jexl), so the console imports these files as they are and validates with
 * exactly the code the server runs.
 *
 * A definition is two documents:
 * - `schema`: JSON Schema 2020-12 of the data (types, required, lengths, formats, enums…).
 * - `uiSchema`: how to show it: field order, widget per field, labels, placeholders, layout,
 *   visibility conditions, computed expressions and the references the server checks against
 *   other modules (数据字典 codes, file limits, address levels).
 */

/** Every control of the palette. */
export const WIDGETS = [
  'text',
  'textarea',
  'number',
  'money',
  'date',
  'time',
  'datetime',
  'dateRange',
  'select',
  'radio',
  'checkbox',
  'org',
  'user',
  'idNumber',
  'mobile',
  'email',
  'creditCode',
  'address',
  'file',
  'table',
  'richText',
  'computed',
] as const;
export type Widget = (typeof WIDGETS)[number];

export interface FieldOption {
  value: string;
  label: string;
}

/** File upload limits (checked by the server against the kernel's stored files). */
export interface FileRules {
  /** Allowed extensions without dot, e.g. ['pdf', 'jpg']; empty = any. */
  accept?: string[];
  /** Largest file in bytes. */
  maxSize?: number;
}

export interface FieldUi {
  widget: Widget;
  placeholder?: string;
  help?: string;
  /** Columns out of 24 in the grid (antd Col span). */
  span?: number;
  /** jexl expression over the form's data; the field is shown (and validated) only when truthy. */
  visibleWhen?: string;
  /** jexl expression; the field's value is computed from the others and checked by the server. */
  compute?: string;
  /** Decimal places a computed number is rounded to (default 2). */
  precision?: number;
  /** 数据字典 code for select / radio / checkbox; options then come from settings. */
  dictionary?: string;
  /** Static options when no dictionary is named. */
  options?: FieldOption[];
  /** Address: 3 = 省/市/县, 4 = 省/市/县/乡. */
  levels?: 3 | 4;
  /** Address: ask for a street address after the cascader. */
  withDetail?: boolean;
  file?: FileRules;
  /** Table / repeating sub-form: its columns, same model one level down. */
  columns?: UiLayout;
  /** Textarea rows. */
  rows?: number;
}

export interface UiLayout {
  order: string[];
  fields: Record<string, FieldUi>;
}

export interface UiSchema extends UiLayout {
  /** Grid columns of the form (1–3). */
  layoutColumns?: 1 | 2 | 3;
  labelWidth?: number;
}

/** The JSON Schema subset the designer writes; any other 2020-12 keyword is still accepted. */
export interface JsonSchema {
  $schema?: string;
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  [keyword: string]: unknown;
}

export interface FormDocuments {
  schema: JsonSchema;
  uiSchema: UiSchema;
}

export interface FieldError {
  field: string;
  message: string;
}

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
