import { compileExpression } from 'filtrex';

/*
 * Conditions on sequence flows, in filtrex syntax (`amount > 1000 and dept == "jyj"`). filtrex
 * parses a small grammar of its own, so a condition can read variables but cannot reach any
 * JavaScript object or call anything we did not list — no eval of user text in our code.
 */

type Compiled = (vars: Record<string, unknown>) => unknown;

const cache = new Map<string, Compiled>();

/** Own-property lookup along a dotted path (`form.amount`); missing → null, never a prototype member. */
function lookup(path: string, vars: Record<string, unknown>): unknown {
  let value: unknown = vars;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return null;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const extraFunctions = {
  /** `empty(x)`: null, '' or an empty list. */
  empty: (x: unknown) => x === null || x === undefined || x === '' || (Array.isArray(x) && x.length === 0),
  len: (x: unknown) => (Array.isArray(x) || typeof x === 'string' ? x.length : 0),
};

/** Compiles (and caches) a condition; throws with filtrex's message when it does not parse. */
export function compileCondition(expression: string): Compiled {
  let fn = cache.get(expression);
  if (!fn) {
    const compiled = compileExpression(expression, {
      extraFunctions,
      constants: { true: true, false: false, null: null },
      customProp: (name: string, _get: unknown, object: Record<string, unknown>) => lookup(name, object),
    });
    fn = (vars) => compiled(vars);
    if (cache.size > 5000) cache.clear();
    cache.set(expression, fn);
  }
  return fn;
}

/** True when the condition holds; a condition that fails at run time (bad types) counts as false. */
export function evaluateCondition(expression: string, vars: Record<string, unknown>): boolean {
  const result = compileCondition(expression)(vars);
  if (result instanceof Error) return false;
  return result === true || result === 1;
}
