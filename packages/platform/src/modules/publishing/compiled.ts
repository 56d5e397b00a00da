import {
  AssignTag,
  CommentTag,
  Context,
  Drop,
  defaultOperators,
  evalToken,
  ForTag,
  IfTag,
  isTruthy,
  type Liquid,
  LiquidError,
  Output,
  RenderError,
  type Template,
  TypeGuards,
  toValueSync,
  UndefinedVariableError,
  type Value,
} from 'liquidjs';

/*
 * 模板直译 (synchronous template runner): LiquidJS renders every node through generators — a
 * page of a few hundred outputs and tags makes thousands of generator objects, each driven by
 * `toValueSync`, and that machinery was half of a page's render time. Renders from memory are
 * synchronous (renderSync), so this replaces the engine's `renderer.renderTemplates` for them
 * with closures made once per parsed template list: text, `{{ output }}` with its filters, `if`,
 * `for` (without limit/offset/reversed), `assign` and `comment` run as plain function calls; every
 * other tag (include, case, the engine's own tags…) still runs its own LiquidJS `render`, and the
 * templates inside it come back here. Asynchronous renders (the database-backed source) are left
 * to LiquidJS as they are.
 *
 * What each closure does is what LiquidJS 10's `Render`, `Output`, `Value`, `Filter`,
 * `Expression`, `evalToken`, `IfTag`, `ForTag`, `AssignTag` and `Context._get` do, minus the
 * generators (no library offers this: LiquidJS has no compile step, liquid-to-JS compilers are
 * for Shopify's Ruby dialect). Variable reads still tell the include memo (memo.ts) what they
 * read. `memo-themes.test.ts` and `compiled.test.ts` compare every page of every theme, and a
 * set of edge cases, with LiquidJS's own rendering; a LiquidJS release that changes these
 * semantics fails them.
 */

type Emitter = { write(html: unknown): void; buffer: string };
type Step = (ctx: Context, emitter: Emitter) => void;
type Eval = (ctx: Context, lenient: boolean) => unknown;

/** Set on a Context by memo.ts: told every variable read (path and value) made here. */
export const READ_HOOK = Symbol('jiyue.readHook');
type ReadHook = (ctx: Context, paths: unknown[], value: unknown) => void;

const isIterator = (v: any): boolean =>
  !!v && typeof v.next === 'function' && typeof v.throw === 'function' && typeof v.return === 'function';
const settle = (v: unknown) => (isIterator(v) ? toValueSync(v as any) : v);
const toValue = (v: any) => (v instanceof Drop && typeof v.valueOf === 'function' ? v.valueOf() : v);

function stringify(value: unknown): string {
  const v = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  return String(v);
}

/** LiquidJS's SimpleEmitter (not exported). */
class SyncEmitter implements Emitter {
  buffer = '';
  write(html: unknown): void {
    this.buffer += stringify(html);
  }
}

/** LiquidJS's ForloopDrop (not exported). */
class Forloop extends Drop {
  i = 0;
  name: string;
  constructor(
    readonly length: number,
    collection: string,
    variable: string,
  ) {
    super();
    this.name = `${variable}-${collection}`;
  }
  next() {
    this.i++;
  }
  index0() {
    return this.i;
  }
  index() {
    return this.i + 1;
  }
  first() {
    return this.i === 0;
  }
  last() {
    return this.i === this.length - 1;
  }
  rindex() {
    return this.length - this.i;
  }
  rindex0() {
    return this.length - this.i - 1;
  }
  valueOf() {
    return JSON.stringify(this);
  }
}

function toEnumerable(value: unknown): unknown[] {
  const v = toValue(value);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v.length > 0) return [v];
  if (v && typeof (v as any)[Symbol.iterator] === 'function') return Array.from(v as Iterable<unknown>);
  if (v !== null && typeof v === 'object') return Object.keys(v).map((k) => [k, (v as any)[k]]);
  return [];
}

/** The unpatched variable read: a context whose `_get` is another (not memo's) reads through it. */
const contextGet = (Context.prototype as any)._get;

class Compiler {
  private readonly blocks = new WeakMap<Template[], Step>();
  private readonly operators: Record<string, (...args: any[]) => unknown>;

