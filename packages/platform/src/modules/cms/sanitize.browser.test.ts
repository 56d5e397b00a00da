import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitizeBody } from './sanitize.js';
import { XSS_CORPUS } from './xss-corpus.js';

/*
 * The XSS corpus rendered in a real Chromium: the raw vectors must fire (so the detector works),
 * the cleaned bodies must not — no dialog, no script, no request to the attacker's host.
 */

const CHROMIUM = '/usr/bin/chromium';

interface Rendered {
  dialogs: string[];
  pwned: boolean;
  requests: string[];
}

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function render(html: string): Promise<Rendered> {
  const page = await browser.newPage();
  const result: Rendered = { dialogs: [], pwned: false, requests: [] };
  page.on('dialog', async (dialog) => {
    result.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  // A binding, not a window flag read afterwards: it reports even if the content navigates the page.
  await page.exposeFunction('__reportPwned', () => {
    result.pwned = true;
  });
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url !== 'http://jiyue.test/') result.requests.push(url);
    if (url === 'http://jiyue.test/') {
      await route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><html><head><script>window.steal = () => { window.__reportPwned(); }; for (const type of ['click', 'submit']) document.addEventListener(type, (e) => e.preventDefault(), true);</script></head><body>${html}</body></html>`,
      });
    } else {
      await route.fulfill({ status: 404, body: '' });
    }
  });
  await page.goto('http://jiyue.test/');
  // Inline handlers also run for dispatched events: pointer and click handlers get their chance;
  // onerror/onload/ontoggle fire by themselves. The page cancels clicks' default action (inline
  // handlers still run), so a clean link or form does not navigate away.
  await page.$$eval('body *', (elements) => {
    for (const element of elements) {
      for (const type of ['mouseover', 'mouseenter', 'click', 'focus']) {
        element.dispatchEvent(new MouseEvent(type, { bubbles: true }));
      }
    }
  });
  await page.waitForTimeout(500);
  await page.close();
  return result;
}

describe.skipIf(!existsSync(CHROMIUM))('XSS corpus in a real browser', () => {
  it('the raw corpus does run script (the detector works)', async () => {
    const raw = await render(XSS_CORPUS.join('\n'));
    expect(raw.dialogs.length + (raw.pwned ? 1 : 0)).toBeGreaterThan(0);
  }, 60_000);

  it('no cleaned vector runs script or reaches the attacker', async () => {
    const page = XSS_CORPUS.map((vector, i) => `<div id="v${i}">${sanitizeBody(vector)}</div>`).join('\n');
    const clean = await render(page);
    expect({ ...clean, requests: clean.requests.filter((u) => u.includes('xss.example')) }).toEqual({
      dialogs: [],
      pwned: false,
      requests: [],
    });
  }, 60_000);
});
