/*
 * Browser test of the CMS console (issue #4, "Done when"): 市教育局's 信息员 writes a document with an
 * image and an attachment and submits it; the 审核员 approves it; it is published; the 信息员
 * cannot see or open 市卫健委's site. Real server, real database, real uploads, real Chromium.
 */
import { Secret, TOTP } from 'otpauth';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../packages/platform/src/modules/identity/test-support.js';
import { modules } from '../packages/platform/src/modules/index.js';
import {
  type BrowserTestBed,
  CHROMIUM,
  hasChromium,
  menuItem,
  sideMenu,
  startBrowserTestBed,
} from './browser-support.js';

if (!hasChromium) {
  console.warn(`e2e/cms.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`);
}

/** A 1×1 PNG: the upload is sniffed, so it must really be one. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
/** The smallest PDF a content sniffer recognises. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** What Word puts on the clipboard for one paragraph (trimmed from a real copy). */
const WORD_HTML = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{mso-style-parent:"";}</style></head>
<body><!--StartFragment--><p class=MsoNormal style='mso-margin-top-alt:auto;text-indent:2em;mso-char-indent-count:2.0'>
<span lang=EN-US style='font-family:仿宋_GB2312;mso-bidi-font-family:宋体'>各县（市、区）教育局：请按要求报送材料。</span><o:p></o:p></p><!--EndFragment--></body></html>`;

const title = `关于做好2026年秋季学期开学工作的通知-${Date.now().toString(36).slice(-5)}`;

describe.skipIf(!hasChromium)('CMS console in a browser', () => {
  let bed: BrowserTestBed;
  let jyjSite: { id: string; name: string };
  let wjwSite: { id: string; name: string };
  let documentId: string;

  beforeAll(async () => {
    bed = await startBrowserTestBed({ modules, config: { adminPassword: DEMO_PASSWORD } });
    const site = (code: string) =>
      bed.server.kernel.db
        .selectFrom('cms_sites')
        .select(['id', 'name'])
        .where('code', '=', code)
        .executeTakeFirstOrThrow() as Promise<{ id: string; name: string }>;
    jyjSite = await site('jyj');
    wjwSite = await site('wjw');
  });

  afterAll(async () => {
    await bed?.close();
  });

  /** Editors and reviewers have no 2FA, so a login is the password form only. */
  const logIn = (page: Page, username: string) => bed.logIn(page, username, DEMO_PASSWORD);
  const sameSessionApi = (page: Page) => bed.sameSessionApi(page);

  /**
   * Picks a node of an antd TreeSelect by typing its name into the search box first (the dropdown is
   * a virtual list: an option scrolled out of view is not in the DOM); a click can land on an option
   * being re-rendered, so it retries.
   */
  async function pickTreeOption(page: Page, select: Locator, option: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        await select.click();
        // fill, not type: a retry replaces the search text instead of appending to it.
        await select.fill(option);
        await page
          .locator('.ant-select-dropdown:visible')
          .getByTitle(option, { exact: true })
          .click({ timeout: 5_000 });
        await select.locator('xpath=ancestor::div[contains(@class,"ant-select")][1]').getByText(option).waitFor({
          timeout: 3_000,
        });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
        await page.keyboard.press('Escape');
      }
    }
  }

  async function channelOf(code: string) {
    return bed.server.kernel.db
      .selectFrom('cms_channels')
      .select('id')
      .where('site_id', '=', jyjSite.id)
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
  }

  /** Pastes HTML into the focused editor the way a browser does for a Ctrl+V from Word. */
  async function pasteHtml(editor: Locator, html: string) {
    await editor.evaluate((el, data) => {
      const transfer = new DataTransfer();
      transfer.setData('text/html', data);
      transfer.setData('text/plain', el.textContent ?? '');
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    }, html);
  }

  it('an editor writes a document with an image and an attachment and submits it for review', () =>
    bed.withPage('cms-editor', async (page) => {
      await logIn(page, 'jyj_editor');
      await menuItem(page, '信息管理').click();
      await page.getByRole('button', { name: '新建信息' }).click();
      await page.waitForURL(/\/admin\/cms\/documents\/new/);

      // 通知公告 has one-level review in the standard channel tree.
      await pickTreeOption(page, page.getByLabel('所属栏目', { exact: true }), '通知公告');
      await page.getByLabel('标题', { exact: true }).fill(title);
      await page.getByLabel('来源', { exact: true }).fill('市教育局');

      const editor = page.getByRole('textbox', { name: '正文' });
      await editor.click();
      await pasteHtml(editor, WORD_HTML);
      await editor.getByText('请按要求报送材料').waitFor();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('附件：报送材料模板。');

      // Image: uploaded to 文件资源 through the toolbar, then shown from the server.
      await page
        .getByTestId('editor-image-input')
        .setInputFiles({ name: '开学图片.png', mimeType: 'image/png', buffer: PNG });
      const image = editor.locator('img[src*="/api/cms/files/"]');
      await image.waitFor();
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);

      await page
        .getByTestId('attachment-input')
        .setInputFiles({ name: '报送材料模板.pdf', mimeType: 'application/pdf', buffer: PDF });
      await page.getByRole('link', { name: '报送材料模板.pdf' }).waitFor();

      // Word's markup was cleaned on paste: no mso-* styles, Mso classes or o:p left in the editor.
      const html = await editor.innerHTML();
      expect(html).not.toMatch(/mso-|MsoNormal|<o:p|lang=/i);

      await page.getByRole('button', { name: /保\s*存/ }).click();
      await page.waitForURL(/\/admin\/cms\/documents\/[0-9a-f-]{36}$/);
      documentId = page.url().split('/').pop() as string;
      await page.locator('.ant-tag', { hasText: '草稿' }).waitFor();

      await page.getByRole('button', { name: '提交审核' }).click();
      await page.getByText('已提交审核').waitFor();
      await page.locator('.ant-tag', { hasText: '待审核' }).waitFor();

      // What the server stored: the cleaned body with the uploaded image, the attachment, both tracked.
      const { db } = bed.server.kernel;
      const row = await db
        .selectFrom('cms_documents')
        .select(['state', 'body_html', 'attachments', 'channel_id', 'site_id'])
        .where('id', '=', documentId)
        .executeTakeFirstOrThrow();
      expect(row.state).toBe('pending');
      expect(row.site_id).toBe(jyjSite.id);
      expect(row.body_html).toContain('请按要求报送材料');
      expect(row.body_html).toMatch(/<img[^>]+src="\/api\/cms\/files\/[0-9a-f-]{36}\/content"/);
      expect(row.body_html).not.toMatch(/mso-|MsoNormal/i);
      expect(row.attachments).toHaveLength(1);
      const channel = await db
        .selectFrom('cms_channels')
        .select(['name', 'review_mode'])
        .where('id', '=', row.channel_id)
        .executeTakeFirstOrThrow();
      expect(channel).toEqual({ name: '通知公告', review_mode: 'one' });
      const refs = await db
        .selectFrom('file_references')
        .select('field')
        .where('owner_type', '=', 'cms.document')
        .where('owner_id', '=', documentId)
        .execute();
      expect(refs.length).toBeGreaterThanOrEqual(2);
    }));

  it('the reviewer approves it from the review inbox and it is published', () =>
    bed.withPage('cms-reviewer', async (page) => {
      expect(documentId).toBeDefined();
      await logIn(page, 'jyj_reviewer');
      // 工作门户 lists it under 待我审核.
      await menuItem(page, '工作门户').click();
      await page.locator('.ant-card').filter({ hasText: '待我审核' }).getByRole('link', { name: title }).waitFor();
      await menuItem(page, '审核').click();
      const row = page.getByRole('row').filter({ hasText: title });
      await row.waitFor();
      await row.getByRole('button', { name: /通\s*过/ }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: '审核通过' });
      await dialog.getByLabel('审核意见').fill('同意发布。');
      await dialog.getByRole('button', { name: /通\s*过/ }).click();
      await page.getByText('已审核通过').waitFor();
      await row.waitFor({ state: 'detached' });

      await menuItem(page, '信息管理').click();
      await page.getByRole('row').filter({ hasText: title }).filter({ hasText: '已发布' }).waitFor();

      const stored = await bed.server.kernel.db
        .selectFrom('cms_documents')
        .select('state')
        .where('id', '=', documentId)
        .executeTakeFirstOrThrow();
      expect(stored.state).toBe('published');
    }));

  it('the editor sees only its own department’s site and is refused another one typed into the URL', () =>
    bed.withPage('cms-scope', async (page) => {
      await logIn(page, 'jyj_editor');
      // 工作门户's search finds the published document by a word of its title.
      await menuItem(page, '工作门户').click();
      await page.getByLabel('搜索信息').fill('秋季学期');
      await page.getByRole('button', { name: /搜\s*索/ }).click();
      await page.locator('.ant-card').filter({ hasText: '的搜索结果' }).getByRole('link', { name: title }).waitFor();

      await menuItem(page, '站点管理').click();
      const sites = page.getByRole('table');
      await sites.getByRole('row').filter({ hasText: jyjSite.name }).waitFor();
      expect(await sites.getByRole('row').filter({ hasText: wjwSite.name }).count()).toBe(0);

      // The published document is the editor's too: it shows as 已发布 in the editor's list.
      await menuItem(page, '信息管理').click();
      await page.getByRole('row').filter({ hasText: title }).filter({ hasText: '已发布' }).waitFor();

      const answer = page.waitForResponse((r) => r.url().endsWith(`/api/cms/sites/${wjwSite.id}`));
      await page.goto(`${bed.baseUrl}/admin/cms/documents?siteId=${wjwSite.id}`);
      expect((await answer).status()).toBe(403);
      await page.getByText('无权访问').waitFor();
    }));

  it('a stale save shows both versions and lets the editor keep theirs; the history shows the change', () =>
    bed.withPage('cms-conflict', async (page) => {
      await logIn(page, 'jyj_editor');
      const { db } = bed.server.kernel;
      const channel = await channelOf('gzdt');
      const api = await sameSessionApi(page);
      const created = await api.post('/cms/documents', {
        channelId: channel.id,
        title: '全市教育系统安全生产工作会议召开',
        bodyHtml: '<p>会议要求。</p>',
      });
      expect(created.status()).toBe(201);
      const doc = (await created.json()) as { id: string; version: number };

      await page.goto(`${bed.baseUrl}/admin/cms/documents/${doc.id}`);
      const titleInput = page.getByLabel('标题', { exact: true });
      await expect.poll(() => titleInput.inputValue()).toBe('全市教育系统安全生产工作会议召开');

      const other = await api.patch(`/cms/documents/${doc.id}`, {
        version: doc.version,
        title: '全市教育系统安全生产工作会议（他人修改）',
      });
      expect(other.status()).toBe(200);

      await titleInput.fill('全市教育系统安全生产工作会议（我的修改）');
      await page.getByRole('button', { name: /保\s*存/ }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: '保存冲突' });
      await dialog.getByText('全市教育系统安全生产工作会议（他人修改）').waitFor();
      await dialog.getByText('全市教育系统安全生产工作会议（我的修改）').waitFor();
      await dialog.getByRole('button', { name: '保留我的版本（覆盖）' }).click();
      await page.getByText('已保存（覆盖了对方的修改）').waitFor();
      const stored = await db
        .selectFrom('cms_documents')
        .select(['title', 'version'])
        .where('id', '=', doc.id)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ title: '全市教育系统安全生产工作会议（我的修改）', version: doc.version + 2 });

      // 版本历史 compares the two newest versions: the other tab's title against mine.
      await page.getByRole('button', { name: '版本历史' }).click();
      const drawer = page.getByRole('dialog').filter({ hasText: '版本历史' });
      await drawer.locator('del', { hasText: '（他人修改）' }).waitFor();
      await drawer.locator('ins', { hasText: '（我的修改）' }).waitFor();
    }));

  it('the file manager knows which files are in use, deletes only unused ones; the recycle bin restores', () =>
    bed.withPage('cms-files', async (page) => {
      await logIn(page, 'jyj_editor');
      await menuItem(page, '文件资源').click();
      // The image of the first test is used by its document.
      const imageRow = page.getByRole('row').filter({ hasText: '开学图片.png' });
      await imageRow.getByText('1 处').click();
      await page.getByRole('dialog').getByRole('link', { name: title }).waitFor();
      await page.keyboard.press('Escape');

      await page.getByTestId('file-manager-input').setInputFiles({
        name: '会议议程.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('一、传达上级文件精神。二、部署近期工作。'),
      });
      await page.getByText('已上传 1 个文件').waitFor();
      const textRow = page.getByRole('row').filter({ hasText: '会议议程.txt' });
      await textRow.getByText('未引用').waitFor();

      // 图片处理 writes a new, resized file next to the original.
      await imageRow.getByRole('button', { name: '处理' }).click();
      const imageDialog = page.getByRole('dialog').filter({ hasText: '图片处理' });
      await imageDialog.getByLabel('宽度（像素）').fill('4');
      await imageDialog.getByLabel('新文件名').fill('开学图片-放大.png');
      await imageDialog.getByRole('button', { name: '生成新图片' }).click();
      await page.getByText('已生成新图片「开学图片-放大.png」').waitFor();
      await page.getByRole('row').filter({ hasText: '开学图片-放大.png' }).waitFor();

      await imageRow.getByRole('checkbox').check();
      const download = page.waitForEvent('download');
      // A link (GET), so the browser downloads the zip as the server streams it.
      await page.getByRole('link', { name: /打包下载/ }).click();
      const zip = await download;
      expect(zip.suggestedFilename()).toMatch(/\.zip$/);
      const zipBytes = await (await zip.createReadStream()).toArray();
      // A zip file starts with the local file header signature PK\x03\x04.
      expect(Buffer.concat(zipBytes).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

      await textRow.getByRole('checkbox').check();
      await page.getByRole('button', { name: '批量删除' }).click();
      const deleted = page.waitForResponse((r) => r.url().endsWith('/api/cms/files/batch-delete'));
      // Named by its question: the image dialog may still be fading out while the confirmation opens.
      await page
        .getByRole('dialog')
        .filter({ hasText: '删除选中的 2 个文件？' })
        .getByRole('button', { name: /确\s*定/ })
        .click();
      // The server's answer first, so a failure says whether the request or the page went wrong.
      const answer = await (await deleted).json();
      expect(answer.deleted).toHaveLength(1);
      expect(answer.referenced.map((r: { name: string }) => r.name)).toEqual(['开学图片.png']);
      await page.getByText('已删除 1 个；被引用未删除：开学图片.png').waitFor();
      await textRow.waitFor({ state: 'detached' });
      await imageRow.waitFor();

      // 信息管理 → 批量删除 puts a document in the recycle bin; 回收站 → 恢复 brings it back.
      const docTitle = '全市教育系统安全生产工作会议（我的修改）';
      await menuItem(page, '信息管理').click();
      await page.getByRole('row').filter({ hasText: docTitle }).getByRole('checkbox').check();
      await page.getByRole('button', { name: /批量操作/ }).click();
      await page.getByRole('menuitem', { name: '删除（移入回收站）' }).click();
      await page
        .getByRole('dialog')
        .filter({ hasText: '删除选中的 1 条信息？' })
        .getByRole('button', { name: /确\s*定/ })
        .click();
      await page.getByText('已删除 1 条信息').waitFor();
      await page.getByRole('row').filter({ hasText: docTitle }).waitFor({ state: 'detached' });

      await menuItem(page, '回收站').click();
      const binRow = page.getByRole('row').filter({ hasText: docTitle });
      await binRow.getByText('恢复', { exact: true }).click();
      await page.getByText('已恢复 1 条信息').waitFor();
      await binRow.waitFor({ state: 'detached' });
      const restored = await bed.server.kernel.db
        .selectFrom('cms_documents')
        .select(['deleted_at', 'state'])
        .where('title', '=', docTitle)
        .executeTakeFirstOrThrow();
      expect(restored).toEqual({ deleted_at: null, state: 'draft' });

      // A row's 更多 → 复制到… puts a copy (a new draft) into another channel.
      await menuItem(page, '信息管理').click();
      const rows = page.getByRole('row').filter({ hasText: docTitle });
      await rows.getByText('更多').click();
      await page.getByRole('menuitem', { name: '复制到…' }).click();
      const copyDialog = page.getByRole('dialog').filter({ hasText: '复制到栏目' });
      await pickTreeOption(page, copyDialog.getByLabel('目标栏目', { exact: true }), '部门动态');
      await copyDialog.getByRole('button', { name: /确\s*定/ }).click();
      await page.getByText('已复制', { exact: true }).waitFor();
      await rows.filter({ hasText: '部门动态' }).waitFor();
      await expect.poll(() => rows.count()).toBe(2);
    }));

  it('a department administrator moves a channel by drag and drop and edits its settings', () =>
    bed.withPage('cms-channels', async (page) => {
      await logIn(page, 'jyj_admin');
      await menuItem(page, '栏目管理').click();
      const tree = page.getByRole('tree', { name: '栏目树' });
      const node = (name: string) => tree.locator('.ant-tree-treenode').filter({ hasText: new RegExp(`^${name}$`) });
      const { db } = bed.server.kernel;
      const channelId = async (code: string) =>
        (await db
          .selectFrom('cms_channels')
          .select(['id', 'parent_id'])
          .where('site_id', '=', jyjSite.id)
          .where('code', '=', code)
          .executeTakeFirstOrThrow()) as { id: string; parent_id: string | null };

      // 图片新闻 (under 新闻动态) dropped onto 互动交流 becomes its child.
      await node('图片新闻').dragTo(node('互动交流'));
      await page.getByText('栏目已移动').waitFor();
      await expect.poll(async () => (await channelId('tpxw')).parent_id).toBe((await channelId('hdjl')).id);

      // The detail form saves the channel's settings.
      await node('工作动态').click();
      await page.getByLabel('更新周期（天）').fill('7');
      await page.getByRole('button', { name: /保\s*存/ }).click();
      await page.getByText('栏目已保存').waitFor();
      const saved = await db
        .selectFrom('cms_channels')
        .select('update_cycle_days')
        .where('id', '=', (await channelId('gzdt')).id)
        .executeTakeFirstOrThrow();
      expect(saved.update_cycle_days).toBe(7);
    }));

  it('a reviewer sends a document back with a reason, which the author sees on the document', () =>
    bed.withPage('cms-reject', async (page) => {
      const rejectedTitle = '关于开展校园食品安全专项检查的通知';
      await logIn(page, 'jyj_editor');
      const api = await sameSessionApi(page);
      const created = await api.post('/cms/documents', {
        channelId: (await channelOf('tzgg')).id,
        title: rejectedTitle,
        bodyHtml: '<p>各学校：</p>',
      });
      const { id } = (await created.json()) as { id: string };
      expect((await api.post(`/cms/documents/${id}/submit`)).status()).toBe(200);

      await page.context().clearCookies();
      await logIn(page, 'jyj_reviewer');
      await menuItem(page, '审核').click();
      await page
        .getByRole('row')
        .filter({ hasText: rejectedTitle })
        .getByRole('button', { name: /退\s*回/ })
        .click();
      const dialog = page.getByRole('dialog').filter({ hasText: '退回修改' });
      // The reason is required. A click during the dialog's opening animation can be lost on a
      // busy machine, so it is repeated until the form answers.
      for (let attempt = 1; ; attempt++) {
        await dialog.getByRole('button', { name: /退\s*回/ }).click();
        try {
          await dialog.getByText('请填写退回原因，作者将看到它').waitFor({ timeout: 5_000 });
          break;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
      await dialog.getByLabel('退回原因').fill('请补充检查时间安排和联系人。');
      await dialog.getByRole('button', { name: /退\s*回/ }).click();
      await page.getByText('已退回给作者').waitFor();

      await page.context().clearCookies();
      await logIn(page, 'jyj_editor');
      await page.goto(`${bed.baseUrl}/admin/cms/documents/${id}`);
      await page.getByText('退回原因：请补充检查时间安排和联系人。').waitFor();
      await page.locator('.ant-tag', { hasText: '草稿' }).waitFor();
    }));

  it('a system administrator creates a site in the site matrix', () =>
    bed.withPage('cms-site', async (page) => {
      // admin must enrol 2FA on first login: the code comes from the secret the page shows.
      await page.goto(`${bed.baseUrl}/admin/`);
      await page.getByPlaceholder('账号').fill('admin');
      await page.getByPlaceholder('口令').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: /登\s*录/ }).click();
      const secret = ((await page.getByTestId('otp-secret').textContent()) ?? '').trim();
      const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
      await page.getByPlaceholder('6 位动态码').fill(totp.generate());
      await page.getByRole('button', { name: '完成绑定并登录' }).click();
      await sideMenu(page).waitFor();

      await menuItem(page, '站点管理').click();
      // The administrator sees every site (more than a page: the search narrows the matrix).
      const { n } = await bed.server.kernel.db
        .selectFrom('cms_sites')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      await page.getByText(`共 ${Number(n)} 个站点`).waitFor();
      await page.getByPlaceholder('站点名称或代码').fill('wjw');
      await page.getByPlaceholder('站点名称或代码').press('Enter');
      await page.getByRole('row').filter({ hasText: wjwSite.name }).waitFor();
      await page.getByPlaceholder('站点名称或代码').fill('');
      await page.getByPlaceholder('站点名称或代码').press('Enter');
      await page.getByRole('button', { name: '新建站点' }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: '新建站点' });
      await dialog.getByLabel('站点名称').fill('新乡市政务公开专题网站');
      await dialog.getByLabel('站点代码').fill('zwgkzt');
      await pickTreeOption(page, dialog.getByLabel('主办单位', { exact: true }), '新乡市人民政府');
      await dialog.getByLabel('域名').fill('zwgk.xinxiang.gov.cn');
      await page.keyboard.press('Enter');
      await dialog.getByRole('button', { name: /保\s*存/ }).click();
      await page.getByText('站点已创建').waitFor();
      const row = page.getByRole('row').filter({ hasText: '新乡市政务公开专题网站' });
      await row.filter({ hasText: '建设中' }).filter({ hasText: 'zwgk.xinxiang.gov.cn' }).waitFor();
    }));
  it('an administrator adds custom fields to a channel; the editor fills them and they come back', () =>
    bed.withPage('cms-custom-fields', async (page) => {
      await logIn(page, 'jyj_admin');
      await menuItem(page, '栏目管理').click();
      await page
        .getByRole('tree', { name: '栏目树' })
        .locator('.ant-tree-treenode')
        .filter({ hasText: /^规划计划$/ })
        .click();
      const pickOption = async (select: Locator, option: string) => {
        await select.click();
        await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
      };
      await page.getByRole('button', { name: '添加字段' }).click();
      await page.getByRole('button', { name: '添加字段' }).click();
      const level = page.getByRole('group', { name: '自定义字段 1' });
      await level.getByLabel('字段代码').fill('planLevel');
      await level.getByLabel('名称').fill('规划层级');
      await pickOption(level.getByLabel('类型'), '下拉选择');
      for (const option of ['市级', '县级']) {
        await level.getByLabel('选项').fill(option);
        await level.getByLabel('选项').press('Enter');
      }
      await level.getByLabel('必填').click();
      const approved = page.getByRole('group', { name: '自定义字段 2' });
      await approved.getByLabel('字段代码').fill('approvedOn');
      await approved.getByLabel('名称').fill('批准日期');
      await pickOption(approved.getByLabel('类型'), '日期');
      await page.getByRole('button', { name: /保\s*存/ }).click();
      await page.getByText('栏目已保存').waitFor();

      await page.context().clearCookies();
      await logIn(page, 'jyj_editor');
      await menuItem(page, '信息管理').click();
      await page.getByRole('button', { name: '新建信息' }).click();
      await pickTreeOption(page, page.getByLabel('所属栏目', { exact: true }), '规划计划');
      await page.getByLabel('标题', { exact: true }).fill('新乡市教育事业发展“十五五”规划');
      const formItem = (label: string) =>
        page.locator('.ant-form-item').filter({ has: page.locator('label', { hasText: new RegExp(`^${label}$`) }) });
      const approvedOn = formItem('批准日期').locator('input');
      await approvedOn.fill('2026-11-20');
      await approvedOn.press('Enter');
      await page.getByRole('button', { name: /保\s*存/ }).click();
      const levelItem = formItem('规划层级');
      await levelItem.getByText('请选择规划层级').waitFor();
      expect(page.url()).toMatch(/\/documents\/new/);

      await pickOption(levelItem.locator('.ant-select'), '市级');
      await page.getByRole('button', { name: /保\s*存/ }).click();
      await page.getByText('已保存', { exact: true }).waitFor();
      await page.waitForURL(/\/admin\/cms\/documents\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop() as string;
      const stored = await bed.server.kernel.db
        .selectFrom('cms_documents')
        .select('custom')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(stored.custom).toEqual({ planLevel: '市级', approvedOn: '2026-11-20' });

      await page.reload();
      await levelItem.getByTitle('市级').waitFor();
      await expect.poll(() => approvedOn.inputValue()).toBe('2026-11-20');
    }));
});
