/*
 * Browser test of the workflow console (issue #5, "Done when"): an administrator draws a process with
 * a parallel branch in the bpmn-js designer (palette/context pad), attaches a published form to each
 * task in the properties panel, sees the server's validation error on the diagram, deploys and
 * starts it; two users complete their tasks from 我的任务 through the form; 流程监控's viewer shows
 * the finished path. Real server, real database, real Chromium.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmsModule } from '../packages/platform/src/modules/cms/index.js';
import { formsModule } from '../packages/platform/src/modules/forms/index.js';
import { identityModule } from '../packages/platform/src/modules/identity/index.js';
import { DEMO_PASSWORD } from '../packages/platform/src/modules/identity/test-support.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';
import { workflowModule } from '../packages/platform/src/modules/workflow/index.js';
import { type BrowserTestBed, CHROMIUM, hasChromium, menuItem, startBrowserTestBed } from './browser-support.js';

if (!hasChromium) {
  console.warn(
    `e2e/workflow.test.ts skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`,
  );
}

const suffix = Date.now().toString(36).slice(-5);
const PROCESS_KEY = `joint_review_${suffix}`;
const PROCESS_NAME = `联合会办流程-${suffix}`;
const FORM_KEY = `review_note_${suffix}`;
const INSTANCE_TITLE = `关于城区道路改造的联合会办-${suffix}`;

describe.skipIf(!hasChromium)('workflow console in a browser', () => {
  let bed: BrowserTestBed;
  let instanceId = '';
  const taskIds: Record<string, string> = {};

  beforeAll(async () => {
    // The modules this flow touches, in the order of modules/index.ts (cms: the workflow seeds its review process).
    const modules = [settingsModule, identityModule, formsModule, workflowModule, cmsModule];
    // The demo users (jyj_editor, wjw_editor) are seeded with the administrator's initial password.
    bed = await startBrowserTestBed({ modules, config: { adminPassword: DEMO_PASSWORD } });
    // The designer's chunk (bpmn-js, the properties panel) is large; on a busy two-core machine its
    // first load and each modeling step take longer than the bed's default.
    bed.context.setDefaultTimeout(40_000);
    // Building the console and migrating every module's schema take minutes on a busy machine.
  }, 300_000);

  afterAll(async () => {
    await bed?.close();
  });

  const logIn = (page: Page, username: string) => bed.logIn(page, username, DEMO_PASSWORD);
  /** API calls with the page's own session (setup that is not what this test is about). */
  const sameSessionApi = async (page: Page) => (await bed.sameSessionApi(page)).post;

  const shape = (page: Page, id: string) => page.locator(`.djs-element[data-element-id="${id}"]`).first();
  /** The designer's current selection, read from the modeler (bpmn-js exposes no DOM state for it that is cheap to wait on). */
  const selectedId = (page: Page) =>
    page.evaluate(() => {
      const modeler = (window as unknown as { jiyueModeler?: { get(n: string): { get(): { id: string }[] } } })
        .jiyueModeler;
      return modeler?.get('selection').get()[0]?.id ?? '';
    });

  /** Selects an element with a click (a second click on a selected one would open its label editor). */
  async function select(page: Page, id: string) {
    // The first click after a tool (connect) ends the tool instead of selecting, so it may take two.
    for (let attempt = 1; (await selectedId(page)) !== id; attempt++) {
      await shape(page, id).click();
      try {
        await expect.poll(() => selectedId(page), { timeout: 5_000 }).toBe(id);
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  /** Uses a context-pad entry of the selected element and returns the id of the element it created. */
  async function append(page: Page, from: string, action: string): Promise<string> {
    await select(page, from);
    await page.locator(`.djs-context-pad [data-action="${action}"]`).click();
    await expect.poll(() => selectedId(page)).not.toBe(from);
    const id = await selectedId(page);
    // A new task opens its label for typing; the name is set in the properties panel instead.
    await page.keyboard.press('Escape');
    return id;
  }

  /** Reads the diagram through the modeler (only to learn the id bpmn-js gave a new element). */
  const elementAt = (page: Page, x: number, y: number, type: string) =>
    page.evaluate(
      ([ex, ey, et]) => {
        type El = { id: string; type: string; x: number; y: number; waypoints?: unknown };
        const modeler = (window as unknown as { jiyueModeler: { get(n: string): { getAll(): El[] } } }).jiyueModeler;
        return (
          modeler
            .get('elementRegistry')
            .getAll()
            .find((e) => !e.waypoints && e.type === et && e.x === ex && e.y === ey)?.id ?? ''
        );
      },
      [x, y, type] as const,
    );

  /** The replace menu (wrench) of an element: turns a task into a user task, a gateway into a parallel one. */
  async function replace(page: Page, id: string, entry: string, type: string): Promise<string> {
    const where = await page.evaluate((elementId) => {
      const modeler = (
        window as unknown as { jiyueModeler: { get(n: string): { get(id: string): { x: number; y: number } } } }
      ).jiyueModeler;
      const el = modeler.get('elementRegistry').get(elementId);
      return { x: el.x, y: el.y };
    }, id);
    await select(page, id);
    await page.locator('.djs-context-pad [data-action="replace"]').click();
    await page.locator(`.djs-popup [data-id="${entry}"]`).click();
    await expect.poll(() => elementAt(page, where.x, where.y, type)).not.toBe('');
    return elementAt(page, where.x, where.y, type);
  }

  const panel = (page: Page) => page.getByLabel('属性面板');

  async function openGroup(page: Page, title: string) {
    const header = panel(page).locator('.bio-properties-panel-group-header').filter({ hasText: title });
    if (!(await header.evaluate((el) => el.classList.contains('open')))) await header.click();
  }

  /** Names a user task, assigns it to one user and attaches the form, all in the properties panel. */
  async function configureTask(page: Page, id: string, name: string, username: string) {
    await select(page, id);
    await openGroup(page, '基本信息');
    await panel(page).getByLabel('名称', { exact: true }).fill(name);
    await openGroup(page, '办理人');
    await panel(page).getByLabel('分配方式').selectOption({ label: '指定用户' });
    await panel(page).getByLabel('用户', { exact: true }).selectOption(username);
    await openGroup(page, '表单');
    await panel(page).getByLabel('表单', { exact: true }).selectOption(FORM_KEY);
    await openGroup(page, '期限与预警');
    await panel(page).getByLabel('办理期限').fill('3');
    await shape(page, id).locator('text').filter({ hasText: name }).waitFor();
    // The deadline is on the diagram before the next element is selected (it was once lost
    // when the field wrote it after a debounce).
    await expect.poll(() => dueInOf(page, id), { timeout: 10_000 }).toBe('3wd');
  }

  const dueInOf = (page: Page, id: string) =>
    page.evaluate((elementId) => {
      type Registry = { get(id: string): { businessObject: { get(name: string): unknown } } | undefined };
      const modeler = (window as unknown as { jiyueModeler: { get(name: string): Registry } }).jiyueModeler;
      return modeler.get('elementRegistry').get(elementId)?.businessObject.get('jiyue:dueIn') ?? null;
    }, id);

  it(
    'an administrator draws a parallel process, attaches a form, sees a validation error, deploys and starts it',
    () =>
      bed.withPage('workflow-designer', async (page) => {
        await logIn(page, 'admin');
        // A published form to attach (the form designer has its own test).
        const post = await sameSessionApi(page);
        const created = await post('/forms/definitions', {
          key: FORM_KEY,
          name: '会办意见表',
          schema: {
            type: 'object',
            properties: { summary: { type: 'string', title: '会办意见摘要', minLength: 2 } },
            required: ['summary'],
            additionalProperties: false,
          },
          uiSchema: { order: ['summary'], fields: { summary: { widget: 'textarea' } } },
        });
        expect(created.status()).toBe(201);
        expect((await post(`/forms/definitions/${FORM_KEY}/publish`, {})).status()).toBe(200);

        await menuItem(page, '流程定义').click();
        await page.getByRole('button', { name: '新建流程' }).click();
        await page.waitForURL(/\/admin\/workflow\/definitions\/new$/);
        await shape(page, 'StartEvent_1').waitFor();
        // The palette and context pad speak Chinese; the bpmn.io watermark stays.
        await page.locator('.djs-palette').getByRole('button', { name: '创建开始事件' }).waitFor();
        await expect.poll(() => page.locator('.bjs-powered-by').count()).toBe(1);

        // The process: its key and name on the canvas root.
        await page.locator('[data-testid="bpmn-canvas"] .djs-container > svg').click({ position: { x: 600, y: 500 } });
        await openGroup(page, '基本信息');
        await panel(page).getByLabel('编号', { exact: true }).fill(PROCESS_KEY);
        await panel(page).getByLabel('名称', { exact: true }).fill(PROCESS_NAME);

        // start → fork (parallel) → two user tasks → join (parallel), all through the context pad.
        await select(page, 'StartEvent_1');
        await page.locator('.djs-context-pad').getByTitle('添加网关').waitFor();
        const parallel = ['replace-with-parallel-gateway', 'bpmn:ParallelGateway'] as const;
        const userTask = ['replace-with-user-task', 'bpmn:UserTask'] as const;
        const fork = await replace(page, await append(page, 'StartEvent_1', 'append.gateway'), ...parallel);
        const taskA = await replace(page, await append(page, fork, 'append.append-task'), ...userTask);
        const taskB = await replace(page, await append(page, fork, 'append.append-task'), ...userTask);
        const join = await replace(page, await append(page, taskA, 'append.gateway'), ...parallel);
        // The second branch joins: the context pad's connect tool, clicked on the join gateway.
        await select(page, taskB);
        await page.locator('.djs-context-pad [data-action="connect"]').click();
        const target = await shape(page, join).boundingBox();
        if (!target) throw new Error('join gateway not on screen');
        await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 5 });
        await page.mouse.click(target.x + target.width / 2, target.y + target.height / 2);
        await expect
          .poll(() =>
            page.evaluate(
              ([from, to]) => {
                type Registry = { get(id: string): { outgoing: { target: { id: string } }[] } };
                const modeler = (window as unknown as { jiyueModeler: { get(name: string): Registry } }).jiyueModeler;
                const registry = modeler.get('elementRegistry');
                return registry.get(from as string).outgoing.some((f) => f.target.id === to);
              },
              [taskB, join],
            ),
          )
          .toBe(true);

        await configureTask(page, taskA, '教育局会办', 'jyj_editor');
        await configureTask(page, taskB, '卫健委会办', 'wjw_editor');

        // The join has no way out yet: the server's validation names it, and the list locates it.
        await page.getByRole('button', { name: /校\s*验/ }).click();
        const errors = page.getByRole('list', { name: '校验错误' });
        await errors.getByRole('button', { name: join }).waitFor();
        await expect.poll(() => shape(page, join).getAttribute('class')).toContain('jy-error');
        await errors.getByRole('button', { name: join }).click();
        await expect.poll(() => selectedId(page)).toBe(join);

        const end = await append(page, join, 'append.end-event');
        expect(end).toMatch(/^Event_/);
        await page.getByRole('button', { name: /部\s*署/ }).click();
        await page.getByText(`已部署「${PROCESS_NAME}」第 1 版`).waitFor();
        await page.waitForURL(new RegExp(`/admin/workflow/definitions/${PROCESS_KEY}$`));

        // What the server stored: our attributes on both tasks, a parallel fork and join.
        const stored = await bed.server.kernel.db
          .selectFrom('workflow_definitions')
          .select(['xml', 'version'])
          .where('key', '=', PROCESS_KEY)
          .executeTakeFirstOrThrow();
        expect(stored.version).toBe(1);
        expect(stored.xml).toContain('jiyue:assignee="user:jyj_editor"');
        expect(stored.xml).toContain('jiyue:assignee="user:wjw_editor"');
        expect(stored.xml.match(new RegExp(`jiyue:formKey="${FORM_KEY}"`, 'g'))).toHaveLength(2);
        expect(stored.xml.match(/<bpmn:parallelGateway /g)).toHaveLength(2);
        expect(stored.xml).toContain('jiyue:dueIn="3wd"');

        // Start it from the list.
        await menuItem(page, '流程定义').click();
        const row = page.getByRole('row').filter({ hasText: PROCESS_NAME });
        await row.getByRole('button', { name: /发\s*起/ }).click();
        const dialog = page.getByRole('dialog').filter({ hasText: '发起' });
        await dialog.getByLabel('标题').fill(INSTANCE_TITLE);
        await dialog.getByRole('button', { name: /发\s*起/ }).click();
        await page.waitForURL(/\/admin\/workflow\/inbox\/instances\/[0-9a-f-]{36}$/);
        instanceId = page.url().split('/').pop() as string;
        // Both branches are active at once: two current tasks, highlighted on the diagram.
        await page.locator('[data-testid="workflow-diagram"][data-ready="true"]').waitFor();
        for (const id of [taskA, taskB]) {
          await expect.poll(() => shape(page, id).getAttribute('class')).toContain('jy-active');
        }
        taskIds.a = taskA;
        taskIds.b = taskB;
        taskIds.fork = fork;
        taskIds.join = join;
        taskIds.end = end;
      }),
    300_000,
  );

  /** A user opens the task from 待办, fills the form, writes an opinion and approves. */
  async function completeFromInbox(page: Page, username: string, taskName: string, summary: string) {
    await logIn(page, username);
    await menuItem(page, '我的任务').click();
    const tab = page.getByRole('tab', { name: /待办/ });
    await tab.waitFor();
    const row = page.getByRole('row').filter({ hasText: taskName }).filter({ hasText: INSTANCE_TITLE });
    await row.getByRole('button', { name: /办\s*理/ }).click();
    await page.waitForURL(/\/admin\/workflow\/tasks\/[0-9a-f-]{36}$/);
    // The form's validation runs before anything is sent.
    const field = page.getByLabel('会办意见摘要');
    const approve = page.getByRole('button', { name: /^同\s*意$/ });
    await approve.click();
    await page.getByText('表单填写有误').or(page.locator('.ant-form-item-explain-error')).first().waitFor();
    await field.fill(summary);
    await page.getByLabel('批示意见').fill(`${taskName}：同意。`);
    await approve.click();
    await page.getByText('任务已办结').waitFor();
    await page.waitForURL(/\/admin\/workflow\/inbox$/);
    // This user had only this task: the inbox is empty now.
    await page.getByText('没有待办任务').waitFor();
  }

  it('two users complete their tasks from 我的任务 with the form', async () => {
    expect(instanceId).not.toBe('');
    await bed.withPage('workflow-inbox-jyj', (page) =>
      completeFromInbox(page, 'jyj_editor', '教育局会办', '同意改造方案，注意学校周边交通'),
    );
    await bed.withPage('workflow-inbox-wjw', (page) =>
      completeFromInbox(page, 'wjw_editor', '卫健委会办', '同意，施工期间保障急救通道'),
    );
    const tasks = await bed.server.kernel.db
      .selectFrom('workflow_tasks')
      .select(['name', 'state', 'outcome', 'form_data'])
      .where('instance_id', '=', instanceId)
      .execute();
    const byName = Object.fromEntries(
      tasks.map((t) => [
        t.name,
        { state: t.state, outcome: t.outcome, summary: (t.form_data as { summary?: string }).summary },
      ]),
    );
    expect(byName).toEqual({
      教育局会办: { state: 'completed', outcome: 'approve', summary: '同意改造方案，注意学校周边交通' },
      卫健委会办: { state: 'completed', outcome: 'approve', summary: '同意，施工期间保障急救通道' },
    });
  }, 300_000);

  it(
    '流程监控 shows the instance finished, with the whole path marked on the diagram and both opinions',
    () =>
      bed.withPage('workflow-monitor', async (page) => {
        await logIn(page, 'admin');
        await menuItem(page, '流程监控').click();
        const row = page.getByRole('row').filter({ hasText: INSTANCE_TITLE });
        await row.filter({ hasText: '已办结' }).waitFor();
        await row.getByRole('link', { name: INSTANCE_TITLE }).click();
        await page.waitForURL(new RegExp(`/admin/workflow/instances/${instanceId}$`));
        await page.locator('[data-testid="workflow-diagram"][data-ready="true"]').waitFor();
        for (const id of ['StartEvent_1', taskIds.fork, taskIds.a, taskIds.b, taskIds.join, taskIds.end] as string[]) {
          await expect.poll(() => shape(page, id).getAttribute('class'), { message: id }).toContain('jy-done');
        }
        // Every sequence flow was taken (both branches), and nothing is current any more.
        const flows = page.locator('[data-testid="workflow-diagram"] .djs-connection');
        await expect.poll(() => flows.count()).toBe(6);
        expect(await page.locator('[data-testid="workflow-diagram"] .djs-connection.jy-done').count()).toBe(6);
        expect(await page.locator('[data-testid="workflow-diagram"] .jy-active').count()).toBe(0);
        const history = page.getByLabel('流转记录');
        await history.getByText('教育局会办：同意。').waitFor();
        await history.getByText('卫健委会办：同意。').waitFor();
      }),
    300_000,
  );
});
