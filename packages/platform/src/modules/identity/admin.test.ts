import { usccCheckChar } from '@jiyue/text/identifiers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { appointAdministrator } from './operator.js';
import { demoUscc } from './seed-data.js';
import { DEMO_PASSWORD, identityTestApp, login } from './test-support.js';

const companyCode = (first17: string) => first17 + usccCheckChar(first17);

/* 统一用户管理 through real HTTP: orgs, users, roles, 分级授权, 三权分立, 注册用户, audit. */

let t: TestApp;
let admin: Session;
let orgIds: Map<string, string>;
let roleIds: Map<string, string>;

beforeAll(async () => {
  t = await identityTestApp();
  admin = await login(t.app, 'admin');
  const orgs = await t.kernel.db.selectFrom('identity_orgs').select(['id', 'short_name']).execute();
  orgIds = new Map(orgs.map((o) => [o.short_name as string, o.id]));
  const roles = await t.kernel.db.selectFrom('identity_roles').select(['id', 'code']).execute();
  roleIds = new Map(roles.map((r) => [r.code, r.id]));
});
afterAll(async () => t?.close());

function call(s: Session, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({ method, url, payload, headers: method === 'GET' ? { cookie: s.cookie } : s.headers });
}
const org = (short: string) => orgIds.get(short) as string;
const role = (code: string) => roleIds.get(code) as string;

async function auditCount(resource: string) {
  const row = await t.kernel.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('resource', '=', resource)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function createUser(s: Session, body: Record<string, unknown>) {
  return call(s, 'POST', '/api/identity/users', {
    displayName: '测试用户',
    password: 'Good-Passw0rd',
    orgId: org('市教育局'),
    ...body,
  });
}

describe('seeded demo data', () => {
  it('has 新乡市人民政府 with 41 departments and the 12 counties and districts, all with valid codes', async () => {
    const tree = (await call(admin, 'GET', '/api/identity/orgs/tree')).json().items;
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ name: '新乡市人民政府', level: 'city' });
    const children = tree[0].children;
    expect(children.filter((c: any) => c.level === 'city')).toHaveLength(41);
    expect(children.filter((c: any) => c.level === 'county').map((c: any) => c.shortName)).toEqual([
      '卫滨区',
      '红旗区',
      '凤泉区',
      '牧野区',
      '新乡县',
      '获嘉县',
      '原阳县',
      '延津县',
      '封丘县',
      '卫辉市',
      '辉县市',
      '长垣市',
    ]);
  });
});

