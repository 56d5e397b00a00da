/*
 * Browser test of the console (packages/admin) against a real platform server: real HTTP, a fresh
 * private database, the built SPA served at /admin, and Chromium driven through playwright-core.
 */
import { Secret, TOTP } from 'otpauth';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../packages/platform/src/kernel/testing.js';
import { modules } from '../packages/platform/src/modules/index.js';
import { type BrowserTestBed, CHROMIUM, hasChromium, startBrowserTestBed } from './browser-support.js';

const ADMIN_PASSWORD = 'Jiyue-E2e-Admin-2026';

if (!hasChromium) {
  console.warn(
    `e2e/console.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`,
  );
}

/**
 * The server refuses a code from a time step it has already accepted (no replay), and accepts the
 * next step's code (window 1); so later logins use the next step instead of waiting 30 s.
 */
function totpCode(secret: string, stepsAhead = 0): string {
  const totp = new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
  return totp.generate({ timestamp: Date.now() + stepsAhead * 30_000 });
}

const unique = Date.now().toString(36).slice(-5);

describe.skipIf(!hasChromium)('console in a browser', () => {
  let bed: BrowserTestBed;
  let server: TestApp;
  let baseUrl: string;
  /** The admin's enrolled TOTP secret; the second admin login needs a code from it. */
  let adminSecret: string | null = null;

  beforeAll(async () => {
    bed = await startBrowserTestBed({ modules, config: { adminPassword: ADMIN_PASSWORD } });
    ({ server, baseUrl } = bed);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const withPage = (name: string, fn: (page: Page) => Promise<void>) => bed.withPage(name, fn);

  const sideMenu = (page: Page) => page.getByRole('menu', { name: '主菜单' });
  // An item's accessible name also holds its icon's label, so items are matched by their exact text.
  const menuItem = (page: Page, title: string) =>
    sideMenu(page)
      .getByRole('menuitem')
      .filter({ hasText: new RegExp(`^${title}$`) });

  /** Fills the login form; returns once the console layout (its side menu) is shown. */
  async function logIn(page: Page, username: string, password: string) {
    await page.goto(`${baseUrl}/admin/`);
    await page.getByPlaceholder('账号').fill(username);
    await page.getByPlaceholder('口令').fill(password);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    const secret = page.getByTestId('otp-secret');
    const otpStep = page.getByPlaceholder('6 位动态码');
    await sideMenu(page).or(secret).or(otpStep).first().waitFor();
    if (await secret.isVisible()) {
      // First login of an administrator: enrol 2FA with the secret the page shows.
      adminSecret = ((await secret.textContent()) ?? '').trim();
      await otpStep.fill(totpCode(adminSecret));
      await page.getByRole('button', { name: '完成绑定并登录' }).click();
    } else if (await otpStep.isVisible()) {
      if (!adminSecret) throw new Error(`${username} asks for a 2FA code but no secret was enrolled in this test`);
      await otpStep.fill(totpCode(adminSecret, 1));
      await page.getByRole('button', { name: /验\s*证/ }).click();
    }
    await sideMenu(page).waitFor();
  }

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
