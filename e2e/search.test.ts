/*
 * Browser test of the search console (issue #8, "Console"): the administrator finds documents in
 * 全局搜索 by a mistyped and a pinyin query, teaches search a colloquial term in 检索词典 and sees
 * a citizen's public search find the document through it, batch-withdraws a result (with a
 * refused item reported), turns a zero-result query from 检索日志 into a 百姓体 entry, and rebuilds the
 * index with a live progress bar. Real server, real database, real Chromium.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../packages/platform/src/kernel/testing.js';
import { cmsModule } from '../packages/platform/src/modules/cms/index.js';
import { identityModule } from '../packages/platform/src/modules/identity/index.js';
import { DEMO_PASSWORD, otpFor } from '../packages/platform/src/modules/identity/test-support.js';
import { searchModule } from '../packages/platform/src/modules/search/index.js';
import { createKnownDocuments, settle } from '../packages/platform/src/modules/search/test-support.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';
import {
  type BrowserTestBed,
  buildConsole,
  CHROMIUM,
  hasChromium,
  menuItem,
  sideMenu,
  startBrowserTestBed,
} from './browser-support.js';

if (!hasChromium) {
  console.warn(`e2e/search.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`);
}

/** A draft beside the published 居住证办理指南: withdrawing both must refuse this one. */
/** Each test logs in afresh and walks several pages; on a busy two-core machine that takes a while. */
const TEST_MS = 180_000;

const DRAFT_TITLE = '居住证签注材料清单（征求意见稿）';

interface PublicAnswer {
  total: number;
  items: { id: string; title: string }[];
}