describe('orgs', () => {
  it('creates, validates the 统一社会信用代码 and the 行政级别, and audits', async () => {
    const before = await auditCount('org');
    const bad = await call(admin, 'POST', '/api/identity/orgs', {
      parentId: org('市教育局'),
      name: '测试科',
      level: 'township',
      code: '91410700MA12345678',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_uscc', errors: [{ field: 'code' }] });
    const badLevel = await call(admin, 'POST', '/api/identity/orgs', {
      parentId: org('市教育局'),
      name: '测试科',
      level: '处级',
    });
    expect(badLevel.json().code).toBe('invalid_org_level');
    const code = demoUscc('410700', 900);
    const ok = await call(admin, 'POST', '/api/identity/orgs', {
      parentId: org('市教育局'),
      name: '基础教育科',
      shortName: '基教科',
      level: 'township',
      code,
      order: 0,
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ name: '基础教育科', code, order: 0, parentId: org('市教育局') });
    const dup = await call(admin, 'POST', '/api/identity/orgs', {
      parentId: org('市教育局'),
      name: '另一个科',
      level: 'township',
      code,
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('org_code_taken');
    expect(await auditCount('org')).toBe(before + 1);
  });

  it('refuses to delete an org that has users or children, with the reason', async () => {
    const withUsers = await call(admin, 'DELETE', `/api/identity/orgs/${org('市卫健委')}`);
    expect(withUsers.statusCode).toBe(409);
    expect(withUsers.json().code).toBe('org_has_users');
    expect(withUsers.json().detail).toContain('新乡市卫生健康委员会');
    const withChildren = await call(admin, 'DELETE', `/api/identity/orgs/${org('市政府')}`);
    expect(withChildren.json().code).toBe('org_has_children');
    const empty = (
      await call(admin, 'POST', '/api/identity/orgs', { parentId: org('市统计局'), name: '临时科', level: 'township' })
    ).json();
    expect((await call(admin, 'DELETE', `/api/identity/orgs/${empty.id}`)).statusCode).toBe(204);
  });

  it('moves a subtree, refuses cycles, and reorders siblings', async () => {
    const a = (
      await call(admin, 'POST', '/api/identity/orgs', { parentId: org('市商务局'), name: '甲科', level: 'township' })
    ).json();
    const b = (
      await call(admin, 'POST', '/api/identity/orgs', { parentId: a.id, name: '乙股', level: 'village' })
    ).json();
    const cycle = await call(admin, 'POST', `/api/identity/orgs/${a.id}/move`, { parentId: b.id });
    expect(cycle.statusCode).toBe(409);
    expect(cycle.json().code).toBe('org_move_cycle');
    expect((await call(admin, 'POST', `/api/identity/orgs/${a.id}/move`, { parentId: a.id })).json().code).toBe(
      'org_move_cycle',
    );

    expect(
      (await call(admin, 'POST', `/api/identity/orgs/${a.id}/move`, { parentId: org('市审计局') })).statusCode,
    ).toBe(200);
    const rows = await t.kernel.db
      .selectFrom('identity_orgs')
      .select(['id', 'path'])
      .where('id', 'in', [a.id, b.id, org('市审计局')])
      .execute();
    const path = new Map(rows.map((r) => [r.id, r.path]));
    expect(path.get(b.id)).toBe(`${path.get(org('市审计局'))}${a.id}/${b.id}/`);

    const c = (
      await call(admin, 'POST', '/api/identity/orgs', { parentId: org('市审计局'), name: '丙科', level: 'township' })
    ).json();
    await call(admin, 'POST', `/api/identity/orgs/${c.id}/move`, { parentId: org('市审计局'), order: 0 });
    const tree = (await call(admin, 'GET', '/api/identity/orgs/tree')).json().items[0];
    const audit = tree.children.find((n: any) => n.id === org('市审计局'));
    expect(audit.children.map((n: any) => [n.name, n.order])).toEqual([
      ['丙科', 0],
      ['甲科', 1],
    ]);
  });

  it('disables an org, which stops its users from logging in', async () => {
    const res = await call(admin, 'POST', `/api/identity/orgs/${org('红旗区')}/disable`);
    expect(res.json().status).toBe('disabled');
    const attempt = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'hqq_admin', password: DEMO_PASSWORD },
    });
    expect(attempt.json().code).toBe('org_disabled');
    await call(admin, 'POST', `/api/identity/orgs/${org('红旗区')}/enable`);
  });
});

describe('users', () => {
  it('refuses a duplicate account with 409 账号已存在, case-insensitively', async () => {
    expect((await createUser(admin, { username: 'zhangsan' })).statusCode).toBe(201);
    const dup = await createUser(admin, { username: 'ZhangSan' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'username_taken', title: '账号已存在' });
  });

  it('gives the same answer when two requests race for one account name', async () => {
    const [a, b] = await Promise.all([
      createUser(admin, { username: 'racer' }),
      createUser(admin, { username: 'RACER' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect((a.statusCode === 409 ? a : b).json().code).toBe('username_taken');
  });

  it('refuses a weak password naming the rule, and unknown fields', async () => {
    const weak = await createUser(admin, { username: 'lisi', password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().code).toBe('password_too_short');
    const unknown = await createUser(admin, { username: 'lisi', isAdmin: true });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'isAdmin', message: '不允许的字段' }],
    });
    const none = await t.kernel.db
      .selectFrom('identity_users')
      .select('id')
      .where('username', '=', 'lisi')
      .executeTakeFirst();
    expect(none).toBeUndefined();
  });

  it('stores the phone SM4-encrypted and masks it in lists', async () => {
    const created = (await createUser(admin, { username: 'wangwu', phone: '13812341234' })).json();
    const raw = await t.kernel.db
      .selectFrom('identity_users')
      .select(['phone_enc', 'phone_index'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(raw.phone_enc).toMatch(/^sm4:1:/);
    expect(raw.phone_enc).not.toContain('13812341234');
    expect(t.kernel.crypto.sm4Decrypt(raw.phone_enc as string)).toBe('13812341234');
    const list = (await call(admin, 'GET', '/api/identity/users?q=wangwu')).json();
    expect(list.items[0].phone).toBe('138****1234');
    // Exact phone search works through the blind index.
    expect(
      (await call(admin, 'GET', '/api/identity/users?q=13812341234')).json().items.map((u: any) => u.username),
    ).toEqual(['wangwu']);
    // The detail view shows it in full to someone who may edit the user.
    expect((await call(admin, 'GET', `/api/identity/users/${created.id}`)).json().phone).toBe('13812341234');
  });

  it('stores HTML and SQL in names literally', async () => {
    const name = `<script>alert(1)</script>'; drop table identity_users; --`;
    const res = await createUser(admin, { username: 'xss_test', displayName: name });
    expect(res.statusCode).toBe(201);
    const raw = await t.kernel.db
      .selectFrom('identity_users')
      .select('display_name')
      .where('username', '=', 'xss_test')
      .executeTakeFirstOrThrow();
    expect(raw.display_name).toBe(name);
    const orgRes = await call(admin, 'POST', '/api/identity/orgs', {
      parentId: org('市统计局'),
      name: `<img src=x onerror=alert(1)>"科'`,
      level: 'township',
    });
    expect(orgRes.json().name).toBe(`<img src=x onerror=alert(1)>"科'`);
  });

  it('soft-deletes: the row stays, the user disappears from lists and cannot log in', async () => {
    const u = (await createUser(admin, { username: 'zhaoliu' })).json();
    expect((await call(admin, 'DELETE', `/api/identity/users/${u.id}`)).statusCode).toBe(204);
    const raw = await t.kernel.db
      .selectFrom('identity_users')
      .select('status')
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(raw.status).toBe('deleted');
    expect((await call(admin, 'GET', '/api/identity/users?q=zhaoliu')).json().total).toBe(0);
    const attempt = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'zhaoliu', password: 'Good-Passw0rd' },
    });
    expect(attempt.json().code).toBe('invalid_credentials');
  });

  it('disables a user (ending their sessions) and re-enables them', async () => {
    const u = (await createUser(admin, { username: 'sunqi' })).json();
    const s = await login(t.app, 'sunqi', 'Good-Passw0rd');
    await call(admin, 'POST', `/api/identity/users/${u.id}/disable`);
    expect((await call(s, 'GET', '/api/auth/me')).statusCode).toBe(401);
    const attempt = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'sunqi', password: 'Good-Passw0rd' },
    });
    expect(attempt.json().code).toBe('account_disabled');
    await call(admin, 'POST', `/api/identity/users/${u.id}/enable`);
    await login(t.app, 'sunqi', 'Good-Passw0rd');
  });

  it('resets a password: shown once, and the user must change it', async () => {
    const u = (await createUser(admin, { username: 'zhouba' })).json();
    // The console posts without a body when the password is to be generated.
    const reset = await t.app.inject({
      method: 'POST',
      url: `/api/identity/users/${u.id}/reset-password`,
      headers: admin.headers,
    });
    expect(reset.statusCode).toBe(200);
    const { password } = reset.json();
    expect(password.length).toBeGreaterThanOrEqual(16);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'zhouba', password },
    });
    expect(res.json().user.passwordExpired).toBe(true);
  });
});

