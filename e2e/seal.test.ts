/*
 * Browser test of the electronic seal service (issue #7, "Done when"): an administrator generates a
 * round seal image for 新乡市行政审批和政务信息管理局, makes a key and issues its certificate from the
 * development CA, makes the seal and authorizes it to a user; that user drags the seal onto a page
 * in the 签章工作台, signs and downloads; the public verification page says the file is valid, and
 * the same file with one byte changed is invalid. 用章审批: a seal that requires approval is applied
 * for in 用章申请 and approved by the 用章审批人 in 我的任务. Real server, real database, real Chromium.
 *
 * The page the seal is dropped on has /Rotate 90, so the test also proves that a drop point on the
 * page as the reader sees it becomes the right place in PDF user space.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { degrees, PDFDocument, StandardFonts } from 'pdf-lib';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../packages/platform/src/modules/identity/test-support.js';
import { modules } from '../packages/platform/src/modules/index.js';
import { type BrowserTestBed, CHROMIUM, hasChromium, startBrowserTestBed } from './browser-support.js';

if (!hasChromium) {
  console.warn(`e2e/seal.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`);
}

const UNIT = '新乡市行政审批和政务信息管理局';
const unique = Date.now().toString(36).slice(-5);
const IMAGE_NAME = `行政审批局公章印模-${unique}`;
const KEY_NAME = `行政审批局签章密钥-${unique}`;
const SEAL_NAME = `行政审批局公章-${unique}`;
const SIGNER = 'jyj_editor';
/** The document's title, which the altered copy changes by one byte. */
const MARKER = 'Approval notice 2026-118';

