/*
 * What a browser test of the console needs: the built SPA, a real platform on a random port with a
 * private database, and a headless Chromium driven by playwright-core. Every browser test uses these.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret, TOTP } from 'otpauth';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { type CreateTestAppOptions, createTestApp, type TestApp } from '../packages/platform/src/kernel/testing.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds packages/admin/dist when it is missing or older than its sources (same rule as npm start). */
export function buildConsole(): void {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-admin-if-needed.mjs'), '--strict'], {
    cwd: ROOT,
    encoding: 'utf8',
    // Vitest sets NODE_ENV=test, which would make Vite emit a development build; the server must
    // serve what operators get.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) throw new Error(`console build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface BrowserTestBed {
  server: TestApp;
  baseUrl: string;
  context: BrowserContext;
  close(): Promise<void>;
  /** Runs `fn` on a new page without cookies; on failure prints the API calls and keeps a screenshot. */
  withPage(name: string, fn: (page: Page) => Promise<void>): Promise<void>;
  /**
   * Logs in through the login form and returns once the console's side menu shows. An
   * administrator enrols 2FA at the first login (the secret is kept for this bed) and answers the
   * code step at later ones.
   */
  logIn(page: Page, username: string, password: string): Promise<void>;
  /** API calls with the page's own session, as another tab of the same user would make them. */
  sameSessionApi(page: Page): Promise<SessionApi>;
}

export interface SessionApi {
  post(path: string, data?: unknown): ReturnType<Page['request']['post']>;
  patch(path: string, data: unknown): ReturnType<Page['request']['patch']>;
  put(path: string, data: unknown): ReturnType<Page['request']['put']>;
  delete(path: string): ReturnType<Page['request']['delete']>;
}

/** The console's side menu. */
export const sideMenu = (page: Page): Locator => page.getByRole('menu', { name: '主菜单' });

/**
 * A side-menu entry by its exact text (an entry's accessible name also holds its icon's label, and
 * the 待办 badge is CSS generated content, so the text is the title alone).
 */
export const menuItem = (page: Page, title: string): Locator =>
  sideMenu(page)
    .getByRole('menuitem')
    .filter({ hasText: new RegExp(`^${title}$`) });

/**
 * A TOTP code `stepsAhead` periods from now: the server refuses a code of a step it has already
 * accepted (no replay) and accepts the next step's (window 1), so a later login uses a later step
 * instead of waiting 30 s.
 */
export function totpCode(secret: string, stepsAhead = 0): string {
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  return totp.generate({ timestamp: Date.now() + stepsAhead * 30_000 });
}

export async function startBrowserTestBed(options: CreateTestAppOptions): Promise<BrowserTestBed> {
  buildConsole();
  const server = await createTestApp(options);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'jiyue-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    locale: 'zh-CN',
    viewport: { width: 1440, height: 900 },
  });
  context.setDefaultTimeout(15_000);

  async function withPage(name: string, fn: (page: Page) => Promise<void>) {
    await context.clearCookies();
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('[browser]', error.message));
    const calls: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/'))
        calls.push(
          `${r.status()} ${r.request().method()} ${new URL(r.url()).pathname} ${r.request().postData() ?? ''}`,
        );
    });
    try {
      await fn(page);
    } catch (error) {
      console.error(`API calls of the failed test:\n  ${calls.join('\n  ')}`);
      const shot = path.join(tmpdir(), `jiyue-e2e-${name}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      console.error(`e2e failure screenshot: ${shot}`);
      throw error;
    } finally {
      await page.close();
    }
  }

  /** Per administrator: the enrolled secret and the last time step a code was sent for. */
  const otpSecrets = new Map<string, { secret: string; lastStep: number }>();
  const stepNow = () => Math.floor(Date.now() / 30_000);
  /** The earliest step the server still accepts from us: after the last one used, at most one ahead. */
  async function nextCode(enrolled: { secret: string; lastStep: number }) {
    while (enrolled.lastStep + 1 - stepNow() > 1) await new Promise((r) => setTimeout(r, 1_000));
    const ahead = Math.max(0, enrolled.lastStep + 1 - stepNow());
    enrolled.lastStep = stepNow() + ahead;
    return totpCode(enrolled.secret, ahead);
  }
  async function logIn(page: Page, username: string, password: string) {
    await page.goto(`${baseUrl}/admin/`);
    await page.getByPlaceholder('账号').fill(username);
    await page.getByPlaceholder('口令').fill(password);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    const secretText = page.getByTestId('otp-secret');
    const otpStep = page.getByPlaceholder('6 位动态码');
    await sideMenu(page).or(secretText).or(otpStep).first().waitFor();
    if (await secretText.isVisible()) {
      const secret = ((await secretText.textContent()) ?? '').trim();
      const enrolled = { secret, lastStep: stepNow() - 1 };
      otpSecrets.set(username, enrolled);
      await otpStep.fill(await nextCode(enrolled));
      await page.getByRole('button', { name: '完成绑定并登录' }).click();
    } else if (await otpStep.isVisible()) {
      const enrolled = otpSecrets.get(username);
      if (!enrolled) throw new Error(`${username} asks for a 2FA code but no secret was enrolled in this test`);
      await otpStep.fill(await nextCode(enrolled));
      await page.getByRole('button', { name: /验\s*证/ }).click();
    }
    await sideMenu(page).waitFor();
  }

  async function sameSessionApi(page: Page): Promise<SessionApi> {
    const csrf = (await context.cookies()).find((c) => c.name === 'jiyue_csrf')?.value ?? '';
    const headers = { 'x-csrf-token': csrf };
    const url = (p: string) => `${baseUrl}/api${p}`;
    return {
      post: (p, data = {}) => page.request.post(url(p), { headers, data }),
      patch: (p, data) => page.request.patch(url(p), { headers, data }),
      put: (p, data) => page.request.put(url(p), { headers, data }),
      delete: (p) => page.request.delete(url(p), { headers }),
    };
  }

  return {
    server,
    baseUrl,
    context,
    withPage,
    logIn,
    sameSessionApi,
    async close() {
      await context.close();
      await server.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
