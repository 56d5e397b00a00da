import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Context, Liquid, Tag, type TagToken, type TopLevelToken } from 'liquidjs';
import { themeLiquidOptions } from './fs.js';
import { loadTheme, sharedAssetFiles, themeAssetFiles } from './index.js';
import { type SampleChannel, type SampleDocument, type SampleSite, sampleSite } from './sample-site.js';

/*
 * THEME-DEVELOPMENT PREVIEW — not the production renderer. The publishing engine
 * (packages/platform/src/modules/publishing) renders real sites from the database and records
 * dependencies; this file implements the same template contract (decision 0006: globals, the
 * `documents`/`channel`/`channels`/`friendlinks`/`topics` tags, the `url`/`asset`/`shared`/
 * `cn_date` filters, `<kind>.liquid` rendered into `layouts/base.liquid` as `content`) over an
 * in-memory sample site, so a theme can be built and checked without a server:
 *
 *   npm run preview -w packages/themes -- dept-blue /tmp/preview
 */

export type PageKind = 'index' | 'channel' | 'article' | 'topic' | 'search' | '404';

export interface PreviewRequest {
  kind: PageKind;
  /** Site path of the page: `index.html`, `zwgk/tzgg/index_2.html`, `xwdt/gzdt/1003.html`. */
  path: string;
  care?: boolean;
}

const PAGE_SIZE = 10;
const NOW = '2026-11-28T08:00:00.000Z';

interface PreviewState {
  site: SampleSite;
  root: string;
  now: Date;
}

function stateOf(ctx: Context): PreviewState {
  return (ctx.environments as any).__preview as PreviewState;
}

/** Parses `"code" limit:8 withImage as name` (literals or variables). */
function parseArgs(args: string) {
  const re = /"([^"]*)"|'([^']*)'|([A-Za-z_]\w*):\s*("[^"]*"|'[^']*'|[\w.]+)|([A-Za-z_][\w.]*|\*)/g;
  const out: { positional: string[]; raw: { lit: boolean; v: string }[]; named: Record<string, string>; as?: string } =
    { positional: [], raw: [], named: {} };
  let m: RegExpExecArray | null;
  let expectAs = false;
  while ((m = re.exec(args))) {
    if (m[3]) out.named[m[3]] = m[4];
    else if (m[5] === 'as') expectAs = true;
    else if (expectAs) {
      out.as = m[5];
      expectAs = false;
    } else if (m[1] !== undefined || m[2] !== undefined) out.raw.push({ lit: true, v: m[1] ?? m[2] });
    else if (m[5]) out.raw.push({ lit: false, v: m[5] });
  }
  return out;
}

function evalArg(ctx: Context, v: string): unknown {
  if (/^\d+$/.test(v)) return Number(v);
  if (/^["'].*["']$/.test(v)) return v.slice(1, -1);
  return v.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), ctx.getAll());
}

function defineTag(liquid: Liquid, name: string, run: (ctx: Context, a: ReturnType<typeof parseArgs>) => unknown) {
  liquid.registerTag(
    name,
    class extends Tag {
      private a: ReturnType<typeof parseArgs>;
      constructor(token: TagToken, remain: TopLevelToken[], engine: Liquid) {
        super(token, remain, engine);
        this.a = parseArgs(token.args);
        if (!this.a.as) throw new Error(`{% ${name} %} 缺少 as 变量名`);
      }
      render(ctx: Context): void {
        ctx.bottom()[this.a.as!] = run(ctx, this.a);
      }
    },
  );
}

class SiteModel {
  readonly byCode = new Map<string, SampleChannel>();
  constructor(readonly site: SampleSite) {
    for (const c of site.channels) this.byCode.set(c.code, c);
  }
  chain(code: string): SampleChannel[] {
    const out: SampleChannel[] = [];
    for (let c = this.byCode.get(code); c; c = c.parent ? this.byCode.get(c.parent) : undefined) out.unshift(c);
    return out;
  }
  channelPath(code: string, page = 1): string {
    const chain = this.chain(code)
      .map((c) => c.code)
      .join('/');
    return `${chain}/${page > 1 ? `index_${page}.html` : 'index.html'}`;
  }
  docPath(d: SampleDocument): string {
    return `${this.chain(d.channel)
      .map((c) => c.code)
      .join('/')}/${d.id}.html`;
  }
  descendants(code: string): Set<string> {
    const out = new Set([code]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of this.site.channels)
        if (c.parent && out.has(c.parent) && !out.has(c.code)) {
          out.add(c.code);
          grew = true;
        }
    }
    return out;
  }
  docs(code: string, withImage = false): SampleDocument[] {
    const set = code === '*' ? null : this.descendants(code);
    return this.site.documents
      .filter((d) => (!set || set.has(d.channel)) && (!withImage || d.cover))
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.publishAt.localeCompare(a.publishAt));
  }
}

