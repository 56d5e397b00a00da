import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SearchBed, searchTestBed } from './test-support.js';

/*
 * The public search page in a real Chromium: axe-core finds no WCAG 2.1 AA violation on the
 * search home, a result page (with correction and facets) and a site's page; the page works
 * with JavaScript off (GET form, facet links, paging); with it on, typing shows suggestions that
 * the keyboard can pick.
 */

const CHROMIUM = '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let bed: SearchBed;
let baseUrl: string;
let context: BrowserContext;
let noScript: BrowserContext;

beforeAll(async () => {
  bed = await searchTestBed();
  await bed.t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = bed.t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  baseUrl = `http://127.0.0.1:${address.port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  context = await browser.newContext({ locale: 'zh-CN' });
  noScript = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false });
  // Only this server may be reached: "no external resources".
  for (const c of [context, noScript]) {
    await c.route('**/*', (route) =>
      route.request().url().startsWith(baseUrl) ? route.continue() : route.abort('blockedbyclient'),
    );
  }
}, 300_000);
afterAll(async () => {
  await context?.browser()?.close();
  await bed?.t.close();
});

async function axe(page: Page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

describe('public search page', () => {
  it('is axe-clean on the home, a result page and a site page', async () => {
    const page = await context.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl)) external.push(r.url());
    });
    for (const path of [
      '/search',
      `/search?q=${encodeURIComponent('营业执招')}`,
      `/sites/gaj/search?q=${encodeURIComponent('身份证')}`,
    ]) {
      await page.goto(baseUrl + path);
      expect(await axe(page), path).toEqual([]);
    }
    expect(external).toEqual([]);
    await page.close();
  }, 180_000);

  it('works without JavaScript: form, facet links and paging', async () => {
    const page = await noScript.newPage();
    await page.goto(`${baseUrl}/search`);
    await page.fill('#q', '办事指南');
    await page.press('#q', 'Enter');
    await page.waitForURL(/q=/);
    await expect(page.locator('.summary')).toBeTruthy();
    const summary = await page.locator('.summary').textContent();
    expect(summary).toMatch(/找到相关结果约? \d+\+? 条/);
    await page
      .getByRole('link', { name: /办事服务/ })
      .first()
      .click();
    await page.waitForURL(/type=service/);
    const tags = await page.locator('ol.results .tag').allInnerTexts();
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set(['办事服务']));
    const next = page.getByRole('link', { name: '下一页' });
    if (await next.count()) {
      await next.click();
      await page.waitForURL(/page=2/);
    }
    await page.close();
  });

  it('suggests while typing and the keyboard picks a suggestion', async () => {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/search`);
    await page.focus('#q');
    await page.keyboard.type('yyzz');
    const option = page.getByRole('option', { name: '营业执照', exact: true });
    await option.waitFor();
    expect(await page.getAttribute('#q', 'aria-expanded')).toBe('true');
    const options = await page.getByRole('option').allInnerTexts();
    await page.keyboard.press('ArrowDown');
    for (let i = 0; i < options.indexOf('营业执照'); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7/);
    expect(await page.locator('ol.results li').count()).toBeGreaterThan(0);
    expect(await axe(page)).toEqual([]);
    await page.close();
  });
});
