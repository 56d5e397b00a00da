import { type Context, type Liquid, Tag, type TagToken, type TopLevelToken, Value } from 'liquidjs';
import { type DepRecorder, depKey } from './deps.js';
import type { IncludeMemo } from './memo.js';
import { type ChannelNode, type DocMeta, type FileRef, mapMaybe, type SiteData, type TopicInfo } from './site-data.js';
import { fileName } from './urls.js';

/*
 * Template tags and filters (模板标签) of the site-data API. Each tag reads through the page's
 * RenderState and records what it read as dependency keys, so a change re-renders exactly the
 * pages that showed it. Tags assign their result to a variable: `{% documents "xwdt" limit:8 as news %}`.
 */

export interface RenderState {
  data: SiteData;
  deps: DepRecorder;
  /** Prefix from the page to the root of its tree (`../../`). */
  root: string;
  /** Prefix from the page to the site root (the standard tree; `root + '../'` in the care tree). */
  siteRoot: string;
  care: boolean;
  /** Uploaded files the page shows, to be published under `_files/`. */
  files: Map<string, FileRef>;
  /** The renderer's remembered partials; absent where pages are rendered one-off (previews). */
  memo?: IncludeMemo;
}

export const STATE = Symbol.for('jiyue.publishing.renderState');

export function stateOf(ctx: Context): RenderState {
  const state = (ctx.globals as any)[STATE] as RenderState | undefined;
  if (!state) throw new Error('publishing tags used outside a publishing render');
  return state;
}

const ABSOLUTE = /^([a-z][a-z0-9+.-]*:|\/\/|#|\/)/i;

/** A site path (`zwgk/index.html`) as a link relative to the current page. */
export function relUrl(state: RenderState, path: string | null | undefined): string {
  if (!path) return '';
  if (ABSOLUTE.test(path)) return path;
  return state.root + path.replace(/^\.?\//, '');
}

export function fileUrl(state: RenderState, f: FileRef | null): string | null {
  if (!f) return null;
  const name = fileName(f.sha256, f.ext);
  state.files.set(name, f);
  return `${state.siteRoot}_files/${name}`;
}

export function itemView(state: RenderState, m: DocMeta) {
  const channel = state.data.channels.get(m.channelId);
  const url = state.data.documentUrl(m);
  return {
    id: m.id,
    title: m.title,
    shortTitle: m.shortTitle || m.title,
    url: url.external ?? relUrl(state, url.path),
    external: url.external !== null,
    publishAt: m.publishAt,
    summary: m.summary ?? '',
    coverUrl: fileUrl(state, m.cover),
    isNew: m.isNew,
    pinned: m.pinned,
    source: m.source ?? '',
    type: m.type,
    channelName: channel?.name ?? '',
    channelUrl: channel ? channelLink(state, channel) : '',
  };
}

export function channelLink(state: RenderState, node: ChannelNode): string {
  const u = state.data.channelUrl(node);
  return u.external ?? relUrl(state, u.path);
}

export function channelView(state: RenderState, node: ChannelNode, children = true): Record<string, unknown> {
  return {
    id: node.id,
    name: node.name,
    code: node.code,
    url: channelLink(state, node),
    type: node.type,
    category: node.category,
    parent: node.parent ? channelView(state, node.parent, false) : null,
    children: children ? node.children.map((c) => channelView(state, c, false)) : [],
  };
}

export function topicView(state: RenderState, t: TopicInfo) {
  const banner = (t.background?.imageUrl as string | undefined) ?? '';
  return { title: t.title, slug: t.slug, url: relUrl(state, state.data.topicUrl(t)), bannerUrl: banner };
}

interface ParsedArgs {
  target: Value | null;
  options: Record<string, Value | true>;
  as: string;
}

/** `"xwdt" limit:8 withImage as news` → target, options, variable name. */
function parseArgs(tag: string, args: string, liquid: Liquid, targetAllowed: boolean): ParsedArgs {
  const m = /(?:^|\s+)as\s+([A-Za-z_][\w-]*)\s*$/.exec(args);
  if (!m) throw new Error(`{% ${tag} %} 需要以 "as 变量名" 结尾`);
  const words = args.slice(0, m.index).match(/"[^"]*"|'[^']*'|[^\s]+/g) ?? [];
  let target: Value | null = null;
  const options: Record<string, Value | true> = {};
  for (const [i, w] of words.entries()) {
    const opt = /^([A-Za-z_]\w*):(.+)$/.exec(w);
    if (opt) options[opt[1]] = new Value(opt[2], liquid);
    else if (i === 0 && targetAllowed) target = new Value(w, liquid);
    else if (/^[A-Za-z_]\w*$/.test(w)) options[w] = true;
    else throw new Error(`{% ${tag} %} 无法识别的参数: ${w}`);
  }
  return { target, options, as: m[1] };
}

function* optionValue(ctx: Context, v: Value | true | undefined): Generator<unknown, unknown, unknown> {
  if (v === undefined) return undefined;
  if (v === true) return true;
  return yield v.value(ctx, false);
}

function clampInt(value: unknown, fallback: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1) return fallback;
  return Math.min(Math.floor(n), max);
}

function makeTag(
  name: string,
  targetAllowed: boolean,
  run: (state: RenderState, target: unknown, options: Record<string, unknown>) => Promise<unknown> | unknown,
) {
  return class extends Tag {
    private readonly parsed: ParsedArgs;
    constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
      super(token, remain, liquid);
      this.parsed = parseArgs(name, token.args, liquid, targetAllowed);
    }
    *render(ctx: Context): Generator<unknown, void, unknown> {
      const target = this.parsed.target ? yield this.parsed.target.value(ctx, false) : undefined;
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(this.parsed.options)) options[k] = yield* optionValue(ctx, v);
      const result = yield run(stateOf(ctx), target, options);
      ctx.bottom()[this.parsed.as] = result;
    }
  };
}

