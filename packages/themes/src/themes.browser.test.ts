import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThemePreview } from './preview.js';

/*
 * The preview output of every theme in a real Chromium, served over HTTP from this machine only:
 * axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa) finds nothing on the home, a list, an article and
 * the search page, in the standard and the 关怀版 tree; nothing is requested from elsewhere; the
 * care tree meets its size rules; at 360px the phone menu works without scripts; and the toolbar
 * works by keyboard alone (open from 无障碍, high contrast, 简繁, 拼音, zoom, reset).
 */

const CHROMIUM = '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const THEMES = ['portal', 'dept-blue', 'dept-red', 'dept-green', 'dept-teal', 'dept-gold', 'dept-ink'];
const PAGES = ['index.html', 'zwgk/tzgg/index.html', 'zwgk/zcwj/1001.html', 'search/index.html'];
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
};

let out: string;
let server: Server;
let base: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'jy-themes-browser-'));
  for (const theme of THEMES) await new ThemePreview(theme).build(join(out, theme));
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    let file = join(out, path);
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      statSync(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) =>
    route.request().url().startsWith(base) ? route.continue() : route.abort('blockedbyclient'),
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (out) rmSync(out, { recursive: true, force: true });
});

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (v: any) => `${v.id}: ${v.nodes.map((n: any) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`,
    );
  });
}

