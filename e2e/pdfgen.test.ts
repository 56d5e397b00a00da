/*
 * Browser test of 文书模板 (PDF 文档生成服务, issue #7 item 8): an administrator opens the seeded
 * 受理通知书, edits its HTML in the code editor, previews the PDF, saves a new version, sees it in
 * the version history and renders the template with business data. The PDFs the page shows are
 * read back with pdftotext. Real server, database, Chromium for the page and for the rendering.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModule } from '../packages/platform/src/modules/identity/index.js';
import { DEMO_PASSWORD } from '../packages/platform/src/modules/identity/test-support.js';
import { pdfgenModule } from '../packages/platform/src/modules/pdfgen/index.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';
import { type BrowserTestBed, CHROMIUM, hasChromium, menuItem, startBrowserTestBed } from './browser-support.js';

if (!hasChromium) {
  console.warn(`e2e/pdfgen.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`);
}

const marker = `控制台修改${Date.now().toString(36).slice(-5)}`;

/** The text of the PDF an iframe of the page shows (its blob: URL is fetched inside the page). */
async function framePdfText(page: Page): Promise<string> {
  const frame = page.getByTestId('pdf-frame').last();
  await frame.waitFor({ timeout: 90_000 });
  const src = await frame.getAttribute('src');
  expect(src).toMatch(/^blob:/);
  const base64 = await page.evaluate(async (url) => {
    const bytes = new Uint8Array(await (await fetch(url as string)).arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }, src);
  const pdf = Buffer.from(base64, 'base64');
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString().replace(/\s+/g, '');
}

describe.skipIf(!hasChromium)('文书模板 in the console', () => {
  let bed: BrowserTestBed;

  beforeAll(async () => {
    bed = await startBrowserTestBed({
      modules: [settingsModule, identityModule, pdfgenModule],
      config: { adminPassword: DEMO_PASSWORD },
    });
    // The console is rebuilt first when its sources changed: minutes on a busy 2-core machine.
  }, 600_000);

  afterAll(async () => {
    await bed?.close();
  });

  const logInAsAdmin = (page: Page) => bed.logIn(page, 'admin', DEMO_PASSWORD);

  it('edits 受理通知书, previews it, saves a version and renders it with data', async () => {
    await bed.withPage('pdfgen-edit', async (page) => {
      await logInAsAdmin(page);
      await page.goto(`${bed.baseUrl}/admin/seal/templates`);
      await menuItem(page, '文书模板').waitFor({ timeout: 60_000 }); // the menu entry the seed offered
      const row = page.getByRole('row').filter({ hasText: 'acceptance-notice' });
      await row.getByRole('button', { name: /编\s*辑/ }).click({ timeout: 60_000 });

      const drawer = page.locator('.ant-drawer').filter({ hasText: '编辑文书模板：受理通知书' });
      await drawer.getByText('当前第 1 版').waitFor({ timeout: 60_000 });
      // Edit in CodeMirror: the caret to the end, then text inserted as typed-in content.
      const editor = drawer.locator('[data-editor="liquid"] .cm-content');
      await editor.click();
      await page.keyboard.press('Control+End');
      await page.keyboard.insertText(`\n<p class="remark">${marker}</p>`);
      await expect.poll(() => editor.textContent()).toContain(marker);

      await drawer.getByRole('button', { name: /预\s*览/ }).click();
      const preview = await framePdfText(page);
      expect(preview).toContain('受理通知书');
      expect(preview).toContain(marker);
      expect(preview).toContain('新乡市牧野区红旗食品有限公司'); // the sample data

      await drawer.getByLabel('版本说明').fill('增加备注行');
      await drawer.getByRole('button', { name: /保存新版本/ }).click();
      await page.getByText('已保存为第 2 版').waitFor({ timeout: 60_000 });
      await drawer.getByText('当前第 2 版').waitFor();

      await drawer.getByRole('button', { name: /版本历史/ }).click();
      const versions = page.getByRole('table', { name: '版本列表' });
      await versions.getByRole('row').filter({ hasText: '增加备注行' }).waitFor();
      expect(await versions.getByRole('row').count()).toBe(3); // header + 2 versions
      // Esc closes the version history, then the editor (antd drawers close on Escape).
      await page.keyboard.press('Escape');
      await versions.waitFor({ state: 'hidden' });
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });

      // 生成 PDF with business data, as a business system would through the API.
      await row.getByText('第 2 版').waitFor();
      await row.getByRole('button', { name: /生成 PDF/ }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: '生成 PDF：受理通知书' });
      const data = dialog.locator('[data-editor="json"] .cm-content');
      await expect.poll(() => data.textContent()).toContain('新乡市牧野区红旗食品有限公司');
      // Replace the applicant in the JSON: select all, then insert the edited text.
      await data.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(
        JSON.stringify({
          number: '新审批受字〔2026〕第 0500 号',
          applicant: { name: '新乡市红旗区浏览器测试有限公司', phone: '0373-0000000' },
          item: '公共场所卫生许可',
          appliedOn: '2026-11-27',
          acceptedOn: '2026-11-28',
          promisedDays: 3,
          materials: [{ name: '卫生许可申请表', copies: 1 }],
          authority: '新乡市行政审批和政务信息管理局',
        }),
      );
      await dialog.getByRole('button', { name: /生\s*成/ }).click();
      const rendered = await framePdfText(page);
      expect(rendered).toContain('新乡市红旗区浏览器测试有限公司');
      expect(rendered).toContain('公共场所卫生许可');
      expect(rendered).toContain('2026年11月28日');
      expect(rendered).toContain(marker); // the saved version 2
    });
  }, 300_000);

  it('shows clearly when LibreOffice is not installed', async () => {
    process.env.JIYUE_SOFFICE = '';
    try {
      await bed.withPage('pdfgen-no-soffice', async (page) => {
        await logInAsAdmin(page);
        await page.goto(`${bed.baseUrl}/admin/seal/templates`);
        await page.getByText('服务器未安装 LibreOffice，Word 模板无法生成 PDF').waitFor({ timeout: 60_000 });
        await page.getByRole('tab', { name: 'Word 转 PDF' }).click();
        await page.getByTestId('libreoffice-missing').waitFor();
        expect(await page.getByRole('button', { name: /转换为 PDF/ }).isDisabled()).toBe(true);
      });
    } finally {
      delete process.env.JIYUE_SOFFICE;
    }
  }, 180_000);
});
