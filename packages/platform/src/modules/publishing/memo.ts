import { type Context, type Emitter, IncludeTag, type Liquid, toValueSync } from 'liquidjs';
import { READ_HOOK } from './compiled.js';
import type { FileRef } from './site-data.js';
import { type RenderState, STATE } from './tags.js';

/*
 * 局部缓存: `{% include %}` output remembered by what the partial read.
 *
 * Every page of a site repeats the same header, navigation and footer, and rendering them was
 * two thirds of an article page's time. A partial's output depends only on the variables it reads
 * from outside itself, its arguments, the page's place in the tree (relative links) and the
 * site's data (one renderer = one snapshot of it). So the first render of a partial records each
 * outside read — path and value — together with the output, the variables it assigned (LiquidJS
 * assigns leak into the page) and the dependency keys and files its tags recorded. A later include
 * of the same partial with the same arguments, whose recorded reads give the same values now, gets
 * the output and replays the rest without rendering.
 *
 * Values are compared with `===` (dates by time), so objects must be the same object to match: the
 * renderer hands every page of a folder the same `nav`, `site` and breadcrumb objects. A partial
 * that reads something different on every page (the page's title, its 关怀版 link) never matches;
 * after MISS_LIMIT misses without a hit it is no longer recorded for this renderer. Partials using
 * tags with effects outside the page's variables (increment, cycle, render, layout, block,
 * break/continue) are never remembered.
 *
 * Holes (留空): a partial that missed on each of the first VOLATILE_AFTER pages that used it (the
 * 关怀版 switch, whose link is the page's own; the <head> with the page's title) is "volatile".
 * Included without arguments inside a partial being recorded, it becomes a hole: the parent's
 * remembered output keeps a gap there, its reads are not the parent's, and every replay renders
 * only the hole afresh. So the header and footer around the switch are remembered although the
 * switch differs on every page. A hole must not depend on the parent: if it reads a variable the
 * parent set (its arguments, its assigns, its loop variables) or assigns anything, the parent's
 * output is not remembered. While recording, a hole's output goes to a side list and a marker
 * with a per-process nonce stands in the buffer; the outermost recording puts the outputs back.
 *
 * No library does this (LiquidJS has a template cache, not an output cache); it uses LiquidJS's
 * exported IncludeTag and the Context's `_get`, `scopes` and `bottom()` — a LiquidJS release that
 * changes them fails the publishing tests, which compare remembered and fresh output.
 */

/** After this many misses without any hit, a partial is rendered plainly for the renderer's life. */
const MISS_LIMIT = 40;
/** Remembered variants per partial and key (page kinds × sections × …). */
const ENTRIES_PER_KEY = 16;
/**
 * Remembered outputs per renderer at most. A partial whose arguments differ on every page (a list
 * passed in) gets a key per page; when it also matches now and then, it is not dropped by
 * MISS_LIMIT, and a 100,000-page rebuild must not keep one output per page.
 */
