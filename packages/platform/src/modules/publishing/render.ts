import { createHash } from 'node:crypto';
import {
  createThemeFs,
  DEFAULT_THEME,
  loadTheme,
  sharedAssetFiles,
  sharedTemplates,
  themeAssetFiles,
  themeLiquidOptions,
} from '@jiyue/themes';
import { Liquid, LiquidError, type Template } from 'liquidjs';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, badRequest, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { getParameter } from '../settings/service.js';
import { compileSyncRenders } from './compiled.js';
import { DepRecorder, depKey } from './deps.js';
import { docIndexCopy, reloadDocIndex } from './doc-index.js';
import { IncludeMemo, registerMemoInclude } from './memo.js';
import type { PageKind } from './schema.js';
import {
  type ChannelNode,
  type DocFull,
  type DocMeta,
  type FileRef,
  MemoryDocSource,
  publishBody,
  SiteData,
} from './site-data.js';
import {
  channelLink,
  channelView,
  fileUrl,
  itemView,
  type RenderState,
  registerFilters,
  registerTags,
  relUrl,
  STATE,
} from './tags.js';
import { activeTemplateOverrides, importedThemeFiles } from './templates.js';
import { topicForRender } from './topics.js';
import {
  CARE_DIR,
  canonicalUrl,
  channelPath,
  fileName,
  rootPrefix,
  rssPath,
  siteBaseUrl,
  topicPath,
  treePath,
} from './urls.js';

/*
 * The renderer (生成静态): turns a page spec (index, channel page n, article, topic, 404, sitemap,
 * RSS) into the page's bytes plus the dependency keys it read. Themes are parsed once per theme
 * and set of overrides (DB first, then the theme, then shared partials) and cached; a failed
 * render becomes a RenderFailure `{ template, line, reason }`.
 */

export interface PageSpec {
  kind: PageKind;
  /** Path inside the site (the same in both trees). */
  path: string;
  care: boolean;
  documentId?: string;
  channelId?: string;
  page?: number;
  topicId?: string;
}

export interface RenderedPage {
  spec: PageSpec;
  /** Path in the output folder (with `care/` for the care tree). */
  outputPath: string;
  body: string;
  deps: string[];
  template: string;
  files: FileRef[];
  /** Written to disk by a render worker already (its body is then empty). */
  written?: boolean;
  etag?: string;
}

export class RenderFailure extends Error {
  constructor(
    readonly template: string,
    readonly line: number | null,
    readonly reason: string,
    readonly pagePath?: string,
  ) {
    super(`模板 ${template}${line ? ` 第 ${line} 行` : ''}：${reason}`);
    this.name = 'RenderFailure';
  }
  toJSON() {
    return { template: this.template, line: this.line, reason: this.reason, path: this.pagePath ?? null };
  }
}

/* ---------- themes ---------- */

export interface ThemeFiles {
  name: string;
  templates: Record<string, string>;
  /** Files copied to `_theme/`: a path on disk or the bytes (imported themes). */
  assets: { name: string; path?: string; bytes?: Buffer }[];
}

export interface ThemeSource {
  /** null when no theme of that name exists. */
  load(kernel: Pick<Kernel, 'db'>, name: string): Promise<ThemeFiles | null>;
  sharedAssets(): { name: string; path: string }[];
}

/** Built-in themes from @jiyue/themes, then themes imported through 模板库. */
const packaged = new Map<string, ThemeFiles>();

export const packageThemes: ThemeSource = {
  async load(kernel, name) {
    const known = packaged.get(name);
    if (known) return known;
    try {
      const theme = loadTheme(name);
      const files = {
        name,
        templates: theme.templates,
        assets: themeAssetFiles(name).map((f) => ({ name: f.name, path: f.path })),
      };
      // Built-in themes change only with a deployment: read them once per process.
      packaged.set(name, files);
      return files;
    } catch {
      const imported = await importedThemeFiles(kernel, name).catch(() => null);
      if (!imported) return null;
      return {
        name,
        templates: { ...sharedTemplates(), ...imported.templates },
        assets: Object.entries(imported.assets).map(([n, bytes]) => ({ name: n, bytes })),
      };
    }
  },
  sharedAssets: () => sharedAssetFiles(),
};

let themeSource: ThemeSource = packageThemes;

/** Tests render with a small fixture theme. */
export function setThemeSource(source: ThemeSource): void {
  themeSource = source;
  engines.clear();
}

export function currentThemeSource(): ThemeSource {
  return themeSource;
}

export const BASE_LAYOUT = 'layouts/base.liquid';