describe('分级授权 (delegated administration)', () => {
  let orgAdmin: Session;
  beforeAll(async () => {
    orgAdmin = await login(t.app, 'jyj_admin');
  });

  it('an org admin sees and creates users only inside their own subtree', async () => {
    const list = (await call(orgAdmin, 'GET', '/api/identity/users?pageSize=200')).json();
    expect(list.items.every((u: any) => u.orgName === '新乡市教育局' || u.orgId !== org('市政府'))).toBe(true);
    expect(list.items.map((u: any) => u.username)).not.toContain('admin');
    expect((await createUser(orgAdmin, { username: 'jyj_new', orgId: org('市教育局') })).statusCode).toBe(201);
    const outside = await createUser(orgAdmin, { username: 'wjw_new', orgId: org('市卫健委') });
    expect(outside.statusCode).toBe(403);
    const tree = (await call(orgAdmin, 'GET', '/api/identity/orgs/tree')).json().items;
    expect(tree.map((n: any) => n.name)).toEqual(['新乡市教育局']);
  });

  it('grants a role they fully hold inside their scope, and nothing more', async () => {
    const u = (
      await t.kernel.db
        .selectFrom('identity_users')
        .select('id')
        .where('username', '=', 'jyj_new')
        .executeTakeFirstOrThrow()
    ).id;
    const ok = await call(orgAdmin, 'POST', `/api/identity/users/${u}/roles`, {
      grants: [{ roleId: role('editor'), scopeOrgId: org('市教育局') }],
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().roles.map((r: any) => r.code)).toEqual(['editor']);

    const allScope = await call(orgAdmin, 'POST', `/api/identity/users/${u}/roles`, {
      grants: [{ roleId: role('editor') }],
    });
    expect(allScope.statusCode).toBe(403);
    expect(allScope.json().code).toBe('grant_exceeds_own');
    const otherScope = await call(orgAdmin, 'POST', `/api/identity/users/${u}/roles`, {
      grants: [{ roleId: role('editor'), scopeOrgId: org('市卫健委') }],
    });
    expect(otherScope.json().code).toBe('grant_exceeds_own');
    const sysadmin = await call(orgAdmin, 'POST', `/api/identity/users/${u}/roles`, {
      grants: [{ roleId: role('sysadmin'), scopeOrgId: org('市教育局') }],
    });
    expect(sysadmin.json().code).toBe('grant_exceeds_own');
    expect(sysadmin.json().detail).toContain('role:manage');
    // Nothing changed by the refused requests.
    const grants = await t.kernel.db
      .selectFrom('identity_user_roles')
      .select('role_id')
      .where('user_id', '=', u)
      .execute();
    expect(grants.map((g) => g.role_id)).toEqual([role('editor')]);
  });

  it('cannot manage a user who holds more than they do', async () => {
    const su = (await createUser(admin, { username: 'jyj_super' })).json();
    await call(admin, 'POST', `/api/identity/users/${su.id}/roles`, { grants: [{ roleId: role('sysadmin') }] });
    const res = await call(orgAdmin, 'POST', `/api/identity/users/${su.id}/reset-password`, {});
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('user_outranks_you');
    expect((await call(orgAdmin, 'DELETE', `/api/identity/users/${su.id}`)).json().code).toBe('user_outranks_you');
  });

  it('an org admin without role:manage cannot create roles; nobody can create a role with permissions they lack', async () => {
    expect(
      (await call(orgAdmin, 'POST', '/api/identity/roles', { code: 'xx', name: 'x', permissions: [] })).statusCode,
    ).toBe(403);
    const reserved = await call(admin, 'POST', '/api/identity/roles', {
      code: 'spy',
      name: '偷看日志',
      permissions: ['audit:read'],
    });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.json().code).toBe('permission_reserved');
    const unknown = await call(admin, 'POST', '/api/identity/roles', {
      code: 'bogus',
      name: '未知',
      permissions: ['nothing:here'],
    });
    expect(unknown.json().code).toBe('unknown_permission');
    const ok = await call(admin, 'POST', '/api/identity/roles', {
      code: 'dict_keeper',
      name: '字典维护员',
      permissions: ['dictionary:manage'],
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().permissions).toEqual(['dictionary:manage']);
  });
});

describe('三权分立 (separation of duties)', () => {
  it('refuses to give one user two of the built-in administrator roles', async () => {
    const sec = await t.kernel.db
      .selectFrom('identity_users')
      .select('id')
      .where('username', '=', 'secadmin')
      .executeTakeFirstOrThrow();
    const u = (await createUser(admin, { username: 'both_hats' })).json();
    const res = await call(admin, 'POST', `/api/identity/users/${u.id}/roles`, {
      grants: [{ roleId: role('sysadmin') }, { roleId: role('auditor') }],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('separation_of_duties');
    const twoHats = await call(admin, 'POST', `/api/identity/users/${sec.id}/roles`, {
      grants: [{ roleId: role('secadmin') }, { roleId: role('sysadmin') }],
    });
    expect(twoHats.json().code).toBe('separation_of_duties');
    // The 安全管理员's permissions are reserved, so the 系统管理员 cannot hand out that role either.
    const secOnly = await call(admin, 'POST', `/api/identity/users/${u.id}/roles`, {
      grants: [{ roleId: role('secadmin') }],
    });
    expect(secOnly.statusCode).toBe(403);
    expect(secOnly.json().code).toBe('grant_exceeds_own');
  });

  it('keeps built-in roles fixed and the audit log for the 审计管理员 only', async () => {
    expect(
      (await call(admin, 'PATCH', `/api/identity/roles/${role('sysadmin')}`, { name: '超级管理员' })).json().code,
    ).toBe('role_builtin');
    expect((await call(admin, 'DELETE', `/api/identity/roles/${role('auditor')}`)).json().code).toBe('role_builtin');
    expect((await call(admin, 'GET', '/api/audit')).statusCode).toBe(403);
    const auditor = await login(t.app, 'auditor');
    const log = await call(auditor, 'GET', '/api/audit?resource=user&pageSize=200');
    expect(log.statusCode).toBe(200);
    expect(log.json().items.some((e: any) => e.action === 'create' && e.summary.includes('zhangsan'))).toBe(true);
    const roles = (await call(admin, 'GET', '/api/identity/roles')).json().items;
    const withAudit = roles.filter((r: any) => r.permissions.includes('audit:read')).map((r: any) => r.code);
    expect(withAudit).toEqual(['auditor']);
    expect((await call(auditor, 'GET', '/api/audit/verify')).json().ok).toBe(true);
  });
});

describe('operator and 安全管理员 recovery', () => {
  it('the 安全管理员 resets a lost authenticator; the user enrols again', async () => {
    await login(t.app, 'auditor');
    const sec = await login(t.app, 'secadmin');
    const auditor = await t.kernel.db
      .selectFrom('identity_users')
      .select('id')
      .where('username', '=', 'auditor')
      .executeTakeFirstOrThrow();
    expect((await call(admin, 'POST', `/api/identity/users/${auditor.id}/reset-otp`)).statusCode).toBe(403);
    expect((await call(sec, 'POST', `/api/identity/users/${auditor.id}/reset-otp`)).statusCode).toBe(204);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'auditor', password: DEMO_PASSWORD },
    });
    expect(again.statusCode).toBe(428);
  });

  it('appoints further 安全管理员/审计管理员 from the server console, keeping 三权分立', async () => {
    const u = (await createUser(admin, { username: 'auditor2' })).json();
    await expect(appointAdministrator(t.kernel, 'Auditor2', 'auditor')).resolves.toEqual({
      username: 'Auditor2',
      role: 'auditor',
    });
    const roles = (await call(admin, 'GET', `/api/identity/users/${u.id}`)).json().roles.map((r: any) => r.code);
    expect(roles).toEqual(['auditor']);
    await expect(appointAdministrator(t.kernel, 'auditor2', 'secadmin')).rejects.toMatchObject({
      code: 'separation_of_duties',
    });
    await expect(appointAdministrator(t.kernel, 'auditor2', 'editor')).rejects.toMatchObject({
      code: 'role_not_found',
    });
    const entry = await t.kernel.db
      .selectFrom('audit_log')
      .selectAll()
      .where('summary', 'like', '运维命令%')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_id: null, actor_name: '系统', resource_id: u.id });
  });
});

