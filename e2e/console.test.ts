/*
 * Browser test of the console (packages/admin) against a real platform server: real HTTP, a fresh
 * private database, the built SPA served at /admin, and Chromium driven through playwright-core.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../packages/platform/src/kernel/testing.js';
import { modules } from '../packages/platform/src/modules/index.js';
import {
  type BrowserTestBed,
  CHROMIUM,
  hasChromium,
  menuItem,
  sideMenu,
  startBrowserTestBed,
} from './browser-support.js';

const ADMIN_PASSWORD = 'Jiyue-E2e-Admin-2026';

if (!hasChromium) {
  console.warn(
    `e2e/console.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`,
  );
}

const unique = Date.now().toString(36).slice(-5);

describe.skipIf(!hasChromium)('console in a browser', () => {
  let bed: BrowserTestBed;
  let server: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    bed = await startBrowserTestBed({ modules, config: { adminPassword: ADMIN_PASSWORD } });
    ({ server, baseUrl } = bed);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const withPage = (name: string, fn: (page: Page) => Promise<void>) => bed.withPage(name, fn);
  const logIn = (page: Page, username: string, password: string) => bed.logIn(page, username, password);

  async function logOut(page: Page) {
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: '退出登录' }).click();
    await page.getByRole('button', { name: /登\s*录/ }).waitFor();
  }

  async function openPage(page: Page, title: string) {
    await menuItem(page, title).click();
  }

  /** Picks an option of an antd Select / TreeSelect identified by its form label. */
  async function choose(page: Page, scope: Locator, label: string, option: string) {
    const input = scope.getByLabel(label, { exact: true });
    const chosen = scope
      .locator('.ant-select')
      .filter({ has: page.getByLabel(label, { exact: true }) })
      .filter({ hasText: option });
    await input.click();
    await input.fill(option);
    // Filtering re-renders the option list, so a click can land on an option that is being replaced;
    // the pick counts only once the closed select shows it.
    for (let attempt = 1; ; attempt++) {
      await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
      try {
        await chosen.waitFor({ timeout: 3_000 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  it('admin creates an org and a user with a non-admin role; that user sees only the menus it may use', () =>
    withPage('menus', async (page) => {
      await logIn(page, 'admin', ADMIN_PASSWORD);
      for (const item of ['组织机构', '用户管理', '角色权限']) await menuItem(page, item).waitFor();

      // 组织机构: create a top-level org through the modal.
      const orgName = `市e2e测试局${unique}`;
      await openPage(page, '组织机构');
      await page
        .getByRole('button', { name: /新\s*增/ })
        .first()
        .click();
      const orgDialog = page.getByRole('dialog', { name: '新增组织' });
      await orgDialog.getByLabel('全称').fill(orgName);
      await orgDialog.getByLabel('简称').fill(`e2e局${unique}`);
      await choose(page, orgDialog, '行政级别', '市级');
      await orgDialog.getByRole('button', { name: /保\s*存/ }).click();
      await orgDialog.waitFor({ state: 'hidden' });
      await page.getByRole('tree', { name: '组织机构树' }).getByText(orgName).waitFor();

      // 用户管理: create a user in that org holding a non-admin role scoped to the org.
      const username = `e2e_user_${unique}`;
      const password = 'Xinxiang-2026-e2e';
      // 信息员 holds org:read plus the editor's cms permissions: 组织机构 shows, nothing an administrator sees does.
      const roleName = '信息员';
      await openPage(page, '用户管理');
      await page.getByRole('button', { name: '新建用户' }).click();
      const drawer = page.getByRole('dialog').filter({ hasText: '新建用户' });
      await drawer.getByLabel('姓名').fill('测试信息员');
      await drawer.getByLabel('账号').fill(username);
      await drawer.getByLabel('初始口令').fill(password);
      await choose(page, drawer, '所属组织', orgName);
      await drawer.getByRole('button', { name: '添加角色' }).click();
      await choose(page, drawer, '角色', roleName);
      await choose(page, drawer, '数据范围', orgName);
      await drawer.getByRole('button', { name: /保\s*存/ }).click();
      await drawer.waitFor({ state: 'hidden' });
      const row = page.getByRole('row').filter({ hasText: username });
      await row.filter({ hasText: roleName }).first().waitFor();
      await row.filter({ hasText: orgName }).first().waitFor();

      await logOut(page);

      // The new user's menu: only what the role grants.
      await logIn(page, username, password);
      await menuItem(page, '组织机构').waitFor();
      const items = (await sideMenu(page).getByRole('menuitem').allInnerTexts()).map((t) => t.trim());
      for (const forbidden of ['用户管理', '角色权限', '操作日志', '登录日志', '口令策略', '系统参数', '数据字典']) {
        expect(items).not.toContain(forbidden);
      }
      await page.getByTestId('user-menu').filter({ hasText: '测试信息员' }).waitFor();

      // A typed-in URL of a page outside the menu is refused too.
      await page.goto(`${baseUrl}/admin/security/audit-log`);
      await page.getByText('无权访问').waitFor();
    }));

  it('shows a server-side validation error next to the form field it belongs to', () =>
    withPage('field-error', async (page) => {
      await logIn(page, 'admin', ADMIN_PASSWORD);
      await openPage(page, '用户管理');
      await page.getByRole('button', { name: '新建用户' }).click();
      const drawer = page.getByRole('dialog').filter({ hasText: '新建用户' });
      await drawer.getByLabel('姓名').fill('重复账号');
      // "admin" passes every browser-side rule; only the server knows it is taken (409 username_taken).
      await drawer.getByLabel('账号').fill('admin');
      await drawer.getByLabel('初始口令').fill('Xinxiang-2026-e2e');
      await choose(page, drawer, '所属组织', await anyOrgName());
      await drawer.getByRole('button', { name: /保\s*存/ }).click();
      const usernameItem = drawer.locator('.ant-form-item').filter({ has: page.getByLabel('账号', { exact: true }) });
      await usernameItem.locator('.ant-form-item-explain-error', { hasText: '账号已存在' }).waitFor();
      await drawer.waitFor();
    }));

  async function anyOrgName(): Promise<string> {
    const org = await server.kernel.db
      .selectFrom('identity_orgs')
      .select('name')
      .where('parent_id', 'is', null)
      .executeTakeFirstOrThrow();
    return org.name as string;
  }
});
