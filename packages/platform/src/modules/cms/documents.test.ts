import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../kernel/testing.js';
import { runScheduledDocuments } from './documents.js';
import { caller, type DocumentsFixture, documentsFixture } from './documents.test-support.js';
import { harmlessProblems, XSS_CORPUS } from './xss-corpus.js';

let f: DocumentsFixture;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  f = await documentsFixture();
  call = caller(f.t.app);
}, 120_000);
afterAll(async () => {
  await f?.t.close();
});

async function create(who: Session, channelId: string, extra: Record<string, unknown> = {}) {
  const res = await call(who, 'POST', '/api/cms/documents', {
    channelId,
    title: '市教育局召开2026年秋季学期安全工作会议',
    source: '市教育局',
    author: '办公室',
    bodyHtml: '<p>会议要求各学校落实安全责任。</p>',
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function outbox(documentId: string) {
  const rows = await f.t.kernel.db
    .selectFrom('event_outbox')
    .select(['name', 'payload'])
    .where(sql`payload->>'documentId'`, '=', documentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ name: r.name as string, version: (r.payload as { version: number }).version }));
}

describe('documents: create, read, list', () => {
  it('creates a draft with a sanitized body and finds it in the list', async () => {
    const doc = await create(f.as.editor, f.channels.one, {
      type: 'gallery',
      subtitle: '副标题',
      shortTitle: '安全工作会议',
      keywords: '安全,开学',
      tags: ['安全'],
      custom: { 文号: '新教〔2026〕12号' },
      bodyJson: { type: 'doc', content: [] },
      bodyHtml: '<p onclick="x()">正文<script>alert(1)</script></p><img src="javascript:alert(1)">',
    });
    expect(doc).toMatchObject({ state: 'draft', version: 1, type: 'gallery', siteId: f.jyjSiteId });
    expect(doc.bodyHtml).toBe('<p>正文</p>');
    const got = await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}`);
    expect(got.body).toMatchObject({ custom: { 文号: '新教〔2026〕12号' }, tags: ['安全'], bodyJson: { type: 'doc' } });
    const today = new Date().toISOString().slice(0, 10);
    const list = await call(
      f.as.editor,
      'GET',
      `/api/cms/documents?channelId=${f.channels.one}&q=秋季&type=gallery&from=${today}&authorId=${doc.createdBy}`,
    );
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(doc.id);
    const past = await call(f.as.editor, 'GET', `/api/cms/documents?channelId=${f.channels.one}&to=2020-01-01`);
    expect(past.body.total).toBe(0);
    expect(list.body.items[0]).toMatchObject({ channelName: '测试栏目-t-one', createdByName: '教育局信息员' });
  });

  it('refuses a link document without a URL and a javascript: link', async () => {
    const missing = await call(f.as.editor, 'POST', '/api/cms/documents', {
      channelId: f.channels.one,
      title: '链接',
      type: 'link',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('linkUrl');
    const hostile = await call(f.as.editor, 'POST', '/api/cms/documents', {
      channelId: f.channels.one,
      title: '链接',
      type: 'link',
      linkUrl: 'javascript:alert(1)',
    });
    expect(hostile.status).toBe(400);
    const blank = await call(f.as.editor, 'POST', '/api/cms/documents', { channelId: f.channels.one, title: '   ' });
    expect(blank.body.errors).toEqual([{ field: 'title', message: '不能为空' }]);
  });

  it('cleans every vector of the XSS corpus saved through the API', async () => {
    const doc = await create(f.as.editor, f.channels.one, { bodyHtml: XSS_CORPUS.join('\n') });
    expect(harmlessProblems(doc.bodyHtml)).toEqual([]);
  });

  it('pins and marks new until the given time, pinned documents first', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const plain = await create(f.as.editor, f.channels.other, { title: '普通信息' });
    const pinned = await create(f.as.editor, f.channels.other, {
      title: '置顶信息',
      pinnedUntil: future,
      newUntil: future,
      publishAt: '2024-01-01T00:00:00Z',
    });
    expect(pinned).toMatchObject({ pinned: true, isNew: true });
    const expired = await call(f.as.editor, 'PATCH', `/api/cms/documents/${pinned.id}`, {
      version: 1,
      pinnedUntil: '2020-01-01T00:00:00Z',
    });
    expect(expired.body.pinned).toBe(false);
    await call(f.as.editor, 'PATCH', `/api/cms/documents/${pinned.id}`, { version: 2, pinnedUntil: future });
    const list = await call(f.as.editor, 'GET', `/api/cms/documents?channelId=${f.channels.other}`);
    const ids = list.body.items.map((d: { id: string }) => d.id);
    expect(ids.indexOf(pinned.id)).toBeLessThan(ids.indexOf(plain.id));
  });
});

describe('review', () => {
  it('one level: submit, the reviewer approves, the document is published with its event', async () => {
    const doc = await create(f.as.editor, f.channels.one);
    const submitted = await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/submit`);
    expect(submitted.body).toMatchObject({ state: 'pending', reviewStep: 1, version: 2 });
    const inbox = await call(f.as.reviewer, 'GET', '/api/cms/review/inbox?pageSize=200');
    expect(inbox.body.items.find((i: { id: string }) => i.id === doc.id)).toMatchObject({ reviewStep: 1 });
    const denied = await call(f.as.editor, 'POST', `/api/cms/review/${doc.id}/approve`, {});
    expect(denied.status).toBe(403);
    const approved = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/approve`, { comment: '同意' });
    expect(approved.body).toMatchObject({ state: 'published', reviewStep: 0, version: 3 });
    expect(approved.body.publishAt).not.toBeNull();
    expect((await outbox(doc.id)).filter((e) => e.name === 'cms.document.published')).toEqual([
      { name: 'cms.document.published', version: 3 },
    ]);
    const history = await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/review-history`);
    expect(history.body.items.map((h: { action: string; comment: string }) => [h.action, h.comment])).toEqual([
      ['submit', null],
      ['approve', '同意'],
    ]);
  });

  it('two levels need two different reviewers', async () => {
    const doc = await create(f.as.editor, f.channels.two);
    await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/submit`);
    const first = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/approve`);
    expect(first.body).toMatchObject({ state: 'pending', reviewStep: 2 });
    const again = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/approve`, {});
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('review_same_reviewer');
    const inbox = await call(f.as.reviewer, 'GET', '/api/cms/review/inbox?pageSize=200');
    expect(inbox.body.items.map((i: { id: string }) => i.id)).not.toContain(doc.id);
    const second = await call(f.as.jyjAdmin, 'POST', `/api/cms/review/${doc.id}/approve`, { comment: '二审通过' });
    expect(second.body).toMatchObject({ state: 'published' });
  });

  it('reject sends the document back to draft with the reasons; reasons are required', async () => {
    const doc = await create(f.as.editor, f.channels.one);
    await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/submit`);
    const noReason = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/reject`, {});
    expect(noReason.status).toBe(400);
    const rejected = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/reject`, { comment: '标题有误' });
    expect(rejected.body).toMatchObject({ state: 'draft', reviewStep: 0 });
    const history = await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/review-history`);
    expect(history.body.items.at(-1)).toMatchObject({
      action: 'reject',
      comment: '标题有误',
      actorName: '教育局审核员',
    });
    const notPending = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/approve`, {});
    expect(notPending.body.code).toBe('document_not_pending');
  });

  it('mode none publishes on submit for a publisher, waits for a reviewer otherwise', async () => {
    const byPublisher = await create(f.as.jyjAdmin, f.channels.none);
    const published = await call(f.as.jyjAdmin, 'POST', `/api/cms/documents/${byPublisher.id}/submit`);
    expect(published.body.state).toBe('published');
    const byEditor = await create(f.as.editor, f.channels.none);
    const pending = await call(f.as.editor, 'POST', `/api/cms/documents/${byEditor.id}/submit`);
    expect(pending.body).toMatchObject({ state: 'pending', reviewStep: 1 });
  });

  it('a reviewer cannot approve their own document', async () => {
    const doc = await create(f.as.jyjAdmin, f.channels.one);
    await call(f.as.jyjAdmin, 'POST', `/api/cms/documents/${doc.id}/submit`);
    const own = await call(f.as.jyjAdmin, 'POST', `/api/cms/review/${doc.id}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('review_own_document');
  });

  it('scheduled publish waits after approval, then the scheduler publishes and later withdraws', async () => {
    const doc = await create(f.as.editor, f.channels.one, {
      scheduledPublishAt: new Date(Date.now() + 3_600_000).toISOString(),
      scheduledWithdrawAt: new Date(Date.now() + 7_200_000).toISOString(),
    });
    await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/submit`);
    const approved = await call(f.as.reviewer, 'POST', `/api/cms/review/${doc.id}/approve`, {});
    expect(approved.body).toMatchObject({ state: 'pending', reviewStep: 0 });
    const db = f.t.kernel.db;
    await db
      .updateTable('cms_documents')
      .set({ scheduled_publish_at: new Date(Date.now() - 1000) })
      .where('id', '=', doc.id)
      .execute();
    // What the module's every-minute cron tick enqueues.
    await f.t.kernel.jobs.enqueue(db, 'cms.documents.schedule', {});
    await f.t.kernel.jobs.runUntilIdle();
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}`)).body.state).toBe('published');
    await db
      .updateTable('cms_documents')
      .set({ scheduled_withdraw_at: new Date(Date.now() - 1000) })
      .where('id', '=', doc.id)
      .execute();
    await runScheduledDocuments(f.t.kernel);
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}`)).body.state).toBe('withdrawn');
    expect((await outbox(doc.id)).map((e) => e.name)).toEqual(
      expect.arrayContaining(['cms.document.published', 'cms.document.withdrawn']),
    );
  });

  it('publish and withdraw directly need document:publish', async () => {
    const doc = await create(f.as.editor, f.channels.two);
    expect((await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/publish`)).status).toBe(403);
    expect((await call(f.as.reviewer, 'POST', `/api/cms/documents/${doc.id}/publish`)).body.state).toBe('published');
    const editPublished = await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, { version: 2, title: '改' });
    expect(editPublished.body.code).toBe('document_published');
    expect((await call(f.as.reviewer, 'POST', `/api/cms/documents/${doc.id}/withdraw`)).body.state).toBe('withdrawn');
  });
});

describe('saving: conflicts and versions', () => {
  it('a stale save answers 409 with both versions and overwrites nothing', async () => {
    const doc = await create(f.as.editor, f.channels.one);
    const first = await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, { version: 1, title: '甲的标题' });
    expect(first.body.version).toBe(2);
    const stale = await call(f.as.jyjAdmin, 'PATCH', `/api/cms/documents/${doc.id}`, { version: 1, title: '乙的标题' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: 'document_conflict',
      yours: { version: 1, title: '乙的标题' },
      current: { version: 2, title: '甲的标题' },
    });
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}`)).body.title).toBe('甲的标题');
  });

  it('keeps a version per save, diffs two of them and restores an old one as a new version', async () => {
    const doc = await create(f.as.editor, f.channels.one, { bodyHtml: '<p>全市中小学开展安全检查。</p>' });
    await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, {
      version: 1,
      title: '市教育局部署秋季开学安全检查',
      bodyHtml: '<p>全市中小学和幼儿园开展安全大检查。</p>',
    });
    const versions = await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/versions`);
    expect(versions.body.items.map((v: { version: number; action: string }) => [v.version, v.action])).toEqual([
      [2, 'save'],
      [1, 'create'],
    ]);
    const diff = await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/diff?from=1&to=2`);
    expect(diff.body.fields).toEqual([
      { field: 'title', from: '市教育局召开2026年秋季学期安全工作会议', to: '市教育局部署秋季开学安全检查' },
    ]);
    expect(diff.body.body.html).toBe('<p>全市中小学<ins>和幼儿园</ins>开展安全<ins>大</ins>检查。</p>');
    expect(diff.body.body).toMatchObject({ inserted: 5, deleted: 0 });
    const restored = await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/restore-version`, {
      restoreVersion: 1,
      version: 2,
    });
    expect(restored.body).toMatchObject({
      version: 3,
      title: '市教育局召开2026年秋季学期安全工作会议',
      bodyHtml: '<p>全市中小学开展安全检查。</p>',
    });
    const v1 = await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/versions/1`);
    expect(v1.body.snapshot.title).toBe('市教育局召开2026年秋季学期安全工作会议');
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/versions/9`)).status).toBe(404);
  });

  it('tracks the files a document uses and refuses unknown files', async () => {
    const db = f.t.kernel.db;
    const file = await db
      .insertInto('files')
      .values({ sha256: 'a'.repeat(64), size: 10, mime: 'image/png', ext: 'png', name: '会场.png' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const doc = await create(f.as.editor, f.channels.one, {
      bodyHtml: `<p><img src="/api/cms/files/${file.id}/content" alt="会场"></p>`,
      coverFileId: file.id,
    });
    const refs = await db.selectFrom('file_references').select(['field']).where('owner_id', '=', doc.id).execute();
    expect(refs.map((r) => r.field).sort()).toEqual(['body', 'cover']);
    const unknown = await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, {
      version: 1,
      attachments: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(unknown.body.code).toBe('file_not_found');
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}`)).body.version).toBe(1);
  });
});

