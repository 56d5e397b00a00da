import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, type FieldError, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, definedOnly, writeCommand } from './context.js';
import type {
  ChannelCategoryRow,
  DictionaryEntryRow,
  DictionaryRow,
  DictionaryValueType,
  MenuRow,
  ParameterRow,
  ParameterType,
} from './schema.js';

/*
 * 统一平台配置 commands. Each write runs in one transaction with its audit entry, so a rejected or
 * failed command leaves neither the change nor a log line behind.
 */

/** The settings commands name their audit action up front and return what the entry should point at. */
function inTx<T>(
  kernel: Kernel,
  ctx: Ctx,
  audit: { action: string; resource: string; summary: string },
  fn: (tx: Tx) => Promise<{ result: T; resourceId?: string; detail?: unknown }>,
): Promise<T> {
  return writeCommand(kernel, ctx, async (tx) => {
    const { result, resourceId, detail } = await fn(tx);
    return { result, audit: { ...audit, resourceId, detail } };
  });
}

// ───────────────────────── 数据字典 dictionaries ─────────────────────────

export interface DictionaryInput {
  code: string;
  name: string;
  description?: string | null;
  valueType: DictionaryValueType;
}

export interface DictionaryEntryInput {
  value: string;
  label: string;
  order?: number;
  enabled?: boolean;
  extra?: Record<string, unknown> | null;
}

export function dictionaryView(row: DictionaryRow & { entry_count?: number }) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    valueType: row.value_type,
    builtin: row.builtin,
    entryCount: row.entry_count === undefined ? undefined : Number(row.entry_count),
  };
}

export function entryView(row: DictionaryEntryRow) {
  return {
    id: row.id,
    value: row.value,
    label: row.label,
    order: row.sort_order,
    enabled: row.enabled,
    extra: row.extra,
  };
}

export async function listDictionaries(db: Db) {
  const rows = await db
    .selectFrom('settings_dictionaries as d')
    .selectAll('d')
    .select((eb) =>
      eb
        .selectFrom('settings_dictionary_entries as e')
        .whereRef('e.dictionary_id', '=', 'd.id')
        .select(eb.fn.countAll<number>().as('n'))
        .as('entry_count'),
    )
    .orderBy('d.code')
    .execute();
  return rows.map((r) => dictionaryView(r as DictionaryRow & { entry_count: number }));
}

async function findDictionary(db: Db | Tx, code: string): Promise<DictionaryRow> {
  const row = await db.selectFrom('settings_dictionaries').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) throw notFound('dictionary_not_found', '数据字典不存在', { detail: code });
  return row as DictionaryRow;
}

async function assertDictionaryCodeFree(tx: Tx, code: string) {
  const taken = await tx.selectFrom('settings_dictionaries').select('id').where('code', '=', code).executeTakeFirst();
  if (taken)
    throw conflict('dictionary_code_taken', '字典编码已存在', {
      errors: [{ field: 'code', message: '字典编码已存在' }],
    });
}

