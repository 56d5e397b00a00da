import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { cmsModule } from '../cms/index.js';
import { reviewBusinessKey } from '../cms/review.js';
import { formsModule } from '../forms/index.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { workflowModule } from './index.js';

/*
 * CMS review on the shipped default process `cms-review`: a channel chooses it (reviewProcess),
 * and the CMS's own endpoints (submit, /review/:id/approve|reject) drive the workflow instance.
 */

let t: TestApp;
let as: Record<'editor' | 'reviewer' | 'jyjAdmin' | 'admin', Session>;
let channelId: string;
let plainChannelId: string;

const call = async (who: Session, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
  const res = await t.app.inject({
    method,
    url,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as any }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : null };
};

async function createDoc(channel: string, title: string) {
  const res = await call(as.editor, 'POST', '/api/cms/documents', {
    channelId: channel,
    title,
    bodyHtml: '<p>正文</p>',
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const instanceOf = (documentId: string) =>
  t.kernel.db
    .selectFrom('workflow_instances')
    .selectAll()
    .where('business_key', '=', reviewBusinessKey(documentId))
    .orderBy('started_at', 'desc')
    .executeTakeFirst();

beforeAll(async () => {
  t = await identityTestApp({ modules: [formsModule, workflowModule, cmsModule] });
  // 部门管理员 doubles as the second-level reviewer (as in the cms tests).
  await t.kernel.db
    .updateTable('identity_roles')
    .set({ permissions: sql`permissions || '["document:review", "document:publish"]'::jsonb` })
    .where('code', '=', 'orgadmin')
    .execute();
  as = {
    editor: await login(t.app, 'jyj_editor'),
    reviewer: await login(t.app, 'jyj_reviewer'),
    jyjAdmin: await login(t.app, 'jyj_admin'),
    admin: await login(t.app, 'admin'),
  };
  const site = await t.kernel.db
    .selectFrom('cms_sites as s')
    .innerJoin('identity_orgs as o', 'o.id', 's.owner_org_id')
    .select('s.id')
    .where('o.short_name', '=', '市教育局')
    .executeTakeFirstOrThrow();
  const made = await call(as.admin, 'POST', '/api/cms/channels', {
    siteId: site.id,
    name: '流程审核栏目',
    code: 'wf-two',
    type: 'list',
    reviewMode: 'two',
  });
  expect(made.status).toBe(201);
  channelId = made.body.id;
  const chosen = await call(as.admin, 'PATCH', `/api/cms/channels/${channelId}`, { reviewProcess: 'cms-review' });
  expect(chosen.body).toMatchObject({ reviewMode: 'two', reviewProcess: 'cms-review' });
  const plain = await call(as.admin, 'POST', '/api/cms/channels', {
    siteId: site.id,
    name: '内置审核栏目',
    code: 'wf-plain',
    type: 'list',
    reviewMode: 'one',
  });
  plainChannelId = plain.body.id;
}, 300_000);

afterAll(async () => {
  await t?.close();
});

describe('CMS review on the default process', () => {
  it('two levels: the reviewer sees the task in the workflow inbox, approvals publish the document', async () => {
    const id = await createDoc(channelId, '关于2026年秋季开学工作的通知');
    const submitted = await call(as.editor, 'POST', `/api/cms/documents/${id}/submit`);
    expect(submitted.body).toMatchObject({ state: 'pending', reviewStep: 1 });
    const inst = await instanceOf(id);
    expect(inst).toMatchObject({ definition_key: 'cms-review', state: 'running' });
    const todo = await call(as.reviewer, 'GET', '/api/workflow/tasks?box=todo');
    expect(todo.body.items).toContainEqual(
      expect.objectContaining({ name: '初审', instanceId: inst!.id, candidate: true }),
    );
    const cmsInbox = await call(as.reviewer, 'GET', '/api/cms/review/inbox?pageSize=200');
    expect(cmsInbox.body.items.map((d: { id: string }) => d.id)).toContain(id);

    expect((await call(as.editor, 'POST', `/api/cms/review/${id}/approve`, {})).status).toBe(403); // own document
    const first = await call(as.reviewer, 'POST', `/api/cms/review/${id}/approve`, { comment: '初审同意' });
    expect(first.body).toMatchObject({ state: 'pending', reviewStep: 2 });
    const again = await call(as.reviewer, 'POST', `/api/cms/review/${id}/approve`, {});
    expect(again.status).toBe(403);
    const second = await call(as.jyjAdmin, 'POST', `/api/cms/review/${id}/approve`, { comment: '复审同意' });
    expect(second.body).toMatchObject({ state: 'published' });

    const done = await instanceOf(id);
    expect(done!.state).toBe('completed');
    const detail = await call(as.admin, 'GET', `/api/workflow/instances/${done!.id}`);
    expect(detail.body.completedElementIds).toEqual(expect.arrayContaining(['review1', 'review2', 'approved']));
    expect(detail.body.history.filter((h: any) => h.action === 'complete').map((h: any) => h.opinion)).toEqual([
      '初审同意',
      '复审同意',
    ]);
    const history = await call(as.editor, 'GET', `/api/cms/documents/${id}/review-history`);
    expect((history.body.items ?? history.body).map((h: any) => h.action)).toEqual(['submit', 'approve', 'approve']);
  });

  it('a rejection sends the document back to draft and ends the instance on 退回修改', async () => {
    const id = await createDoc(channelId, '待退回的稿件');
    await call(as.editor, 'POST', `/api/cms/documents/${id}/submit`);
    const rejected = await call(as.reviewer, 'POST', `/api/cms/review/${id}/reject`, { comment: '请补充附件' });
    expect(rejected.body).toMatchObject({ state: 'draft' });
    const inst = await instanceOf(id);
    expect(inst!.state).toBe('completed');
    const nodes = await t.kernel.db
      .selectFrom('workflow_history')
      .select('element_id')
      .where('instance_id', '=', inst!.id)
      .where('action', '=', 'node')
      .execute();
    expect(nodes.map((n) => n.element_id)).toContain('rejected');
    // resubmitting starts a new round
    await call(as.editor, 'POST', `/api/cms/documents/${id}/submit`);
    expect((await instanceOf(id))!.id).not.toBe(inst!.id);
  });

  it('channels without a review process keep the built-in review', async () => {
    const id = await createDoc(plainChannelId, '内置审核的稿件');
    await call(as.editor, 'POST', `/api/cms/documents/${id}/submit`);
    expect(await instanceOf(id)).toBeUndefined();
    const approved = await call(as.reviewer, 'POST', `/api/cms/review/${id}/approve`, {});
    expect(approved.body).toMatchObject({ state: 'published' });
  });
});