  constructor(private readonly liquid: Liquid) {
    this.operators = liquid.options.operators as any;
  }

  block(templates: Template[]): Step {
    let step = this.blocks.get(templates);
    if (!step) {
      const steps = templates.map((t) => this.node(t));
      step = (ctx, emitter) => {
        for (let i = 0; i < steps.length; i++) {
          try {
            steps[i](ctx, emitter);
          } catch (e) {
            throw LiquidError.is(e) ? e : new RenderError(e as Error, templates[i]);
          }
          if (ctx.breakCalled || ctx.continueCalled) break;
        }
      };
      this.blocks.set(templates, step);
    }
    return step;
  }

  private node(tpl: Template): Step {
    const t = tpl as any;
    if (TypeGuards.isHTMLToken(t.token) && typeof t.str === 'string') {
      const str = t.str as string;
      return (_ctx, emitter) => emitter.write(str);
    }
    if (tpl instanceof Output) {
      const value = this.value((tpl as any).value);
      return (ctx, emitter) => emitter.write(toValue(value(ctx, false)));
    }
    if (tpl instanceof CommentTag) return () => {};
    if (tpl instanceof IfTag) return this.ifTag(t);
    if (tpl instanceof AssignTag) {
      const value = this.value(t.value);
      const key = t.key as string;
      return (ctx) => {
        ctx.bottom()[key] = value(ctx, !!this.liquid.options.lenientIf);
      };
    }
    if (tpl instanceof ForTag && Object.keys(t.hash.hash).length === 0) return this.forTag(t);
    // Any other tag renders itself; the templates inside it come back through renderTemplates.
    return (ctx, emitter) => {
      const html = settle(tpl.render(ctx, emitter as any));
      if (html) emitter.write(html);
    };
  }

  private ifTag(t: any): Step {
    const branches = (t.branches as { value: Value; templates: Template[] }[]).map((b) => ({
      test: this.value(b.value),
      run: this.block(b.templates),
    }));
    const otherwise = this.block(t.elseTemplates || []);
    return (ctx, emitter) => {
      const lenient = !!ctx.opts.lenientIf;
      for (const b of branches) {
        if (isTruthy(toValue(b.test(ctx, lenient)), ctx)) {
          b.run(ctx, emitter);
          return;
        }
      }
      otherwise(ctx, emitter);
    };
  }

  private forTag(t: any): Step {
    const collectionOf = this.token(t.collection);
    const variable = t.variable as string;
    const text = t.collection.getText() as string;
    const continueKey = `continue-${variable}-${text}`;
    const body = this.block(t.templates);
    const otherwise = this.block(t.elseTemplates);
    return (ctx, emitter) => {
      const collection = toEnumerable(collectionOf(ctx, false));
      if (!collection.length) {
        otherwise(ctx, emitter);
        return;
      }
      ctx.setRegister(continueKey, collection.length);
      const forloop = new Forloop(collection.length, text, variable);
      const scope = Object.create(null) as Record<string, unknown>;
      scope.forloop = forloop;
      ctx.push(scope);
      try {
        for (const item of collection) {
          scope[variable] = item;
          ctx.continueCalled = ctx.breakCalled = false;
          body(ctx, emitter);
          if (ctx.breakCalled) break;
          forloop.next();
        }
      } finally {
        ctx.continueCalled = ctx.breakCalled = false;
        ctx.pop();
      }
    };
  }

  /** Value: an expression and its filters (Value.value). */
  private value(v: Value): Eval {
    const initial = this.expression((v as any).initial);
    const filters = ((v as any).filters as any[]).map((f) => this.filter(f));
    const defaultFirst = filters.length > 0 && (v as any).filters[0].name === 'default';
    if (filters.length === 0) return initial;
    return (ctx, lenient) => {
      let val = initial(ctx, lenient || (!!ctx.opts.lenientIf && defaultFirst));
      for (const f of filters) val = f(ctx, val);
      return val;
    };
  }