export function createDictionary(kernel: Kernel, ctx: Ctx, input: DictionaryInput) {
  return inTx(
    kernel,
    ctx,
    { action: 'create', resource: 'dictionary', summary: `新建数据字典「${input.name}」` },
    async (tx) => {
      await assertDictionaryCodeFree(tx, input.code);
      const row = await tx
        .insertInto('settings_dictionaries')
        .values({
          code: input.code,
          name: input.name,
          description: input.description ?? null,
          value_type: input.valueType,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { result: dictionaryView(row as DictionaryRow), resourceId: row.id, detail: input };
    },
  );
}

export function updateDictionary(
  kernel: Kernel,
  ctx: Ctx,
  code: string,
  patch: { name?: string; description?: string | null },
) {
  return inTx(
    kernel,
    ctx,
    { action: 'update', resource: 'dictionary', summary: `修改数据字典「${code}」` },
    async (tx) => {
      const dict = await findDictionary(tx, code);
      const row = await tx
        .updateTable('settings_dictionaries')
        .set({ ...definedOnly({ name: patch.name, description: patch.description }), updated_at: new Date() })
        .where('id', '=', dict.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { result: dictionaryView(row as DictionaryRow), resourceId: dict.id, detail: patch };
    },
  );
}

export function deleteDictionary(kernel: Kernel, ctx: Ctx, code: string) {
  return inTx(
    kernel,
    ctx,
    { action: 'delete', resource: 'dictionary', summary: `删除数据字典「${code}」` },
    async (tx) => {
      const dict = await findDictionary(tx, code);
      if (dict.builtin)
        throw conflict('dictionary_builtin', '内置数据字典不能删除', { detail: `${dict.name}（${code}）被系统使用` });
      await tx.deleteFrom('settings_dictionaries').where('id', '=', dict.id).execute();
      return { result: undefined, resourceId: dict.id };
    },
  );
}

export async function listEntries(db: Db, code: string, enabledOnly = false) {
  const dict = await findDictionary(db, code);
  let query = db.selectFrom('settings_dictionary_entries').selectAll().where('dictionary_id', '=', dict.id);
  if (enabledOnly) query = query.where('enabled', '=', true);
  const rows = await query.orderBy('sort_order').orderBy('value').execute();
  return { dictionary: dictionaryView(dict), entries: rows.map((r) => entryView(r as DictionaryEntryRow)) };
}

function checkTypedValue(type: DictionaryValueType, value: string): string | null {
  if (type === 'integer' && !/^-?\d{1,15}$/.test(value)) return '应为整数';
  if (type === 'boolean' && value !== 'true' && value !== 'false') return '应为 true 或 false';
  return null;
}

function checkEntries(type: DictionaryValueType, entries: DictionaryEntryInput[]): void {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const typeError = checkTypedValue(type, e.value);
    if (typeError) errors.push({ field: `entries.${i}.value`, message: typeError });
    if (seen.has(e.value)) errors.push({ field: `entries.${i}.value`, message: '字典值重复' });
    seen.add(e.value);
  });
  if (errors.length) throw badRequest('invalid_entries', '字典项不合法', { errors });
}

/** Replaces all entries of a dictionary at once, which is what the console's editable table saves. */
export function replaceEntries(kernel: Kernel, ctx: Ctx, code: string, entries: DictionaryEntryInput[]) {
  return inTx(
    kernel,
    ctx,
    { action: 'update', resource: 'dictionary', summary: `保存数据字典「${code}」的字典项（${entries.length} 项）` },
    async (tx) => {
      const dict = await findDictionary(tx, code);
      checkEntries(dict.value_type, entries);
      await tx.deleteFrom('settings_dictionary_entries').where('dictionary_id', '=', dict.id).execute();
      if (entries.length) {
        await tx
          .insertInto('settings_dictionary_entries')
          .values(
            entries.map((e, i) => ({
              dictionary_id: dict.id,
              value: e.value,
              label: e.label,
              sort_order: e.order ?? i,
              enabled: e.enabled ?? true,
              extra: e.extra == null ? null : JSON.stringify(e.extra),
            })),
          )
          .execute();
      }
      return { result: (await listEntriesTx(tx, dict.id)).map(entryView), resourceId: dict.id, detail: { entries } };
    },
  );
}

async function listEntriesTx(tx: Tx, dictionaryId: string): Promise<DictionaryEntryRow[]> {
  return (await tx
    .selectFrom('settings_dictionary_entries')
    .selectAll()
    .where('dictionary_id', '=', dictionaryId)
    .orderBy('sort_order')
    .execute()) as DictionaryEntryRow[];
}

/** For other modules validating a field against a dictionary (e.g. identity's 行政级别). */
export async function dictionaryHasValue(db: Db | Tx, code: string, value: string): Promise<boolean> {
  const row = await db
    .selectFrom('settings_dictionary_entries as e')
    .innerJoin('settings_dictionaries as d', 'd.id', 'e.dictionary_id')
    .select('e.id')
    .where('d.code', '=', code)
    .where('e.value', '=', value)
    .where('e.enabled', '=', true)
    .executeTakeFirst();
  return !!row;
}

// ───────────────────────── 菜单配置 menus ─────────────────────────

export interface MenuInput {
  parentId?: string | null;
  name: string;
  path?: string | null;
  icon?: string | null;
  permission?: string | null;
  order?: number;
  visible?: boolean;
}

export interface MenuNode {
  id: string;
  parentId: string | null;
  name: string;
  path: string | null;
  icon: string | null;
  permission: string | null;
  order: number;
  visible: boolean;
  children: MenuNode[];
}

function menuNode(row: MenuRow): MenuNode {
  return {
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    path: row.path,
    icon: row.icon,
    permission: row.permission,
    order: row.sort_order,
    visible: row.visible,
    children: [],
  };
}

function buildTree<T extends { id: string; parentId: string | null; children: T[] }>(nodes: T[]): T[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const roots: T[] = [];
  for (const node of nodes) {
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

async function allMenus(db: Db | Tx): Promise<MenuRow[]> {
  return (await db
    .selectFrom('settings_menus')
    .selectAll()
    .orderBy('sort_order')
    .orderBy('name')
    .execute()) as MenuRow[];
}

export async function menuTree(db: Db): Promise<MenuNode[]> {
  return buildTree((await allMenus(db)).map(menuNode));
}

/**
 * The console menu of one user: visible items whose permission the user holds; a group without a
 * path is kept only if something under it survives.
 */
export async function menusForPermissions(db: Db, granted: Set<string>): Promise<MenuNode[]> {
  const allowed = (await allMenus(db)).filter((m) => m.visible && (!m.permission || granted.has(m.permission)));
  const prune = (nodes: MenuNode[]): MenuNode[] =>
    nodes.map((n) => ({ ...n, children: prune(n.children) })).filter((n) => n.path || n.children.length > 0);
  return prune(buildTree(allowed.map(menuNode)));
}

function checkPermissionCode(kernel: Kernel, permission: string | null | undefined) {
  if (permission && !kernel.permissions.has(permission)) {
    throw badRequest('unknown_permission', '权限不存在', {
      errors: [{ field: 'permission', message: `未注册的权限 ${permission}` }],
    });
  }
}

async function findMenu(db: Db | Tx, id: string): Promise<MenuRow> {
  const row = await db.selectFrom('settings_menus').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('menu_not_found', '菜单不存在');
  return row as MenuRow;
}

async function assertMenuPathFree(tx: Tx, path: string | null | undefined, exceptId?: string) {
  if (!path) return;
  let q = tx.selectFrom('settings_menus').select('id').where('path', '=', path);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst())
    throw conflict('menu_path_taken', '菜单路径已被使用', { errors: [{ field: 'path', message: '菜单路径已被使用' }] });
}

/** Refuses to hang a menu below itself or its own descendants. */
async function assertMenuParentAllowed(tx: Tx, id: string, parentId: string | null) {
  for (let cursor = parentId; cursor; ) {
    if (cursor === id) throw conflict('menu_move_cycle', '不能把菜单移到它自己或其下级菜单之下');
    cursor = (await findMenu(tx, cursor)).parent_id;
  }
}

export function createMenu(kernel: Kernel, ctx: Ctx, input: MenuInput) {
  return inTx(kernel, ctx, { action: 'create', resource: 'menu', summary: `新建菜单「${input.name}」` }, async (tx) => {
    checkPermissionCode(kernel, input.permission);
    if (input.parentId) await findMenu(tx, input.parentId);
    await assertMenuPathFree(tx, input.path);
    const row = await tx
      .insertInto('settings_menus')
      .values({
        parent_id: input.parentId ?? null,
        name: input.name,
        path: input.path ?? null,
        icon: input.icon ?? null,
        permission: input.permission ?? null,
        sort_order: input.order ?? 0,
        visible: input.visible ?? true,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { result: menuNode(row as MenuRow), resourceId: row.id, detail: input };
  });
}

export function updateMenu(kernel: Kernel, ctx: Ctx, id: string, patch: Partial<MenuInput>) {
  return inTx(kernel, ctx, { action: 'update', resource: 'menu', summary: `修改菜单` }, async (tx) => {
    const menu = await findMenu(tx, id);
    checkPermissionCode(kernel, patch.permission);
    if (patch.parentId !== undefined) await assertMenuParentAllowed(tx, id, patch.parentId);
    await assertMenuPathFree(tx, patch.path, id);
    const row = await tx
      .updateTable('settings_menus')
      .set(
        definedOnly({
          parent_id: patch.parentId,
          name: patch.name,
          path: patch.path,
          icon: patch.icon,
          permission: patch.permission,
          sort_order: patch.order,
          visible: patch.visible,
        }),
      )
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { result: menuNode(row as MenuRow), resourceId: id, detail: { before: menuNode(menu), patch } };
  });
}

export function deleteMenu(kernel: Kernel, ctx: Ctx, id: string) {
  return inTx(kernel, ctx, { action: 'delete', resource: 'menu', summary: `删除菜单` }, async (tx) => {
    const menu = await findMenu(tx, id);
    const child = await tx.selectFrom('settings_menus').select('id').where('parent_id', '=', id).executeTakeFirst();
    if (child)
      throw conflict('menu_has_children', '该菜单下还有子菜单，不能删除', {
        detail: `请先删除或移走「${menu.name}」下的子菜单`,
      });
    await tx.deleteFrom('settings_menus').where('id', '=', id).execute();
    return { result: undefined, resourceId: id, detail: menuNode(menu) };
  });
}

// ───────────────────────── 栏目类别 channel categories ─────────────────────────

export interface ChannelCategoryInput {
  code: string;
  name: string;
  order?: number;
  enabled?: boolean;
}

function categoryView(row: ChannelCategoryRow) {
  return { id: row.id, code: row.code, name: row.name, order: row.sort_order, enabled: row.enabled };
}

export async function listChannelCategories(db: Db) {
  const rows = await db
    .selectFrom('settings_channel_categories')
    .selectAll()
    .orderBy('sort_order')
    .orderBy('code')
    .execute();
  return rows.map((r) => categoryView(r as ChannelCategoryRow));
}

async function assertCategoryCodeFree(tx: Tx, code: string | undefined, exceptId?: string) {
  if (!code) return;
  let q = tx.selectFrom('settings_channel_categories').select('id').where('code', '=', code);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst())
    throw conflict('channel_category_code_taken', '栏目类别编码已存在', {
      errors: [{ field: 'code', message: '编码已存在' }],
    });
}

export function createChannelCategory(kernel: Kernel, ctx: Ctx, input: ChannelCategoryInput) {
  return inTx(
    kernel,
    ctx,
    { action: 'create', resource: 'channel-category', summary: `新建栏目类别「${input.name}」` },
    async (tx) => {
      await assertCategoryCodeFree(tx, input.code);
      const row = await tx
        .insertInto('settings_channel_categories')
        .values({ code: input.code, name: input.name, sort_order: input.order ?? 0, enabled: input.enabled ?? true })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { result: categoryView(row as ChannelCategoryRow), resourceId: row.id, detail: input };
    },
  );
}

export function updateChannelCategory(kernel: Kernel, ctx: Ctx, id: string, patch: Partial<ChannelCategoryInput>) {
  return inTx(kernel, ctx, { action: 'update', resource: 'channel-category', summary: '修改栏目类别' }, async (tx) => {
    await assertCategoryCodeFree(tx, patch.code, id);
    const row = await tx
      .updateTable('settings_channel_categories')
      .set(definedOnly({ code: patch.code, name: patch.name, sort_order: patch.order, enabled: patch.enabled }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('channel_category_not_found', '栏目类别不存在');
    return { result: categoryView(row as ChannelCategoryRow), resourceId: id, detail: patch };
  });
}

export function deleteChannelCategory(kernel: Kernel, ctx: Ctx, id: string) {
  return inTx(kernel, ctx, { action: 'delete', resource: 'channel-category', summary: '删除栏目类别' }, async (tx) => {
    const row = await tx
      .deleteFrom('settings_channel_categories')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('channel_category_not_found', '栏目类别不存在');
    return { result: undefined, resourceId: id, detail: categoryView(row as ChannelCategoryRow) };
  });
}

// ───────────────────────── 系统参数 parameters ─────────────────────────

export interface ParameterInput {
  key: string;
  valueType: ParameterType;
  value: unknown;
  description?: string | null;
}

function parameterView(row: ParameterRow) {
  return {
    key: row.key,
    valueType: row.value_type,
    value: row.value,
    description: row.description,
    updatedAt: row.updated_at,
  };
}

function checkParameterValue(type: ParameterType, value: unknown) {
  const ok =
    type === 'json'
      ? value !== undefined
      : type === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === type;
  if (!ok)
    throw badRequest('invalid_parameter_value', '参数值类型不正确', {
      errors: [{ field: 'value', message: `应为 ${type}` }],
    });
}

export async function listParameters(db: Db) {
  const rows = await db.selectFrom('settings_parameters').selectAll().orderBy('key').execute();
  return rows.map((r) => parameterView(r as ParameterRow));
}

/** Typed read for other modules; `fallback` when the parameter was never created. */
export async function getParameter<T>(db: Db | Tx, key: string, fallback: T): Promise<T> {
  const row = await db.selectFrom('settings_parameters').select('value').where('key', '=', key).executeTakeFirst();
  return row ? (row.value as T) : fallback;
}

export function createParameter(kernel: Kernel, ctx: Ctx, input: ParameterInput) {
  return inTx(
    kernel,
    ctx,
    { action: 'create', resource: 'parameter', summary: `新建系统参数 ${input.key}` },
    async (tx) => {
      checkParameterValue(input.valueType, input.value);
      const taken = await tx
        .selectFrom('settings_parameters')
        .select('key')
        .where('key', '=', input.key)
        .executeTakeFirst();
      if (taken)
        throw conflict('parameter_key_taken', '参数键已存在', { errors: [{ field: 'key', message: '参数键已存在' }] });
      const row = await tx
        .insertInto('settings_parameters')
        .values({
          key: input.key,
          value_type: input.valueType,
          value: JSON.stringify(input.value),
          description: input.description ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { result: parameterView(row as ParameterRow), resourceId: input.key, detail: input };
    },
  );
}

export function setParameter(kernel: Kernel, ctx: Ctx, key: string, value: unknown) {
  return inTx(kernel, ctx, { action: 'update', resource: 'parameter', summary: `修改系统参数 ${key}` }, async (tx) => {
    const current = await tx.selectFrom('settings_parameters').selectAll().where('key', '=', key).executeTakeFirst();
    if (!current) throw notFound('parameter_not_found', '系统参数不存在', { detail: key });
    checkParameterValue(current.value_type, value);
    const row = await tx
      .updateTable('settings_parameters')
      .set({ value: JSON.stringify(value), updated_at: new Date() })
      .where('key', '=', key)
      .returningAll()
      .executeTakeFirstOrThrow();
    return {
      result: parameterView(row as ParameterRow),
      resourceId: key,
      detail: { before: current.value, after: value },
    };
  });
}
