import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { cmsModule } from './index.js';

/* 工作门户 and title search through real HTTP, scoped to the user's sites. */

let t: TestApp;
let jyjEditor: Session;
let jyjReviewer: Session;
let wjwEditor: Session;

const DAY = 86_400_000;

async function idOf(table: string, column: string, value: string): Promise<string> {
  const row = await t.kernel.db.selectFrom(table).select('id').where(column, '=', value).executeTakeFirstOrThrow();
  return row.id;
}

async function channel(siteCode: string, code: string) {
  const siteId = await idOf('cms_sites', 'code', siteCode);
  const row = await t.kernel.db
    .selectFrom('cms_channels')
    .select('id')
    .where('site_id', '=', siteId)
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  return { siteId, channelId: row.id };
}

/* Fixture documents go straight into the table: this file tests the portal's reading of them. */
beforeAll(async () => {
  t = await identityTestApp({ modules: [cmsModule] });
  jyjEditor = await login(t.app, 'jyj_editor');
  jyjReviewer = await login(t.app, 'jyj_reviewer');
  wjwEditor = await login(t.app, 'wjw_editor');
  const editor = await idOf('identity_users', 'username', 'jyj_editor');
  const other = await idOf('identity_users', 'username', 'wjw_editor');
  const tzgg = await channel('jyj', 'tzgg');
  const gzdt = await channel('jyj', 'gzdt');
  const wjw = await channel('wjw', 'gzdt');
  // Start from no documents at all: the seeded demo documents would blur every count below.
  await t.kernel.db.deleteFrom('cms_documents').execute();
  const doc = (at: { siteId: string; channelId: string }, title: string, extra: Record<string, unknown> = {}) => ({
    site_id: at.siteId,
    channel_id: at.channelId,
    title,
    created_by: editor,
    ...extra,
  });
  const rows = [
    doc(tzgg, '关于2026年中考报名的通知（草稿）'),
    doc(tzgg, '暑期安全提醒（草稿）'),
    doc(tzgg, '已删除的草稿', { deleted_at: new Date() }),
    doc(tzgg, '关于教师资格认定的通知', { state: 'pending', review_step: 1 }),
    doc(gzdt, '市教育局召开工作会议', { state: 'published', publish_at: new Date(Date.now() - 2 * DAY) }),
    doc(wjw, '市卫健委开展义诊通知', { state: 'published', publish_at: new Date(), created_by: other }),
  ];
  const inserted = await t.kernel.db.insertInto('cms_documents').values(rows).returning(['id', 'title']).execute();
  const pending = inserted.find((r) => r.title === '关于教师资格认定的通知');
  await t.kernel.db
    .insertInto('cms_review_actions')
    .values({ document_id: pending?.id, step: 0, action: 'submit', reviewer_id: editor })
    .execute();
});
afterAll(async () => t?.close());

const get = (s: Session, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
const titles = (items: { title: string }[]) => items.map((i) => i.title);

describe('工作门户', () => {
  it('shows an editor their drafts, submissions, recent publications and overdue channels of their own site', async () => {
    const res = await get(jyjEditor, '/api/cms/portal');
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p.sites.map((s: any) => s.code)).toEqual(['jyj']);
    expect(p.counts).toMatchObject({ sites: 1, myDrafts: 2, mySubmissions: 1, reviewInbox: 0, publishedThisWeek: 1 });
    expect(titles(p.myDrafts).sort()).toEqual(['关于2026年中考报名的通知（草稿）', '暑期安全提醒（草稿）'].sort());
    expect(titles(p.mySubmissions)).toEqual(['关于教师资格认定的通知']);
    expect(titles(p.recentPublications)).toEqual(['市教育局召开工作会议']);
    expect(p.recentPublications[0]).toMatchObject({ siteName: '新乡市教育局', channelName: '工作动态' });
    // 11 channels have an update cycle; 工作动态 (14 days) published two days ago.
    expect(p.counts.overdueChannels).toBe(10);
    expect(p.overdueChannels.map((c: any) => c.name)).not.toContain('工作动态');
  });

  it('shows a reviewer what waits for their review', async () => {
    const p = (await get(jyjReviewer, '/api/cms/portal')).json();
    expect(p.counts.reviewInbox).toBe(1);
    expect(p.reviewInbox[0]).toMatchObject({ title: '关于教师资格认定的通知', siteName: '新乡市教育局' });
  });

  it('shows another department nothing of 市教育局', async () => {
    const p = (await get(wjwEditor, '/api/cms/portal')).json();
    expect(p.counts).toMatchObject({ sites: 1, myDrafts: 0, mySubmissions: 0 });
    expect(titles(p.recentPublications)).toEqual(['市卫健委开展义诊通知']);
  });
});

describe('title search', () => {
  it('finds titles on the user’s own sites only, recycle bin excluded', async () => {
    const mine = (await get(jyjEditor, `/api/cms/search?q=${encodeURIComponent('通知')}`)).json();
    expect(titles(mine.items).sort()).toEqual(['关于2026年中考报名的通知（草稿）', '关于教师资格认定的通知'].sort());
    expect(mine.total).toBe(2);
    const theirs = (await get(wjwEditor, `/api/cms/search?q=${encodeURIComponent('通知')}`)).json();
    expect(titles(theirs.items)).toEqual(['市卫健委开展义诊通知']);
    expect((await get(jyjEditor, `/api/cms/search?q=${encodeURIComponent('已删除')}`)).json().total).toBe(0);
  });

  it('treats wildcards literally and requires a query', async () => {
    expect((await get(jyjEditor, '/api/cms/search?q=%25')).json().total).toBe(0);
    const missing = await get(jyjEditor, '/api/cms/search');
    expect(missing.statusCode).toBe(400);
    expect((await get(jyjEditor, '/api/cms/search?q=x&extra=1')).statusCode).toBe(400);
  });
});
