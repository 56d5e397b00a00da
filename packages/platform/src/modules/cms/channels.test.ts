import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { cmsModule } from './index.js';

/* 栏目管理 through real HTTP: tree, CRUD, validation, scope, move, merge, delete. */

let t: TestApp;
let admin: Session;
let jyjAdmin: Session;
let jyjEditor: Session;
let wjwAdmin: Session;
let jyjSite: string;

beforeAll(async () => {
  t = await identityTestApp({ modules: [cmsModule] });
  admin = await login(t.app, 'admin');
  jyjAdmin = await login(t.app, 'jyj_admin');
  jyjEditor = await login(t.app, 'jyj_editor');
  wjwAdmin = await login(t.app, 'wjw_admin');
  jyjSite = await siteId('jyj');
});
afterAll(async () => t?.close());

function call(s: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({ method, url, payload, headers: method === 'GET' ? { cookie: s.cookie } : s.headers });
}

async function siteId(code: string): Promise<string> {
  const row = await t.kernel.db.selectFrom('cms_sites').select('id').where('code', '=', code).executeTakeFirstOrThrow();
  return row.id;
}

async function channelId(site: string, code: string): Promise<string> {
  const row = await t.kernel.db
    .selectFrom('cms_channels')
    .select('id')
    .where('site_id', '=', site)
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function create(s: Session, body: Record<string, unknown>) {
  return call(s, 'POST', '/api/cms/channels', { siteId: jyjSite, type: 'list', ...body });
}

/** Documents are written straight into the table: this file tests channels, not the document service. */
async function addDocuments(channel: string, titles: string[], deleted = false) {
  await t.kernel.db
    .insertInto('cms_documents')
    .values(
      titles.map((title) => ({
        site_id: jyjSite,
        channel_id: channel,
        title,
        deleted_at: deleted ? new Date() : null,
      })),
    )
    .execute();
}

async function parentOf(id: string) {
  const row = await t.kernel.db.selectFrom('cms_channels').select('parent_id').where('id', '=', id).executeTakeFirst();
  return row?.parent_id;
}

describe('channel CRUD', () => {
  it('creates a channel in the tree, updates it and deletes it, auditing each write', async () => {
    const parent = await channelId(jyjSite, 'zwgk');
    const created = await create(jyjAdmin, {
      parentId: parent,
      name: '招生考试',
      code: 'zsks',
      category: 'notice',
      updateCycleDays: 30,
      reviewMode: 'two',
      templates: { list: 'list-notice.html', article: 'article' },
    });
    expect(created.statusCode).toBe(201);
    const channel = created.json();
    expect(channel).toMatchObject({ parentId: parent, reviewMode: 'two', templates: { list: 'list-notice.html' } });

    const tree = (await call(jyjEditor, 'GET', `/api/cms/sites/${jyjSite}/channels/tree`)).json().items;
    expect(tree[0].children.map((c: any) => c.code)).toContain('zsks');

    const patched = await call(jyjAdmin, 'PATCH', `/api/cms/channels/${channel.id}`, { reviewMode: 'none', order: 9 });
    expect(patched.json()).toMatchObject({ reviewMode: 'none', order: 9, category: 'notice' });
    expect((await call(jyjEditor, 'GET', `/api/cms/channels/${channel.id}`)).json().reviewMode).toBe('none');

    expect((await call(jyjAdmin, 'DELETE', `/api/cms/channels/${channel.id}`)).statusCode).toBe(204);
    const audits = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('resource', '=', 'cms.channel')
      .where('resource_id', '=', channel.id)
      .execute();
    expect(audits.map((a) => a.action).sort()).toEqual(['create', 'delete', 'update']);
  });

  it('validates category, link address, code uniqueness, parent site and unknown fields', async () => {
    const category = await create(jyjAdmin, { name: '甲', code: 'a1', category: 'nonsense' });
    expect(category.json()).toMatchObject({ code: 'channel_category_unknown', errors: [{ field: 'category' }] });
    const link = await create(jyjAdmin, { name: '乙', code: 'a2', type: 'link' });
    expect(link.json().code).toBe('channel_link_required');
    const dup = await create(jyjAdmin, { name: '丙', code: 'zwgk' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('channel_code_taken');
    const foreignParent = await create(jyjAdmin, {
      name: '丁',
      code: 'a3',
      parentId: await channelId(await siteId('wjw'), 'zwgk'),
    });
    expect(foreignParent.json().code).toBe('channel_parent_invalid');
    const extra = await create(jyjAdmin, { name: '戊', code: 'a4', color: 'red' });
    expect(extra.statusCode).toBe(400);
    const badCode = await create(jyjAdmin, { name: '己', code: '../x' });
    expect(badCode.json().errors[0].field).toBe('code');
    const rows = await t.kernel.db.selectFrom('cms_channels').select('id').where('code', 'like', 'a%').execute();
    expect(rows).toEqual([]);
  });

  it('stores HTML in a channel name literally', async () => {
    const name = '<img src=x onerror=alert(1)>栏目';
    const res = await create(jyjAdmin, { name, code: 'html-name' });
    expect(res.json().name).toBe(name);
    expect((await call(jyjAdmin, 'GET', `/api/cms/channels/${res.json().id}`)).json().name).toBe(name);
  });
});

describe('channel scope', () => {
  it('lets no one touch another department’s channels', async () => {
    const res = await create(wjwAdmin, { name: '越权', code: 'yq' });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('site_forbidden');
    const patch = await call(wjwAdmin, 'PATCH', `/api/cms/channels/${await channelId(jyjSite, 'tzgg')}`, {
      name: '越权',
    });
    expect(patch.json().code).toBe('site_forbidden');
  });

  it('keeps channel management from editors', async () => {
    expect((await create(jyjEditor, { name: '信息员', code: 'xxy' })).statusCode).toBe(403);
  });
});

describe('moving channels', () => {
  it('moves a channel under another and back to the top level', async () => {
    const [zcwj, hdjl] = [await channelId(jyjSite, 'zcwj'), await channelId(jyjSite, 'hdjl')];
    const moved = await call(jyjAdmin, 'POST', `/api/cms/channels/${zcwj}/move`, { parentId: hdjl, order: 1 });
    expect(moved.json()).toMatchObject({ parentId: hdjl, order: 1 });
    const names = async (parentCode: string | null) => {
      const tree = (await call(jyjAdmin, 'GET', `/api/cms/sites/${jyjSite}/channels/tree`)).json().items;
      const nodes = parentCode === null ? tree : tree.find((c: any) => c.code === parentCode).children;
      return nodes.map((c: any) => c.name);
    };
    expect(await names('hdjl')).toEqual(['领导信箱', '政策文件', '政务咨询', '民意征集']);
    // A position past the end puts it last; moving back to the top level at 0 puts it first.
    await call(jyjAdmin, 'POST', `/api/cms/channels/${zcwj}/move`, { parentId: hdjl, order: 99 });
    expect(await names('hdjl')).toEqual(['领导信箱', '政务咨询', '民意征集', '政策文件']);
    await call(jyjAdmin, 'POST', `/api/cms/channels/${zcwj}/move`, { parentId: null, order: 0 });
    expect(await parentOf(zcwj)).toBeNull();
    expect((await names(null)).slice(0, 2)).toEqual(['政策文件', '政务公开']);
    await call(jyjAdmin, 'POST', `/api/cms/channels/${zcwj}/move`, { parentId: await channelId(jyjSite, 'zwgk') });
  });

  it('refuses to move a channel under itself or one of its descendants', async () => {
    const xwdt = await channelId(jyjSite, 'xwdt');
    const self = await call(jyjAdmin, 'POST', `/api/cms/channels/${xwdt}/move`, { parentId: xwdt });
    expect(self.statusCode).toBe(400);
    expect(self.json().code).toBe('channel_cycle');
    const child = await channelId(jyjSite, 'gzdt');
    const below = await call(jyjAdmin, 'POST', `/api/cms/channels/${xwdt}/move`, { parentId: child });
    expect(below.json().code).toBe('channel_cycle');
    expect(await parentOf(xwdt)).toBeNull();
    expect(await parentOf(child)).toBe(xwdt);
  });
});

describe('merging and deleting channels', () => {
  it('merges a channel into another: documents and sub-channels move, the source is gone', async () => {
    const source = (await create(jyjAdmin, { name: '旧动态', code: 'old-news' })).json();
    const sub = (await create(jyjAdmin, { name: '旧子栏目', code: 'old-sub', parentId: source.id })).json();
    const target = await channelId(jyjSite, 'gzdt');
    await addDocuments(source.id, ['甲', '乙']);
    await addDocuments(source.id, ['已删'], true);
    const res = await call(jyjAdmin, 'POST', `/api/cms/channels/${source.id}/merge`, { targetId: target });
    expect(res.statusCode).toBe(200);
    expect(res.json().movedDocuments).toBe(3);
    const titles = await t.kernel.db
      .selectFrom('cms_documents')
      .select('title')
      .where('channel_id', '=', target)
      .orderBy('title')
      .execute();
    expect(titles.map((d) => d.title)).toEqual(expect.arrayContaining(['甲', '乙', '已删']));
    expect(await parentOf(sub.id)).toBe(target);
    expect((await call(jyjAdmin, 'GET', `/api/cms/channels/${source.id}`)).statusCode).toBe(404);
    const events = await t.kernel.db
      .selectFrom('event_outbox')
      .select('name')
      .where('name', '=', 'cms.document.updated')
      .execute();
    expect(events).toHaveLength(3);
  });

  it('refuses a merge into the channel’s own subtree or another site', async () => {
    const [xwdt, gzdt] = [await channelId(jyjSite, 'xwdt'), await channelId(jyjSite, 'gzdt')];
    const inside = await call(jyjAdmin, 'POST', `/api/cms/channels/${xwdt}/merge`, { targetId: gzdt });
    expect(inside.json().code).toBe('channel_cycle');
    const foreign = await call(admin, 'POST', `/api/cms/channels/${gzdt}/merge`, {
      targetId: await channelId(await siteId('wjw'), 'gzdt'),
    });
    expect(foreign.json().code).toBe('channel_site_mismatch');
    expect(await parentOf(gzdt)).toBe(xwdt);
  });

  it('refuses to delete a channel with sub-channels or documents, recycle bin included', async () => {
    const parent = await call(jyjAdmin, 'DELETE', `/api/cms/channels/${await channelId(jyjSite, 'zwgk')}`);
    expect(parent.statusCode).toBe(409);
    expect(parent.json().code).toBe('channel_not_empty');
    const binned = (await create(jyjAdmin, { name: '只有回收站', code: 'bin-only' })).json();
    await addDocuments(binned.id, ['回收站里的'], true);
    const res = await call(jyjAdmin, 'DELETE', `/api/cms/channels/${binned.id}`);
    expect(res.json().code).toBe('channel_not_empty');
    expect(res.json().detail).toContain('回收站');
    const toLink = await call(jyjAdmin, 'PATCH', `/api/cms/channels/${binned.id}`, { type: 'link', linkUrl: '/x' });
    expect(toLink.json()).toMatchObject({ code: 'channel_has_documents', errors: [{ field: 'type' }] });
  });
});