/** Two A4 pages; the second one is /Rotate 90 (shown landscape). */
async function documentToSign(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(MARKER);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const rotate of [0, 90]) {
    const page = doc.addPage([595.28, 841.89]);
    page.setRotation(degrees(rotate));
    page.drawText(rotate ? 'Page 2 (rotated)' : 'Xinxiang administrative approval bureau', {
      x: 72,
      y: 700,
      size: 16,
      font,
    });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function totpCode(secret: string, stepsAhead = 0): string {
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  return totp.generate({ timestamp: Date.now() + stepsAhead * 30_000 });
}

describe.skipIf(!hasChromium)('electronic seal service in a browser', () => {
  let bed: BrowserTestBed;
  let adminSecret: string | null = null;
  let original: Buffer;
  let signedPath: string;

  beforeAll(async () => {
    bed = await startBrowserTestBed({ modules, config: { adminPassword: DEMO_PASSWORD } });
    original = await documentToSign();
    // Building the console and booting every module can take minutes on a loaded two-core box.
  }, 300_000);

  afterAll(async () => {
    await bed?.close();
  });

  const sideMenu = (page: Page) => page.getByRole('menu', { name: '主菜单' });
  const menuItem = (page: Page, name: string) =>
    sideMenu(page)
      .getByRole('menuitem')
      .filter({ hasText: new RegExp(`^${name}$`) });

  /** Password, then (for the administrator) 2FA enrolment on the first login and a TOTP code later. */
  async function logIn(page: Page, username: string) {
    await page.goto(`${bed.baseUrl}/admin/`);
    await page.getByPlaceholder('账号').fill(username);
    await page.getByPlaceholder('口令').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    const secret = page.getByTestId('otp-secret');
    const otpStep = page.getByPlaceholder('6 位动态码');
    await sideMenu(page).or(secret).or(otpStep).first().waitFor();
    if (await secret.isVisible()) {
      adminSecret = ((await secret.textContent()) ?? '').trim();
      await otpStep.fill(totpCode(adminSecret));
      await page.getByRole('button', { name: '完成绑定并登录' }).click();
    } else if (await otpStep.isVisible()) {
      if (!adminSecret) throw new Error(`${username} asks for a 2FA code but no secret was enrolled`);
      await otpStep.fill(totpCode(adminSecret, 1));
      await page.getByRole('button', { name: /验\s*证/ }).click();
    }
    await sideMenu(page).waitFor();
  }

  async function openPage(page: Page, title: string) {
    await menuItem(page, title).click();
    await page.getByRole('heading', { name: title, level: 5 }).waitFor();
  }

  /**
   * Picks an option of an antd Select by its form label, typing `search` first. Options re-render
   * while the list filters (or loads from the server), so a click may hit a replaced node: the pick
   * counts only once the closed select shows the option.
   */
  async function choose(page: Page, scope: Locator, label: string, search: string, option: string | RegExp = search) {
    const input = scope.getByLabel(label, { exact: true });
    // `has` is resolved inside each .ant-select, so it takes a page-relative locator.
    const select = scope.locator('.ant-select').filter({ has: page.getByLabel(label, { exact: true }) });
    for (let attempt = 1; ; attempt++) {
      try {
        await input.click();
        await input.fill(search);
        await page
          .locator('.ant-select-dropdown:visible .ant-select-item-option')
          .filter({ hasText: option })
          .first()
          .click({ timeout: 5_000 });
        await select.filter({ hasText: option }).waitFor({ timeout: 3_000 });
        return;
      } catch (error) {
        // No Escape between attempts: it would close the dialog the select sits in.
        if (attempt === 3) throw error;
      }
    }
  }

  const dialog = (page: Page, title: string) => page.getByRole('dialog').filter({ hasText: title });
  const row = (page: Page, text: string) => page.getByRole('row').filter({ hasText: text });

  it('an administrator generates the seal image, issues the certificate, makes the seal and authorizes a user', () =>
    bed.withPage('seal-admin', async (page) => {
      await logIn(page, 'admin');

      // 印模管理: a round 公章 generated by the engine, with the live preview at true size.
      await openPage(page, '印模管理');
      await page.getByRole('button', { name: '生成印模' }).click();
      const generate = dialog(page, '生成印模');
      await generate.getByLabel('单位名称').fill(UNIT);
      await generate.getByLabel('印模名称').fill(IMAGE_NAME);
      // The live preview is the engine's own drawing, shown at true size (42 mm).
      const preview = generate.getByTestId('true-size-seal');
      await preview.waitFor();
      await expect
        .poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);
      // 42 mm in CSS pixels (96 per inch).
      expect(await preview.evaluate((img) => img.getBoundingClientRect().width)).toBeCloseTo((42 / 25.4) * 96, 1);
      await generate.getByRole('button', { name: /生\s*成/ }).click();
      await generate.waitFor({ state: 'hidden' });
      const imageRow = row(page, IMAGE_NAME);
      await imageRow.filter({ hasText: '42 × 42 mm' }).waitFor();
      await imageRow.filter({ hasText: '透明' }).waitFor();

      // 密钥与证书: an SM2 key first, then its certificate from the development CA.
      await openPage(page, '密钥与证书');
      await page.getByRole('button', { name: '生成密钥' }).click();
      const keygen = dialog(page, '生成密钥');
      await keygen.getByLabel('密钥名称').fill(KEY_NAME);
      await keygen.getByRole('checkbox', { name: '同时由开发测试 CA 签发证书' }).uncheck();
      await keygen.getByRole('button', { name: /生\s*成/ }).click();
      await keygen.waitFor({ state: 'hidden' });
      const keyRow = row(page, KEY_NAME);
      await keyRow.filter({ hasText: '未签发证书' }).waitFor();
      await keyRow.getByRole('button', { name: '签发证书' }).click();
      const issue = dialog(page, `签发证书：${KEY_NAME}`);
      await issue.getByLabel('证书主题名称（CN）').fill(UNIT);
      await issue.getByRole('button', { name: /签\s*发/ }).click();
      await issue.waitFor({ state: 'hidden' });
      await keyRow.filter({ hasText: UNIT }).filter({ hasText: '开发CA' }).filter({ hasText: '有效' }).waitFor();

      // 印章管理: the seal from that image and key.
      await openPage(page, '印章管理');
      await page.getByRole('button', { name: '制作印章' }).click();
      const make = dialog(page, '制作印章');
      await make.getByLabel('印章名称').fill(SEAL_NAME);
      await choose(page, make, '印模', IMAGE_NAME);
      await choose(page, make, '密钥与证书', KEY_NAME);
      await make.getByRole('button', { name: /保\s*存/ }).click();
      await make.waitFor({ state: 'hidden' });
      await row(page, SEAL_NAME).filter({ hasText: '公章' }).filter({ hasText: '启用' }).waitFor();

      // 用章授权: to one user, at most 5 uses.
      await openPage(page, '用章授权');
      await page.getByRole('button', { name: '新增授权' }).click();
      const grant = dialog(page, '新增用章授权');
      await choose(page, grant, '印章', SEAL_NAME);
      await choose(page, grant, '选择用户', SIGNER, new RegExp(`（${SIGNER}[，）]`));
      await grant.getByRole('radio', { name: '限定次数' }).check();
      await grant.getByLabel('最多可用次数').fill('5');
      await grant.getByRole('button', { name: /授\s*权/ }).click();
      await grant.waitFor({ state: 'hidden' });
      await row(page, SEAL_NAME).filter({ hasText: '剩余 5 次' }).filter({ hasText: '有效' }).waitFor();
    }));

  it('the authorized user drags the seal onto a rotated page, signs and downloads', () =>
    bed.withPage('seal-workbench', async (page) => {
      await logIn(page, SIGNER);
      await openPage(page, '签章工作台');
      await choose(page, page.locator('main'), '印章', SEAL_NAME, new RegExp(SEAL_NAME));
      await page.locator('input[type=file]').setInputFiles({
        name: '行政审批通知.pdf',
        mimeType: 'application/pdf',
        buffer: original,
      });
      await page.getByTestId('loaded-file').filter({ hasText: '2 页' }).waitFor();

      // Page 2 (/Rotate 90) shown landscape: 841.89 × 595.28 pt at 100 %.
      await page.getByRole('button', { name: '下一页' }).click();
      const surface = page.locator('[data-testid="placer-page"][data-page="2"][data-ready="true"]');
      await surface.waitFor();
      expect(await page.getByTestId('placer-zoom').textContent()).toBe('100%');
      const box = await surface.boundingBox();
      expect(box?.width).toBeCloseTo(841.89, 0);
      expect(box?.height).toBeCloseTo(595.28, 0);

      const palette = page.getByTestId('seal-palette-image');
      await palette.waitFor();
      const from = await palette.boundingBox();
      if (!box || !from) throw new Error('the page or the seal has no box');
      // Drop the seal's centre 200 pt right of and 150 pt below the displayed page's top-left corner.
      const target = { x: box.x + 200, y: box.y + 150 };
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(target.x, target.y, { steps: 12 });
      await page.mouse.up();
      await page.getByTestId('placed-seal').waitFor();
      // 200 pt = 70.6 mm, 150 pt = 52.9 mm, the numbers the request carries.
      await expect.poll(() => page.getByLabel('印章中心 X（毫米）').inputValue()).toBe('70.6');
      expect(await page.getByLabel('印章中心 Y（毫米）').inputValue()).toBe('52.9');
      expect(await page.getByLabel('盖章页码').inputValue()).toBe('2');
      // The seal is drawn true to the page: 42 mm = 119.06 pt at 100 %.
      const placed = await page.getByTestId('placed-seal').boundingBox();
      expect(placed?.width).toBeCloseTo((42 / 25.4) * 72, 0);

      await page.getByRole('button', { name: /签\s*章$/ }).click();
      await page.locator('.ant-result-title', { hasText: '签章成功' }).waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: '下载签章文件' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/-signed\.pdf$/);
      signedPath = path.join(tmpdir(), `jiyue-e2e-signed-${unique}.pdf`);
      await download.saveAs(signedPath);
      const signed = readFileSync(signedPath);
      expect(signed.subarray(0, original.length).equals(original)).toBe(true);

      // The widget sits where the seal was dropped: displayed (200, 150) on a /Rotate 90 page is user
      // space (150, 200) — the rectangle's centre, within the 0.1 mm the request is rounded to.
      const update = signed.subarray(original.length).toString('latin1');
      const rects = [...update.matchAll(/\/Rect\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]/g)].map((m) =>
        m.slice(1, 5).map(Number),
      );
      const widget = rects.find(([x0 = 0, , x1 = 0]) => x1 - x0 > 50);
      if (!widget) throw new Error(`no seal widget in the signed update: ${JSON.stringify(rects)}`);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = widget;
      expect((x0 + x1) / 2).toBeCloseTo(150, 0);
      expect((y0 + y1) / 2).toBeCloseTo(200, 0);

      // The record and the remaining count follow.
      await openPage(page, '签章记录');
      await row(page, '行政审批通知').filter({ hasText: SEAL_NAME }).waitFor();
      await openPage(page, '签章工作台');
      await choose(page, page.locator('main'), '印章', SEAL_NAME, new RegExp(SEAL_NAME));
      await page.getByText('剩余 4 次').waitFor();
    }));

  it('批量签章: two files, one rule; live progress, the broken one fails with its reason, zip download', () =>
    bed.withPage('seal-batch', async (page) => {
      await logIn(page, SIGNER);
      await openPage(page, '签章工作台');
      await page.getByRole('tab', { name: '批量签章' }).click();
      await choose(page, page.locator('main'), '印章', SEAL_NAME, new RegExp(SEAL_NAME));
      await page.locator('input[type=file]').setInputFiles([
        { name: '批量通知一.pdf', mimeType: 'application/pdf', buffer: original },
        { name: '损坏的文件.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\nnot really a pdf') },
      ]);
      await page.getByTestId('batch-files').getByText('损坏的文件.pdf').waitFor();
      await page.getByLabel('盖章页码').fill('1');
      await page.getByLabel('印章中心 X（毫米）').fill('150');
      await page.getByLabel('印章中心 Y（毫米）').fill('240');
      await page.getByRole('button', { name: '开始批量签章' }).click();
      await page.getByTestId('batch-summary').waitFor();
      // The test bed runs no job worker: run the queued batch job now; the page's polling sees the end.
      await bed.server.kernel.jobs.runUntilIdle();
      await page.getByTestId('batch-summary').filter({ hasText: '签章完成：成功 1 个，失败 1 个' }).waitFor();
      const results = page.getByTestId('batch-results');
      await results.getByText('批量通知一.pdf').waitFor();
      expect(await results.locator('.ant-list-item').filter({ hasText: '损坏的文件.pdf' }).textContent()).toMatch(
        /失败.*[\u4e00-\u9fa5]/,
      );
      const [zip] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: /全部下载/ }).click(),
      ]);
      expect(zip.suggestedFilename()).toBe('signed.zip');
      const zipPath = path.join(tmpdir(), `jiyue-e2e-batch-${unique}.zip`);
      await zip.saveAs(zipPath);
      const bytes = readFileSync(zipPath);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
      expect(bytes.includes(Buffer.from('-signed.pdf'))).toBe(true);
    }));

  it('the public verification page shows the signed file valid and a one-byte change invalid', () =>
    bed.withPage('seal-verify', async (page) => {
      const signed = readFileSync(signedPath);
      await page.goto(`${bed.baseUrl}/verify`);
      await page.getByLabel('选择要验证的文件（PDF 或 OFD）').setInputFiles(signedPath);
      await page.getByRole('button', { name: '开始验证' }).click();
      const verdict = page.getByRole('article').filter({ hasText: SEAL_NAME });
      await verdict.getByText('✔ 有效').waitFor();
      await verdict.getByText(UNIT).first().waitFor();

      // One byte inside the signed bytes: the title "…2026-118" becomes "…2026-119". pdf-lib writes it
      // as a UTF-16BE hex string (uncompressed, in the Info dictionary), so the byte is the last hex
      // digit of "8" (0038 → 0039).
      const utf16 = Buffer.from(`\ufeff${MARKER}`, 'utf16le').swap16().toString('hex');
      const at = [utf16.toUpperCase(), utf16].map((h) => signed.indexOf(Buffer.from(h, 'latin1'))).find((i) => i > 0);
      if (at === undefined) throw new Error('the title is not in the signed file as a hex string');
      const altered = Buffer.from(signed);
      altered[at + utf16.length - 1] = '9'.charCodeAt(0);
      expect(altered.filter((b, i) => b !== signed[i]).length).toBe(1);
      await page.goto(`${bed.baseUrl}/verify`);
      await page.getByLabel('选择要验证的文件（PDF 或 OFD）').setInputFiles({
        name: '行政审批通知-signed.pdf',
        mimeType: 'application/pdf',
        buffer: altered,
      });
      await page.getByRole('button', { name: '开始验证' }).click();
      await page.getByRole('article').getByText('✘ 无效').first().waitFor();
      expect(await page.getByText('✔ 有效').count()).toBe(0);
    }));

  it('the console verification page explains the same result to a logged-in user', () =>
    bed.withPage('seal-console-verify', async (page) => {
      await logIn(page, SIGNER);
      await openPage(page, '签章验证');
      await page.locator('input[type=file]').setInputFiles(signedPath);
      await page.getByText('验证通过：文件签章有效').waitFor();
      await page.getByText(SEAL_NAME).first().waitFor();
    }));

  it('用章审批: the user applies for a seal that requires approval, the 用章审批人 approves in 我的任务', async () => {
    const APPROVAL_SEAL = `教育局审批用章-${unique}`;
    const APPROVER = 'jyj_reviewer';
    // Fixtures straight in the database (the steps above already drove these screens): a second seal
    // of 市教育局 from the same image and key, and the role 用章审批人 (seal_keeper) there.
    const db = bed.server.kernel.db;
    const org = await db
      .selectFrom('identity_orgs')
      .select('id')
      .where('short_name', '=', '市教育局')
      .executeTakeFirstOrThrow();
    await sql`insert into seal_seals (name, type, org_id, image_id, key_id)
      select ${APPROVAL_SEAL}, type, ${org.id}, image_id, key_id from seal_seals where name = ${SEAL_NAME}`.execute(db);
    const role = await db
      .insertInto('identity_roles')
      .values({ code: 'seal_keeper', name: '用章审批人', permissions: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const approver = await db
      .selectFrom('identity_users')
      .select('id')
      .where('username', '=', APPROVER)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('identity_user_roles')
      .values({ user_id: approver.id, role_id: role.id, scope_org_id: org.id })
      .execute();

    await bed.withPage('seal-approval-admin', async (page) => {
      await logIn(page, 'admin');
      await openPage(page, '印章管理');
      await row(page, APPROVAL_SEAL).getByRole('button', { name: '编辑' }).click();
      const edit = dialog(page, `编辑印章：${APPROVAL_SEAL}`);
      await edit.getByRole('switch', { name: '需要审批' }).click();
      await edit.getByRole('button', { name: /保\s*存/ }).click();
      await edit.waitFor({ state: 'hidden' });
      await row(page, APPROVAL_SEAL).filter({ hasText: '需审批' }).waitFor();
    });

    await bed.withPage('seal-approval-apply', async (page) => {
      await logIn(page, SIGNER);
      await openPage(page, '用章申请');
      await page.getByRole('button', { name: '申请用章' }).click();
      const apply = dialog(page, '申请用章');
      await choose(page, apply, '印章', APPROVAL_SEAL, new RegExp(APPROVAL_SEAL));
      await apply.getByLabel('用章事由').fill('印发《关于2026年教师资格认定的通知》');
      await apply.getByLabel('申请次数').fill('3');
      await apply.getByRole('button', { name: '提交申请' }).click();
      await apply.waitFor({ state: 'hidden' });
      await row(page, APPROVAL_SEAL).filter({ hasText: '待审批' }).filter({ hasText: '3 次' }).waitFor();
    });

    await bed.withPage('seal-approval-approve', async (page) => {
      await logIn(page, APPROVER);
      await menuItem(page, '我的任务').click();
      const task = row(page, '用章审批').filter({ hasText: APPROVAL_SEAL });
      await task.getByRole('button', { name: /认\s*领/ }).click();
      await task.getByRole('button', { name: /办\s*理/ }).click();
      await page.waitForURL(/\/admin\/workflow\/tasks\/[0-9a-f-]{36}$/);
      // The request is in the task's title and variables: seal, applicant, reason.
      await page.getByText(`用章申请：${APPROVAL_SEAL}（教育局信息员）`).first().waitFor();
      await page.getByLabel('批示意见').fill('同意，限用三次');
      await page.getByRole('button', { name: /^同\s*意$/ }).click();
      await page.getByText('任务已办结').waitFor();
    });

    await bed.withPage('seal-approval-result', async (page) => {
      await logIn(page, SIGNER);
      await openPage(page, '用章申请');
      await row(page, APPROVAL_SEAL).filter({ hasText: '已批准' }).filter({ hasText: '同意，限用三次' }).waitFor();
      // The grant is usable at once: the workbench offers the seal with its three uses.
      await openPage(page, '签章工作台');
      await choose(page, page.locator('main'), '印章', APPROVAL_SEAL, new RegExp(APPROVAL_SEAL));
      await page.getByText('剩余 3 次').waitFor();
    });
  });
});
