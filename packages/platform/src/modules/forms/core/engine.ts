import { isValidIdNumber, isValidUscc } from '@jiyue/text/identifiers';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import localizeZhModule from 'ajv-i18n/localize/zh/index.js';
import { evaluate, expressionError, roundTo } from './expressions.js';
import {
  type FieldError,
  type FieldUi,
  type FormDocuments,
  type JsonSchema,
  SCHEMA_DIALECT,
  type UiLayout,
  WIDGETS,
} from './types.js';

// CommonJS packages: Node's ESM loader and Vite hand over `module.exports`, TypeScript's NodeNext
// typing sees the `default` member; take whichever is the function.
const interop = <T>(m: unknown): T => ((m as { default?: T }).default ?? m) as T;
const addFormats = interop<typeof addFormatsModule.default>(addFormatsModule);
const localizeZh = interop<(errors: ErrorObject[]) => void>(localizeZhModule);

/*
 * The form engine: one compiled definition that cleans, computes and validates a submission.
 * The server (service.ts) and the console renderer both call `FormEngine.process`, so the two
 * can never disagree on what is valid; the server then adds the checks that need the database
 * (references.ts: dictionaries, users, orgs, files, regions) and sanitizes rich text.
 *
 * Steps, per object level (the form, then each table row):
 *  1. unknown keys → 「不允许的字段」 (the fresh output object holds only declared keys, so
 *     `__proto__` and friends never reach a prototype);
 *  2. table rows are cleaned first, so row-level computed values exist for the totals;
 *  3. computed fields are evaluated in order; a submitted value that differs → error;
 *  4. fields whose `visibleWhen` is false are dropped (and are therefore not required);
 *     computed fields are evaluated once more so totals ignore the hidden values;
 *  5. ajv (JSON Schema 2020-12, all errors) validates the cleaned data; messages are Chinese and
 *     name the field by its label.
 */

/** Hostile-input guards: a submission larger than this is refused before any validation. */
export const LIMITS = { maxNodes: 20_000, maxDepth: 8, maxErrors: 100 };

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set(['constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty']);

type Data = Record<string, unknown>;

const MOBILE = /^1[3-9]\d{9}$/;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

/** 金额: at most two decimals, below a trillion. */
export function isMoney(n: number): boolean {
  return Number.isFinite(n) && Math.abs(n) < 1e12 && Math.abs(Math.round(n * 100) - n * 100) < 1e-6;
}

/** The ajv instance with our formats; exported for tests and for the definition checks. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv, ['date', 'time', 'date-time', 'email', 'uuid', 'uri']);
  ajv.addFormat('cn-id-number', isValidIdNumber);
  ajv.addFormat('cn-credit-code', isValidUscc);
  ajv.addFormat('cn-mobile', MOBILE);
  ajv.addFormat('local-time', LOCAL_TIME);
  ajv.addFormat('money', { type: 'number', validate: isMoney });
  return ajv;
}

const FORMAT_MESSAGES: Record<string, string> = {
  'cn-id-number': '不是有效的居民身份证号码（请核对出生日期和校验位）',
  'cn-credit-code': '不是有效的统一社会信用代码（请核对校验位）',
  'cn-mobile': '不是有效的手机号码',
  email: '不是有效的电子邮箱地址',
  money: '应为金额，最多保留两位小数',
  date: '不是有效的日期',
  time: '不是有效的时间',
  'local-time': '不是有效的时间',
  'date-time': '不是有效的日期时间',
  uuid: '取值不正确',
  uri: '不是有效的网址',
};

const TYPE_NAMES: Record<string, string> = {
  string: '文本',
  number: '数字',
  integer: '整数',
  boolean: '是/否',
  array: '列表',
  object: '对象',
};

function jsonPointerToPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export class FormDefinitionError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}

/**
 * Checks a definition before it is saved: field names, widgets, that the UI schema and the JSON
 * Schema describe the same fields, expressions parse, and the schema compiles under ajv strict mode.
 */
