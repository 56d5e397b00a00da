import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../kernel/testing.js';
import { login } from '../identity/test-support.js';
import { KEEPER_ROLE, SEAL_USE_KEY } from './requests.js';
import { adminHeaders, createSeal, type Headers, makePdf, sealTestApp, signForm, userId } from './test-support.js';

/*
 * 用章审批 (issue #7 §4): a seal that requires approval is used only through a request approved in
 * the workflow (process `seal-use`): the approver's decision in 我的任务 creates the limited
 * authorization in the same transaction; direct grants are refused.
 */

let t: TestApp;
let admin: Headers;
let editor: Headers; // 申请人, 市教育局
let reviewer: Headers; // 用章审批人 (seal_keeper) of 市教育局
let wjw: Headers; // another org's user
let sealId: string;
let jyjOrgId: string;
let pdf: Buffer;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = async (h: Headers, method: Method, url: string, payload?: unknown) => {
  const res = await t.app.inject({
    method,
    url,
    headers: h,
    ...(payload === undefined ? {} : { payload: payload as any }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : null };
};

const sign = (h: Headers) => {
  const form = signForm(pdf, sealId);
  return t.app.inject({
    method: 'POST',
    url: '/api/seal/sign',
    headers: { ...h, ...form.headers },
    payload: form.payload,
  });
};

async function apply(h: Headers, body: Record<string, unknown> = {}) {
  return call(h, 'POST', '/api/seal/requests', { sealId, reason: '印发《关于开展2026年教师资格认定的通知》', ...body });
}

/** The reviewer's open 用章审批 task of a request (found through 我的任务, as the approver does). */
async function taskOf(requestId: string, h: Headers = reviewer) {
  const todo = await call(h, 'GET', `/api/workflow/tasks?box=todo&definitionKey=${SEAL_USE_KEY}`);
  expect(todo.status).toBe(200);
  const instanceId = (await call(admin, 'GET', `/api/seal/requests/${requestId}`)).body.workflowInstanceId;
  return todo.body.items.find((x: { instanceId: string }) => x.instanceId === instanceId);
}

beforeAll(async () => {
  t = await sealTestApp({ workflow: true });
  admin = await adminHeaders(t);
  const org = await t.kernel.db
    .selectFrom('identity_orgs')
    .select('id')
    .where('short_name', '=', '市教育局')
    .executeTakeFirstOrThrow();
  jyjOrgId = org.id as string;
  // 用章审批人: the role the shipped process assigns to, held by 教育局审核员 in 市教育局 (the seal's org).
  const role = await t.kernel.db
    .insertInto('identity_roles')
    .values({ code: KEEPER_ROLE, name: '用章审批人', permissions: '[]' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.kernel.db
    .insertInto('identity_user_roles')
    .values({ user_id: await userId(t, 'jyj_reviewer'), role_id: role.id, scope_org_id: jyjOrgId })
    .execute();
  editor = (await login(t.app, 'jyj_editor')).headers;
  reviewer = (await login(t.app, 'jyj_reviewer')).headers;
  wjw = (await login(t.app, 'wjw_editor')).headers;
  ({ sealId } = await createSeal(t, admin, { name: '新乡市教育局' }));
  const patched = await call(admin, 'PATCH', `/api/seal/seals/${sealId}`, { orgId: jyjOrgId, requiresApproval: true });
  expect(patched.status).toBe(200);
  expect(patched.body.requiresApproval).toBe(true);
  pdf = await makePdf();
});
afterAll(async () => {
  await t?.close();
});

describe('印章的「需要审批」', () => {
  it('is audited when switched and refuses direct grants with a Chinese problem', async () => {
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select('summary')
      .where('resource', '=', 'seal.seal')
      .where('resource_id', '=', sealId)
      .where('action', '=', 'update')
      .execute();
    expect(audit.map((a) => a.summary)).toContain('修改印章「新乡市教育局」（改为用章须审批）');
    const res = await call(admin, 'POST', '/api/seal/authorizations', {
      sealId,
      subjectType: 'user',
      subjectId: await userId(t, 'jyj_editor'),
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'seal_requires_approval', title: '该印章须经用章审批，不能直接授权' });
    const rows = await t.kernel.db
      .selectFrom('seal_authorizations')
      .select('id')
      .where('seal_id', '=', sealId)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('hides earlier direct grants once switched on', async () => {
    const { sealId: other } = await createSeal(t, admin, { name: '新乡市教育局办公室' });
    const granted = await call(admin, 'POST', '/api/seal/authorizations', {
      sealId: other,
      subjectType: 'user',
      subjectId: await userId(t, 'jyj_editor'),
    });
    expect(granted.status).toBe(201);
    const mine = async () =>
      (await call(editor, 'GET', '/api/seal/my-seals')).body.items.map((i: { seal: { id: string } }) => i.seal.id);
    expect(await mine()).toContain(other);
    expect((await call(admin, 'PATCH', `/api/seal/seals/${other}`, { requiresApproval: true })).status).toBe(200);
    expect(await mine()).not.toContain(other);
    const form = signForm(pdf, other);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/seal/sign',
      headers: { ...editor, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('seal_not_authorized');
  });
});

describe('用章申请 → 审批 → 授权', () => {
  it('lets the approver approve in 我的任务 and the applicant sign within the count limit', async () => {
    expect((await sign(editor)).statusCode).toBe(403);
    const seals = await call(editor, 'GET', '/api/seal/requestable-seals');
    expect(seals.body.items.map((s: { id: string }) => s.id)).toContain(sealId);

    const validTo = new Date(Date.now() + 7 * 86400_000).toISOString();
    const made = await apply(editor, { countLimit: 2, validTo });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ state: 'pending', stateName: '待审批', countLimit: 2, sealName: '新乡市教育局' });
    const requestId = made.body.id as string;

    // Another org's user holds no seal_keeper role in 市教育局: nothing in their inbox.
    expect(await taskOf(requestId, wjw)).toBeUndefined();
    const task = await taskOf(requestId);
    expect(task).toMatchObject({ name: '用章审批', candidate: true });
    // The approver sees the request on the task page (instance variables).
    const page = await call(reviewer, 'GET', `/api/workflow/tasks/${task.id}`);
    expect(page.body.instance.variables).toMatchObject({
      requestId,
      sealName: '新乡市教育局',
      reason: '印发《关于开展2026年教师资格认定的通知》',
      countLimit: 2,
    });

    const done = await call(reviewer, 'POST', `/api/workflow/tasks/${task.id}/complete`, {
      outcome: 'approve',
      opinion: '同意，限用两次',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const after = await call(editor, 'GET', `/api/seal/requests/${requestId}`);
    expect(after.body).toMatchObject({
      state: 'approved',
      stateName: '已批准',
      opinion: '同意，限用两次',
      decidedByName: '教育局审核员（jyj_reviewer）',
    });
    const auth = await call(admin, 'GET', `/api/seal/authorizations?sealId=${sealId}`);
    expect(auth.body.items).toHaveLength(1);
    expect(auth.body.items[0]).toMatchObject({
      id: after.body.authorizationId,
      requestId,
      subjectType: 'user',
      maxUses: 2,
      status: 'active',
    });
    expect(new Date(auth.body.items[0].validTo).toISOString()).toBe(validTo);
    const instance = await call(editor, 'GET', `/api/workflow/instances/${after.body.workflowInstanceId}`);
    expect(instance.body.state).toBe('completed');

    expect((await sign(editor)).statusCode).toBe(200);
    expect((await sign(editor)).statusCode).toBe(200);
    const third = await sign(editor);
    expect(third.statusCode).toBe(403);
    expect(third.json().code).toBe('authorization_exhausted');
    // Other users gained nothing.
    expect((await sign(wjw)).statusCode).toBe(403);
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'actor_name'])
      .where('resource', '=', 'seal.request')
      .where('resource_id', '=', requestId)
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['approve', 'request']);
  });

  it('records a rejection and grants nothing', async () => {
    const made = await apply(editor, { countLimit: 1 });
    expect(made.status).toBe(201);
    const before = await t.kernel.db.selectFrom('seal_authorizations').select('id').execute();
    const task = await taskOf(made.body.id);
    const done = await call(reviewer, 'POST', `/api/workflow/tasks/${task.id}/complete`, {
      outcome: 'reject',
      opinion: '事由不充分',
    });
    expect(done.status).toBe(200);
    const after = await call(editor, 'GET', `/api/seal/requests/${made.body.id}`);
    expect(after.body).toMatchObject({
      state: 'rejected',
      stateName: '未批准',
      opinion: '事由不充分',
      authorizationId: null,
    });
    expect(await t.kernel.db.selectFrom('seal_authorizations').select('id').execute()).toHaveLength(before.length);
    const mine = await call(editor, 'GET', '/api/seal/requests?mine=1&state=rejected');
    expect(mine.body.items.map((r: { id: string }) => r.id)).toContain(made.body.id);
  });

  it('refuses approving one’s own request (the completion is rolled back)', async () => {
    const made = await apply(reviewer);
    expect(made.status).toBe(201);
    const task = await taskOf(made.body.id);
    const res = await call(reviewer, 'POST', `/api/workflow/tasks/${task.id}/complete`, { outcome: 'approve' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('seal_request_self_approval');
    expect((await call(reviewer, 'GET', `/api/seal/requests/${made.body.id}`)).body.state).toBe('pending');
    expect((await call(reviewer, 'GET', `/api/workflow/tasks/${task.id}`)).body.state).toBe('open');
    expect((await call(reviewer, 'POST', `/api/seal/requests/${made.body.id}/withdraw`, {})).status).toBe(200);
  });
});

describe('撤回与终止', () => {
  it('lets the applicant withdraw a pending request, once, and nobody else', async () => {
    const made = await apply(editor);
    expect(made.status).toBe(201);
    const twice = await apply(editor);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('seal_request_pending');
    const foreign = await call(wjw, 'POST', `/api/seal/requests/${made.body.id}/withdraw`, {});
    expect(foreign.status).toBe(403);
    const res = await call(editor, 'POST', `/api/seal/requests/${made.body.id}/withdraw`, { reason: '不再需要' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'withdrawn', stateName: '已撤回' });
    const instance = await call(editor, 'GET', `/api/workflow/instances/${res.body.workflowInstanceId}`);
    expect(instance.body.state).toBe('withdrawn');
    expect(await taskOf(made.body.id)).toBeUndefined();
    const again = await call(editor, 'POST', `/api/seal/requests/${made.body.id}/withdraw`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('seal_request_not_pending');
  });

  it('follows a withdraw made in 我的任务 (the workflow console)', async () => {
    const made = await apply(editor);
    expect(made.status).toBe(201);
    const res = await call(editor, 'POST', `/api/workflow/instances/${made.body.workflowInstanceId}/withdraw`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await t.kernel.events.deliverDue();
    const after = await call(editor, 'GET', `/api/seal/requests/${made.body.id}`);
    expect(after.body).toMatchObject({ state: 'withdrawn', stateName: '已撤回' });
  });

  it('follows an instance terminated in 流程监控', async () => {
    const made = await apply(editor);
    expect(made.status).toBe(201);
    const res = await call(admin, 'POST', `/api/workflow/instances/${made.body.workflowInstanceId}/terminate`, {
      reason: '印章停用',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await t.kernel.events.deliverDue();
    const after = await call(editor, 'GET', `/api/seal/requests/${made.body.id}`);
    expect(after.body).toMatchObject({ state: 'cancelled', stateName: '已终止' });
  });
});

describe('bad input', () => {
  it('refuses unknown, disabled and approval-free seals, a missing reason and unknown fields', async () => {
    const unknown = await call(editor, 'POST', '/api/seal/requests', {
      sealId: '00000000-0000-4000-8000-000000000000',
      reason: '用章',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('seal_not_found');
    const noReason = await call(editor, 'POST', '/api/seal/requests', { sealId });
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('validation_failed');
    const blank = await apply(editor, { reason: '   ' });
    expect(blank.status).toBe(400);
    const extra = await apply(editor, { subjectId: 'x' });
    expect(extra.status).toBe(400);
    const badCount = await apply(editor, { countLimit: 0 });
    expect(badCount.status).toBe(400);
    const past = await apply(editor, { validTo: '2020-01-01T00:00:00Z' });
    expect(past.body.code).toBe('validity_invalid');

    const { sealId: plain } = await createSeal(t, admin, { name: '新乡市教育局财务' });
    const free = await call(editor, 'POST', '/api/seal/requests', { sealId: plain, reason: '用章' });
    expect(free.status).toBe(409);
    expect(free.body).toMatchObject({
      code: 'seal_approval_not_required',
      title: '该印章无需审批，请联系用章授权管理员直接授权',
    });

    expect((await call(admin, 'POST', `/api/seal/seals/${sealId}/disable`)).status).toBe(200);
    const disabled = await apply(editor);
    expect(disabled.status).toBe(409);
    expect(disabled.body).toMatchObject({ code: 'seal_unusable', title: '印章已停用' });
    expect((await call(admin, 'POST', `/api/seal/seals/${sealId}/enable`)).status).toBe(200);

    const client = await call(admin, 'POST', '/api/gateway/clients', { name: '公文系统', scopes: ['seal:sign'] });
    expect(client.status).toBe(201);
    const bearer = { authorization: `Bearer ${client.body.key}` };
    const byKey = await t.app.inject({
      method: 'POST',
      url: '/api/seal/requests',
      headers: bearer,
      payload: { sealId, reason: 'x' },
    });
    expect(byKey.statusCode).toBe(403);
    expect(byKey.json().code).toBe('seal_request_user_only');
    expect((await t.app.inject({ url: '/api/seal/requests', headers: bearer })).statusCode).toBe(403);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/seal/requests',
      payload: { sealId, reason: 'x' },
    });
    expect(anonymous.statusCode).toBe(401);
    const requests = await t.kernel.db
      .selectFrom('seal_use_requests')
      .select('id')
      .where('seal_id', '=', plain)
      .execute();
    expect(requests).toHaveLength(0);
  });

  it('shows a user only their own requests unless they hold seal:read', async () => {
    const own = await call(wjw, 'GET', '/api/seal/requests');
    expect(own.body.total).toBe(0);
    const all = await call(admin, 'GET', `/api/seal/requests?sealId=${sealId}`);
    expect(all.body.total).toBeGreaterThan(3);
    const someone = all.body.items[0].id;
    expect((await call(wjw, 'GET', `/api/seal/requests/${someone}`)).status).toBe(403);
  });

  it('deployed the shipped process seal-use once, at the first request (this app ran no seal seed)', async () => {
    const versions = await t.kernel.db
      .selectFrom('workflow_definitions')
      .select('version')
      .where('key', '=', SEAL_USE_KEY)
      .execute();
    expect(versions).toEqual([{ version: 1 }]);
  });
});
