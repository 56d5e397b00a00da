import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { enqueueRebuild } from './jobs.js';
import { siteDir } from './output.js';
import { forgetEngines } from './render.js';

/*
 * The engine end to end on a real database: a full rebuild of 市教育局's demo site, then a
 * document published and withdrawn through the cms API with the outbox delivered by hand, a
 * broken template, serving (path tricks, Host, ETag) and the HTTP API.
 */

describe('publishing engine', () => {
  let bed: EngineBed;
  let root: string;
  const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    bed.app.inject({ method, url, headers: bed.admin.headers, payload: payload as any });

  beforeAll(async () => {
    bed = await startEngineBed();
    root = siteDir(bed.t.kernel, bed.siteCode);
    await bed.rebuild();
  }, 300_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('a full rebuild writes both trees, theme assets, sitemap and RSS, and records what each page read', async () => {
    for (const rel of [
      'index.html',
      'care/index.html',
      '404.html',
      'zwgk/tzgg/index.html',
      'care/zwgk/tzgg/index.html',
    ]) {
      expect(existsSync(path.join(root, rel)), rel).toBe(true);
    }
    expect(read('_theme/style.css')).toContain('font-size');
    const home = read('index.html');
    expect(home).toContain('<link rel="stylesheet" href="_theme/style.css">');
    expect(home).toContain('href="zwgk/index.html"');
    const careHome = read('care/index.html');
    // The care tree links inside itself and shares the site's assets.
    expect(careHome).toContain('href="zwgk/index.html"');
    expect(careHome).toContain('href="../_theme/style.css"');
    expect(read('zwgk/tzgg/index.html')).toContain('href="../../_theme/style.css"');

    const published = await bed.t.kernel.db
      .selectFrom('cms_documents as d')
      .innerJoin('cms_channels as c', 'c.id', 'd.channel_id')
      .select(['d.id', 'd.title', 'c.code'])
      .where('d.site_id', '=', bed.siteId)
      .where('d.state', '=', 'published')
      .where('d.deleted_at', 'is', null)
      .where('d.type', '!=', 'link')
      .execute();
    expect(published.length).toBeGreaterThan(0);
    const pages = await bed.t.kernel.db
      .selectFrom('publishing_pages')
      .selectAll()
      .where('site_id', '=', bed.siteId)
      .execute();
    const byPath = new Map(pages.map((p) => [p.path, p]));
    for (const d of published) {
      const article = [...byPath.values()].find((p) => p.kind === 'article' && p.source.documentId === d.id && !p.care);
      expect(article, d.title).toBeTruthy();
      expect(read(article?.path as string)).toContain(d.title.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
      expect(article?.deps).toContain(`doc:${d.id}`);
    }
    const homeRow = byPath.get('index.html');
    expect(homeRow?.deps).toEqual(expect.arrayContaining([`site:${bed.siteId}`, `list:site:${bed.siteId}`]));
    expect(homeRow?.deps).toContain(`list:${bed.channels.gzdt}`);
    // A channel's own list is not a dependency of its pages: a change in it re-renders them by count.
    const tzgg = byPath.get('zwgk/tzgg/index.html');
    expect(tzgg?.deps).toContain(`site:${bed.siteId}`);
    expect(tzgg?.deps).not.toContain(`list:${bed.channels.tzgg}`);

    const sitemap = read('sitemap.xml');
    expect(XMLValidator.validate(sitemap)).toBe(true);
    expect(sitemap).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    const rss = read('zwgk/tzgg/rss.xml');
    expect(XMLValidator.validate(rss)).toBe(true);
    expect(rss).toContain('<rss version="2.0"');
    expect(existsSync(path.join(root, 'care/sitemap.xml'))).toBe(false);
  });

  it('publishing a document makes its article, channel page 1 and the home page live; withdrawing removes it from all three', async () => {
    const { kernel } = bed.t;
    const title = '关于开展秋季学期校园安全检查的通知（发布测试）';
    const created = await api('POST', '/api/cms/documents', {
      channelId: bed.channels.tzgg,
      title,
      source: '市教育局',
      bodyHtml: '<p>各县（市、区）教育局：现将有关事项通知如下。</p>',
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const published = await api('POST', `/api/cms/documents/${id}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    const article = `zwgk/tzgg/${id}.html`;
    expect(existsSync(path.join(root, article))).toBe(false);

    await kernel.events.deliverDue();
    for (const tree of ['', 'care/']) {
      expect(read(`${tree}${article}`)).toContain(title);
      expect(read(`${tree}zwgk/tzgg/index.html`)).toContain(title);
      expect(read(`${tree}zwgk/index.html`)).toContain(title);
      expect(read(`${tree}index.html`)).toContain(title);
    }
    expect(read('index.html')).toContain(`href="${article}"`);
    expect(read('zwgk/tzgg/index.html')).toContain(`href="../../zwgk/tzgg/${id}.html"`);
    const served = await bed.app.inject({ url: `/sites/${bed.siteCode}/${article}` });
    expect(served.statusCode).toBe(200);
    expect(served.body).toContain(title);
    const row = await kernel.db
      .selectFrom('publishing_pages')
      .select('deps')
      .where('site_id', '=', bed.siteId)
      .where('path', '=', article)
      .executeTakeFirstOrThrow();
    expect(row.deps).toEqual(expect.arrayContaining([`doc:${id}`, `site:${bed.siteId}`]));
    // Sitemap and RSS follow in a job.
    const queued = await kernel.db
      .selectFrom('jobs')
      .select('payload')
      .where('type', '=', 'publishing.render')
      .where('status', '=', 'queued')
      .execute();
    expect(queued.some((j) => (j.payload as any).paths.includes('sitemap.xml'))).toBe(true);
    await kernel.jobs.runUntilIdle();
    expect(read('sitemap.xml')).toContain(`/zwgk/tzgg/${id}.html</loc>`);
    expect(read('zwgk/tzgg/rss.xml')).toContain(title);

    const withdrawn = await api('POST', `/api/cms/documents/${id}/withdraw`);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    await kernel.events.deliverDue();
    expect(existsSync(path.join(root, article))).toBe(false);
    expect(existsSync(path.join(root, 'care', article))).toBe(false);
    for (const rel of ['zwgk/tzgg/index.html', 'zwgk/index.html', 'index.html', 'care/index.html']) {
      expect(read(rel), rel).not.toContain(title);
    }
    const gone = await bed.app.inject({ url: `/sites/${bed.siteCode}/${article}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain('页面不存在');
    expect(gone.body).toContain(`<base href="/sites/${bed.siteCode}/">`);
    const rows = await kernel.db
      .selectFrom('publishing_pages')
      .select('path')
      .where('site_id', '=', bed.siteId)
      .where('path', 'like', `%${id}%`)
      .execute();
    expect(rows).toEqual([]);
    await kernel.jobs.runUntilIdle();
    expect(read('sitemap.xml')).not.toContain(id);
  });

  it('a channel renamed in the cms is renamed in every page of the site; edits in a row queue one rebuild', async () => {
    const channelId = bed.channels.tzgg;
    const rename = (name: string) => api('PATCH', `/api/cms/channels/${channelId}`, { name });
    expect((await rename('通知与公告')).statusCode).toBe(200);
    expect((await rename('公告通知')).statusCode).toBe(200);
    await bed.t.kernel.events.deliverDue();
    const queued = await bed.t.kernel.db
      .selectFrom('jobs')
      .select('id')
      .where('type', '=', 'publishing.rebuild')
      .where('status', '=', 'queued')
      .execute();
    expect(queued).toHaveLength(1);
    await bed.t.kernel.jobs.runUntilIdle();
    expect(read('zwgk/tzgg/index.html')).toContain('公告通知');
    expect(read('care/zwgk/tzgg/index.html')).toContain('公告通知');
    expect(read('zwgk/tzgg/index.html')).not.toContain('通知与公告');
    expect((await rename('通知公告')).statusCode).toBe(200);
    await bed.t.kernel.events.deliverDue();
    await bed.t.kernel.jobs.runUntilIdle();
    expect(read('zwgk/tzgg/index.html')).toContain('通知公告');
  });

  it('render jobs queued by a burst of publishes are merged into one', async () => {
    const { kernel } = bed.t;
    await kernel.jobs.runUntilIdle();
    const ids: string[] = [];
    for (const title of ['批量发布测试一', '批量发布测试二', '批量发布测试三']) {
      const created = await api('POST', '/api/cms/documents', {
        channelId: bed.channels.gzdt,
        title,
        bodyHtml: '<p>正文</p>',
      });
      ids.push(created.json().id);
      expect((await api('POST', `/api/cms/documents/${created.json().id}/publish`)).statusCode).toBe(200);
    }
    await kernel.events.deliverDue();
    const queued = await kernel.db
      .selectFrom('jobs')
      .select('id')
      .where('type', '=', 'publishing.render')
      .where('status', '=', 'queued')
      .execute();
    // (Each document's create and publish events arrive after both happened: two refreshes each.)
    expect(queued.length).toBeGreaterThanOrEqual(3);
    expect(await kernel.jobs.runUntilIdle()).toBe(1);
    const results = await Promise.all(queued.map((j) => kernel.jobs.get(j.id)));
    expect(results.every((j) => j?.status === 'succeeded')).toBe(true);
    expect(results.filter((j) => (j?.result as any)?.mergedInto).length).toBe(queued.length - 1);
    for (const id of ids) expect(read('sitemap.xml')).toContain(`${id}.html`);
  });

  it('a broken template fails the rebuild with the template, line and reason, and leaves the old pages live', async () => {
    const { kernel } = bed.t;
    const site = await kernel.db
      .selectFrom('cms_sites')
      .select('theme')
      .where('id', '=', bed.siteId)
      .executeTakeFirstOrThrow();
    const before = { home: read('index.html'), list: read('zwgk/tzgg/index.html') };
    await kernel.db
      .insertInto('publishing_template_versions')
      .values({
        site_id: bed.siteId,
        theme: site.theme,
        path: 'article.liquid',
        version: 1,
        source: '<h1>{{ document.title }}</h1>\n<p>正文</p>\n{% if %}坏的{% endif %}\n',
        active: true,
      })
      .execute();
    try {
      forgetEngines();
      const jobId = await enqueueRebuild(kernel, kernel.db, bed.siteId);
      await kernel.jobs.runUntilIdle();
      const job = await kernel.jobs.get(jobId);
      expect(job?.status).toBe('failed');
      expect(job?.error).toContain('article.liquid');
      expect(job?.error).toContain('第 3 行');
      const res = await api('GET', `/api/publishing/jobs/${jobId}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().failure).toMatchObject({ template: 'article.liquid', line: 3 });
      expect(typeof res.json().failure.reason).toBe('string');
      expect(read('index.html')).toBe(before.home);
      expect(read('zwgk/tzgg/index.html')).toBe(before.list);
    } finally {
      await kernel.db.deleteFrom('publishing_template_versions').where('site_id', '=', bed.siteId).execute();
      forgetEngines();
    }
  });

  it('refuses path tricks with 404 and never serves files outside the site folder', async () => {
    const secret = 'TOP-SECRET-OUTSIDE-THE-SITE';
    writeFileSync(path.join(bed.t.kernel.config.dataDir, 'secret.key'), secret);
    writeFileSync(path.join(bed.t.kernel.config.dataDir, 'sites', 'secret.key'), secret);
    const tricks = [
      '/sites/jyj/../secret.key',
      '/sites/jyj/..%2fsecret.key',
      '/sites/jyj/%2e%2e/%2e%2e/secret.key',
      '/sites/jyj/%2e%2e%2f%2e%2e%2fsecret.key',
      '/sites/jyj/zwgk%2findex.html',
      '/sites/jyj/zwgk%5cindex.html',
      '/sites/jyj/index.html%00.css',
      '/sites/jyj/.hidden',
      '/sites/..%2f..%2fsecret.key/x',
      '/sites/jyj/..\\..\\secret.key',
    ];
    // A malformed escape is refused by the router itself.
    expect((await bed.app.inject({ url: '/sites/jyj/%E0%A4%A' })).statusCode).toBe(400);
    // Sanity: the same request shapes do reach real files.
    expect((await bed.app.inject({ url: '/sites/jyj/index.html' })).statusCode).toBe(200);
    for (const url of tricks) {
      const res = await bed.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain(secret);
    }
    const ok = await bed.app.inject({ url: '/sites/jyj/zwgk/tzgg/' });
    expect(ok.statusCode).toBe(200);
    const redirect = await bed.app.inject({ url: '/sites/jyj' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/sites/jyj/');
  });

  it('serves a site by its domain, with ETag / Last-Modified and 304', async () => {
    const { kernel } = bed.t;
    await kernel.db
      .updateTable('cms_sites')
      .set({ domains: ['jyj.xinxiang.test'] as any })
      .where('id', '=', bed.siteId)
      .execute();
    const home = await bed.app.inject({ url: '/', headers: { host: 'JYJ.xinxiang.test:8080' } });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toBe(read('index.html'));
    const deep = await bed.app.inject({ url: '/zwgk/tzgg/index.html', headers: { host: 'jyj.xinxiang.test' } });
    expect(deep.body).toBe(read('zwgk/tzgg/index.html'));
    const missing = await bed.app.inject({ url: '/zwgk/nothing.html', headers: { host: 'jyj.xinxiang.test' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('<base href="/">');
    // The API stays the API on a site's domain.
    const api = await bed.app.inject({ url: '/healthz', headers: { host: 'jyj.xinxiang.test' } });
    expect(api.json()).toMatchObject({ status: 'ok' });

    const first = await bed.app.inject({ url: '/sites/jyj/index.html' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/".+"$/);
    expect(first.headers['last-modified']).toBeTruthy();
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await bed.app.inject({ url: '/sites/jyj/index.html', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const since = await bed.app.inject({
      url: '/sites/jyj/index.html',
      headers: { 'if-modified-since': first.headers['last-modified'] as string },
    });
    expect(since.statusCode).toBe(304);
    const byHost = await bed.app.inject({ url: '/', headers: { host: 'jyj.xinxiang.test', 'if-none-match': etag } });
    expect(byHost.statusCode).toBe(304);
  });

  it('HTTP API: sites, pages, refresh with progress, theme switch', async () => {
    const sites = await api('GET', '/api/publishing/sites');
    expect(sites.statusCode).toBe(200);
    const jyj = sites.json().items.find((s: any) => s.code === 'jyj');
    expect(jyj.pageCount).toBeGreaterThan(10);
    expect(jyj.lastRebuildAt).toBeTruthy();
    const pages = await api('GET', `/api/publishing/sites/${bed.siteId}/pages?kind=channel&q=tzgg`);
    expect(pages.statusCode).toBe(200);
    expect(pages.json().items.map((p: any) => p.path)).toContain('zwgk/tzgg/index.html');

    const refresh = await api('POST', '/api/publishing/refresh', {
      siteId: bed.siteId,
      kind: 'batch',
      paths: ['index.html', 'care/index.html', 'no/such/page.html'],
    });
    expect(refresh.statusCode, refresh.body).toBe(202);
    await bed.t.kernel.jobs.runUntilIdle();
    const job = await api('GET', `/api/publishing/jobs/${refresh.json().jobId}`);
    expect(job.json()).toMatchObject({ status: 'succeeded', done: 2, total: 2 });

    const channel = await api('POST', '/api/publishing/refresh', {
      siteId: bed.siteId,
      kind: 'channel',
      channelId: bed.channels.zwgk,
    });
    expect(channel.statusCode).toBe(202);
    const bad = await api('POST', '/api/publishing/refresh', { siteId: bed.siteId, kind: 'page' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');

    const theme = await api('PATCH', `/api/publishing/sites/${bed.siteId}/theme`, { theme: 'no-such-theme' });
    expect(theme.statusCode).toBe(400);
    expect(theme.json().code).toBe('theme_not_found');
    const audit = await bed.t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'resource'])
      .where('resource', '=', 'publishing.site')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);

    const anonymous = await bed.app.inject({ url: '/api/publishing/sites' });
    expect(anonymous.statusCode).toBe(401);
  });
});