describe.skipIf(!hasChromium)('search console in a browser', () => {
  let bed: BrowserTestBed;
  /** fixture key → document id (search/fixtures.ts) */
  const ids = new Map<string, string>();
  let draftId: string;
  /** The administrator's TOTP secret and the last time step the server accepted. */
  const otp = { secret: '', step: 0 };

  const currentStep = () => Math.floor(Date.now() / 30_000);

  /**
   * The server accepts the current and the next time step but never one twice; once both are
   * used the replay marker is cleared instead of waiting up to 30 s (replay refusal has its own test).
   */
  async function nextOtp(): Promise<string> {
    const now = currentStep();
    if (otp.step < now + 1) otp.step = Math.max(now, otp.step + 1);
    else {
      await bed.server.kernel.db
        .updateTable('identity_users')
        .set({ totp_last_step: null })
        .where('username', '=', 'admin')
        .execute();
      otp.step = now;
    }
    return otpFor(otp.secret, otp.step);
  }

  /** The administrator's first login enrols 2FA; the session then creates the test documents. */
  async function enrolAdmin(): Promise<Session> {
    const { app } = bed.server;
    const post = (extra: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'admin', password: DEMO_PASSWORD, ...extra },
      });
    const first = await post({});
    expect(first.statusCode).toBe(428);
    otp.secret = first.json().enrolment.secret;
    otp.step = currentStep();
    const res = await post({ otp: otpFor(otp.secret, otp.step), enrolSecret: otp.secret });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = res.cookies.find((c) => c.name === 'jiyue_csrf')?.value ?? res.json().csrfToken;
    return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf }, body: res.json() } as Session;
  }

  /** This run's own copy of the built console (see beforeAll). */
  let adminDist: string;

  beforeAll(async () => {
    // The server serves a private copy of the console: another test run rebuilding
    // packages/admin/dist meanwhile (new chunk names) would otherwise break this run's pages.
    buildConsole();
    adminDist = mkdtempSync(path.join(tmpdir(), 'jiyue-e2e-admin-'));
    cpSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages/admin/dist'), adminDist, {
      recursive: true,
    });
    expect(existsSync(path.join(adminDist, 'index.html'))).toBe(true);
    // Only the modules search depends on, in their platform order: the test exercises search, not the rest.
    bed = await startBrowserTestBed({
      modules: [settingsModule, identityModule, cmsModule, searchModule],
      adminDist,
      config: { adminPassword: DEMO_PASSWORD },
    });
    const admin = await enrolAdmin();
    // The labelled set's well-known documents (办事指南, 政策文件 …), created and published through
    // the cms API, plus one draft.
    await createKnownDocuments(bed.server, admin, ids);
    const channel = await bed.server.kernel.db
      .selectFrom('cms_documents')
      .select('channel_id')
      .where('id', '=', ids.get('jzz') as string)
      .executeTakeFirstOrThrow();
    const draft = await bed.server.app.inject({
      method: 'POST',
      url: '/api/cms/documents',
      headers: admin.headers,
      payload: { channelId: channel.channel_id, title: DRAFT_TITLE, bodyHtml: '<p>征求意见中。</p>' },
    });
    expect(draft.statusCode).toBe(201);
    draftId = draft.json().id;
    // Job workers and the event dispatcher do not run in tests: deliver and run them now (the
    // seeded index build, the cms events).
    await settle(bed.server);
    // Building the console (when sources changed) and creating ~40 documents on a busy machine.
  }, 300_000);

  afterAll(async () => {
    await bed?.close();
    if (adminDist) rmSync(adminDist, { recursive: true, force: true });
  });

  async function logIn(page: Page) {
    // Two cores shared with other test runs: give each step more than the bed's default 15 s.
    page.setDefaultTimeout(45_000);
    await page.goto(`${bed.baseUrl}/admin/`);
    // The first page of a cold Chromium on a busy two-core machine can take a while to start.
    await page.getByPlaceholder('账号').waitFor({ timeout: 60_000 });
    await page.getByPlaceholder('账号').fill('admin');
    await page.getByPlaceholder('口令').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByPlaceholder('6 位动态码').fill(await nextOtp());
    await page.getByRole('button', { name: /验\s*证/ }).click();
    await sideMenu(page).waitFor();
  }

  /** What a citizen's search answers (no session: the public API). */
  async function publicSearch(page: Page, q: string): Promise<PublicAnswer> {
    const res = await page.request.get(`${bed.baseUrl}/api/search?q=${encodeURIComponent(q)}`);
    expect(res.status()).toBe(200);
    return (await res.json()) as PublicAnswer;
  }

  async function globalSearch(page: Page, q: string) {
    await page.getByLabel('检索词', { exact: true }).fill(q);
    const answered = page.waitForResponse(
      (r) => r.url().includes('/api/search/global?') && new URL(r.url()).searchParams.get('q') === q,
    );
    await page.getByRole('button', { name: /搜\s*索/ }).click();
    expect((await answered).status()).toBe(200);
  }

  const resultRow = (page: Page, title: string) =>
    page.getByRole('table', { name: '搜索结果' }).getByRole('row').filter({ hasText: title });

  it(
    '全局搜索 suggests while typing, corrects a typo and understands pinyin',
    () =>
      bed.withPage('search-global', async (page) => {
        await logIn(page);
        await menuItem(page, '全局搜索').click();
        await page.waitForURL(/\/admin\/search\/global/);

        // 智能提示: initials offer the full words.
        await page.getByLabel('检索词', { exact: true }).fill('yyzz');
        // (rc-select also renders a hidden copy of the options for screen readers: match the shown ones.)
        await page
          .locator('.ant-select-dropdown:visible .ant-select-item-option-content', { hasText: '营业执照' })
          .first()
          .waitFor();
        await page.keyboard.press('Escape');

        // 智能纠错: 营业执招 is searched as 营业执照, and the page says so.
        await globalSearch(page, '营业执招');
        const note = page.getByRole('alert').filter({ hasText: '您是不是要找' });
        await note.getByText('营业执照', { exact: true }).waitFor();
        const row = resultRow(page, '营业执照办理指南（企业开办）');
        await row.getByText('已发布').waitFor();
        // The match is highlighted, and the title opens the document in the editor.
        await row.locator('mark', { hasText: '营业执照' }).first().waitFor();
        await row.getByRole('link', { name: '营业执照办理指南（企业开办）' }).click();
        await page.waitForURL(new RegExp(`/admin/cms/documents/${ids.get('yyzz')}$`));
        await page.goBack();

        // 拼音转化: a query typed in pinyin finds 住房公积金提取办事指南.
        await globalSearch(page, 'gongjijin tiqu');
        await resultRow(page, '住房公积金提取办事指南').waitFor();

        // Unpublished documents are found too, with their state.
        await globalSearch(page, '居住证');
        await resultRow(page, DRAFT_TITLE).getByText('草稿').waitFor();

        // 栏目分类 and the order (相关度 / 添加时间) go to the server with the query.
        const byCategory = page.waitForResponse(
          (r) => r.url().includes('/api/search/global?') && new URL(r.url()).searchParams.has('category'),
        );
        // (By keyboard: the suggestion list of the search box may still be fading out.)
        await page.getByLabel('栏目分类').click();
        await page.keyboard.press('Enter');
        expect((await byCategory).status()).toBe(200);
        const newest = page.waitForResponse(
          (r) => r.url().includes('/api/search/global?') && new URL(r.url()).searchParams.get('sort') === 'newest',
        );
        await page.getByLabel('排序').click();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        expect((await newest).status()).toBe(200);
      }),
    TEST_MS,
  );

  it(
    'a 百姓体 entry added in 检索词典 lets the public search find the document by the colloquial term',
    () =>
      bed.withPage('search-dictionary', async (page) => {
        const target = '不动产登记办事指南';
        const before = await publicSearch(page, '领红本');
        expect(before.items.map((i) => i.title)).not.toContain(target);

        await logIn(page);
        await menuItem(page, '检索词典').click();
        await page.getByRole('tab', { name: '百姓体' }).waitFor();
        await page.getByRole('button', { name: '添加百姓体' }).click();
        const dialog = page.getByRole('dialog').filter({ hasText: '添加百姓体' });
        await dialog.getByLabel('口语词').fill('领红本');
        await dialog.getByLabel('规范用语').fill('不动产登记');
        await page.keyboard.press('Enter');
        await dialog.locator('.ant-select-selection-item', { hasText: '不动产登记' }).waitFor();
        await dialog.getByRole('button', { name: /保\s*存/ }).click();
        await page.getByText('词条已添加').waitFor();

        await page.getByLabel('搜索百姓体').fill('领红本');
        await page.getByLabel('搜索百姓体').press('Enter');
        const row = page.getByRole('table', { name: '百姓体列表' }).getByRole('row').filter({ hasText: '领红本' });
        await row.getByText('不动产登记', { exact: true }).waitFor();

        // The citizen's side: the API and the public search page now find it.
        const after = await publicSearch(page, '领红本');
        expect(after.items.map((i) => i.title)).toContain(target);
        await page.goto(`${bed.baseUrl}/search?q=${encodeURIComponent('领红本')}`);
        await page.getByRole('link', { name: target }).first().waitFor();
      }),
    TEST_MS,
  );

  it(
    'batch 撤稿 from the results withdraws the published one and reports the refused draft',
    () =>
      bed.withPage('search-batch', async (page) => {
        const published = '居住证办理指南';
        expect((await publicSearch(page, published)).items.map((i) => i.title)).toContain(published);

        await logIn(page);
        await menuItem(page, '全局搜索').click();
        await globalSearch(page, '居住证');
        await resultRow(page, published).getByRole('checkbox').check();
        await resultRow(page, DRAFT_TITLE).getByRole('checkbox').check();
        await page.getByText('已选 2 条').waitFor();
        await page.getByRole('button', { name: /撤\s*稿/ }).click();
        await page
          .getByRole('dialog')
          .filter({ hasText: '撤稿选中的 2 条信息？' })
          .getByRole('button', { name: /确\s*定/ })
          .click();
        await page.getByText('已撤稿 1 条信息').waitFor();
        // The draft was refused: the summary names it and says why; it stays ticked.
        const refused = page.getByRole('dialog').filter({ hasText: '1 条信息未能撤稿' });
        await refused.getByText(DRAFT_TITLE).waitFor();
        await refused.getByText(/未发布/).waitFor();
        await refused.getByRole('button').last().click();
        await page.getByText('已选 1 条').waitFor();
        await resultRow(page, published).getByText('已撤稿').waitFor();

        const { db } = bed.server.kernel;
        const states = await db
          .selectFrom('cms_documents')
          .select(['id', 'state'])
          .where('id', 'in', [ids.get('jzz') as string, draftId])
          .execute();
        expect(Object.fromEntries(states.map((s) => [s.id, s.state]))).toEqual({
          [ids.get('jzz') as string]: 'withdrawn',
          [draftId]: 'draft',
        });
        // Citizens no longer find it.
        expect((await publicSearch(page, published)).items.map((i) => i.title)).not.toContain(published);
      }),
    TEST_MS,
  );

  it(
    '检索日志 charts the searches and turns a zero-result query into a 百姓体 entry; 索引维护 rebuilds with progress',
    () =>
      bed.withPage('search-log', async (page) => {
        const zero = await publicSearch(page, '红本本');
        expect(zero.total).toBe(0);

        await logIn(page);
        await menuItem(page, '检索日志').click();
        // ECharts draws the hot words and the daily volume on canvases.
        await page.locator('.ant-card').filter({ hasText: '热门检索词' }).locator('canvas').first().waitFor();
        await page.locator('.ant-card').filter({ hasText: '检索量趋势' }).locator('canvas').first().waitFor();
        await page
          .getByRole('table', { name: '检索记录' })
          .getByRole('row')
          .filter({ hasText: '红本本' })
          .first()
          .waitFor();

        const zeroRow = page
          .getByRole('table', { name: '无结果检索词' })
          .getByRole('row')
          .filter({ hasText: '红本本' });
        await zeroRow.getByText('加入词典').click();
        await page.getByRole('menuitem', { name: '添加为百姓体…' }).click();
        const dialog = page.getByRole('dialog').filter({ hasText: '添加百姓体' });
        await expect.poll(() => dialog.getByLabel('口语词').inputValue()).toBe('红本本');
        await dialog.getByLabel('规范用语').fill('不动产权证书');
        await page.keyboard.press('Enter');
        await dialog.locator('.ant-select-selection-item', { hasText: '不动产权证书' }).waitFor();
        await dialog.getByRole('button', { name: /保\s*存/ }).click();
        await page.getByText('词条已添加').waitFor();
        const found = await publicSearch(page, '红本本');
        expect(found.items.map((i) => i.title)).toContain('不动产登记办事指南');

        // 索引维护: the rebuild is a job; its progress bar follows it to the end.
        await page.getByRole('button', { name: '索引维护' }).click();
        const panel = page.getByRole('dialog').filter({ hasText: '索引维护' });
        await panel.getByRole('button', { name: '重建索引' }).click();
        await page
          .getByRole('dialog')
          .filter({ hasText: '重建检索索引？' })
          .getByRole('button', { name: /确\s*定/ })
          .click();
        const progress = panel.getByRole('region', { name: '重建进度' });
        await progress.getByText(/排队中|重建中/).waitFor();
        await panel.getByRole('button', { name: /正在重建/ }).waitFor();
        // The test bed starts no job workers: run the queued rebuild as a worker would.
        await bed.server.kernel.jobs.runUntilIdle();
        await progress.getByText(/已完成/).waitFor();
        await expect.poll(() => progress.locator('[aria-valuenow]').getAttribute('aria-valuenow')).toBe('100');
        await panel.getByRole('button', { name: '重建索引' }).waitFor();
      }),
    TEST_MS,
  );
});