describe('注册用户 (registered accounts)', () => {
  const person = { kind: 'person', name: '张三丰', idNumber: '11010519491231002X', phone: '13912345678' };
  const company = {
    kind: 'legalEntity',
    name: '新乡市示例科技有限公司',
    idNumber: companyCode('91410700MA9K7Q2W1'),
    legalRepresentative: '李四',
    phone: '13700001111',
  };

  it('validates ID numbers and credit codes', async () => {
    const badId = await call(admin, 'POST', '/api/identity/accounts', { ...person, idNumber: '110105194912310021' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toMatchObject({ code: 'invalid_account', errors: [{ field: 'idNumber' }] });
    const noRep = await call(admin, 'POST', '/api/identity/accounts', { ...company, legalRepresentative: undefined });
    expect(noRep.json().errors.map((e: any) => e.field)).toContain('legalRepresentative');
  });

  it('encrypts ID number and phone at rest, masks them in lists, refuses duplicates', async () => {
    const created = await call(admin, 'POST', '/api/identity/accounts', person);
    expect(created.statusCode).toBe(201);
    const company201 = await call(admin, 'POST', '/api/identity/accounts', company);
    expect(company201.statusCode).toBe(201);
    const raw = await t.kernel.db
      .selectFrom('identity_accounts')
      .selectAll()
      .where('id', '=', created.json().id)
      .executeTakeFirstOrThrow();
    expect(raw.id_number_enc).toMatch(/^sm4:1:/);
    expect(JSON.stringify(raw)).not.toContain('11010519491231002X');
    expect(JSON.stringify(raw)).not.toContain('13912345678');
    const list = (await call(admin, 'GET', '/api/identity/accounts?q=11010519491231002X')).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      name: '张**',
      idNumber: '110105********002X',
      phone: '139****5678',
      masked: true,
    });
    const dup = await call(admin, 'POST', '/api/identity/accounts', {
      ...person,
      name: '另一人',
      phone: '13900000000',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'account_exists', title: '该身份证号码已注册' });
  });
});
