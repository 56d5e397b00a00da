import { Jexl } from 'jexl';

/*
 * Visibility conditions and computed fields are jexl expressions (https://github.com/TomFrost/Jexl):
 * a parser plus a tree-walking evaluator — no eval, no Function constructor, no method calls, so a
 * form author can only combine the form's own values with the functions listed here. The same
 * instance runs in the browser (live preview) and on the server (recompute and check).
 *
 *   visibleWhen: applicantType == "legalEntity"
 *   compute:     price * quantity            (inside a table row)
 *   compute:     sum(items, "amount")        (the table's total)
 */

/** Longest expression a definition may hold; keeps parsing cheap and forms readable. */
export const MAX_EXPRESSION_LENGTH = 500;

const jexl = new Jexl();

const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
};
const rows = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object') : [];

/** 求和: sum(table, "column") or sum(a, b, c). */
jexl.addFunction('sum', (first: unknown, ...rest: unknown[]) => {
  if (Array.isArray(first) && typeof rest[0] === 'string') {
    const key = rest[0];
    return rows(first).reduce((s, r) => s + num(Object.hasOwn(r, key) ? r[key] : 0), 0);
  }
  return [first, ...rest].reduce<number>((s, v) => s + num(v), 0);
});
/** 行数: count(table). */
jexl.addFunction('count', (v: unknown) => (Array.isArray(v) ? v.length : 0));
jexl.addFunction('round', (v: unknown, digits: unknown = 0) => roundTo(num(v), num(digits)));
jexl.addFunction('abs', (v: unknown) => Math.abs(num(v)));
jexl.addFunction('min', (...vs: unknown[]) => Math.min(...vs.map(num)));
jexl.addFunction('max', (...vs: unknown[]) => Math.max(...vs.map(num)));
jexl.addFunction('len', (v: unknown) => (typeof v === 'string' || Array.isArray(v) ? v.length : 0));
jexl.addFunction('empty', (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length));
/** includes(checkboxField, "value") for conditions on multi-choice answers. */
jexl.addFunction('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));

export const EXPRESSION_FUNCTIONS = ['sum', 'count', 'round', 'abs', 'min', 'max', 'len', 'empty', 'includes'];

/** Rounds half away from zero at `digits` decimals, without the 1.005 → 1.00 float surprise. */
export function roundTo(value: number, digits: number): number {
  const d = Math.max(0, Math.min(8, Math.trunc(digits)));
  const factor = 10 ** d;
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * factor + 1e-9)) / factor;
  return Object.is(rounded, -0) ? 0 : rounded;
}

const compiled = new Map<string, ReturnType<typeof jexl.compile>>();

function compile(expression: string) {
  let expr = compiled.get(expression);
  if (!expr) {
    expr = jexl.compile(expression);
    if (compiled.size > 2000) compiled.clear();
    compiled.set(expression, expr);
  }
  return expr;
}

/** Null when the expression parses, else a Chinese reason (used when a definition is saved). */
export function expressionError(expression: string): string | null {
  if (expression.length > MAX_EXPRESSION_LENGTH) return `表达式不能超过 ${MAX_EXPRESSION_LENGTH} 个字符`;
  try {
    compile(expression);
    return null;
  } catch (e) {
    return `表达式有误：${(e as Error).message}`;
  }
}

/**
 * Evaluates against a context object; any failure (unknown function, a value of the wrong type)
 * yields undefined, which conditions read as "hidden" and computed fields as "no value".
 */
export function evaluate(expression: string, context: Record<string, unknown>): unknown {
  try {
    return compile(expression).evalSync(context);
  } catch {
    return undefined;
  }
}