describe('operations', () => {
  it('copies and moves within the editor’s sites', async () => {
    const doc = await create(f.as.editor, f.channels.one, { title: '复制我' });
    const copy = await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/copy`, {
      targetChannelId: f.channels.other,
    });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ title: '复制我', state: 'draft', channelId: f.channels.other, version: 1 });
    expect(copy.body.id).not.toBe(doc.id);
    const moved = await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/move`, {
      targetChannelId: f.channels.two,
    });
    expect(moved.body).toMatchObject({ channelId: f.channels.two, version: 2 });
    const foreign = await call(f.as.editor, 'POST', `/api/cms/documents/${doc.id}/move`, {
      targetChannelId: f.channels.wjw,
    });
    expect(foreign.status).toBe(403);
  });

  it('a reference shows the source’s current content in another site', async () => {
    const source = await create(f.as.jyjAdmin, f.channels.one, { title: '源信息', bodyHtml: '<p>第一稿</p>' });
    const draft = await call(f.as.admin, 'POST', `/api/cms/documents/${source.id}/reference`, {
      targetChannelId: f.channels.wjw,
    });
    expect(draft.body.code).toBe('document_not_published');
    await call(f.as.jyjAdmin, 'POST', `/api/cms/documents/${source.id}/publish`);
    const ref = await call(f.as.admin, 'POST', `/api/cms/documents/${source.id}/reference`, {
      targetChannelId: f.channels.wjw,
    });
    expect(ref.status).toBe(201);
    expect(ref.body).toMatchObject({ referenceOf: source.id, siteId: f.wjwSiteId, state: 'published' });
    await call(f.as.jyjAdmin, 'PATCH', `/api/cms/documents/${source.id}`, {
      version: 2,
      title: '源信息（修订）',
      bodyHtml: '<p>第二稿</p>',
    });
    // Publishing re-renders the reference's page: the source's save announces it too.
    expect((await outbox(ref.body.id)).map((e) => e.name)).toContain('cms.document.updated');
    const seen = await call(f.as.wjwEditor, 'GET', `/api/cms/documents/${ref.body.id}`);
    expect(seen.body).toMatchObject({ title: '源信息（修订）', bodyHtml: '<p>第二稿</p>', siteId: f.wjwSiteId });
    const list = await call(f.as.wjwEditor, 'GET', `/api/cms/documents?channelId=${f.channels.wjw}`);
    expect(list.body.items.find((d: { id: string }) => d.id === ref.body.id).title).toBe('源信息（修订）');
    const direct = await call(f.as.admin, 'PATCH', `/api/cms/documents/${ref.body.id}`, { version: 2, title: 'x' });
    expect(direct.body.code).toBe('document_is_reference');
    // When the source leaves the site, so does every reference to it.
    await call(f.as.jyjAdmin, 'POST', `/api/cms/documents/${source.id}/withdraw`);
    expect((await call(f.as.wjwEditor, 'GET', `/api/cms/documents/${ref.body.id}`)).body.state).toBe('withdrawn');
  });

  it('push sends copies into other sites’ review', async () => {
    const source = await create(f.as.admin, f.channels.one, { title: '全市统一推送的通知' });
    const pushed = await call(f.as.admin, 'POST', `/api/cms/documents/${source.id}/push`, {
      targetChannelIds: [f.channels.wjw],
    });
    expect(pushed.status).toBe(201);
    const copy = pushed.body.items[0];
    expect(copy).toMatchObject({ state: 'pending', reviewStep: 1, pushedFrom: source.id, siteId: f.wjwSiteId });
    const inbox = await call(f.as.wjwAdmin, 'GET', '/api/cms/review/inbox?pageSize=200');
    expect(inbox.body.items.map((i: { id: string }) => i.id)).toContain(copy.id);
    const approved = await call(f.as.wjwAdmin, 'POST', `/api/cms/review/${copy.id}/approve`, {});
    expect(approved.body.state).toBe('published');
    const sameSite = await call(f.as.admin, 'POST', `/api/cms/documents/${source.id}/push`, {
      targetChannelIds: [f.channels.two],
    });
    expect(sameSite.body.code).toBe('push_same_site');
  });

  it('delete goes to the recycle bin; restore; purge only from the bin', async () => {
    const doc = await create(f.as.editor, f.channels.one, { title: '回收站测试' });
    expect((await call(f.as.editor, 'DELETE', `/api/cms/recycle-bin/${doc.id}`)).body.code).toBe('document_not_in_bin');
    expect((await call(f.as.editor, 'DELETE', `/api/cms/documents/${doc.id}`)).status).toBe(200);
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}`)).status).toBe(404);
    const bin = await call(f.as.editor, 'GET', '/api/cms/recycle-bin?q=回收站测试');
    expect(bin.body.items.map((d: { id: string }) => d.id)).toEqual([doc.id]);
    const restored = await call(f.as.editor, 'POST', `/api/cms/recycle-bin/${doc.id}/restore`);
    expect(restored.body).toMatchObject({ state: 'draft', deletedAt: null });
    await call(f.as.editor, 'DELETE', `/api/cms/documents/${doc.id}`);
    expect((await call(f.as.editor, 'DELETE', `/api/cms/recycle-bin/${doc.id}`)).body).toEqual({
      id: doc.id,
      purged: true,
    });
    expect((await call(f.as.editor, 'GET', `/api/cms/documents/${doc.id}/versions`)).status).toBe(404);
    expect((await outbox(doc.id)).map((e) => e.name)).toContain('cms.document.deleted');
  });

  it('batch: each item succeeds or fails on its own', async () => {
    const a = await create(f.as.editor, f.channels.one);
    const b = await create(f.as.editor, f.channels.one);
    const foreign = await create(f.as.wjwEditor, f.channels.wjw);
    const res = await call(f.as.editor, 'POST', '/api/cms/documents/batch', {
      action: 'submit',
      ids: [a.id, foreign.id, b.id],
    });
    expect(res.body.results.map((r: { ok: boolean; code?: string }) => [r.ok, r.code])).toEqual([
      [true, undefined],
      [false, 'site_forbidden'],
      [true, undefined],
    ]);
    const missingTarget = await call(f.as.editor, 'POST', '/api/cms/documents/batch', { action: 'move', ids: [a.id] });
    expect(missingTarget.status).toBe(400);
  });
});

describe('site scope', () => {
  it('an editor of one department neither sees nor touches another department’s documents', async () => {
    const doc = await create(f.as.editor, f.channels.one, { title: '教育局内部信息' });
    expect((await call(f.as.wjwEditor, 'GET', `/api/cms/documents/${doc.id}`)).status).toBe(403);
    const list = await call(f.as.wjwEditor, 'GET', '/api/cms/documents?q=教育局内部信息');
    expect(list.body).toEqual({ items: [], total: 0 });
    const write = await call(f.as.wjwEditor, 'POST', '/api/cms/documents', {
      channelId: f.channels.one,
      title: '越权',
    });
    expect(write.status).toBe(403);
    const patch = await call(f.as.wjwEditor, 'PATCH', `/api/cms/documents/${doc.id}`, { version: 1, title: 'x' });
    expect(patch.body.code).toBe('site_forbidden');
  });
});