function rel(root: string, sitePath: string): string {
  return /^[a-z]+:/i.test(sitePath) ? sitePath : root + sitePath;
}

function cnDate(v: unknown): string {
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) return '';
  // Asia/Shanghai calendar date whatever the server's zone.
  const s = new Date(d.getTime() + 8 * 3_600_000);
  return `${s.getUTCFullYear()}年${s.getUTCMonth() + 1}月${s.getUTCDate()}日`;
}

export class ThemePreview {
  readonly liquid: Liquid;
  readonly model: SiteModel;

  constructor(
    readonly theme: string,
    site: SampleSite = sampleSite(),
  ) {
    const loaded = loadTheme(theme);
    this.model = new SiteModel(site);
    this.liquid = new Liquid(themeLiquidOptions(loaded.templates));
    const model = this.model;
    const item = (s: PreviewState, d: SampleDocument) => {
      const ch = model.byCode.get(d.channel)!;
      return {
        id: d.id,
        title: d.title,
        shortTitle: d.title.length > 24 ? `${d.title.slice(0, 23)}…` : d.title,
        url: rel(s.root, model.docPath(d)),
        publishAt: d.publishAt,
        summary: d.summary,
        coverUrl: d.cover ? rel(s.root, `_files/${d.cover}`) : null,
        isNew: s.now.getTime() - Date.parse(d.publishAt) < 3 * 86_400_000,
        pinned: d.pinned,
        source: d.source,
        channelName: ch.name,
        channelUrl: rel(s.root, model.channelPath(ch.code)),
      };
    };
    const channelObj = (s: PreviewState, c: SampleChannel, depth = 1): any => ({
      id: c.id,
      name: c.name,
      code: c.code,
      type: c.type,
      category: c.category,
      url: c.type === 'link' ? c.linkUrl : rel(s.root, model.channelPath(c.code)),
      parent: c.parent ? { name: model.byCode.get(c.parent)!.name, code: c.parent } : null,
      children:
        depth > 0 ? model.site.channels.filter((x) => x.parent === c.code).map((x) => channelObj(s, x, depth - 1)) : [],
    });
    defineTag(this.liquid, 'documents', (ctx, a) => {
      const s = stateOf(ctx);
      const code = a.raw[0] ? (a.raw[0].lit ? a.raw[0].v : String(evalArg(ctx, a.raw[0].v) ?? '')) : '*';
      const limit = Number(a.named.limit ? evalArg(ctx, a.named.limit) : 10) || 10;
      const withImage = a.raw.some((r) => !r.lit && r.v === 'withImage');
      if (code !== '*' && !model.byCode.has(code)) return [];
      return model
        .docs(code, withImage)
        .slice(0, limit)
        .map((d) => item(s, d));
    });
    defineTag(this.liquid, 'channel', (ctx, a) => {
      const code = a.raw[0]?.lit ? a.raw[0].v : String(evalArg(ctx, a.raw[0]?.v ?? '') ?? '');
      const c = model.byCode.get(code);
      return c ? channelObj(stateOf(ctx), c) : null;
    });
    defineTag(this.liquid, 'channels', (ctx, a) => {
      const code = a.raw[0] ? (a.raw[0].lit ? a.raw[0].v : String(evalArg(ctx, a.raw[0].v) ?? '')) : null;
      if (code && !model.byCode.has(code)) return [];
      return model.site.channels.filter((c) => c.parent === code).map((c) => channelObj(stateOf(ctx), c));
    });
    defineTag(this.liquid, 'friendlinks', () => model.site.friendLinks.map((l) => ({ ...l })));
    defineTag(this.liquid, 'topics', (ctx, a) => {
      const s = stateOf(ctx);
      const limit = Number(a.named.limit ? evalArg(ctx, a.named.limit) : 10) || 10;
      return model.site.topics.slice(0, limit).map((t) => ({
        title: t.title,
        url: rel(s.root, `topics/${t.slug}/index.html`),
        bannerUrl: rel(s.root, `_files/${t.banner}`),
      }));
    });
    this.liquid.registerFilter('url', function (this: any, v: unknown) {
      return rel(stateOf(this.context).root, String(v ?? ''));
    });
    this.liquid.registerFilter('asset', function (this: any, v: unknown) {
      return `${stateOf(this.context).root}_theme/${String(v)}`;
    });
    this.liquid.registerFilter('shared', function (this: any, v: unknown) {
      return `${stateOf(this.context).root}_shared/${String(v)}`;
    });
    this.liquid.registerFilter('cn_date', cnDate);
    this.itemOf = item;
    this.channelOf = channelObj;
  }

