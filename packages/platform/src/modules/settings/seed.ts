import type { Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';

/*
 * First-start data. Idempotent: a dictionary is added when its code is missing; menus, channel
 * categories and parameters only when their table is empty, so an operator's deletions stay deleted.
 */

interface SeedDictionary {
  code: string;
  name: string;
  valueType: 'string' | 'integer' | 'boolean';
  entries: [value: string, label: string][];
}

export const DICTIONARIES: SeedDictionary[] = [
  {
    code: 'org_level',
    name: '行政级别',
    valueType: 'string',
    entries: [
      ['province', '省级'],
      ['city', '市级'],
      ['county', '县级'],
      ['township', '乡级'],
      ['village', '村级'],
    ],
  },
  {
    code: 'account_kind',
    name: '注册用户类型',
    valueType: 'string',
    entries: [
      ['person', '自然人'],
      ['legalEntity', '法人'],
    ],
  },
  {
    code: 'gender',
    name: '性别',
    valueType: 'integer',
    entries: [
      ['1', '男'],
      ['2', '女'],
    ],
  },
];

export interface SeedMenu {
  name: string;
  path?: string;
  icon: string;
  permission?: string;
  children?: SeedMenu[];
}

/** The console's routes; `permission` is what a user needs to see the item. */
export const CONSOLE_MENUS: SeedMenu[] = [
  {
    name: '统一用户管理',
    icon: 'TeamOutlined',
    children: [
      { name: '组织机构', path: '/identity/orgs', icon: 'ApartmentOutlined', permission: 'org:read' },
      { name: '用户管理', path: '/identity/users', icon: 'UserOutlined', permission: 'user:read' },
      { name: '角色权限', path: '/identity/roles', icon: 'SafetyCertificateOutlined', permission: 'role:read' },
      { name: '注册用户', path: '/identity/accounts', icon: 'IdcardOutlined', permission: 'account:read' },
    ],
  },
  {
    name: '统一平台配置',
    icon: 'SettingOutlined',
    children: [
      { name: '数据字典', path: '/settings/dictionaries', icon: 'BookOutlined', permission: 'dictionary:manage' },
      { name: '菜单配置', path: '/settings/menus', icon: 'MenuOutlined', permission: 'menu:manage' },
      {
        name: '栏目类别',
        path: '/settings/channel-categories',
        icon: 'AppstoreOutlined',
        permission: 'channel-category:manage',
      },
      { name: '系统参数', path: '/settings/parameters', icon: 'ControlOutlined', permission: 'parameter:manage' },
    ],
  },
  {
    name: '安全管理',
    icon: 'SafetyOutlined',
    children: [
      {
        name: '口令策略',
        path: '/security/password-policy',
        icon: 'LockOutlined',
        permission: 'password-policy:manage',
      },
      { name: '登录日志', path: '/security/login-log', icon: 'LoginOutlined', permission: 'login-log:read' },
      { name: '操作日志', path: '/security/audit-log', icon: 'AuditOutlined', permission: 'audit:read' },
    ],
  },
];

export const CHANNEL_CATEGORIES: [code: string, name: string][] = [
  ['news', '动态要闻'],
  ['notice', '通知公告'],
  ['policy', '政策文件'],
  ['personnel', '人事'],
  ['planning', '规划计划'],
  ['consultation', '政务咨询'],
  ['other', '其他'],
];

export const PARAMETERS: {
  key: string;
  valueType: 'string' | 'number' | 'boolean' | 'json';
  value: unknown;
  description: string;
}[] = [
  {
    key: 'platform.name',
    valueType: 'string',
    value: '新乡市政府网站集约化平台',
    description: '平台名称（控制台标题）',
  },
  { key: 'platform.icp', valueType: 'string', value: '', description: 'ICP 备案号' },
  { key: 'upload.maxSizeMb', valueType: 'number', value: 50, description: '单个上传文件大小上限（MB）' },
  { key: 'content.reviewRequired', valueType: 'boolean', value: true, description: '信息发布前是否必须审核' },
];

async function isEmpty(tx: Tx, table: string): Promise<boolean> {
  return !(await tx.selectFrom(table).select(sqlOne).limit(1).executeTakeFirst());
}
const sqlOne = (eb: any) => eb.lit(1).as('one');

async function seedDictionaries(tx: Tx) {
  for (const d of DICTIONARIES) {
    const exists = await tx
      .selectFrom('settings_dictionaries')
      .select('id')
      .where('code', '=', d.code)
      .executeTakeFirst();
    if (exists) continue;
    const { id } = await tx
      .insertInto('settings_dictionaries')
      .values({ code: d.code, name: d.name, value_type: d.valueType, builtin: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('settings_dictionary_entries')
      .values(d.entries.map(([value, label], i) => ({ dictionary_id: id, value, label, sort_order: i })))
      .execute();
  }
}

async function insertMenus(tx: Tx, menus: SeedMenu[], parentId: string | null) {
  for (const [i, m] of menus.entries()) {
    const { id } = await tx
      .insertInto('settings_menus')
      .values({
        parent_id: parentId,
        name: m.name,
        path: m.path ?? null,
        icon: m.icon,
        permission: m.permission ?? null,
        sort_order: i,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (m.children) await insertMenus(tx, m.children, id);
  }
}

export async function seedSettings(kernel: Kernel): Promise<void> {
  await kernel.db.transaction().execute(async (tx) => {
    await seedDictionaries(tx);
    if (await isEmpty(tx, 'settings_menus')) {
      await insertMenus(tx, CONSOLE_MENUS, null);
      await tx
        .insertInto('settings_seeded_menus')
        .values(CONSOLE_MENUS.flatMap((g) => g.children ?? []).map((m) => ({ path: m.path })))
        .execute();
    }
    if (await isEmpty(tx, 'settings_channel_categories')) {
      await tx
        .insertInto('settings_channel_categories')
        .values(CHANNEL_CATEGORIES.map(([code, name], i) => ({ code, name, sort_order: i })))
        .execute();
    }
    if (await isEmpty(tx, 'settings_parameters')) {
      await tx
        .insertInto('settings_parameters')
        .values(
          PARAMETERS.map((p) => ({
            key: p.key,
            value_type: p.valueType,
            value: JSON.stringify(p.value),
            description: p.description,
          })),
        )
        .execute();
    }
  });
}

/**
 * Offers a module's console menu group: the group (found by name at the top level, or added at the
 * end) gets each item whose path was never offered before. A path is offered once, so an item the
 * operator deleted or moved stays that way across restarts. Called from a module's seed.
 */
export async function ensureModuleMenus(kernel: Kernel, group: SeedMenu): Promise<void> {
  await kernel.db.transaction().execute(async (tx) => {
    const offered = new Set(
      (await tx.selectFrom('settings_seeded_menus').select('path').execute()).map((r: { path: string }) => r.path),
    );
    const fresh = (group.children ?? []).filter((m) => m.path !== undefined && !offered.has(m.path));
    if (fresh.length === 0) return;
    let root = await tx
      .selectFrom('settings_menus')
      .select('id')
      .where('parent_id', 'is', null)
      .where('name', '=', group.name)
      .executeTakeFirst();
    if (!root) {
      const last = await tx
        .selectFrom('settings_menus')
        .select((eb: any) => eb.fn.max('sort_order').as('max'))
        .where('parent_id', 'is', null)
        .executeTakeFirst();
      root = await tx
        .insertInto('settings_menus')
        .values({
          parent_id: null,
          name: group.name,
          icon: group.icon,
          sort_order: Number((last as { max?: number } | undefined)?.max ?? -1) + 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    }
    const taken = new Set(
      (
        await tx
          .selectFrom('settings_menus')
          .select('path')
          .where(
            'path',
            'in',
            fresh.map((m) => m.path),
          )
          .execute()
      ).map((r: { path: string }) => r.path),
    );
    const base = await tx
      .selectFrom('settings_menus')
      .select((eb: any) => eb.fn.max('sort_order').as('n'))
      .where('parent_id', '=', root.id)
      .executeTakeFirst();
    let order = Number((base as { n?: number | null } | undefined)?.n ?? -1) + 1;
    for (const m of fresh) {
      if (!taken.has(m.path as string)) {
        await tx
          .insertInto('settings_menus')
          .values({
            parent_id: root.id,
            name: m.name,
            path: m.path,
            icon: m.icon,
            permission: m.permission ?? null,
            sort_order: order++,
          })
          .execute();
      }
      await tx
        .insertInto('settings_seeded_menus')
        .values({ path: m.path as string })
        .execute();
    }
  });
}