export function checkDefinition(docs: FormDocuments): FieldError[] {
  const errors: FieldError[] = [];
  const { schema, uiSchema } = docs;
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    return [{ field: 'schema', message: 'JSON Schema 应为对象' }];
  }
  if (schema.$schema !== undefined && schema.$schema !== SCHEMA_DIALECT) {
    errors.push({ field: 'schema.$schema', message: `只支持 ${SCHEMA_DIALECT}` });
  }
  if (schema.type !== 'object') errors.push({ field: 'schema.type', message: '表单的根类型应为 object' });
  checkLayout(schema, uiSchema, 'uiSchema', errors, 0);
  if (errors.length) return errors;
  try {
    createAjv().compile(schema);
  } catch (e) {
    errors.push({ field: 'schema', message: `JSON Schema 不合法：${(e as Error).message}` });
  }
  return errors;
}

function checkLayout(schema: JsonSchema, layout: UiLayout, at: string, errors: FieldError[], depth: number): void {
  if (!layout || !Array.isArray(layout.order) || !layout.fields || typeof layout.fields !== 'object') {
    errors.push({ field: at, message: '界面定义应包含 order 和 fields' });
    return;
  }
  const props = schema.properties ?? {};
  const seen = new Set<string>();
  for (const name of layout.order) {
    const where = `${at}.fields.${name}`;
    if (!FIELD_NAME.test(name) || RESERVED.has(name)) {
      errors.push({ field: `${at}.order`, message: `字段名「${name}」不合法：以字母开头，只含字母、数字和下划线` });
      continue;
    }
    if (seen.has(name)) errors.push({ field: `${at}.order`, message: `字段「${name}」重复` });
    seen.add(name);
    const ui = Object.hasOwn(layout.fields, name) ? layout.fields[name] : undefined;
    if (!ui) {
      errors.push({ field: where, message: '缺少该字段的界面定义' });
      continue;
    }
    if (!Object.hasOwn(props, name))
      errors.push({ field: `schema.properties.${name}`, message: '数据结构中没有该字段' });
    if (!(WIDGETS as readonly string[]).includes(ui.widget)) {
      errors.push({ field: `${where}.widget`, message: `不支持的控件「${String(ui.widget)}」` });
    }
    for (const key of ['visibleWhen', 'compute'] as const) {
      const expr = ui[key];
      if (expr === undefined || expr === '') continue;
      const problem = typeof expr === 'string' ? expressionError(expr) : '表达式应为文本';
      if (problem) errors.push({ field: `${where}.${key}`, message: problem });
    }
    if (ui.widget === 'table') {
      const items = props[name]?.items;
      if (depth > 0) errors.push({ field: where, message: '明细表中不能再嵌套明细表' });
      else if (items?.type !== 'object' || !ui.columns) {
        errors.push({ field: where, message: '明细表应定义 items（object）和 columns' });
      } else checkLayout(items, ui.columns, `${where}.columns`, errors, depth + 1);
    }
  }
  for (const name of Object.keys(props)) {
    if (!seen.has(name))
      errors.push({ field: `${at}.order`, message: `数据结构中的字段「${name}」未出现在界面定义中` });
  }
}

export interface ProcessResult {
  /** The cleaned data: declared, visible fields only, computed values filled in by the engine. */
  data: Data;
  errors: FieldError[];
  /** Dotted paths of the fields hidden by their conditions (for the renderer). */
  hidden: string[];
}

const isObject = (v: unknown): v is Data => !!v && typeof v === 'object' && !Array.isArray(v);

/** Counts nodes up to the limit; true when the value is within both limits. */
function withinLimits(value: unknown): boolean {
  let nodes = 0;
  const walk = (v: unknown, depth: number): boolean => {
    if (++nodes > LIMITS.maxNodes || depth > LIMITS.maxDepth) return false;
    if (Array.isArray(v)) return v.every((x) => walk(x, depth + 1));
    if (isObject(v)) return Object.keys(v).every((k) => walk(v[k], depth + 1));
    return true;
  };
  return walk(value, 0);
}

const join = (base: string, key: string | number) => (base ? `${base}.${key}` : String(key));

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9;
  return JSON.stringify(a) === JSON.stringify(b);
}

export class FormEngine {
  private readonly validateFn: ValidateFunction;

  constructor(readonly docs: FormDocuments) {
    const problems = checkDefinition(docs);
    if (problems.length) throw new FormDefinitionError(problems);
    // One ajv per engine: schemas with the same $id from different versions never collide, and
    // the compiled code is dropped with the engine (callers cache engines per version).
    this.validateFn = createAjv().compile(docs.schema);
  }