  private itemOf: (s: PreviewState, d: SampleDocument) => any;
  private channelOf: (s: PreviewState, c: SampleChannel) => any;

  /** Every page of the sample site: `{ kind, path }`. */
  pages(): PreviewRequest[] {
    const out: PreviewRequest[] = [{ kind: 'index', path: 'index.html' }];
    for (const c of this.model.site.channels) {
      if (c.type === 'link') continue;
      const total = Math.max(1, Math.ceil(this.model.docs(c.code).length / PAGE_SIZE));
      for (let p = 1; p <= total; p++) out.push({ kind: 'channel', path: this.model.channelPath(c.code, p) });
    }
    for (const d of this.model.site.documents) out.push({ kind: 'article', path: this.model.docPath(d) });
    for (const t of this.model.site.topics) out.push({ kind: 'topic', path: `topics/${t.slug}/index.html` });
    out.push({ kind: 'search', path: 'search/index.html' }, { kind: '404', path: '404.html' });
    return out;
  }

  /** Renders one page as the engine would: `<kind>.liquid`, then `layouts/base.liquid` around it. */
  async render(req: PreviewRequest): Promise<string> {
    const { model } = this;
    const site = model.site;
    const care = req.care === true;
    const depth = req.kind === '404' ? 0 : req.path.split('/').length - 1;
    const root = '../'.repeat(depth);
    const state: PreviewState = { site, root, now: new Date(NOW) };
    const home = `${root}index.html`;
    const scope: Record<string, any> = {
      __preview: state,
      site: {
        code: site.code,
        name: site.name,
        siteCode: site.siteCode,
        icp: site.icp,
        policeRecord: site.policeRecord,
        domains: site.domains,
        theme: this.theme,
        homeUrl: home,
      },
      nav: site.channels.filter((c) => !c.parent).map((c) => this.channelOf(state, c)),
      breadcrumbs: [{ name: '首页', url: home }],
    };
    const page: Record<string, any> = {
      kind: req.kind,
      path: req.path,
      title: site.name,
      canonical: `https://${site.domains[0]}/${care ? 'care/' : ''}${req.path}`,
      care,
      careUrl: care ? root + req.path : `${root}care/${req.path}`,
      standardUrl: care ? `${root}../${req.path}` : root + req.path,
      root,
      searchUrl: `${root}search/index.html`,
      /** The top-level folder, as the platform's renderer gives it (the navigation marks it). */
      section: req.kind === 'index' ? '' : req.path.split('/')[0],
      generatedAt: NOW,
    };
    scope.page = page;
    const crumbsFor = (code: string) => {
      for (const c of model.chain(code))
        scope.breadcrumbs.push({ name: c.name, url: rel(root, model.channelPath(c.code)) });
    };
    if (req.kind === 'channel') {
      const m = /^(.*)\/index(?:_(\d+))?\.html$/.exec(req.path);
      const code = m![1].split('/').pop()!;
      const current = Number(m![2] ?? 1);
      const ch = model.byCode.get(code)!;
      const all = model.docs(code);
      const total = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
      scope.channel = this.channelOf(state, ch);
      scope.documents = all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE).map((d) => this.itemOf(state, d));
      const pageUrl = (n: number) => rel(root, model.channelPath(code, n));
      scope.pager = {
        current,
        total,
        count: all.length,
        prev: current > 1 ? pageUrl(current - 1) : null,
        next: current < total ? pageUrl(current + 1) : null,
        pages: Array.from({ length: total }, (_, i) => ({ n: i + 1, url: pageUrl(i + 1), current: i + 1 === current })),
      };
      page.title = ch.name;
      crumbsFor(code);
    } else if (req.kind === 'article') {
      const id = Number(/(\d+)\.html$/.exec(req.path)![1]);
      const d = site.documents.find((x) => x.id === id)!;
      const siblings = model.docs(d.channel);
      const i = siblings.indexOf(d);
      scope.document = {
        ...this.itemOf(state, d),
        subtitle: '',
        author: d.author,
        bodyHtml: d.bodyHtml,
        attachments: d.attachments.map((a) => ({ name: a.name, url: rel(root, `_files/${a.file}`), size: a.size })),
        type: 'article',
        linkUrl: null,
        channel: this.channelOf(state, model.byCode.get(d.channel)!),
      };
      scope.related = siblings
        .filter((x) => x !== d)
        .slice(0, 6)
        .map((x) => this.itemOf(state, x));
      scope.prevDoc = i > 0 ? this.itemOf(state, siblings[i - 1]) : null;
      scope.nextDoc = i < siblings.length - 1 ? this.itemOf(state, siblings[i + 1]) : null;
      page.title = d.title;
      crumbsFor(d.channel);
    } else if (req.kind === 'topic') {
      const slug = req.path.split('/')[1];
      const t = site.topics.find((x) => x.slug === slug)!;
      const fix = (v: unknown): unknown =>
        typeof v === 'string' && /^(topic-|pic-).*\.svg$/.test(v)
          ? rel(root, `_files/${v}`)
          : typeof v === 'string' && /\.html$/.test(v)
            ? rel(root, v)
            : Array.isArray(v)
              ? v.map(fix)
              : v && typeof v === 'object'
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]))
                : v;
      scope.topic = { title: t.title, slug: t.slug, background: t.background, modules: fix(t.modules) };
      page.title = t.title;
      scope.breadcrumbs.push({ name: '专题专栏', url: req.path === '' ? home : rel(root, req.path) });
    } else if (req.kind === 'search') {
      page.title = '搜索结果';
      scope.breadcrumbs.push({ name: '站内搜索', url: rel(root, req.path) });
      scope.content = sampleSearchHtml(state, model, this.itemOf);
    } else if (req.kind === '404') {
      page.title = '页面未找到';
    }
    const inner = await this.liquid.renderFile(req.kind, scope);
    return this.liquid.renderFile('layouts/base', { ...scope, content: inner });
  }

  /** Writes the standard tree and the 关怀版 tree (`care/`) with assets into `outDir`. */
  async build(outDir: string): Promise<string[]> {
    const written: string[] = [];
    const write = (path: string, data: string | Buffer) => {
      const full = join(outDir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, data);
      written.push(path);
    };
    for (const prefix of ['', 'care/']) {
      for (const req of this.pages()) write(prefix + req.path, await this.render({ ...req, care: prefix !== '' }));
      for (const f of themeAssetFiles(this.theme)) {
        mkdirSync(dirname(join(outDir, prefix, '_theme', f.name)), { recursive: true });
        copyFileSync(f.path, join(outDir, prefix, '_theme', f.name));
      }
      for (const f of sharedAssetFiles()) {
        mkdirSync(join(outDir, prefix, '_shared'), { recursive: true });
        copyFileSync(f.path, join(outDir, prefix, '_shared', f.name));
      }
      for (const [name, data] of Object.entries(this.model.site.files)) write(`${prefix}_files/${name}`, data);
    }
    return written;
  }
}

/** What the search module's page body looks like inside a site (for `search.liquid`). */
function sampleSearchHtml(state: PreviewState, model: SiteModel, item: (s: PreviewState, d: SampleDocument) => any) {
  const hits = model.docs('*').slice(0, 5);
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return [
    '<h1>站内搜索</h1>',
    `<form class="search-again" role="search" method="get" action="index.html"><label for="sq">搜索关键词</label> <input id="sq" name="q" type="search" value="新乡"> <button type="submit">搜索</button></form>`,
    `<p class="summary">找到相关结果约 ${hits.length} 条</p>`,
    '<ol class="results">',
    ...hits.map((d) => {
      const it = item(state, d);
      return `<li><h2><a href="${esc(it.url)}">${esc(d.title)}</a></h2><p class="snippet">${esc(d.summary)}</p><p class="meta">${esc(it.channelName)} · ${cnDate(d.publishAt)}</p></li>`;
    }),
    '</ol>',
  ].join('');
}

/** Builds the preview of one theme into `outDir`; returns the written paths. */
export async function buildPreview(theme: string, outDir: string): Promise<string[]> {
  return new ThemePreview(theme).build(outDir);
}