/** Channel ids a list over `code` reads; records the keys. null = the whole site. */
function listScope(state: RenderState, code: unknown): string[] | null | undefined {
  const { data, deps } = state;
  if (code === undefined || code === null || code === '*' || code === '') {
    deps.add(depKey.siteList(data.site.id));
    return null;
  }
  const node = data.channelsByCode.get(String(code));
  if (!node) {
    // A list over a channel that does not exist (yet): re-render when the site's channels change.
    deps.add(depKey.site(data.site.id));
    return undefined;
  }
  for (const id of node.subtreeIds) deps.add(depKey.list(id));
  return node.subtreeIds;
}

export function registerTags(liquid: Liquid): void {
  liquid.registerTag(
    'documents',
    makeTag('documents', true, (state, code, options) => {
      const scope = listScope(state, code);
      if (scope === undefined) return [];
      const limit = clampInt(options.limit, 10, 100);
      const offset = clampInt(options.offset, 0, 10_000);
      const list = state.data.docs.list(scope, { limit, offset, withImage: options.withImage === true });
      return mapMaybe(list, (items) => items.map((m) => itemView(state, m)));
    }),
  );
  liquid.registerTag(
    'channel',
    makeTag('channel', true, (state, code) => {
      state.deps.add(depKey.site(state.data.site.id));
      const node = state.data.channelsByCode.get(String(code ?? ''));
      return node ? channelView(state, node) : null;
    }),
  );
  liquid.registerTag(
    'channels',
    makeTag('channels', true, (state, code) => {
      state.deps.add(depKey.site(state.data.site.id));
      if (code === undefined || code === null || code === '') return state.data.top.map((n) => channelView(state, n));
      const node = state.data.channelsByCode.get(String(code));
      return node ? node.children.map((n) => channelView(state, n)) : [];
    }),
  );
  liquid.registerTag(
    'friendlinks',
    makeTag('friendlinks', false, (state) => {
      state.deps.add(depKey.links(state.data.site.id));
      return state.data.friendLinks.map((l) => ({ ...l }));
    }),
  );
  liquid.registerTag(
    'topics',
    makeTag('topics', false, (state, _t, options) => {
      const limit = clampInt(options.limit, 10, 100);
      const list = state.data.topics.slice(0, limit);
      for (const t of list) state.deps.add(depKey.topic(t.id));
      // A newly published topic must appear: topic lists depend on the site's topic set.
      state.deps.add(`topics:${state.data.site.id}`);
      return list.map((t) => topicView(state, t));
    }),
  );
}

const DATE_PARTS = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});

/** `2026年11月28日` in China time. */
export function cnDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return '';
  const parts = Object.fromEntries(DATE_PARTS.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}年${Number(parts.month)}月${Number(parts.day)}日`;
}

/** `2026-11-28` in China time (for <time datetime> and lists). */
export function isoDay(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return '';
  const parts = Object.fromEntries(DATE_PARTS.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`;
}

export function registerFilters(liquid: Liquid): void {
  liquid.registerFilter('url', function (this: { context: Context }, path: unknown) {
    return relUrl(stateOf(this.context), path === undefined || path === null ? '' : String(path));
  });
  liquid.registerFilter('asset', function (this: { context: Context }, file: unknown) {
    return `${stateOf(this.context).siteRoot}_theme/${String(file ?? '').replace(/^\/+/, '')}`;
  });
  liquid.registerFilter('shared', function (this: { context: Context }, file: unknown) {
    return `${stateOf(this.context).siteRoot}_shared/${String(file ?? '').replace(/^\/+/, '')}`;
  });
  liquid.registerFilter('cn_date', (value: unknown) => cnDate(value));
  liquid.registerFilter('iso_day', (value: unknown) => isoDay(value));
}
