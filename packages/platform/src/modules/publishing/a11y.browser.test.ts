import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { listThemes } from '@jiyue/themes';
import { sql } from 'kysely';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { enqueueRebuild } from './jobs.js';
import { forgetEngines, renderInSiteLayout } from './render.js';

/*
 * Every theme rendered by the real engine (real tags, real site data, both trees) and checked in
 * Chromium with axe-core (wcag2a, wcag2aa): the home page, a channel list, an article and the
 * search page (the engine's renderInSiteLayout around a search-result fragment).
 */

const CHROMIUM = '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const hasChromium = existsSync(CHROMIUM);

const SEARCH_FRAGMENT = `
<form action="search" method="get" role="search" class="search-again">
  <label for="q2">搜索词</label><input id="q2" name="q" value="教育">
  <button type="submit">搜索</button>
</form>
<p>找到约 2 条结果</p>
<ol class="results">
  <li><h2><a href="zwgk/tzgg/index.html">关于做好<em>教育</em>工作的通知</a></h2><p>市<em>教育</em>局关于做好有关工作的通知……</p></li>
  <li><h2><a href="xwdt/gzdt/index.html"><em>教育</em>工作动态</a></h2><p>全市<em>教育</em>系统召开工作会议……</p></li>
</ol>`;

describe.skipIf(!hasChromium)('themes through the engine are axe-clean', () => {
  let bed: EngineBed;
  let browser: Browser;
  let base: string;
  let article: string;

  beforeAll(async () => {
    bed = await startEngineBed({ realThemes: true });
    const { kernel } = bed.t;
    await kernel.db
      .insertInto('cms_documents')
      .values({
        site_id: bed.siteId,
        channel_id: bed.channels.tzgg,
        title: '关于做好2026年秋季学期开学工作的通知',
        source: '市教育局',
        summary: '各县（市、区）教育局：现就做好秋季学期开学工作通知如下。',
        body_html:
          '<p>各县（市、区）教育局：</p><p>现就做好秋季学期开学工作通知如下。</p><h2>一、总体要求</h2><p>坚持安全第一。</p>',
        state: 'published',
        publish_at: sql`now()`,
      })
      .execute();
    const doc = await kernel.db
      .selectFrom('cms_documents')
      .select('id')
      .where('channel_id', '=', bed.channels.tzgg)
      .where('state', '=', 'published')
      .executeTakeFirstOrThrow();
    article = `zwgk/tzgg/${doc.id}.html`;
    await bed.app.listen({ port: 0, host: '127.0.0.1' });
    const address = bed.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${address.port}/sites/${bed.siteCode}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await bed?.close();
  });

  async function axe(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: AXE });
    return page.evaluate(async () => {
      const result = await (window as any).axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
      });
      return result.violations.map(
        (v: any) =>
          `${v.id} (${v.impact}): ${v.nodes.map((n: any) => `${n.target.join(' ')} — ${n.failureSummary}`).join(' | ')}`,
      );
    });
  }

  const themes = listThemes().map((t) => t.name);

  it.each(themes)('%s: home, channel, article and search in the standard and the care tree', async (theme) => {
    const { kernel } = bed.t;
    await kernel.db.updateTable('cms_sites').set({ theme }).where('id', '=', bed.siteId).execute();
    forgetEngines();
    const jobId = await enqueueRebuild(kernel, kernel.db, bed.siteId);
    await kernel.jobs.runUntilIdle();
    const job = await kernel.jobs.get(jobId);
    expect(job?.status, job?.error ?? '').toBe('succeeded');

    const context = await browser.newContext({ locale: 'zh-CN' });
    const external: string[] = [];
    try {
      for (const care of [false, true]) {
        const html = await renderInSiteLayout(kernel, bed.siteCode, { title: '搜索结果', html: SEARCH_FRAGMENT, care });
        await context.route(`${base}search-page${care ? '-care' : ''}`, (route) =>
          route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html ?? '' }),
        );
      }
      const page = await context.newPage();
      page.on('request', (r) => {
        if (!r.url().startsWith(base.replace(/sites\/.*$/, ''))) external.push(r.url());
      });
      const violations: string[] = [];
      for (const tree of ['', 'care/']) {
        for (const path of ['index.html', 'zwgk/tzgg/index.html', article, tree ? 'search-page-care' : 'search-page']) {
          // The search page is served at the site root (/sites/<code>/search), whatever the tree.
          const url = path.startsWith('search-page') ? `${base}${path}` : `${base}${tree}${path}`;
          const res = await page.goto(url);
          expect(res?.status(), url).toBe(200);
          for (const v of await axe(page)) violations.push(`${theme} ${tree || 'standard/'}${path}: ${v}`);
        }
      }
      expect(violations).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