export interface ThemeEngine {
  /** True when the template sets its own layout with `{% layout %}`. */
  ownsLayout?(template: string): boolean;
  theme: string;
  key: string;
  liquid: Liquid;
  files: ThemeFiles;
  has(template: string): boolean;
  parse(template: string): Template[];
}

const engines = new Map<string, ThemeEngine>();

function templateOf(file: string | undefined): string {
  return (file ?? '').replace(/^\/+/, '');
}

/** `{ template, line, reason }` of a LiquidJS error (its token knows file and line). */
export function failureOf(err: unknown, fallbackTemplate: string, pagePath?: string): RenderFailure {
  if (err instanceof RenderFailure) return err;
  const e = err as any;
  if (LiquidError.is(e)) {
    // A render error wraps the real one; the innermost token points at the failing line.
    let inner = e;
    while (inner.originalError && LiquidError.is(inner.originalError)) inner = inner.originalError;
    const token = inner.token;
    const line = token?.getPosition ? token.getPosition()[0] : null;
    const template = templateOf(token?.file) || fallbackTemplate;
    const reason = String(inner.originalError?.message ?? inner.message)
      .replace(/, file:[^,]*, line:\d+, col:\d+$/, '')
      .replace(/, line:\d+, col:\d+$/, '');
    return new RenderFailure(template, line, reason, pagePath);
  }
  return new RenderFailure(fallbackTemplate, null, e?.message ?? String(err), pagePath);
}

/**
 * LiquidJS (10.x) makes a new Parser and Loader for every `{% include %}`, `{% render %}` and
 * `{% layout %}` and only then finds the parsed file in its cache; a theme page has some 25
 * includes, so that is a real share of a render. An engine's templates never change (a new set
 * of overrides is a new engine), so the parsed partials are kept here: the include gets the
 * array at once. Uses LiquidJS's internal `_parsePartialFile`/`_parseLayoutFile`; when a release
 * renames them, nothing is patched and LiquidJS's own cache still works.
 */
function keepParsedPartials(liquid: Liquid): void {
  const l = liquid as any;
  for (const method of ['_parsePartialFile', '_parseLayoutFile']) {
    const original = l[method];
    if (typeof original !== 'function') continue;
    const kept = new Map<string, Template[]>();
    l[method] = (file: unknown, sync: boolean, currentFile?: string) => {
      const known = typeof file === 'string' ? kept.get(file) : undefined;
      if (known) return known;
      return (function* () {
        const templates = (yield original.call(liquid, file, sync, currentFile)) as Template[];
        if (typeof file === 'string') kept.set(file, templates);
        return templates;
      })();
    };
  }
}