describe.each(THEMES)('theme %s in Chromium', (theme) => {
  it('is axe-clean on home, list, article and search, standard and 关怀版, and loads nothing external', async () => {
    const page = await context.newPage();
    const external: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(r.url());
    });
    for (const tree of ['', 'care/']) {
      for (const path of PAGES) {
        await page.goto(`${base}/${theme}/${tree}${path}`);
        expect(await axe(page), `${theme}/${tree}${path}`).toEqual([]);
      }
    }
    expect(external).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  }, 240_000);

  it('关怀版: body text ≥ 18px, line height ≥ 1.5, links and buttons ≥ 44px high, one column', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/${theme}/care/index.html`);
    const m = await page.evaluate(() => {
      const cs = getComputedStyle(document.body);
      const small: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>(
        'main a, main button, footer a, header a, header button, nav a',
      )) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || el.closest('.jy-a11y') || el.closest('.article-body')) continue;
        if (r.height < 44 - 0.5) small.push(`${el.textContent?.trim().slice(0, 12)} ${Math.round(r.height)}px`);
      }
      const tooSmallText: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>(
        'main p, main li, main a, main time, main td, main th, main span, footer p, footer a, footer span, header a',
      )) {
        if (el.getBoundingClientRect().width === 0) continue;
        const size = Number.parseFloat(getComputedStyle(el).fontSize);
        if (size < 18) tooSmallText.push(`${el.textContent?.trim().slice(0, 12)} ${size}px`);
      }
      // Columns = the most panels that share a horizontal line.
      const panels = [...document.querySelectorAll<HTMLElement>('main .panel, main .picnews, main .block-zwfw')]
        .filter((p) => p.offsetParent)
        .map((p) => p.getBoundingClientRect());
      const columns = Math.max(...panels.map((a) => panels.filter((b) => b.top < a.bottom && a.top < b.bottom).length));
      return {
        fontSize: Number.parseFloat(cs.fontSize),
        lineHeight: Number.parseFloat(cs.lineHeight) / Number.parseFloat(cs.fontSize),
        small,
        tooSmallText,
        columns,
        panels: panels.length,
      };
    });
    expect(m.fontSize).toBeGreaterThanOrEqual(18);
    expect(m.lineHeight).toBeGreaterThanOrEqual(1.5);
    expect(m.small).toEqual([]);
    expect(m.tooSmallText).toEqual([]);
    expect(m.panels).toBeGreaterThan(0);
    expect(m.columns).toBe(1);
    await page.close();
  }, 60_000);
});

describe('other page kinds', () => {
  it('topic and 404 pages are axe-clean in both trees (portal and dept-ink)', async () => {
    const page = await context.newPage();
    for (const theme of ['portal', 'dept-ink'])
      for (const tree of ['', 'care/'])
        for (const path of ['topics/ysh/index.html', '404.html', 'xwdt/index_2.html']) {
          await page.goto(`${base}/${theme}/${tree}${path}`);
          expect(await axe(page), `${theme}/${tree}${path}`).toEqual([]);
        }
    await page.close();
  }, 120_000);
});

describe('phones', () => {
  it('at 360px nothing overflows and the menu opens without scripts', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
    await phone.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
    const page = await phone.newPage();
    for (const theme of THEMES) {
      for (const path of ['index.html', 'zwgk/zcwj/1001.html', 'care/index.html']) {
        await page.goto(`${base}/${theme}/${path}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${theme}/${path}`).toBeLessThanOrEqual(360);
      }
      await page.goto(`${base}/${theme}/index.html`);
      expect(await page.locator('nav[aria-label="主导航"]').isVisible()).toBe(false);
      await page.locator('.nav-mobile summary').click();
      const link = page.getByRole('navigation', { name: '栏目导航（手机版）' }).getByRole('link', { name: '通知公告' });
      expect(await link.isVisible(), theme).toBe(true);
    }
    await phone.close();
  }, 120_000);
});

describe('无障碍工具条', () => {
  it('works by keyboard: open from 无障碍, high contrast, 简繁, 拼音, zoom, reset; choices persist', async () => {
    const own = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await own.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
    const page = await own.newPage();
    await page.goto(`${base}/dept-blue/index.html`);
    expect(await page.locator('#jy-a11y').isHidden()).toBe(true);
    // Tab from the top of the page to the 无障碍 link in the header, then Enter.
    let found = false;
    for (let i = 0; i < 12 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(
        () =>
          document.activeElement?.textContent?.trim() === '无障碍' &&
          document.activeElement.hasAttribute('data-a11y-open'),
      );
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    const bar = page.getByRole('region', { name: '无障碍工具条' });
    await bar.waitFor();
    // Focus moved into the toolbar.
    expect(await page.evaluate(() => document.activeElement?.closest('#jy-a11y') !== null)).toBe(true);
    expect(await axe(page)).toEqual([]);

    const press = async (name: string) => {
      const b = bar.getByRole('button', { name, exact: true });
      await b.focus();
      await page.keyboard.press('Enter');
      return b;
    };
    const hc = await press('黑底黄字');
    expect(await hc.getAttribute('aria-pressed')).toBe('true');
    expect(await page.evaluate(() => document.documentElement.classList.contains('jy-hc-yb'))).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(0, 0, 0)');
    expect(await axe(page)).toEqual([]);
    await press('蓝底白字');
    expect(await page.evaluate(() => document.documentElement.className)).toContain('jy-hc-bw');
    expect(await page.evaluate(() => document.documentElement.classList.contains('jy-hc-yb'))).toBe(false);
    expect(await hc.getAttribute('aria-pressed')).toBe('false');

    await press('放大');
    await press('放大');
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('main')!).zoom)).toBe('1.2');

    // 简繁: the opencc bundle is loaded only now.
    const loaded = () => page.evaluate(() => [...document.scripts].map((s) => s.src.split('/').pop()));
    expect(await loaded()).not.toContain('opencc.js');
    const fan = await press('繁體');
    await page.waitForFunction(() => document.querySelector('#zwgk-h')?.textContent?.includes('政務公開'));
    expect(await fan.getAttribute('aria-pressed')).toBe('true');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-Hant');
    expect(await loaded()).toContain('opencc.js');

    // 拼音 over the traditional text.
    await press('拼音');
    await page.waitForFunction(() => document.querySelectorAll('main ruby rt').length > 20);
    const ruby = await page.evaluate(() => {
      const r = document.querySelector('#zwgk-h ruby')!;
      return { base: r.firstChild?.textContent, rt: r.querySelector('rt')?.textContent };
    });
    expect(ruby).toEqual({ base: '政', rt: 'zhèng' });

    // Choices follow the visitor to the next page.
    await page.goto(`${base}/dept-blue/zwgk/index.html`);
    await page.waitForFunction(() => document.querySelectorAll('main ruby').length > 0);
    expect(await page.evaluate(() => document.documentElement.className)).toContain('jy-hc-bw');
    expect(await page.locator('#jy-a11y').isVisible()).toBe(true);
    const h1Text = () =>
      page.evaluate(() => {
        const h = document.querySelector('h1')!.cloneNode(true) as HTMLElement;
        for (const r of h.querySelectorAll('rt, rp')) r.remove();
        return h.textContent;
      });
    expect(await h1Text()).toBe('政務公開');

    // Shortcut: Alt+Shift+X resets everything, text comes back exactly.
    await page.keyboard.press('Alt+Shift+X');
    await page.waitForFunction(() => document.querySelectorAll('ruby').length === 0);
    expect(await h1Text()).toBe('政务公开');
    expect(await page.evaluate(() => document.documentElement.className)).not.toContain('jy-hc');
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('main')!).zoom)).toBe('1');

    // 辅助线 and 大字幕 follow keyboard focus too.
    await press('辅助线');
    await press('大字幕');
    await page.locator('.side-nav a[href*="tzgg"]').focus();
    expect(await page.locator('.jy-caption').textContent()).toBe('通知公告');
    expect(await page.locator('.jy-guide-x').count()).toBe(1);
    expect(await axe(page)).toEqual([]);

    // Esc closes the toolbar and gives focus back; Alt+Shift+A opens it again.
    await bar.getByRole('button', { name: '重置' }).focus();
    await page.keyboard.press('Escape');
    expect(await page.locator('#jy-a11y').isHidden()).toBe(true);
    await page.keyboard.press('Alt+Shift+A');
    expect(await page.locator('#jy-a11y').isVisible()).toBe(true);
    await own.close();
  }, 120_000);

  it('reads aloud in zh-CN: 指读 speaks the focused element, 连读 the article block by block', async () => {
    // A context of its own: the toolbar keeps its state in localStorage.
    const own = await browser.newContext({ locale: 'zh-CN' });
    await own.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
    const page = await own.newPage();
    // Headless Chromium has no voices: record the utterances and end each one at once.
    await page.addInitScript(() => {
      const spoken: { text: string; lang: string }[] = [];
      (window as any).__spoken = spoken;
      const synth = window.speechSynthesis;
      synth.speak = (u: SpeechSynthesisUtterance) => {
        spoken.push({ text: u.text, lang: u.lang });
        setTimeout(() => u.onend?.(new Event('end') as SpeechSynthesisEvent), 0);
      };
      synth.cancel = () => {};
    });
    await page.goto(`${base}/dept-gold/zwgk/zcwj/1001.html`);
    await page.keyboard.press('Alt+Shift+A');
    const bar = page.getByRole('region', { name: '无障碍工具条' });
    const speech = bar.getByRole('button', { name: '指读', exact: true });
    await speech.focus();
    await page.keyboard.press('Enter');
    expect(await speech.getAttribute('aria-pressed')).toBe('true');
    await page.locator('.side-nav, .crumbs').getByRole('link', { name: '政策文件' }).first().focus();
    await page.waitForFunction(() => (window as any).__spoken.some((s: any) => s.text === '政策文件'));
    expect(await page.evaluate(() => (window as any).__spoken.at(-1))).toEqual({ text: '政策文件', lang: 'zh-CN' });

    // 朗读全文 reads every block of the article in order, then stops by itself.
    await page.getByRole('button', { name: '朗读全文' }).click();
    await page.waitForFunction(() => (window as any).__spoken.some((s: any) => s.text.startsWith('下一步')));
    await page.waitForFunction(() => document.querySelectorAll('.jy-reading').length === 0);
    const texts: string[] = await page.evaluate(() => (window as any).__spoken.map((s: any) => s.text));
    const first = texts.findIndex((t) => t.startsWith('为深入贯彻落实'));
    expect(first).toBeGreaterThan(-1);
    expect(texts.slice(first, first + 4).map((t) => t.slice(0, 4))).toEqual([
      '为深入贯',
      '会议强调',
      '下一步，',
      '主要内容',
    ]);
    expect(await bar.getByRole('button', { name: '连读' }).getAttribute('aria-pressed')).toBe('false');

    // 口述网页结构 by shortcut: the page's regions and headings.
    // 指读 is still on and may speak whatever gets focus next, so the announcement is looked up
    // among everything spoken rather than taken as the last utterance.
    await page.keyboard.press('Alt+Shift+H');
    await page.waitForFunction(() => (window as any).__spoken.some((s: any) => s.text.startsWith('当前页面')));
    const structure: string = await page.evaluate(
      () => (window as any).__spoken.find((s: any) => s.text.startsWith('当前页面')).text,
    );
    expect(structure).toContain('当前页面：新乡市人民政府关于印发新乡市优化营商环境三年行动方案的通知');
    expect(structure).toContain('本页包括页头、导航3个、主要内容、侧栏、页脚');
    expect(structure).toContain('相关信息');
    await own.close();
  }, 60_000);
});
