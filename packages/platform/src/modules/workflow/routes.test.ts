import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { createDefinition, publishDefinition } from '../forms/service.js';
import { login } from '../identity/test-support.js';
import { bpmn, flow, userTask, workflowTestApp } from './test-support.js';

/* The HTTP API: validation at the edge, permissions, 403/409 on tasks, inbox boxes and the viewer data. */

let t: TestApp;
let admin: Session;
let editor: Session;
let reviewer: Session;
let jyjAdmin: Session;
let outsider: Session;

const call = (s: Session, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: s.headers, ...(payload === undefined ? {} : { payload: payload as any }) });

const PROCESS = bpmn(
  'leave',
  `<bpmn:startEvent id="s"/>${flow('f0', 's', 'apply')}
   ${userTask('apply', 'jiyue:assignee="initiator" jiyue:formKey="leave-form"')}${flow('f1', 'apply', 'fork')}
   <bpmn:parallelGateway id="fork"/>${flow('fa', 'fork', 'hr')}${flow('fb', 'fork', 'boss')}
   ${userTask('hr', 'jiyue:candidateUsers="jyj_reviewer,jyj_admin" jiyue:cc="initiator" jiyue:dueIn="3wd"')}
   ${userTask('boss', 'jiyue:assignee="user:jyj_admin"')}
   ${flow('fa2', 'hr', 'join')}${flow('fb2', 'boss', 'join')}<bpmn:parallelGateway id="join"/>
   ${flow('f9', 'join', 'e')}<bpmn:endEvent id="e"/>`,
);

beforeAll(async () => {
  t = await workflowTestApp();
  admin = await login(t.app, 'admin');
  editor = await login(t.app, 'jyj_editor');
  reviewer = await login(t.app, 'jyj_reviewer');
  jyjAdmin = await login(t.app, 'jyj_admin');
  outsider = await login(t.app, 'wjw_editor');
  // The apply step's form (module forms): 请假天数, required, 1–30.
  const actor = { actorId: null, actorName: '测试', ip: null };
  await createDefinition(t.kernel, actor, {
    key: 'leave-form',
    name: '请假单',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { days: { type: 'integer', title: '请假天数', minimum: 1, maximum: 30 } },
      required: ['days'],
      additionalProperties: false,
    },
    uiSchema: { layoutColumns: 1, order: ['days'], fields: { days: { widget: 'number' } } } as any,
  });
  await publishDefinition(t.kernel, actor, 'leave-form');
}, 300_000);
afterAll(async () => {
  await t?.close();
});

describe('definitions', () => {
  it('refuses unsupported elements and broken graphs with the element id (400)', async () => {
    const script = bpmn(
      'bad',
      `<bpmn:startEvent id="s"/>${flow('f0', 's', 'script1')}<bpmn:scriptTask id="script1"/>${flow('f1', 'script1', 'e')}<bpmn:endEvent id="e"/>`,
    );
    const res = await call(admin, 'POST', '/api/workflow/definitions', { xml: script });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'bpmn_unsupported' });
    expect(res.json().errors).toEqual([{ field: 'script1', message: '不支持的元素类型 bpmn:ScriptTask' }]);

    const deadEnd = bpmn('bad2', `<bpmn:startEvent id="s"/>${flow('f0', 's', 'gw1')}<bpmn:exclusiveGateway id="gw1"/>`);
    const res2 = await call(admin, 'POST', '/api/workflow/definitions', { xml: deadEnd });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().errors).toContainEqual({ field: 'gw1', message: '网关没有流出的连线' });

    const cond = bpmn('bad3', `<bpmn:startEvent id="s"/>${flow('f0', 's', 'e', 'amount >')}<bpmn:endEvent id="e"/>`);
    expect((await call(admin, 'POST', '/api/workflow/definitions', { xml: cond })).json().errors[0].field).toBe('f0');

    for (const xml of [
      'not xml at all',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    ]) {
      const r = await call(admin, 'POST', '/api/workflow/definitions', { xml });
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json())).not.toContain('root:');
    }
    expect((await call(admin, 'POST', '/api/workflow/definitions', { xml: PROCESS, extra: 1 })).statusCode).toBe(400);
    const check = await call(admin, 'POST', '/api/workflow/definitions/validate', { xml: deadEnd });
    expect(check.json()).toMatchObject({ ok: false, key: null });
  });

  it('deploys versions (permission checked) and lists them', async () => {
    expect((await call(editor, 'POST', '/api/workflow/definitions', { xml: PROCESS })).statusCode).toBe(403);
    const res = await call(admin, 'POST', '/api/workflow/definitions', { xml: PROCESS });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ key: 'leave', version: 1 });
    const list = (await call(admin, 'GET', '/api/workflow/definitions?q=leave')).json();
    expect(list.items).toEqual([expect.objectContaining({ key: 'leave', versions: 1 })]);
    const one = (await call(admin, 'GET', '/api/workflow/definitions/leave')).json();
    expect(one.userTasks).toContainEqual({ id: 'apply', name: 'apply', formKey: 'leave-form', formVersion: null });
    const cms = (await call(admin, 'GET', '/api/workflow/definitions/cms-review')).json();
    expect(cms.name).toBe('信息审核（默认流程）');
  });
});