/** A LiquidJS engine over a template map with the engine's tags and filters (previews build their own). */
export function buildEngine(
  theme: string,
  key: string,
  files: ThemeFiles,
  /** false: LiquidJS's own renderer throughout (the tests' reference for compiled.ts). */
  options: { compiled?: boolean } = {},
): ThemeEngine {
  const templates = files.templates;
  // The themes package's in-memory file system and options (the same as its preview server),
  // with the engine's tags and filters on top.
  const liquid = new Liquid(themeLiquidOptions(templates));
  const fs = createThemeFs(templates);
  registerTags(liquid);
  registerMemoInclude(liquid);
  registerFilters(liquid);
  keepParsedPartials(liquid);
  if (options.compiled !== false) compileSyncRenders(liquid);
  const parsed = new Map<string, Template[]>();
  return {
    theme,
    key,
    liquid,
    files,
    has: (t) => fs.existsSync(t) as boolean,
    ownsLayout: (t) => fs.existsSync(t) && /\{%-?\s*layout\s/.test(fs.readFileSync(t) as string),
    parse(template) {
      let tpl = parsed.get(template);
      if (!tpl) {
        try {
          tpl = liquid.parseFileSync(template);
        } catch (err) {
          throw failureOf(err, template);
        }
        parsed.set(template, tpl);
      }
      return tpl;
    },
  };
}

const digests = new WeakMap<object, string>();

/** A digest of a template map; a theme's own map (loaded once) is hashed once. */
function digestOf(templates: Record<string, string>): string {
  const known = digests.get(templates);
  if (known) return known;
  const hash = createHash('sha1');
  for (const k of Object.keys(templates).sort()) hash.update(`${k}\u0000${templates[k]}\u0000`);
  const digest = hash.digest('hex');
  digests.set(templates, digest);
  return digest;
}

/** The site's theme with its active overrides; parsed templates are kept while nothing changes. */
export async function engineFor(
  kernel: Pick<Kernel, 'db'>,
  siteId: string | null,
  theme: string,
): Promise<ThemeEngine> {
  let files = await themeSource.load(kernel, theme);
  let name = theme;
  if (!files) {
    name = DEFAULT_THEME;
    files = await themeSource.load(kernel, DEFAULT_THEME);
    if (!files) throw new RenderFailure('theme.json', null, `主题不存在: ${theme}`);
  }
  const overrides = await activeTemplateOverrides(kernel, siteId, name);
  const key = `${name}:${digestOf(files.templates)}:${digestOf(overrides)}`;
  let engine = engines.get(key);
  if (!engine) {
    const templates = { ...files.templates, ...overrides };
    engine = buildEngine(name, key, { ...files, templates });
    if (engines.size > 200) engines.clear();
    engines.set(key, engine);
  }
  return engine;
}

/** Drops parsed templates (a template was published): the next render parses again. */
export function forgetEngines(): void {
  engines.clear();
  packaged.clear();
}

/* ---------- pages ---------- */

export interface RendererOptions {
  pageSize: number;
  publicUrl: string;
  generatedAt?: Date;
  /** false: no remembered partials (memo.ts) — the tests' reference of a fresh render. */
  remember?: boolean;
}

export async function pageSizeOf(db: Db | Tx): Promise<number> {
  const n = Number(await getParameter(db, 'publishing.pageSize', 20));
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : 20;
}

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML forbids.
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
export const xmlEscape = (s: string) =>
  // Control characters other than tab/newline are not allowed in XML 1.0 at all.
  s.replace(XML_FORBIDDEN, '').replace(/[&<>"']/g, (c) => XML_ESC[c]);

export const SITEMAP_LIMIT = 50_000;

type Crumb = { name: string; url: string };

export class PageRenderer {
  readonly generatedAt: Date;
  /** Partials remembered for this renderer's snapshot of the site (memo.ts). */
  readonly memo: IncludeMemo;
  private readonly sharedByRoot = new Map<
    string,
    { site: Record<string, unknown>; nav: unknown[]; crumbs: Map<string, Crumb[]> }
  >();
  /** A topic not (yet) published, for the designer's preview. */
  inlineTopic: { id: string; title: string; slug: string; background: any; modules: any[] } | null = null;

  constructor(
    readonly kernel: Pick<Kernel, 'db' | 'config'>,
    readonly data: SiteData,
    readonly engine: ThemeEngine,
    readonly options: RendererOptions,
  ) {
    this.generatedAt = options.generatedAt ?? new Date();
    this.memo = new IncludeMemo(engine.files.templates);
  }

  /**
   * `memory`: lists from a copy of the site's resident index (doc-index.ts), for passes of many
   * pages; `fresh` (a full rebuild): read from the database afresh, and kept as the new index.
   */
  static async create(
    kernel: Pick<Kernel, 'db' | 'config'>,
    siteId: string,
    options: { memory?: boolean; fresh?: boolean } = {},
  ) {
    const data = await SiteData.load(kernel.db, siteId);
    if (!data) return null;
    if (options.memory) {
      const visible = [...data.channels.keys()];
      data.docs = options.fresh
        ? await reloadDocIndex(kernel.db, siteId, visible)
        : await docIndexCopy(kernel.db, siteId, visible);
    }
    const [engine, pageSize] = await Promise.all([engineFor(kernel, siteId, data.site.theme), pageSizeOf(kernel.db)]);
    return new PageRenderer(kernel, data, engine, { pageSize, publicUrl: kernel.config.publicUrl });
  }

  templateFor(spec: PageSpec): string {
    const channel = spec.channelId ? this.data.channels.get(spec.channelId) : undefined;
    const custom = channel?.templates;
    const pick = (name: string | undefined, fallback: string) => {
      if (name) {
        const file = name.endsWith('.liquid') ? name : `${name}.liquid`;
        if (this.engine.has(file)) return file;
      }
      return fallback;
    };
    switch (spec.kind) {
      case 'channel':
        return pick(custom?.list, 'channel.liquid');
      case 'article':
        return pick(custom?.article, 'article.liquid');
      case 'topic':
        return 'topic.liquid';
      case '404':
        return '404.liquid';
      default:
        return 'index.liquid';
    }
  }

  private state(spec: PageSpec): RenderState {
    const root = rootPrefix(spec.path);
    return {
      data: this.data,
      deps: new DepRecorder(),
      root,
      siteRoot: spec.care ? `${root}../` : root,
      care: spec.care,
      files: new Map(),
      memo: this.options.remember === false ? undefined : this.memo,
    };
  }

  /**
   * What every page at the same depth shows alike — the site and the navigation with links
   * relative to the page — as the same objects, so that remembered partials (memo.ts) match.
   */
  private shared(state: RenderState) {
    const key = `${state.root}|${state.care}`;
    let found = this.sharedByRoot.get(key);
    if (!found) {
      const { site } = this.data;
      found = {
        site: {
          code: site.code,
          name: site.name,
          siteCode: site.siteCode ?? '',
          icp: site.icp ?? '',
          policeRecord: site.policeRecord ?? '',
          domains: site.domains,
          theme: this.engine.theme,
          homeUrl: `${state.root}index.html`,
        },
        nav: this.data.top.map((n) => ({
          name: n.name,
          code: n.code,
          url: channelLink(state, n),
          type: n.type,
          children: n.children.map((c) => ({ name: c.name, code: c.code, url: channelLink(state, c) })),
        })),
        crumbs: new Map(),
      };
      this.sharedByRoot.set(key, found);
    }
    return found;
  }

  private baseGlobals(state: RenderState, spec: PageSpec, title: string, crumbs: Crumb[]) {
    const { site } = this.data;
    state.deps.add(depKey.site(site.id));
    state.deps.add(depKey.template(site.id, this.engine.theme));
    const root = state.root;
    const shared = this.shared(state);
    return {
      [STATE]: state,
      site: shared.site,
      page: {
        kind: spec.kind,
        path: spec.path,
        title,
        canonical: canonicalUrl(site, this.options.publicUrl, spec.path),
        care: spec.care,
        careUrl: spec.care ? `${root}${spec.path}` : `${root}${CARE_DIR}/${spec.path}`,
        standardUrl: spec.care ? `${state.siteRoot}${spec.path}` : `${root}${spec.path}`,
        root,
        siteRoot: state.siteRoot,
        searchUrl: `${state.siteRoot}search`,
        /** The top-level folder (`xwdt`): the navigation marks its entry as current. */
        section: spec.kind === 'index' ? '' : spec.path.split('/')[0],
        generatedAt: this.generatedAt,
      },
      nav: shared.nav,
      breadcrumbs: crumbs,
    };
  }

  /** 首页 › parent channels › the channel; the same array for every page of a channel at one depth. */
  private crumbsOf(state: RenderState, channel: ChannelNode | undefined, extra?: Crumb): Crumb[] {
    const home = { name: '首页', url: `${state.root}index.html` };
    if (extra) return channel ? [...this.crumbsOf(state, channel), extra] : [home, extra];
    const byChannel = this.shared(state).crumbs;
    const key = channel?.id ?? '';
    let crumbs = byChannel.get(key);
    if (!crumbs) {
      const chain: ChannelNode[] = [];
      for (let c = channel; c; c = c.parent ?? undefined) chain.unshift(c);
      crumbs = [home, ...chain.map((c) => ({ name: c.name, url: channelLink(state, c) }))];
      byChannel.set(key, crumbs);
    }
    return crumbs;
  }

  /**
   * `<kind>.liquid`, then `layouts/base.liquid` around it as `content` (the themes' page model);
   * a template that names its own `{% layout %}` is left to LiquidJS.
   */
  private async renderTemplate(template: string, globals: Record<string | symbol, unknown>, spec: PageSpec) {
    const parsed = this.engine.parse(template);
    let current = template;
    // Lists from memory answer at once: the synchronous renderer skips a promise per tag and output.
    const sync = this.data.docs instanceof MemoryDocSource;
    const run = async (tpl: Template[], g: object) =>
      (sync
        ? this.engine.liquid.renderSync(tpl, {}, { globals: g })
        : await this.engine.liquid.render(tpl, {}, { globals: g })) as string;
    try {
      const inner = await run(parsed, globals);
      if (template === BASE_LAYOUT || !this.engine.has(BASE_LAYOUT) || this.engine.ownsLayout?.(template)) return inner;
      current = BASE_LAYOUT;
      const base = this.engine.parse(BASE_LAYOUT);
      return await run(base, { ...globals, content: inner });
    } catch (err) {
      throw failureOf(err, current, treePath(spec.path, spec.care));
    }
  }

  private finish(spec: PageSpec, state: RenderState, body: string, template: string): RenderedPage {
    return {
      spec,
      outputPath: treePath(spec.path, spec.care),
      body,
      deps: state.deps.list(),
      template,
      files: [...state.files.values()],
    };
  }

  /** Renders one page; null when what it shows is gone (a withdrawn article, an empty channel page > 1). */
  async render(spec: PageSpec, prefetched?: Map<string, DocFull>): Promise<RenderedPage | null> {
    switch (spec.kind) {
      case 'sitemap':
        return this.sitemap(spec);
      case 'rss':
        return this.rss(spec);
      default:
        return this.renderHtml(spec, prefetched);
    }
  }

  private async renderHtml(spec: PageSpec, prefetched?: Map<string, DocFull>): Promise<RenderedPage | null> {
    const state = this.state(spec);
    const template = this.templateFor(spec);
    const { data } = this;
    if (spec.kind === 'index' || spec.kind === '404') {
      const title = spec.kind === 'index' ? data.site.name : '页面不存在';
      const globals = this.baseGlobals(
        state,
        spec,
        title,
        this.crumbsOf(state, undefined, spec.kind === '404' ? { name: title, url: '' } : undefined),
      );
      return this.finish(spec, state, await this.renderTemplate(template, globals, spec), template);
    }
    if (spec.kind === 'channel') {
      const channel = spec.channelId ? data.channels.get(spec.channelId) : undefined;
      if (!channel || channel.type === 'link') return null;
      const page = spec.page ?? 1;
      // No `list:` keys for the channel's own list: a change in it re-renders the channel's pages
      // by their count (events.ts). Recorded, they made every publish read back thousands of
      // rows (every page of a large channel) to find what it already knows.
      const count = await data.docs.count(channel.subtreeIds);
      const pages = Math.max(1, Math.ceil(count / this.options.pageSize));
      if (page > pages) return null;
      const items = await data.docs.list(channel.subtreeIds, {
        offset: (page - 1) * this.options.pageSize,
        limit: this.options.pageSize,
      });
      const globals = this.baseGlobals(state, spec, channel.name, this.crumbsOf(state, channel));
      const pageUrl = (n: number) => relUrl(state, channelPath(channel.dir, n));
      const first = Math.max(1, Math.min(page - 4, pages - 8));
      const last = Math.min(pages, first + 8);
      Object.assign(globals, {
        channel: channelView(state, channel),
        documents: items.map((m) => itemView(state, m)),
        pager: {
          current: page,
          total: pages,
          count,
          prev: page > 1 ? pageUrl(page - 1) : null,
          next: page < pages ? pageUrl(page + 1) : null,
          first: pageUrl(1),
          last: pageUrl(pages),
          pages: Array.from({ length: last - first + 1 }, (_, i) => first + i).map((n) => ({
            n,
            url: pageUrl(n),
            current: n === page,
          })),
        },
      });
      return this.finish(spec, state, await this.renderTemplate(template, globals, spec), template);
    }
    if (spec.kind === 'article') {
      const id = spec.documentId as string;
      let doc = prefetched?.get(id);
      if (!doc) doc = (await data.docs.full([id])).get(id);
      if (!doc) {
        const meta = await this.metaOf(id);
        if (!meta) return null;
        doc = (await data.docs.full([id])).get(id);
        if (!doc) return null;
      }
      const channel = data.channels.get(doc.channelId);
      if (!channel || (doc.type === 'link' && doc.linkUrl)) return null;
      state.deps.add(depKey.doc(doc.id));
      const around = await data.docs.around(doc, 6);
      for (const m of [around.prev, around.next, ...around.related]) if (m) state.deps.add(depKey.doc(m.id));
      const globals = this.baseGlobals(state, spec, doc.title, this.crumbsOf(state, channel));
      const root = state.siteRoot;
      Object.assign(globals, {
        channel: channelView(state, channel),
        document: {
          id: doc.id,
          title: doc.title,
          subtitle: doc.subtitle ?? '',
          shortTitle: doc.shortTitle || doc.title,
          source: doc.source ?? '',
          author: doc.author ?? '',
          publishAt: doc.publishAt,
          summary: doc.summary ?? '',
          bodyHtml: (() => {
            for (const f of doc.bodyFiles.values()) state.files.set(fileName(f.sha256, f.ext), f);
            return publishBody(doc, root);
          })(),
          coverUrl: fileUrl(state, doc.cover),
          attachments: doc.attachments.map((a) => ({ name: a.name, size: a.size, url: fileUrl(state, a) })),
          url: relUrl(state, spec.path),
          type: doc.type,
          linkUrl: doc.linkUrl,
          channel: channelView(state, channel, false),
        },
        related: around.related.map((m) => itemView(state, m)),
        prevDoc: around.prev ? itemView(state, around.prev) : null,
        nextDoc: around.next ? itemView(state, around.next) : null,
      });
      return this.finish(spec, state, await this.renderTemplate(template, globals, spec), template);
    }
    if (spec.kind === 'topic') {
      const topic = this.inlineTopic ?? data.topics.find((t) => t.id === spec.topicId);
      if (!topic) return null;
      state.deps.add(depKey.topic(topic.id));
      const globals = this.baseGlobals(
        state,
        spec,
        topic.title,
        this.crumbsOf(state, undefined, { name: topic.title, url: '' }),
      );
      const rendered = await topicForRender(this.kernel, topic, state.siteRoot);
      for (const f of rendered.files) state.files.set(fileName(f.sha256, f.ext), f);
      Object.assign(globals, { topic: rendered.topic });
      return this.finish(spec, state, await this.renderTemplate(template, globals, spec), template);
    }
    return null;
  }

  private async metaOf(id: string): Promise<DocMeta | null> {
    const docs = this.data.docs as any;
    if (docs instanceof MemoryDocSource) return docs.get(id) ?? null;
    return docs.one ? docs.one(id) : null;
  }

  private absolute(path: string): string {
    return siteBaseUrl(this.data.site, this.options.publicUrl) + path;
  }

  /** sitemap.xml; above 50 000 URLs a sitemap index over sitemap_<n>.xml parts (spec.page = part). */
  async sitemap(spec: PageSpec): Promise<RenderedPage | null> {
    const state = this.state(spec);
    state.deps.add(depKey.site(this.data.site.id));
    state.deps.add(depKey.siteList(this.data.site.id));
    const total = await this.data.docs.count(null);
    const fixed = [
      'index.html',
      ...this.data.listChannels().map((c) => channelPath(c.dir)),
      ...this.data.topics.map((t) => topicPath(t.slug)),
    ];
    const all = fixed.length + total;
    const parts = Math.max(1, Math.ceil(all / SITEMAP_LIMIT));
    const part = spec.page ?? 0;
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    if (parts > 1 && part === 0) {
      const body = `${head}<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${Array.from(
        { length: parts },
        (_, i) => `<sitemap><loc>${xmlEscape(this.absolute(`sitemap_${i + 1}.xml`))}</loc></sitemap>`,
      ).join('\n')}\n</sitemapindex>\n`;
      return this.finish(spec, state, body, 'sitemap.xml');
    }
    const from = parts > 1 ? (part - 1) * SITEMAP_LIMIT : 0;
    if (parts > 1 && from >= all) return null;
    const urls: string[] = [];
    for (let i = from; i < Math.min(fixed.length, from + SITEMAP_LIMIT); i++) {
      urls.push(`<url><loc>${xmlEscape(this.absolute(fixed[i]))}</loc></url>`);
    }
    const docOffset = Math.max(0, from - fixed.length);
    const docLimit = Math.min(SITEMAP_LIMIT - urls.length, total - docOffset);
    if (docLimit > 0) {
      const docs = await this.data.docs.list(null, { offset: docOffset, limit: docLimit });
      for (const d of docs) {
        const u = this.data.documentUrl(d);
        if (!u.path) continue;
        urls.push(
          `<url><loc>${xmlEscape(this.absolute(u.path))}</loc><lastmod>${d.publishAt.toISOString().slice(0, 10)}</lastmod></url>`,
        );
      }
    }
    const body = `${head}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
    return this.finish(spec, state, body, 'sitemap.xml');
  }

  /** RSS 2.0 of a channel (and its sub-channels): the newest 50 documents. */
  async rss(spec: PageSpec): Promise<RenderedPage | null> {
    const state = this.state(spec);
    const channel = spec.channelId ? this.data.channels.get(spec.channelId) : undefined;
    if (!channel || channel.type === 'link') return null;
    state.deps.add(depKey.site(this.data.site.id));
    for (const id of channel.subtreeIds) state.deps.add(depKey.list(id));
    const docs = await this.data.docs.list(channel.subtreeIds, { limit: 50 });
    const link = this.absolute(channelPath(channel.dir));
    const items = docs.map((d) => {
      const u = this.data.documentUrl(d);
      const href = u.external ?? this.absolute(u.path ?? '');
      return [
        '<item>',
        `<title>${xmlEscape(d.title)}</title>`,
        `<link>${xmlEscape(href)}</link>`,
        `<guid isPermaLink="${u.external ? 'false' : 'true'}">${xmlEscape(u.external ? d.id : href)}</guid>`,
        `<pubDate>${d.publishAt.toUTCString()}</pubDate>`,
        d.summary ? `<description>${xmlEscape(d.summary)}</description>` : '',
        '</item>',
      ].join('');
    });
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
      '<channel>',
      `<title>${xmlEscape(`${channel.name} - ${this.data.site.name}`)}</title>`,
      `<link>${xmlEscape(link)}</link>`,
      `<atom:link href="${xmlEscape(this.absolute(rssPath(channel.dir)))}" rel="self" type="application/rss+xml"/>`,
      `<description>${xmlEscape(`${this.data.site.name}「${channel.name}」栏目`)}</description>`,
      '<language>zh-cn</language>',
      `<lastBuildDate>${this.generatedAt.toUTCString()}</lastBuildDate>`,
      ...items,
      '</channel>',
      '</rss>',
      '',
    ].join('\n');
    return this.finish(spec, state, body, 'rss.xml');
  }

  /** How many list pages a channel has now. */
  async channelPages(channel: ChannelNode): Promise<number> {
    const count = await this.data.docs.count(channel.subtreeIds);
    return Math.max(1, Math.ceil(count / this.options.pageSize));
  }

  /** Every page of the site in render order: both trees side by side, so a batch reads bodies once. */
  async plan(): Promise<PageSpec[]> {
    const specs: PageSpec[] = [];
    const both = (s: Omit<PageSpec, 'care'>) => {
      specs.push({ ...s, care: false }, { ...s, care: true });
    };
    both({ kind: 'index', path: 'index.html' });
    for (const channel of this.data.listChannels()) {
      const pages = await this.channelPages(channel);
      for (let n = 1; n <= pages; n++) {
        both({ kind: 'channel', path: channelPath(channel.dir, n), channelId: channel.id, page: n });
      }
    }
    const docs = this.data.docs as MemoryDocSource;
    const articles = docs instanceof MemoryDocSource ? docs.all : [];
    for (const d of articles) {
      const u = this.data.documentUrl(d);
      if (u.path) both({ kind: 'article', path: u.path, documentId: d.id, channelId: d.channelId });
    }
    for (const t of this.data.topics) both({ kind: 'topic', path: topicPath(t.slug), topicId: t.id });
    both({ kind: '404', path: '404.html' });
    specs.push(...(await this.sitemapSpecs()));
    for (const c of this.data.listChannels()) {
      specs.push({ kind: 'rss', path: rssPath(c.dir), care: false, channelId: c.id });
    }
    return specs;
  }

  async sitemapSpecs(): Promise<PageSpec[]> {
    const total = (await this.data.docs.count(null)) + this.data.listChannels().length + this.data.topics.length + 1;
    const parts = Math.ceil(total / SITEMAP_LIMIT);
    const specs: PageSpec[] = [{ kind: 'sitemap', path: 'sitemap.xml', care: false, page: 0 }];
    if (parts > 1) {
      for (let i = 1; i <= parts; i++) specs.push({ kind: 'sitemap', path: `sitemap_${i}.xml`, care: false, page: i });
    }
    return specs;
  }

  /** A spec from a stored page row (`publishing_pages.source`). */
  static specOf(path: string, care: boolean, kind: string, source: Record<string, unknown>): PageSpec {
    const sitePath = care ? path.slice(CARE_DIR.length + 1) : path;
    return {
      kind: kind as PageKind,
      path: sitePath,
      care,
      documentId: source.documentId as string | undefined,
      channelId: source.channelId as string | undefined,
      page: source.page as number | undefined,
      topicId: source.topicId as string | undefined,
    };
  }
}

/** What a page row stores to be rendered again on its own. */
export function sourceOf(spec: PageSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (spec.documentId) out.documentId = spec.documentId;
  if (spec.channelId) out.channelId = spec.channelId;
  if (spec.page !== undefined) out.page = spec.page;
  if (spec.topicId) out.topicId = spec.topicId;
  return out;
}

/**
 * The search page (and later letters, surveys) inside a site's theme: `search.liquid` with
 * `content` (trusted HTML made by the caller), or the base layout when the theme has no search
 * template. Served at /sites/<code>/search, so links are relative to the site root.
 */
export async function renderInSiteLayout(
  kernel: Pick<Kernel, 'db' | 'config'>,
  siteCode: string,
  input: { title: string; html: string; care?: boolean },
): Promise<string | null> {
  const row = await kernel.db.selectFrom('cms_sites').select('id').where('code', '=', siteCode).executeTakeFirst();
  if (!row) return null;
  const renderer = await PageRenderer.create(kernel, row.id);
  if (!renderer) return null;
  return renderInSiteLayoutWith(renderer, input);
}

async function renderInSiteLayoutWith(
  renderer: PageRenderer,
  input: { title: string; html: string; care?: boolean },
): Promise<string> {
  const care = input.care === true;
  const spec: PageSpec = { kind: 'index', path: 'search', care };
  const state: RenderState = {
    data: renderer.data,
    deps: new DepRecorder(),
    root: care ? `${CARE_DIR}/` : '',
    siteRoot: '',
    care,
    files: new Map(),
  };
  const globals = (renderer as any).baseGlobals(
    state,
    spec,
    input.title,
    (renderer as any).crumbsOf(state, undefined, { name: input.title, url: '' }),
  );
  globals.page.kind = 'search';
  globals.page.careUrl = 'search?care=1';
  globals.page.standardUrl = 'search';
  globals.content = input.html;
  const engine = renderer.engine;
  const template = engine.has('search.liquid') ? 'search.liquid' : engine.has(BASE_LAYOUT) ? BASE_LAYOUT : null;
  if (!template) return input.html;
  return (renderer as any).renderTemplate(template, globals, spec);
}

export interface PreviewInput {
  siteId: string;
  /** Theme to preview (default: the site's). */
  theme?: string;
  /** Template being edited, e.g. `article.liquid`, `partials/header.liquid`. */
  path: string;
  /** Unsaved source of `path`; omitted: the active one. */
  source?: string;
  documentId?: string;
  channelId?: string;
  care?: boolean;
  topic?: { id: string; title: string; slug: string; background: any; modules: any[] };
}

/**
 * 预览: renders the page a template belongs to against real published content, with the unsaved
 * source in place of the active one. Nothing is written. A Liquid error → 400 template_invalid.
 */
export async function previewTemplate(kernel: Pick<Kernel, 'db' | 'config'>, input: PreviewInput): Promise<string> {
  const data = await SiteData.load(kernel.db, input.siteId);
  if (!data) throw notFound('site_not_found', '网站不存在');
  const base = await engineFor(kernel, input.siteId, input.theme ?? data.site.theme);
  const templates = { ...base.files.templates };
  if (input.source !== undefined) templates[input.path] = input.source;
  const engine = buildEngine(base.theme, `${base.key}:preview`, { ...base.files, templates });
  const renderer = new PageRenderer(kernel, data, engine, {
    pageSize: await pageSizeOf(kernel.db),
    publicUrl: kernel.config.publicUrl,
  });
  const care = input.care === true;
  let spec: PageSpec | null = null;
  const file = input.path;
  try {
    if (file === 'topic.liquid' || input.topic) {
      const topic = input.topic ?? data.topics[0];
      if (topic) {
        renderer.inlineTopic = topic;
        spec = { kind: 'topic', path: topicPath(topic.slug), care, topicId: topic.id };
      }
    } else if (file === '404.liquid') {
      spec = { kind: '404', path: '404.html', care };
    } else if (file === 'search.liquid') {
      const html = await renderInSiteLayoutWith(renderer, {
        title: '站内搜索',
        html: '<p>搜索结果将显示在这里。</p>',
        care,
      });
      return html;
    } else if (input.documentId || file === 'article.liquid' || /article/.test(file)) {
      const doc = input.documentId
        ? await (data.docs as any).one(input.documentId)
        : (
            await data.docs.list(input.channelId ? (data.channels.get(input.channelId)?.subtreeIds ?? null) : null, {
              limit: 1,
            })
          )[0];
      if (doc)
        spec = { kind: 'article', path: data.documentUrl(doc).path ?? `${doc.id}.html`, care, documentId: doc.id };
    } else if (input.channelId || file === 'channel.liquid' || /channel|list/.test(file)) {
      const channel = input.channelId ? data.channels.get(input.channelId) : data.listChannels()[0];
      if (channel) spec = { kind: 'channel', path: channelPath(channel.dir), care, channelId: channel.id, page: 1 };
    }
    if (!spec) spec = { kind: 'index', path: 'index.html', care };
    const page = await renderer.render(spec);
    if (!page) throw notFound('preview_content_missing', '没有可用于预览的已发布内容');
    return page.body;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const f = failureOf(err, file);
    throw badRequest('template_invalid', '模板有错误', {
      detail: f.message,
      extra: { template: f.template, line: f.line, reason: f.reason },
    });
  }
}
