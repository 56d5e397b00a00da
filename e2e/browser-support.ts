/*
 * What a browser test of the console needs: the built SPA, a real platform on a random port with a
 * private database, and a headless Chromium driven by playwright-core. Every browser test uses these.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
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

  return {
    server,
    baseUrl,
    context,
    withPage,
    async close() {
      await context.close();
      await server.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