  /** Label of a field for messages: the schema title, else the key. */
  labelOf(path: string[]): string {
    const parts: string[] = [];
    let schema: JsonSchema | undefined = this.docs.schema;
    let rowIndex: number | null = null;
    for (const seg of path) {
      if (!schema) break;
      if (/^\d+$/.test(seg) && schema.type === 'array') {
        rowIndex = Number(seg);
        schema = schema.items;
        continue;
      }
      const next: JsonSchema | undefined = schema.properties?.[seg];
      if (!next) break;
      const title = next.title ?? seg;
      if (rowIndex !== null) {
        parts.push(`第 ${rowIndex + 1} 行`);
        rowIndex = null;
      }
      parts.push(title);
      schema = next;
    }
    if (rowIndex !== null) parts.push(`第 ${rowIndex + 1} 项`);
    return parts.join(' ') || '表单';
  }

  /** Runs the whole pipeline. Never throws on bad data: every problem is a field error. */
  process(input: unknown): ProcessResult {
    if (!isObject(input)) return { data: {}, errors: [{ field: '', message: '表单数据应为对象' }], hidden: [] };
    if (!withinLimits(input)) {
      return {
        data: {},
        errors: [{ field: '', message: `表单数据过大（最多 ${LIMITS.maxNodes} 个值、${LIMITS.maxDepth} 层）` }],
        hidden: [],
      };
    }
    const errors: FieldError[] = [];
    const hidden: string[] = [];
    const data = this.cleanLevel(this.docs.schema, this.docs.uiSchema, input, '', undefined, errors, hidden);
    if (!this.validateFn(data)) errors.push(...this.describe(this.validateFn.errors ?? [], hidden));
    return { data, errors: dedupe(errors).slice(0, LIMITS.maxErrors), hidden };
  }

  /** Visible fields and computed values for live rendering (same rules as `process`). */
  preview(input: Data): { data: Data; hidden: Set<string> } {
    const hidden: string[] = [];
    const data = this.cleanLevel(this.docs.schema, this.docs.uiSchema, input ?? {}, '', undefined, [], hidden);
    return { data, hidden: new Set(hidden) };
  }