  private filter(f: any): (ctx: Context, value: unknown) => unknown {
    const args = (f.args as any[]).map((arg) =>
      Array.isArray(arg) ? { key: arg[0] as string, value: this.token(arg[1]) } : { key: null, value: this.token(arg) },
    );
    const handler = f.handler as (...a: unknown[]) => unknown;
    const { token, liquid } = f;
    return (ctx, value) => {
      const argv: unknown[] = [value];
      for (const a of args) argv.push(a.key === null ? a.value(ctx, false) : [a.key, a.value(ctx, false)]);
      return settle(handler.apply({ context: ctx, token, liquid }, argv));
    };
  }

  /** Expression.evaluate over its postfix tokens. */
  private expression(e: any): Eval {
    const postfix = e.postfix as any[];
    if (postfix.length === 1 && !TypeGuards.isOperatorToken(postfix[0])) return this.token(postfix[0]);
    const steps = postfix.map((token): { operand: Eval | null; op: string; fn: (...args: any[]) => unknown } => {
      if (!TypeGuards.isOperatorToken(token)) return { operand: this.token(token), op: '', fn: () => undefined };
      const op = (token as any).operator as string;
      return { operand: null, op, fn: this.operators[op] };
    });
    const eq = this.operators['=='] === defaultOperators['=='];
    const ne = this.operators['!='] === defaultOperators['!='];
    return (ctx, lenient) => {
      const operands: unknown[] = [];
      for (const s of steps) {
        if (s.operand) {
          operands.push(s.operand(ctx, lenient));
          continue;
        }
        const r = operands.pop();
        // `not` is LiquidJS's one unary operator.
        if (s.op === 'not') {
          operands.push(settle(s.fn(r, ctx)));
          continue;
        }
        const l = operands.pop();
        if ((s.op === '==' && eq) || (s.op === '!=' && ne)) {
          if (primitive(l) && primitive(r)) {
            operands.push(s.op === '==' ? l === r : l !== r);
            continue;
          }
        }
        operands.push(settle(s.fn(l, r, ctx)));
      }
      return operands[0];
    };
  }

  /** evalToken: literals, variable reads; ranges and the rest through LiquidJS. */
  private token(token: any): Eval {
    if (!token) return () => undefined;
    if ('content' in token) {
      const content = token.content;
      return () => content;
    }
    if (TypeGuards.isPropertyAccessToken(token) && !(token as any).variable) return this.read(token);
    return (ctx, lenient) => settle(evalToken(token, ctx, lenient));
  }

  /** A variable read (evalPropertyAccessToken + Context._get), reported to the memo's hook. */
  private read(token: any): Eval {
    const props = (token.props as any[]).map((p) => this.token(p));
    return (ctx, lenient) => {
      const paths: unknown[] = [];
      for (const p of props) paths.push(toValue(p(ctx, false)));
      const c = ctx as any;
      try {
        if (c.strictVariables || (c._get !== contextGet && !c[READ_HOOK])) return settle(c._get(paths));
        let scope = c.findScope(paths[0]);
        for (const key of paths) scope = settle(c.readProperty(scope, key));
        const hook = c[READ_HOOK] as ReadHook | undefined;
        if (hook) hook(ctx, paths, scope);
        return scope;
      } catch (e) {
        if (lenient && (e as Error).name === 'InternalUndefinedVariableError') return null;
        throw new UndefinedVariableError(e as Error, token);
      }
    };
  }
}

function primitive(v: unknown): boolean {
  const t = typeof v;
  return v === null || (t !== 'object' && t !== 'function');
}

/**
 * Makes `liquid` render synchronous renders through compiled closures (see above). Options that
 * need LiquidJS's own loop (catchAllErrors, keepOutputType, a render time limit) keep it.
 */
export function compileSyncRenders(liquid: Liquid): void {
  const renderer = (liquid as any).renderer;
  const original = renderer.renderTemplates;
  const compiler = new Compiler(liquid);
  const o = liquid.options as any;
  const plain = !o.catchAllErrors && !o.keepOutputType && !Number.isFinite(o.renderLimit);
  renderer.renderTemplates = function (templates: Template[], ctx: Context, emitter?: Emitter) {
    if (!ctx.sync || !plain) return original.call(this, templates, ctx, emitter);
    const out = emitter ?? new SyncEmitter();
    compiler.block(templates)(ctx, out);
    return out.buffer;
  };
}