describe('tasks over HTTP', () => {
  let instanceId: string;

  it('start, inbox boxes and counts, task page data', async () => {
    const res = await call(editor, 'POST', '/api/workflow/instances', {
      definitionKey: 'leave',
      title: '请假申请',
      variables: { days: 3 },
    });
    expect(res.statusCode).toBe(201);
    instanceId = res.json().id;
    const todo = (await call(editor, 'GET', '/api/workflow/tasks?box=todo')).json();
    expect(todo.items).toEqual([
      expect.objectContaining({ name: 'apply', instanceTitle: '请假申请', formKey: 'leave-form' }),
    ]);
    const invalid = await call(editor, 'POST', `/api/workflow/tasks/${todo.items[0].id}/complete`, {
      formData: { days: 99 },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'form_invalid', errors: [{ field: 'days' }] });
    const complete = await call(editor, 'POST', `/api/workflow/tasks/${todo.items[0].id}/complete`, {
      opinion: '申请三天',
      formData: { days: 3 },
    });
    expect(complete.statusCode).toBe(200);
    const counts = (await call(reviewer, 'GET', '/api/workflow/tasks/counts')).json();
    expect(counts).toMatchObject({ todo: 1, overdue: 0 });
    const [hr] = (await call(reviewer, 'GET', '/api/workflow/tasks')).json().items;
    expect(hr).toMatchObject({ name: 'hr', candidate: true, assigneeId: null });
    expect(hr.dueAt).not.toBeNull();
    const page = (await call(reviewer, 'GET', `/api/workflow/tasks/${hr.id}`)).json();
    expect(page.rejectTargets).toEqual([{ elementId: 'apply', name: 'apply' }]);
    expect(page.instance.activeElementIds.sort()).toEqual(['boss', 'hr']);
    expect(page.instance.completedElementIds).toEqual(expect.arrayContaining(['s', 'apply', 'fork']));
    expect(page.instance.takenFlowIds).toEqual(expect.arrayContaining(['f0', 'f1', 'fa', 'fb']));
    expect(page.history.map((h: any) => h.action)).toEqual(['start', 'complete']);
    const started = (await call(editor, 'GET', '/api/workflow/tasks?box=started')).json();
    expect(started.items[0]).toMatchObject({ id: instanceId, currentTasks: expect.any(Array) });
    expect((await call(editor, 'GET', '/api/workflow/tasks?box=done')).json().total).toBe(1);
  });

  it('403 for a task you do not hold; exactly one of two simultaneous completions wins (409)', async () => {
    const [hr] = (await call(reviewer, 'GET', '/api/workflow/tasks')).json().items;
    const stranger = await call(outsider, 'POST', `/api/workflow/tasks/${hr.id}/complete`, {});
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().code).toBe('task_not_yours');
    expect((await call(outsider, 'GET', `/api/workflow/instances/${instanceId}`)).statusCode).toBe(403);
    const [a, b] = await Promise.all([
      call(reviewer, 'POST', `/api/workflow/tasks/${hr.id}/complete`, { opinion: '同意' }),
      call(jyjAdmin, 'POST', `/api/workflow/tasks/${hr.id}/complete`, { opinion: '同意' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect([a, b].find((r) => r.statusCode === 409)!.json().code).toBe('task_not_open');
    const history = (await call(editor, 'GET', `/api/workflow/instances/${instanceId}`)).json().history;
    expect(history.filter((h: any) => h.action === 'complete')).toHaveLength(2); // apply + hr, once
    const cc = (await call(editor, 'GET', '/api/workflow/tasks?box=cc')).json();
    expect(cc.items[0]).toMatchObject({ name: 'hr', readAt: null });
    expect((await call(editor, 'POST', `/api/workflow/cc/${cc.items[0].id}/read`)).statusCode).toBe(200);
    expect((await call(editor, 'GET', '/api/workflow/tasks/counts')).json()).toMatchObject({ cc: 1, ccUnread: 0 });
  });

  it('monitor list needs its permission; bad ids and bodies are 400/404', async () => {
    expect((await call(editor, 'GET', '/api/workflow/instances')).statusCode).toBe(403);
    const list = (await call(admin, 'GET', '/api/workflow/instances?definitionKey=leave')).json();
    expect(list.items[0]).toMatchObject({
      id: instanceId,
      state: 'running',
      currentTasks: [expect.objectContaining({ elementId: 'boss' })],
    });
    // 超期: only instances with an open task past its deadline.
    expect((await call(admin, 'GET', '/api/workflow/instances?overdue=true')).json().total).toBe(0);
    await t.kernel.db
      .updateTable('workflow_tasks')
      .set({ due_at: new Date(Date.now() - 60_000) })
      .where('instance_id', '=', instanceId)
      .where('state', '=', 'open')
      .execute();
    const overdue = (await call(admin, 'GET', '/api/workflow/instances?overdue=true')).json();
    expect(overdue.items.map((i: any) => i.id)).toEqual([instanceId]);
    expect((await call(admin, 'GET', '/api/workflow/tasks/not-a-uuid')).statusCode).toBe(400);
    expect((await call(admin, 'GET', '/api/workflow/tasks/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const reject = await call(jyjAdmin, 'POST', '/api/workflow/tasks/00000000-0000-4000-8000-000000000000/reject', {
      targetElementId: 'apply',
    });
    expect(reject.statusCode).toBe(400); // opinion required
    const anon = await t.app.inject({ method: 'GET', url: '/api/workflow/tasks' });
    expect(anon.statusCode).toBe(401);
  });
});

describe('calendar API', () => {
  it('reads the shipped year, replaces it (audited), previews deadlines', async () => {
    const year = (await call(editor, 'GET', '/api/workflow/calendar/2026')).json();
    expect(year.days).toContainEqual({ date: '2026-10-10', kind: 'workday', name: '国庆节调休上班' });
    expect((await call(editor, 'PUT', '/api/workflow/calendar/2027', { days: [] })).statusCode).toBe(403);
    const bad = await call(admin, 'PUT', '/api/workflow/calendar/2027', {
      days: [{ date: '2026-01-01', kind: 'holiday', name: '元旦' }],
    });
    expect(bad.statusCode).toBe(400);
    const put = await call(admin, 'PUT', '/api/workflow/calendar/2027', {
      days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }],
    });
    expect(put.statusCode).toBe(200);
    const deadline = await call(editor, 'POST', '/api/workflow/calendar/compute', {
      start: '2026-12-31T10:00:00+08:00',
      amount: 1,
      unit: 'wd',
    });
    expect(deadline.json().deadline).toBe('2027-01-04T09:00:00.000Z'); // 1 Jan holiday, 2–3 Jan weekend → Mon 4 Jan 17:00 CST
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select('summary')
      .where('resource', '=', 'workflow.calendar')
      .execute();
    expect(audit.map((a) => a.summary)).toContain('维护 2027 年工作日历（1 个调整日）');
  });
});
