import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { cmsModule } from './index.js';

/* 站点管理 through real HTTP: demo data, CRUD, validation, site scope, groups, menus, audit. */

let t: TestApp;
let admin: Session;
let jyjAdmin: Session;
let jyjEditor: Session;
let wjwEditor: Session;
let orgIds: Map<string, string>;

beforeAll(async () => {
  t = await identityTestApp({ modules: [cmsModule] });
  admin = await login(t.app, 'admin');
  jyjAdmin = await login(t.app, 'jyj_admin');
  jyjEditor = await login(t.app, 'jyj_editor');
  wjwEditor = await login(t.app, 'wjw_editor');
  const orgs = await t.kernel.db.selectFrom('identity_orgs').select(['id', 'short_name']).execute();
  orgIds = new Map(orgs.map((o) => [o.short_name as string, o.id]));
});
afterAll(async () => t?.close());

function call(s: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({ method, url, payload, headers: method === 'GET' ? { cookie: s.cookie } : s.headers });
}
const org = (short: string) => orgIds.get(short) as string;

async function siteId(code: string): Promise<string> {
  const row = await t.kernel.db.selectFrom('cms_sites').select('id').where('code', '=', code).executeTakeFirstOrThrow();
  return row.id;
}

async function auditCount(resource: string) {
  const row = await t.kernel.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('resource', '=', resource)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const newSite = (overrides: Record<string, unknown> = {}) => ({
  code: 'test-site',
  name: '测试网站',
  ownerOrgId: org('市教育局'),
  domains: ['Test.Xinxiang.gov.cn'],
  siteCode: '4107009999',
  icp: '豫ICP备05006969号-2',
  policeRecord: '豫公网安备 41070202000001号',
  ...overrides,
});

describe('demo data', () => {
  it('seeds the portal, 41 department sites and 12 county sites, each with the standard channel tree', async () => {
    const all = (await call(admin, 'GET', '/api/cms/sites?pageSize=200')).json();
    expect(all.total).toBe(54);
    expect(all.items[0]).toMatchObject({
      code: 'xinxiang',
      name: '新乡市人民政府',
      status: 'running',
      statusName: '运行',
    });
    expect(all.items.find((s: any) => s.code === 'jyj')).toMatchObject({
      name: '新乡市教育局',
      ownerOrgId: org('市教育局'),
      ownerOrgName: '新乡市教育局',
      domains: ['jyj.xinxiang.gov.cn'],
    });
    const tree = (await call(admin, 'GET', `/api/cms/sites/${await siteId('weihui')}/channels/tree`)).json().items;
    expect(tree.map((c: any) => c.name)).toEqual(['政务公开', '新闻动态', '政务服务', '互动交流']);
    expect(tree[0].children.map((c: any) => [c.name, c.category, c.reviewMode])).toEqual([
      ['政策文件', 'policy', 'two'],
      ['通知公告', 'notice', 'one'],
      ['人事信息', 'personnel', 'two'],
      ['规划计划', 'planning', 'one'],
      ['财政信息', 'finance', 'two'],
    ]);
    expect(tree[2]).toMatchObject({ type: 'link', linkUrl: '/service/' });
    const groups = (await call(admin, 'GET', '/api/cms/site-groups')).json().items;
    expect(groups.map((g: any) => [g.name, g.siteIds.length])).toEqual([
      ['县（市、区）政府网站', 12],
      ['市直部门网站', 41],
    ]);
    // Then seed-documents.ts fills the demo channels (100 documents under Vitest).
    const docs = await t.kernel.db
      .selectFrom('cms_documents')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('site_id', '=', all.items[0].id)
      .executeTakeFirstOrThrow();
    expect(Number(docs.n)).toBeGreaterThan(0);
  });

  it('grants the demo roles their cms permissions, scoped to their own org', async () => {
    const permissions = async (s: Session) => (await call(s, 'GET', '/api/auth/me')).json().permissions;
    const editor = await permissions(jyjEditor);
    expect(Object.keys(editor)).toEqual(expect.arrayContaining(['document:write', 'file:upload', 'site:read']));
    expect(editor['document:review']).toBeUndefined();
    expect(editor['site:read']).toMatchObject({ kind: 'orgs', orgIds: [org('市教育局')] });
    const reviewer = await permissions(await login(t.app, 'jyj_reviewer'));
    expect(Object.keys(reviewer)).toEqual(expect.arrayContaining(['document:review', 'document:publish']));
    expect(reviewer['document:write']).toBeUndefined();
    const orgAdmin = await permissions(jyjAdmin);
    expect(Object.keys(orgAdmin)).toEqual(expect.arrayContaining(['channel:manage', 'document:write']));
    expect(orgAdmin['site:manage']).toBeUndefined();
    expect((await permissions(admin))['site:manage']).toEqual({ kind: 'all' });
  });

  it('adds the 网站管理 menu, shown to each user as far as their permissions reach', async () => {
    const menuOf = async (s: Session) => {
      const menus = (await call(s, 'GET', '/api/auth/me')).json().menus;
      const cms = menus.find((m: any) => m.name === '网站管理');
      return cms?.children.map((c: any) => c.path) ?? [];
    };
    expect(await menuOf(admin)).toEqual([
      '/cms/portal',
      '/cms/sites',
      '/cms/channels',
      '/cms/documents',
      '/cms/review',
      '/cms/files',
      '/cms/recycle-bin',
    ]);
    expect(await menuOf(jyjEditor)).toEqual([
      '/cms/portal',
      '/cms/sites',
      '/cms/documents',
      '/cms/files',
      '/cms/recycle-bin',
    ]);
  });
});

describe('site scope', () => {
  it('lists only the sites of the user’s own org', async () => {
    const res = (await call(jyjEditor, 'GET', '/api/cms/sites')).json();
    expect(res.items.map((s: any) => s.code)).toEqual(['jyj']);
  });

  it('answers 403 site_forbidden for another department’s site', async () => {
    const czj = await siteId('czj');
    const read = await call(jyjEditor, 'GET', `/api/cms/sites/${czj}`);
    expect(read.statusCode).toBe(403);
    expect(read.json().code).toBe('site_forbidden');
    const tree = await call(wjwEditor, 'GET', `/api/cms/sites/${await siteId('jyj')}/channels/tree`);
    expect(tree.json().code).toBe('site_forbidden');
  });

  it('refuses site management to a department administrator', async () => {
    const res = await call(jyjAdmin, 'PATCH', `/api/cms/sites/${await siteId('jyj')}`, { name: '改名' });
    expect(res.statusCode).toBe(403);
  });
});

describe('site CRUD', () => {
  it('creates, reads, updates and deletes a site, auditing each write', async () => {
    const before = await auditCount('cms.site');
    const created = await call(admin, 'POST', '/api/cms/sites', newSite());
    expect(created.statusCode).toBe(201);
    const site = created.json();
    expect(site).toMatchObject({
      code: 'test-site',
      status: 'building',
      statusName: '建设中',
      theme: 'default',
      ownerOrgName: '新乡市教育局',
    });
    expect(site.domains).toEqual(['test.xinxiang.gov.cn']);

    const updated = await call(admin, 'PATCH', `/api/cms/sites/${site.id}`, { status: 'running', theme: 'blue' });
    expect(updated.json()).toMatchObject({ status: 'running', statusName: '运行', theme: 'blue' });
    const read = (await call(admin, 'GET', `/api/cms/sites/${site.id}`)).json();
    expect(read).toMatchObject({ theme: 'blue', siteCode: '4107009999', groups: [] });

    expect((await call(admin, 'DELETE', `/api/cms/sites/${site.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `/api/cms/sites/${site.id}`)).statusCode).toBe(404);
    expect(await auditCount('cms.site')).toBe(before + 3);
  });

  it('refuses a domain another site uses, whatever its case', async () => {
    const res = await call(admin, 'POST', '/api/cms/sites', newSite({ code: 'dup', domains: ['JYJ.xinxiang.gov.cn'] }));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'site_domain_taken', errors: [{ field: 'domains' }] });
    expect(res.json().detail).toContain('新乡市教育局');
  });

  it('refuses a duplicate code, a malformed 网站标识码 / 备案号, an unknown owner org and unknown fields', async () => {
    const dup = await call(admin, 'POST', '/api/cms/sites', newSite({ code: 'jyj', domains: [] }));
    expect(dup.json().code).toBe('site_code_taken');
    const bad = await call(admin, 'POST', '/api/cms/sites', newSite({ siteCode: '41070', icp: 'ICP12345' }));
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: any) => e.field)
        .sort(),
    ).toEqual(['icp', 'siteCode']);
    const owner = await call(
      admin,
      'POST',
      '/api/cms/sites',
      newSite({ ownerOrgId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(owner.statusCode).toBe(400);
    expect(owner.json().code).toBe('owner_org_not_found');
    const extra = await call(admin, 'POST', '/api/cms/sites', newSite({ owner: 'x' }));
    expect(extra.statusCode).toBe(400);
    expect(await t.kernel.db.selectFrom('cms_sites').select('id').where('code', '=', 'test-site').execute()).toEqual(
      [],
    );
  });

  it('stores HTML in a site name literally', async () => {
    const name = '<script>alert(1)</script>网站';
    const res = await call(admin, 'POST', '/api/cms/sites', newSite({ code: 'html-name', name, domains: [] }));
    expect(res.json().name).toBe(name);
    expect((await call(admin, 'GET', `/api/cms/sites/${res.json().id}`)).json().name).toBe(name);
  });

  it('refuses to delete a site that still has channels', async () => {
    const res = await call(admin, 'DELETE', `/api/cms/sites/${await siteId('jyj')}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('site_not_empty');
  });
});

describe('site groups', () => {
  it('creates a group, changes its members, filters sites by it and deletes it', async () => {
    const [jyj, wjw] = [await siteId('jyj'), await siteId('wjw')];
    const created = await call(admin, 'POST', '/api/cms/site-groups', { name: '社会事业', siteIds: [jyj] });
    expect(created.statusCode).toBe(201);
    const group = created.json();
    expect(group.siteIds).toEqual([jyj]);
    const patched = await call(admin, 'PATCH', `/api/cms/site-groups/${group.id}`, { siteIds: [jyj, wjw] });
    expect(patched.json().siteIds.sort()).toEqual([jyj, wjw].sort());
    const filtered = (await call(admin, 'GET', `/api/cms/sites?groupId=${group.id}`)).json();
    expect(filtered.items.map((s: any) => s.code).sort()).toEqual(['jyj', 'wjw']);
    // A 市教育局 user sees the group but only its own member site.
    const seen = (await call(jyjEditor, 'GET', '/api/cms/site-groups'))
      .json()
      .items.find((g: any) => g.id === group.id);
    expect(seen.siteIds).toEqual([jyj]);
    expect((await call(admin, 'DELETE', `/api/cms/site-groups/${group.id}`)).statusCode).toBe(204);
  });

  it('refuses a member that does not exist and a duplicate name', async () => {
    const missing = await call(admin, 'POST', '/api/cms/site-groups', {
      name: '不存在',
      siteIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].field).toBe('siteIds.0');
    const dup = await call(admin, 'POST', '/api/cms/site-groups', { name: '市直部门网站' });
    expect(dup.json().code).toBe('site_group_name_taken');
  });
});