const MAX_ENTRIES = 4000;
/** Pages a partial must have missed on, each of them, before it becomes a hole (see above). */
const VOLATILE_AFTER = 6;
const INCLUDES = /\{%-?\s*include\s+(['"]?)([^'"\s,%]+)\1/g;
/** A template's name as includes write it: `partials/nav.liquid` and `nav.liquid` are `nav`. */
const bareName = (name: string) => name.replace(/^partials\//, '').replace(/\.liquid$/, '');
const UNSAFE_TAGS = /\{%-?\s*(increment|decrement|cycle|render|layout|block|break|continue)\b/;

interface Read {
  paths: (string | number)[];
  value: unknown;
}

interface Entry {
  reads: Read[];
  /** The output; with holes, the text between them (one more than holes). */
  output: string;
  parts: string[] | null;
  holes: IncludeTag[] | null;
  assigns: [string, unknown][];
  deps: string[];
  files: [string, FileRef][];
}

interface Recording {
  /** Index the include's own scope (its arguments) has in ctx.scopes; scopes from it on are local. */
  depth: number;
  /** The page's bottom scope (where LiquidJS puts assigns) as it was before the partial ran. */
  before: Map<string, unknown>;
  reads: Read[];
  deps: string[];
  files: [string, FileRef][];
  /** Where the recorded partial writes: a hole's marker may go only there (not into a capture). */
  buffer?: Emitter;
  /** The output cannot be remembered: a hole in it depended on the partial. */
  spoiled?: boolean;
  /** Watches a hole's reads while it renders; never remembered, and no holes inside it. */
  probe?: boolean;
}

interface PartialStats {
  file: string;
  hits: number;
  misses: number;
  entries: Map<string, Entry[]>;
  /** Pages that used the partial, and those it missed on (the page's RenderState tells them apart). */
  pages: number;
  missedPages: number;
  lastPage?: object;
  lastMissedPage?: object;
  volatile: boolean;
}

/** One renderer's remembered partials (its site data snapshot is what makes outputs reusable). */
export class IncludeMemo {
  static readonly MAX_ENTRIES = MAX_ENTRIES;
  readonly partials = new Map<string, PartialStats>();
  hits = 0;
  misses = 0;
  /** Outputs remembered so far (MAX_ENTRIES). */
  entries = 0;
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(private readonly templates: Record<string, string>) {}

  /** Stable text for a value in a key: primitives as themselves, objects by identity. */
  token(value: unknown): string {
    if (value === null || value === undefined) return String(value);
    if (value instanceof Date) return `d${value.getTime()}`;
    if (typeof value === 'object' || typeof value === 'function') {
      let id = this.ids.get(value as object);
      if (!id) {
        id = this.nextId++;
        this.ids.set(value as object, id);
      }
      return `#${id}`;
    }
    return `${typeof value}:${String(value)}`;
  }

  private readonly safety = new Map<string, boolean>();

  /** Whether a partial and what it includes are free of tags with effects we do not replay. */
  safe(file: string): boolean {
    let known = this.safety.get(file);
    if (known === undefined) {
      this.safety.set(file, true); // an include cycle is LiquidJS's error to report, not ours
      known = this.check(file, new Set());
      this.safety.set(file, known);
    }
    return known;
  }

  private check(file: string, seen: Set<string>): boolean {
    if (seen.has(file)) return true;
    seen.add(file);
    const source = this.sourceOf(file);
    if (source === undefined || UNSAFE_TAGS.test(source)) return false;
    for (const m of source.matchAll(INCLUDES)) {
      if (!m[1]) return false; // a file name from a variable: cannot be followed statically
      if (!this.check(m[2], seen)) return false;
    }
    return true;
  }

  private sourceOf(file: string): string | undefined {
    const name = file.endsWith('.liquid') ? file : `${file}.liquid`;
    return this.templates[`partials/${name}`] ?? this.templates[name];
  }

  stats(file: string): PartialStats {
    let s = this.partials.get(file);
    if (!s) {
      s = { file, hits: 0, misses: 0, entries: new Map(), pages: 0, missedPages: 0, volatile: false };
      this.partials.set(file, s);
    }
    return s;
  }

  /** Counts a hit or miss of `stats` on the page of `state`; a partial missing on every page turns volatile. */
  count(stats: PartialStats, state: object, hit: boolean): void {
    if (hit) {
      stats.hits++;
      this.hits++;
    } else {
      stats.misses++;
      this.misses++;
    }
    if (stats.lastPage !== state) {
      stats.lastPage = state;
      stats.pages++;
    }
    if (!hit && stats.lastMissedPage !== state) {
      stats.lastMissedPage = state;
      stats.missedPages++;
    }
    if (!stats.volatile && stats.pages >= VOLATILE_AFTER && stats.missedPages === stats.pages) {
      stats.volatile = true;
      // The partials around it missed on the same pages because of it; as holes they may match now.
      for (const parent of this.includersOf(stats)) {
        Object.assign(parent, {
          pages: 0,
          missedPages: 0,
          lastPage: undefined,
          lastMissedPage: undefined,
          volatile: false,
        });
      }
    }
  }

  private includers?: Map<string, Set<string>>;

  /** Stats of the partials that include the one of `stats`, directly or not (by their sources). */
  private includersOf(stats: PartialStats): PartialStats[] {
    if (!this.includers) {
      this.includers = new Map();
      for (const [name, source] of Object.entries(this.templates)) {
        const from = bareName(name);
        for (const m of source.matchAll(INCLUDES)) {
          const to = bareName(m[2]);
          if (!this.includers.has(to)) this.includers.set(to, new Set());
          this.includers.get(to)?.add(from);
        }
      }
    }
    const found = new Set<string>();
    const walk = (name: string) => {
      for (const parent of this.includers?.get(name) ?? []) {
        if (!found.has(parent)) {
          found.add(parent);
          walk(parent);
        }
      }
    };
    walk(bareName(stats.file));
    return [...this.partials].filter(([name]) => found.has(bareName(name))).map(([, s]) => s);
  }
}

const NONCE = Math.random().toString(36).slice(2, 10);
const MARKERS = new RegExp(`\u0000jyhole${NONCE}:(\\d+)\u0000`, 'g');
const markerOf = (i: number) => `\u0000jyhole${NONCE}:${i}\u0000`;

/** Outputs of the holes rendered in a context while recording; markers index them. */
const holeOutputs = new WeakMap<Context, { tag: IncludeTag; output: string }[]>();

function fillHoles(ctx: Context, text: string): string {
  const outputs = holeOutputs.get(ctx);
  return outputs ? text.replace(MARKERS, (_, i) => outputs[Number(i)].output) : text;
}

const recordings = new WeakMap<Context, Recording[]>();

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
}

/** Whether `name` resolves, right now, to something the recorded partial set up itself. */
function isLocal(ctx: Context, r: Recording, name: string | number): boolean {
  const scopes = (ctx as any).scopes as Record<string | number, unknown>[];
  for (let i = scopes.length - 1; i >= 1; i--) {
    if (name in scopes[i]) return i >= r.depth;
  }
  // The bottom scope: a name the partial assigned (a new one, or a new value) is its own.
  const bottom = scopes[0];
  if (!(name in bottom)) return false;
  return !r.before.has(name as string) || r.before.get(name as string) !== bottom[name];
}

/** Routes every variable read of `ctx` past the active recordings (installed once per context). */
function watch(ctx: Context): Recording[] {
  let active = recordings.get(ctx);
  if (active) return active;
  active = [];
  recordings.set(ctx, active);
  const list = active;
  const original = (ctx as any)._get;
  (ctx as any)._get = function* (this: Context, paths: (string | number)[]) {
    const value = yield* original.call(this, paths);
    for (const r of list) {
      if (!isLocal(this, r, paths[0])) r.reads.push({ paths: [...paths], value });
    }
    return value;
  };
  (ctx as any)._getOriginal = original;
  // The compiled renderer (compiled.ts) reads without `_get` and reports here instead.
  (ctx as any)[READ_HOOK] = (c: Context, paths: (string | number)[], value: unknown) => {
    for (const r of list) {
      if (!isLocal(c, r, paths[0])) r.reads.push({ paths, value });
    }
  };
  return active;
}

/** The value `paths` has now, read without recording it; NO_VALUE when it cannot be read at once. */
function readNow(ctx: Context, paths: (string | number)[]): unknown {
  const original = (ctx as any)._getOriginal ?? (ctx as any)._get;
  try {
    return toValueSync(original.call(ctx, paths));
  } catch {
    // A Drop answering with a promise: not comparable, so the entry is taken as not matching.
    return NO_VALUE;
  }
}

const NO_VALUE = Symbol('no value');

/** `{% include %}` that remembers its output per IncludeMemo (see above). */
export class MemoIncludeTag extends IncludeTag {
  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const state = (ctx.globals as any)?.[STATE] as (RenderState & { memo?: IncludeMemo }) | undefined;
    const memo = state?.memo;
    const file = (this as any).file;
    if (!memo || typeof file !== 'string' || (this as any).withVar || !memo.safe(file)) {
      return yield* super.render(ctx, emitter) as any;
    }
    const stats = memo.stats(file);
    if (stats.volatile) {
      if (isBare(this)) return yield* renderHole(ctx, emitter, this);
      return yield* super.render(ctx, emitter) as any;
    }
    if (stats.hits === 0 && stats.misses >= MISS_LIMIT) return yield* super.render(ctx, emitter) as any;

    const args = (yield (this as any).hash.render(ctx)) as Record<string, unknown>;
    let key = `${state.root}|${state.siteRoot}|${state.care}`;
    for (const name of Object.keys(args)) key += `|${name}=${memo.token(args[name])}`;
    const entries = stats.entries.get(key);
    if (entries) {
      for (const entry of entries) {
        if (entry.reads.every((r) => same(readNow(ctx, r.paths), r.value))) {
          memo.count(stats, state, true);
          replay(ctx, state, entry);
          if (!entry.holes) emitter.write(entry.output);
          else {
            const parts = entry.parts as string[];
            for (let i = 0; i < entry.holes.length; i++) {
              emitter.write(parts[i]);
              yield* renderHole(ctx, emitter, entry.holes[i]);
            }
            emitter.write(parts[parts.length - 1]);
          }
          return;
        }
      }
    }

    // Not remembered: render into a buffer while recording, then remember.
    const active = watch(ctx);
    const scopes = (ctx as any).scopes as Record<string, unknown>[];
    // Assigns change the page's bottom scope in place (LiquidJS reads own properties only, so it
    // cannot be swapped for a child object): what changed between before and after is the
    // partial's. An assign of the value a name already had goes unseen — and needs no replay.
    const bottom = scopes[0];
    const before = new Map(Object.entries(bottom));
    const buffer = new (emitter.constructor as new () => Emitter & { buffer: string })();
    const recording: Recording = { depth: scopes.length, before, reads: [], deps: [], files: [], buffer };
    active.push(recording);
    const restoreDeps = spy(state, active);
    try {
      yield* super.render(ctx, buffer) as any;
    } finally {
      active.pop();
      restoreDeps();
    }
    const assigns: [string, unknown][] = [];
    for (const k of Object.keys(bottom)) {
      if (!before.has(k) || before.get(k) !== bottom[k]) assigns.push([k, bottom[k]]);
    }
    memo.count(stats, state, false);
    // (Partials around this one recorded its reads and keys themselves: `watch` and `spy` report
    // to every active recording.)
    const raw = buffer.buffer;
    const outputs = holeOutputs.get(ctx);
    const split = outputs ? raw.split(MARKERS) : [raw];
    const list = entries ?? [];
    const full = list.length >= ENTRIES_PER_KEY;
    if (!recording.spoiled && (full || memo.entries < MAX_ENTRIES)) {
      if (full) list.shift();
      else memo.entries++;
      // split: text, hole index, text, …
      const holed = split.length > 1;
      list.push({
        reads: uniqueReads(recording.reads),
        output: holed ? '' : raw,
        parts: holed ? split.filter((_, i) => i % 2 === 0) : null,
        holes: holed ? split.filter((_, i) => i % 2 === 1).map((i) => (outputs as any)[Number(i)].tag) : null,
        assigns,
        deps: [...new Set(recording.deps)],
        files: recording.files,
      });
      stats.entries.set(key, list);
    }
    const outer = active[active.length - 1];
    if (split.length === 1 || (outer && !outer.probe && outer.buffer === emitter)) emitter.write(raw);
    else {
      // Holes filled here are output the recordings around this one did not see being read.
      for (const r of active) r.spoiled = true;
      emitter.write(fillHoles(ctx, raw));
    }
  }
}

/** Without arguments or `with`: its output depends on nothing the including partial passes. */
function isBare(tag: IncludeTag): boolean {
  return !(tag as any).withVar && Object.keys((tag as any).hash.hash).length === 0;
}

/**
 * Renders a volatile partial afresh. Inside a recording (writing to its buffer), as a hole: its
 * reads are checked against every recording instead of becoming theirs, and a marker stands for
 * its output until the outermost recording is written out.
 */
function* renderHole(ctx: Context, emitter: Emitter, tag: IncludeTag): Generator<unknown, void, unknown> {
  const active = recordings.get(ctx);
  const inner = active?.[active.length - 1];
  if (!active || !inner || inner.probe || inner.buffer !== emitter) {
    return yield* IncludeTag.prototype.render.call(tag, ctx, emitter) as any;
  }
  const saved = active.splice(0);
  const scopes = (ctx as any).scopes as Record<string, unknown>[];
  const bottom = scopes[0];
  const before = new Map(Object.entries(bottom));
  const probe: Recording = { depth: scopes.length, before, reads: [], deps: [], files: [], probe: true };
  active.push(probe);
  const buffer = new (emitter.constructor as new () => Emitter & { buffer: string })();
  try {
    yield* IncludeTag.prototype.render.call(tag, ctx, buffer) as any;
  } finally {
    active.length = 0;
    active.push(...saved);
  }
  const assigned = Object.keys(bottom).some((k) => !before.has(k) || before.get(k) !== bottom[k]);
  for (const r of saved) {
    if (assigned || probe.reads.some((read) => isLocal(ctx, r, read.paths[0]))) r.spoiled = true;
  }
  let outputs = holeOutputs.get(ctx);
  if (!outputs) {
    outputs = [];
    holeOutputs.set(ctx, outputs);
  }
  outputs.push({ tag, output: buffer.buffer });
  emitter.write(markerOf(outputs.length - 1));
}

/** Records the dependency keys and files tags add while recordings are active; returns the undo. */
function spy(state: RenderState, active: Recording[]): () => void {
  if (active.length > 1) return () => {}; // the outermost recording's spy is already in place
  const deps = state.deps;
  const files = state.files;
  const add = deps.add;
  const set = files.set;
  deps.add = (k: string) => {
    for (const r of active) r.deps.push(k);
    add.call(deps, k);
  };
  files.set = (name: string, f: FileRef) => {
    for (const r of active) r.files.push([name, f]);
    return set.call(files, name, f);
  };
  return () => {
    deps.add = add;
    files.set = set;
  };
}

/** The first read of each path (later reads of it gave the same value: nothing outside changed it). */
function uniqueReads(reads: Read[]): Read[] {
  const seen = new Set<string>();
  return reads.filter((r) => {
    const k = r.paths.join('\u0001');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function replay(ctx: Context, state: RenderState, entry: Entry): void {
  const active = recordings.get(ctx) ?? [];
  for (const outer of active) {
    for (const r of entry.reads) if (!isLocal(ctx, outer, r.paths[0])) outer.reads.push(r);
  }
  const bottom = (ctx as any).scopes[0] as Record<string, unknown>;
  for (const [k, v] of entry.assigns) bottom[k] = v;
  for (const k of entry.deps) state.deps.add(k);
  for (const [name, f] of entry.files) state.files.set(name, f);
}

export function registerMemoInclude(liquid: Liquid): void {
  liquid.registerTag('include', MemoIncludeTag as any);
}