  private cleanLevel(
    schema: JsonSchema,
    layout: UiLayout,
    input: Data,
    path: string,
    root: Data | undefined,
    errors: FieldError[],
    hidden: string[],
  ): Data {
    const props = schema.properties ?? {};
    const out: Data = {};
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(props, key)) errors.push({ field: join(path, key), message: `「${key}」是不允许的字段` });
    }
    for (const key of layout.order) {
      if (!Object.hasOwn(input, key)) continue;
      const ui = layout.fields[key];
      const value = input[key];
      if (ui.widget === 'table' && Array.isArray(value) && ui.columns) {
        const itemSchema = props[key].items ?? {};
        out[key] = value.map((row, i) =>
          isObject(row)
            ? this.cleanLevel(
                itemSchema,
                ui.columns as UiLayout,
                row,
                join(join(path, key), i),
                root ?? input,
                errors,
                hidden,
              )
            : row,
        );
      } else out[key] = value;
    }
    const context = (): Data => (root ? { ...out, $form: root } : out);
    const submitted = new Map<string, unknown>();
    for (const key of layout.order)
      if (layout.fields[key].compute && out[key] !== undefined) submitted.set(key, out[key]);
    this.computeLevel(layout, out, context);
    let anyHidden = false;
    for (const key of layout.order) {
      const condition = layout.fields[key].visibleWhen;
      if (!condition) continue;
      if (!evaluate(condition, context())) {
        hidden.push(join(path, key));
        delete out[key];
        anyHidden = true;
      }
    }
    if (anyHidden) this.computeLevel(layout, out, context);
    for (const [key, sent] of submitted) {
      if (!Object.hasOwn(out, key) || sameValue(sent, out[key])) continue;
      const label = this.labelOf(jsonPointerToPath(`/${join(path, key).replaceAll('.', '/')}`));
      errors.push({ field: join(path, key), message: `「${label}」的计算结果不正确，应为 ${String(out[key])}` });
    }
    this.checkRanges(layout, out, path, errors);
    return out;
  }

  private computeLevel(layout: UiLayout, out: Data, context: () => Data): void {
    for (const key of layout.order) {
      const ui: FieldUi = layout.fields[key];
      if (!ui.compute) continue;
      let value = evaluate(ui.compute, context());
      if (typeof value === 'number') value = Number.isFinite(value) ? roundTo(value, ui.precision ?? 2) : undefined;
      if (value === undefined || value === null || (typeof value === 'object' && value !== null)) delete out[key];
      else out[key] = value;
    }
  }

  /** 日期区间: the start may not be after the end (JSON Schema cannot compare two items). */
  private checkRanges(layout: UiLayout, out: Data, path: string, errors: FieldError[]): void {
    for (const key of layout.order) {
      if (layout.fields[key].widget !== 'dateRange') continue;
      const v = out[key];
      if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' && v[0] > v[1]) {
        errors.push({
          field: join(path, key),
          message: `「${this.labelOf([...path.split('.').filter(Boolean), key])}」的开始日期不能晚于结束日期`,
        });
      }
    }
  }

  private describe(ajvErrors: ErrorObject[], hidden: string[]): FieldError[] {
    const hiddenSet = new Set(hidden);
    const out: FieldError[] = [];
    for (const e of ajvErrors) {
      const path = jsonPointerToPath(e.instancePath);
      if (e.keyword === 'required') {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        const field = [...path, missing].join('.');
        if (hiddenSet.has(field)) continue;
        out.push({ field, message: `请填写「${this.labelOf([...path, missing])}」` });
        continue;
      }
      out.push({ field: path.join('.'), message: this.message(e, this.labelOf(path)) });
    }
    return out;
  }

  private message(e: ErrorObject, label: string): string {
    const p = e.params as Record<string, any>;
    const L = `「${label}」`;
    switch (e.keyword) {
      case 'format':
        return `${L}${FORMAT_MESSAGES[p.format] ?? '格式不正确'}`;
      case 'type':
        return `${L}应为${TYPE_NAMES[String(p.type)] ?? p.type}`;
      case 'minLength':
        return p.limit === 1 ? `请填写${L}` : `${L}不能少于 ${p.limit} 个字`;
      case 'maxLength':
        return `${L}不能超过 ${p.limit} 个字`;
      case 'minimum':
        return `${L}不能小于 ${p.limit}`;
      case 'maximum':
        return `${L}不能大于 ${p.limit}`;
      case 'exclusiveMinimum':
        return `${L}应大于 ${p.limit}`;
      case 'exclusiveMaximum':
        return `${L}应小于 ${p.limit}`;
      case 'minItems':
        return `${L}至少需要 ${p.limit} 项`;
      case 'maxItems':
        return `${L}最多 ${p.limit} 项`;
      case 'uniqueItems':
        return `${L}不能有重复项`;
      case 'enum':
        return `${L}的取值不在可选范围内`;
      case 'const':
        return `${L}的取值不正确`;
      case 'pattern':
        return `${L}格式不正确`;
      case 'additionalProperties':
        return `${L}中的「${p.additionalProperty}」是不允许的字段`;
      case 'multipleOf':
        return `${L}应为 ${p.multipleOf} 的整数倍`;
      default: {
        const copy = { ...e };
        localizeZh([copy]);
        return `${L}${copy.message ?? '不合法'}`;
      }
    }
  }
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.field}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Walks every field of a definition (tables included) with its dotted data paths for one submission. */
export function* fieldsWithValues(
  layout: UiLayout,
  schema: JsonSchema,
  data: Data,
  path = '',
): Generator<{ path: string; key: string; ui: FieldUi; schema: JsonSchema; value: unknown }> {
  for (const key of layout.order) {
    if (!Object.hasOwn(data, key)) continue;
    const ui = layout.fields[key];
    const fieldSchema = schema.properties?.[key] ?? {};
    const value = data[key];
    yield { path: join(path, key), key, ui, schema: fieldSchema, value };
    if (ui.widget === 'table' && ui.columns && Array.isArray(value)) {
      for (const [i, row] of value.entries()) {
        if (isObject(row)) yield* fieldsWithValues(ui.columns, fieldSchema.items ?? {}, row, join(join(path, key), i));
      }
    }
  }
}
