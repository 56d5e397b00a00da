import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { ensureModuleMenus } from './index.js';

/* 统一平台配置 through real HTTP: dictionaries, menus, channel categories, parameters. */

let t: TestApp;
let admin: Session;
let editor: Session;

beforeAll(async () => {
  t = await identityTestApp();
  admin = await login(t.app, 'admin');
  editor = await login(t.app, 'jyj_editor');
});
afterAll(async () => t?.close());

function call(s: Session, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    payload: payload as any,
    headers: method === 'GET' ? { cookie: s.cookie } : s.headers,
  });
}

async function auditFor(resource: string) {
  return t.kernel.db
    .selectFrom('audit_log')
    .select(['action', 'summary', 'actor_id'])
    .where('resource', '=', resource)
    .orderBy('seq')
    .execute();
}

describe('数据字典', () => {
  it('seeds the 行政级别 dictionary, readable by any logged-in user', async () => {
    const res = await call(editor, 'GET', '/api/settings/dictionaries/org_level/entries');
    expect(res.statusCode).toBe(200);
    expect(res.json().entries.map((e: any) => e.label)).toEqual(['省级', '市级', '县级', '乡级', '村级']);
    expect((await t.app.inject({ method: 'GET', url: '/api/settings/dictionaries' })).statusCode).toBe(401);
  });

  it('creates a typed dictionary and checks entry values against its type', async () => {
    const created = await call(admin, 'POST', '/api/settings/dictionaries', {
      code: 'urgency',
      name: '紧急程度',
      valueType: 'integer',
    });
    expect(created.statusCode).toBe(201);
    const bad = await call(admin, 'PUT', '/api/settings/dictionaries/urgency/entries', {
      entries: [
        { value: '1', label: '一般' },
        { value: 'high', label: '紧急' },
        { value: '1', label: '重复' },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_entries' });
    expect(bad.json().errors).toEqual([
      { field: 'entries.1.value', message: '应为整数' },
      { field: 'entries.2.value', message: '字典值重复' },
    ]);
    // The refused save left nothing behind.
    expect((await call(admin, 'GET', '/api/settings/dictionaries/urgency/entries')).json().entries).toEqual([]);

    const ok = await call(admin, 'PUT', '/api/settings/dictionaries/urgency/entries', {
      entries: [
        { value: '2', label: '紧急', order: 1, extra: { color: 'red' } },
        { value: '1', label: '一般', order: 0 },
        { value: '3', label: '特急', order: 2, enabled: false },
      ],
    });
    expect(ok.statusCode).toBe(200);
    const enabled = (await call(editor, 'GET', '/api/settings/dictionaries/urgency/entries?enabledOnly=true')).json()
      .entries;
    expect(enabled.map((e: any) => [e.value, e.label, e.extra])).toEqual([
      ['1', '一般', null],
      ['2', '紧急', { color: 'red' }],
    ]);
    expect((await auditFor('dictionary')).map((a) => a.action)).toEqual(['create', 'update']);
  });

  it('refuses duplicates, unknown fields, editors, and deleting built-in dictionaries', async () => {
    expect(
      (
        await call(admin, 'POST', '/api/settings/dictionaries', { code: 'org_level', name: 'x', valueType: 'string' })
      ).json().code,
    ).toBe('dictionary_code_taken');
    const unknown = await call(admin, 'POST', '/api/settings/dictionaries', {
      code: 'a1',
      name: 'x',
      valueType: 'string',
      owner: 'me',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([{ field: 'owner', message: '不允许的字段' }]);
    expect(
      (await call(editor, 'POST', '/api/settings/dictionaries', { code: 'a2', name: 'x', valueType: 'string' }))
        .statusCode,
    ).toBe(403);
    const builtin = await call(admin, 'DELETE', '/api/settings/dictionaries/org_level');
    expect(builtin.statusCode).toBe(409);
    expect(builtin.json().code).toBe('dictionary_builtin');
  });

  it('stores HTML/SQL labels literally', async () => {
    await call(admin, 'POST', '/api/settings/dictionaries', { code: 'xss', name: `<b>x</b>'--`, valueType: 'string' });
    await call(admin, 'PUT', '/api/settings/dictionaries/xss/entries', {
      entries: [{ value: `'); drop table x;--`, label: '<script>1</script>' }],
    });
    const res = (await call(admin, 'GET', '/api/settings/dictionaries/xss/entries')).json();
    expect(res.dictionary.name).toBe(`<b>x</b>'--`);
    expect(res.entries[0]).toMatchObject({ value: `'); drop table x;--`, label: '<script>1</script>' });
  });
});

describe('菜单配置', () => {
  it('seeds the console menu tree with the permission each item needs', async () => {
    const tree = (await call(admin, 'GET', '/api/settings/menus')).json().items;
    const items = tree.flatMap((g: any) => g.children.map((c: any) => [c.name, c.permission]));
    expect(items).toEqual([
      ['组织机构', 'org:read'],
      ['用户管理', 'user:read'],
      ['角色权限', 'role:read'],
      ['注册用户', 'account:read'],
      ['数据字典', 'dictionary:manage'],
      ['菜单配置', 'menu:manage'],
      ['栏目类别', 'channel-category:manage'],
      ['系统参数', 'parameter:manage'],
      ['口令策略', 'password-policy:manage'],
      ['登录日志', 'login-log:read'],
      ['操作日志', 'audit:read'],
    ]);
  });

  it('hidden items drop out of /api/auth/me; unknown permissions and cycles are refused', async () => {
    const tree = (await call(admin, 'GET', '/api/settings/menus')).json().items;
    const orgs = tree[0].children[0];
    expect((await call(admin, 'PATCH', `/api/settings/menus/${orgs.id}`, { visible: false })).statusCode).toBe(200);
    const me = (await call(editor, 'GET', '/api/auth/me')).json();
    // The editor's only item is hidden now, so its group disappears too.
    expect(me.menus).toEqual([]);
    await call(admin, 'PATCH', `/api/settings/menus/${orgs.id}`, { visible: true });

    const bad = await call(admin, 'POST', '/api/settings/menus', {
      name: '假菜单',
      path: '/fake',
      permission: 'no:such',
    });
    expect(bad.json().code).toBe('unknown_permission');
    const cycle = await call(admin, 'PATCH', `/api/settings/menus/${tree[0].id}`, { parentId: orgs.id });
    expect(cycle.json().code).toBe('menu_move_cycle');
    const withChildren = await call(admin, 'DELETE', `/api/settings/menus/${tree[0].id}`);
    expect(withChildren.json().code).toBe('menu_has_children');
    const created = (
      await call(admin, 'POST', '/api/settings/menus', {
        parentId: tree[1].id,
        name: '新菜单',
        path: '/settings/new',
        icon: 'StarOutlined',
        permission: 'menu:manage',
      })
    ).json();
    expect(
      (await call(admin, 'POST', '/api/settings/menus', { name: '重复', path: '/settings/new' })).json().code,
    ).toBe('menu_path_taken');
    expect((await call(admin, 'DELETE', `/api/settings/menus/${created.id}`)).statusCode).toBe(204);
  });
});

describe('module menus', () => {
  it('offers a module group once per path, so an operator deletion survives the next start', async () => {
    const group = {
      name: '测试模块',
      icon: 'AppstoreOutlined',
      children: [
        { name: '甲', path: '/test/a', icon: 'AppstoreOutlined', permission: 'menu:manage' },
        { name: '乙', path: '/test/b', icon: 'AppstoreOutlined', permission: 'menu:manage' },
      ],
    };
    await ensureModuleMenus(t.kernel, group);
    const find = async () =>
      (await call(admin, 'GET', '/api/settings/menus')).json().items.find((g: any) => g.name === '测试模块');
    const first = await find();
    expect(first.children.map((c: any) => c.path)).toEqual(['/test/a', '/test/b']);
    expect((await call(admin, 'DELETE', `/api/settings/menus/${first.children[0].id}`)).statusCode).toBe(204);
    await ensureModuleMenus(t.kernel, {
      ...group,
      children: [...group.children, { name: '丙', path: '/test/c', icon: 'AppstoreOutlined' }],
    });
    expect((await find()).children.map((c: any) => c.path)).toEqual(['/test/b', '/test/c']);
  });
});

describe('栏目类别', () => {
  it('seeds the seven categories and manages them', async () => {
    const list = (await call(editor, 'GET', '/api/settings/channel-categories')).json().items;
    expect(list.map((c: any) => c.name)).toEqual([
      '动态要闻',
      '通知公告',
      '政策文件',
      '人事',
      '规划计划',
      '政务咨询',
      '其他',
    ]);
    const created = await call(admin, 'POST', '/api/settings/channel-categories', {
      code: 'special',
      name: '专题专栏',
      order: 7,
    });
    expect(created.statusCode).toBe(201);
    expect(
      (await call(admin, 'POST', '/api/settings/channel-categories', { code: 'special', name: '重复' })).statusCode,
    ).toBe(409);
    expect((await call(admin, 'PATCH', `/api/settings/channel-categories/${created.json().id}`, {})).statusCode).toBe(
      400,
    );
    const patched = await call(admin, 'PATCH', `/api/settings/channel-categories/${created.json().id}`, {
      enabled: false,
    });
    expect(patched.json().enabled).toBe(false);
    expect((await call(admin, 'DELETE', `/api/settings/channel-categories/${created.json().id}`)).statusCode).toBe(204);
    expect((await auditFor('channel-category')).map((a) => a.action)).toEqual(['create', 'update', 'delete']);
  });
});

describe('系统参数', () => {
  it('keeps each parameter to its type', async () => {
    const list = (await call(admin, 'GET', '/api/settings/parameters')).json().items;
    expect(list.find((p: any) => p.key === 'upload.maxSizeMb')).toMatchObject({ valueType: 'number', value: 50 });
    const wrong = await call(admin, 'PUT', '/api/settings/parameters/upload.maxSizeMb', { value: '100' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('invalid_parameter_value');
    expect((await call(admin, 'PUT', '/api/settings/parameters/upload.maxSizeMb', { value: 100 })).json().value).toBe(
      100,
    );
    const json = await call(admin, 'POST', '/api/settings/parameters', {
      key: 'home.banners',
      valueType: 'json',
      value: [{ title: '<b>新乡</b>' }],
      description: '首页横幅',
    });
    expect(json.statusCode).toBe(201);
    expect(json.json().value).toEqual([{ title: '<b>新乡</b>' }]);
    expect((await call(admin, 'PUT', '/api/settings/parameters/no.such', { value: 1 })).statusCode).toBe(404);
    expect((await call(editor, 'GET', '/api/settings/parameters')).statusCode).toBe(403);
    const audit = await auditFor('parameter');
    expect(audit.map((a) => a.action)).toEqual(['update', 'create']);
    expect(audit[0].actor_id).toBeTruthy();
  });
});
