import { randomUUID } from 'node:crypto';
import { isValidUscc } from '@jiyue/text/identifiers';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, definedOnly, writeCommand } from '../settings/context.js';
import { dictionaryHasValue } from '../settings/service.js';
import type { OrgRow } from './schema.js';
import { assertScope, visibleOrgIds } from './scope.js';

/* 组织机构 commands. The tree is a materialized path (`/a/b/`); see schema.ts. */

const ORG_MOVE_LOCK = 7_346_301;

export interface OrgInput {
  parentId: string | null;
  name: string;
  shortName?: string | null;
  level: string;
  code?: string | null;
  order?: number;
}

export interface OrgNode {
  id: string;
  parentId: string | null;
  name: string;
  shortName: string | null;
  level: string;
  code: string | null;
  order: number;
  status: 'enabled' | 'disabled';
  children: OrgNode[];
}

export function orgView(row: OrgRow): OrgNode {
  return {
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    shortName: row.short_name,
    level: row.level,
    code: row.code,
    order: row.sort_order,
    status: row.status,
    children: [],
  };
}

export async function findOrg(db: Db | Tx, id: string): Promise<OrgRow> {
  const row = await db.selectFrom('identity_orgs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('org_not_found', '组织机构不存在', { detail: id });
  return row as OrgRow;
}

/** Ids of `orgId` and every org below it. */
export async function subtreeIds(db: Db | Tx, orgIds: string[]): Promise<string[]> {
  if (orgIds.length === 0) return [];
  const roots = await db.selectFrom('identity_orgs').select('path').where('id', 'in', orgIds).execute();
  if (roots.length === 0) return [];
  const rows = await db
    .selectFrom('identity_orgs')
    .select('id')
    .where((eb) => eb.or(roots.map((r) => eb('path', 'like', `${r.path}%`))))
    .execute();
  return rows.map((r) => r.id);
}

/** The tree the principal may see: roots are the top-most visible orgs. */
export async function orgTree(db: Db, ctx: Ctx): Promise<OrgNode[]> {
  const visible = visibleOrgIds(ctx.principal, 'org:read');
  if (visible?.length === 0) return [];
  let query = db.selectFrom('identity_orgs').selectAll();
  if (visible) query = query.where('id', 'in', visible);
  const rows = (await query.orderBy('sort_order').orderBy('name').execute()) as OrgRow[];
  const nodes = rows.map(orgView);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const roots: OrgNode[] = [];
  for (const node of nodes) {
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

async function checkOrgFields(tx: Tx, input: { level?: string; code?: string | null }, exceptId?: string) {
  if (input.level !== undefined && !(await dictionaryHasValue(tx, 'org_level', input.level))) {
    throw badRequest('invalid_org_level', '行政级别不合法', {
      errors: [{ field: 'level', message: '应为数据字典「行政级别」(org_level) 中启用的值' }],
    });
  }
  if (input.code) {
    if (!isValidUscc(input.code)) {
      throw badRequest('invalid_uscc', '组织编码不是合法的统一社会信用代码', {
        errors: [{ field: 'code', message: '应为 18 位统一社会信用代码（GB 32100-2015），校验位须正确' }],
      });
    }
    let q = tx.selectFrom('identity_orgs').select('name').where('code', '=', input.code);
    if (exceptId) q = q.where('id', '<>', exceptId);
    const taken = await q.executeTakeFirst();
    if (taken) {
      throw conflict('org_code_taken', '组织编码已被使用', {
        detail: `已被「${taken.name}」使用`,
        errors: [{ field: 'code', message: '组织编码已被使用' }],
      });
    }
  }
}

/** Places `id` at position `order` among the children of `parentId` and renumbers them 0…n. */
async function placeAmongSiblings(tx: Tx, id: string, parentId: string | null, order: number | undefined) {
  let q = tx.selectFrom('identity_orgs').select('id').where('id', '<>', id);
  q = parentId ? q.where('parent_id', '=', parentId) : q.where('parent_id', 'is', null);
  const siblings = (await q.orderBy('sort_order').orderBy('name').execute()).map((r) => r.id);
  const at = order === undefined ? siblings.length : Math.max(0, Math.min(order, siblings.length));
  siblings.splice(at, 0, id);
  for (const [i, siblingId] of siblings.entries()) {
    await tx.updateTable('identity_orgs').set({ sort_order: i }).where('id', '=', siblingId).execute();
  }
}

export function createOrg(kernel: Kernel, ctx: Ctx, input: OrgInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    assertScope(ctx.principal, 'org:create', input.parentId);
    const parent = input.parentId ? await findOrg(tx, input.parentId) : null;
    await checkOrgFields(tx, input);
    const id = randomUUID();
    await tx
      .insertInto('identity_orgs')
      .values({
        id,
        parent_id: parent?.id ?? null,
        path: `${parent?.path ?? '/'}${id}/`,
        name: input.name,
        short_name: input.shortName ?? null,
        level: input.level,
        code: input.code || null,
        sort_order: 0,
      })
      .execute();
    await placeAmongSiblings(tx, id, parent?.id ?? null, input.order);
    const created = orgView(await findOrg(tx, id));
    return {
      result: created,
      audit: {
        action: 'create',
        resource: 'org',
        resourceId: id,
        summary: `新建组织机构「${input.name}」`,
        detail: input,
      },
    };
  });
}

export interface OrgPatch {
  name?: string;
  shortName?: string | null;
  level?: string;
  code?: string | null;
}

export function updateOrg(kernel: Kernel, ctx: Ctx, id: string, patch: OrgPatch) {
  return writeCommand(kernel, ctx, async (tx) => {
    assertScope(ctx.principal, 'org:update', id);
    const before = await findOrg(tx, id);
    await checkOrgFields(tx, patch, id);
    await tx
      .updateTable('identity_orgs')
      .set({
        ...definedOnly({ name: patch.name, short_name: patch.shortName, level: patch.level }),
        ...(patch.code !== undefined ? { code: patch.code || null } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    return {
      result: orgView(await findOrg(tx, id)),
      audit: {
        action: 'update',
        resource: 'org',
        resourceId: id,
        summary: `修改组织机构「${before.name}」`,
        detail: { before: orgView(before), patch },
      },
    };
  });
}

/** 移动/排序: re-parents the subtree (refusing cycles) and places it at `order` among its new siblings. */
export function moveOrg(kernel: Kernel, ctx: Ctx, id: string, target: { parentId: string | null; order?: number }) {
  return writeCommand(kernel, ctx, async (tx) => {
    assertScope(ctx.principal, 'org:update', id);
    assertScope(ctx.principal, 'org:update', target.parentId);
    // Two moves at once could each pass the cycle check and together make a loop: one at a time.
    await sql`select pg_advisory_xact_lock(${ORG_MOVE_LOCK})`.execute(tx);
    const org = await findOrg(tx, id);
    const parent = target.parentId ? await findOrg(tx, target.parentId) : null;
    if (parent?.path.startsWith(org.path)) {
      throw conflict('org_move_cycle', '不能把机构移到它自己或其下级机构之下', {
        detail: `「${parent.name}」位于「${org.name}」之内`,
      });
    }
    const newPath = `${parent?.path ?? '/'}${id}/`;
    if (newPath !== org.path) {
      await sql`
        update identity_orgs
           set path = ${newPath} || substr(path, ${org.path.length + 1}), updated_at = now()
         where path like ${`${org.path}%`}`.execute(tx);
      await tx
        .updateTable('identity_orgs')
        .set({ parent_id: parent?.id ?? null })
        .where('id', '=', id)
        .execute();
    }
    await placeAmongSiblings(tx, id, parent?.id ?? null, target.order);
    return {
      result: orgView(await findOrg(tx, id)),
      audit: {
        action: 'move',
        resource: 'org',
        resourceId: id,
        summary: `移动组织机构「${org.name}」到「${parent?.name ?? '顶级'}」下`,
        detail: { fromParentId: org.parent_id, ...target },
      },
    };
  });
}

export function setOrgStatus(kernel: Kernel, ctx: Ctx, id: string, status: 'enabled' | 'disabled') {
  return writeCommand(kernel, ctx, async (tx) => {
    assertScope(ctx.principal, 'org:update', id);
    const org = await findOrg(tx, id);
    await tx.updateTable('identity_orgs').set({ status, updated_at: new Date() }).where('id', '=', id).execute();
    const verb = status === 'enabled' ? '启用' : '停用';
    return {
      result: orgView({ ...org, status }),
      audit: {
        action: status === 'enabled' ? 'enable' : 'disable',
        resource: 'org',
        resourceId: id,
        summary: `${verb}组织机构「${org.name}」`,
      },
    };
  });
}

async function countWhere(tx: Tx, table: string, column: string, id: string): Promise<number> {
  const row = await tx
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(column, '=', id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deleting is refused, with the reason, while anything still hangs on the org. */
export function deleteOrg(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    assertScope(ctx.principal, 'org:delete', id);
    const org = await findOrg(tx, id);
    const children = await countWhere(tx, 'identity_orgs', 'parent_id', id);
    if (children > 0) {
      throw conflict('org_has_children', '该机构下还有下级机构，不能删除', {
        detail: `「${org.name}」有 ${children} 个下级机构，请先删除或移走`,
      });
    }
    const users = await countWhere(tx, 'identity_users', 'org_id', id);
    if (users > 0) {
      throw conflict('org_has_users', '该机构下还有用户，不能删除', {
        detail: `「${org.name}」有 ${users} 个用户（含已删除的用户），请先把用户调到其他机构`,
      });
    }
    const grants = await countWhere(tx, 'identity_user_roles', 'scope_org_id', id);
    if (grants > 0) {
      throw conflict('org_in_grants', '该机构是某些授权的管理范围，不能删除', {
        detail: `有 ${grants} 条角色授权以「${org.name}」为范围`,
      });
    }
    await tx.deleteFrom('identity_orgs').where('id', '=', id).execute();
    return {
      result: undefined,
      audit: {
        action: 'delete',
        resource: 'org',
        resourceId: id,
        summary: `删除组织机构「${org.name}」`,
        detail: orgView(org),
      },
    };
  });
}
