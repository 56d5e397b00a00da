import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, forbidden, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import type { PermissionRegistry } from '../../kernel/permissions.js';
import { type Ctx, definedOnly, writeCommand } from '../settings/context.js';
import type { RoleRow } from './schema.js';

/*
 * 角色权限. 三权分立: the three built-in administrator roles split the system's powers, cannot be
 * edited, and no user may hold two of them. Their permission lists are derived from the registry
 * at run time, so permissions added by later modules reach the 系统管理员 without a migration.
 */

export const ADMIN_ROLES = ['sysadmin', 'secadmin', 'auditor'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Only the 审计管理员 may read the audit log. */
export const AUDITOR_PERMISSIONS = ['audit:read'];

/** 安全管理员: accounts' security state and the security settings. */
export const SECADMIN_PERMISSIONS = [
  'org:read',
  'user:read',
  'user:unlock',
  'role:read',
  'password-policy:manage',
  'login-log:read',
  'session:manage',
];

/** Held exclusively by one built-in role: never part of the 系统管理员 set nor of custom roles. */
const RESERVED = new Set([
  ...AUDITOR_PERMISSIONS,
  'user:unlock',
  'password-policy:manage',
  'login-log:read',
  'session:manage',
]);

/**
 * Adds permissions to the custom (non-built-in) roles named in `grants` — for other modules' seeds,
 * which give identity's demo roles (editor, reviewer, orgadmin) their own permissions. Keeps what a
 * role has; a role an operator deleted is not brought back.
 */
export async function grantToRoles(tx: Db | Tx, grants: Record<string, string[]>): Promise<void> {
  const roles = await tx
    .selectFrom('identity_roles')
    .select(['id', 'code', 'permissions'])
    .where('code', 'in', Object.keys(grants))
    .where('builtin', '=', false)
    .execute();
  for (const role of roles) {
    const merged = [...new Set([...(role.permissions as string[]), ...grants[role.code as string]])];
    await tx
      .updateTable('identity_roles')
      .set({ permissions: JSON.stringify(merged), updated_at: sql`now()` })
      .where('id', '=', role.id)
      .execute();
  }
}

export function isAdminRole(code: string): code is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(code);
}

export function builtinPermissions(code: AdminRole, registry: PermissionRegistry): string[] {
  switch (code) {
    case 'auditor':
      return AUDITOR_PERMISSIONS;
    case 'secadmin':
      return SECADMIN_PERMISSIONS;
    case 'sysadmin':
      return registry
        .all()
        .map((p) => p.code)
        .filter((c) => !RESERVED.has(c));
  }
}

/** What a role grants right now (built-ins from the registry, others from the row). */
export function effectivePermissions(
  role: Pick<RoleRow, 'code' | 'builtin' | 'permissions'>,
  registry: PermissionRegistry,
): string[] {
  return role.builtin && isAdminRole(role.code) ? builtinPermissions(role.code, registry) : role.permissions;
}

export function roleView(row: RoleRow & { user_count?: number }, registry: PermissionRegistry) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    builtin: row.builtin,
    permissions: effectivePermissions(row, registry),
    userCount: row.user_count === undefined ? undefined : Number(row.user_count),
  };
}

export async function listRoles(kernel: Kernel) {
  const rows = await kernel.db
    .selectFrom('identity_roles as r')
    .selectAll('r')
    .select((eb) =>
      eb
        .selectFrom('identity_user_roles as ur')
        .innerJoin('identity_users as u', 'u.id', 'ur.user_id')
        .whereRef('ur.role_id', '=', 'r.id')
        .where('u.status', '<>', 'deleted')
        .select(eb.fn.countAll<number>().as('n'))
        .as('user_count'),
    )
    .orderBy('r.builtin', 'desc')
    .orderBy('r.code')
    .execute();
  return rows.map((r) => roleView(r as RoleRow & { user_count: number }, kernel.permissions));
}

export async function findRole(db: Db | Tx, id: string): Promise<RoleRow> {
  const row = await db.selectFrom('identity_roles').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('role_not_found', '角色不存在', { detail: id });
  return row as RoleRow;
}

/**
 * A custom role may only name registered, non-reserved permissions that its author holds
 * (分级授权: nobody hands out more than they have).
 */
function checkRolePermissions(kernel: Kernel, ctx: Ctx, permissions: string[]) {
  const unknown = permissions.filter((p) => !kernel.permissions.has(p));
  if (unknown.length) {
    throw badRequest('unknown_permission', '权限不存在', {
      errors: [{ field: 'permissions', message: `未注册的权限：${unknown.join('、')}` }],
    });
  }
  const reserved = permissions.filter((p) => RESERVED.has(p));
  if (reserved.length) {
    throw badRequest('permission_reserved', '该权限只属于内置的安全管理员或审计管理员角色', {
      detail: `三权分立：${reserved.join('、')} 不能加入其他角色`,
      errors: [{ field: 'permissions', message: `保留权限：${reserved.join('、')}` }],
    });
  }
  const notHeld = permissions.filter((p) => !ctx.principal?.permissions.has(p));
  if (notHeld.length) {
    throw forbidden('grant_exceeds_own', '不能授予自己没有的权限', { detail: `您没有：${notHeld.join('、')}` });
  }
}

async function assertRoleCodeFree(tx: Tx, code: string | undefined, exceptId?: string) {
  if (!code) return;
  let q = tx.selectFrom('identity_roles').select('id').where('code', '=', code);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) {
    throw conflict('role_code_taken', '角色编码已存在', { errors: [{ field: 'code', message: '角色编码已存在' }] });
  }
}

export interface RoleInput {
  code: string;
  name: string;
  description?: string | null;
  permissions: string[];
}

export function createRole(kernel: Kernel, ctx: Ctx, input: RoleInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    checkRolePermissions(kernel, ctx, input.permissions);
    await assertRoleCodeFree(tx, input.code);
    const row = await tx
      .insertInto('identity_roles')
      .values({
        code: input.code,
        name: input.name,
        description: input.description ?? null,
        permissions: JSON.stringify(input.permissions),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return {
      result: roleView(row as RoleRow, kernel.permissions),
      audit: {
        action: 'create',
        resource: 'role',
        resourceId: row.id,
        summary: `新建角色「${input.name}」`,
        detail: input,
      },
    };
  });
}

function assertNotBuiltin(role: RoleRow) {
  if (role.builtin)
    throw conflict('role_builtin', '内置角色不能修改或删除', { detail: `「${role.name}」是三权分立的内置角色` });
}

export function updateRole(kernel: Kernel, ctx: Ctx, id: string, patch: Partial<RoleInput>) {
  return writeCommand(kernel, ctx, async (tx) => {
    const role = await findRole(tx, id);
    assertNotBuiltin(role);
    if (patch.permissions) checkRolePermissions(kernel, ctx, patch.permissions);
    await assertRoleCodeFree(tx, patch.code, id);
    const row = await tx
      .updateTable('identity_roles')
      .set({
        ...definedOnly({ code: patch.code, name: patch.name, description: patch.description }),
        ...(patch.permissions ? { permissions: JSON.stringify(patch.permissions) } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return {
      result: roleView(row as RoleRow, kernel.permissions),
      audit: {
        action: 'update',
        resource: 'role',
        resourceId: id,
        summary: `修改角色「${role.name}」`,
        detail: { before: roleView(role, kernel.permissions), patch },
      },
    };
  });
}

export function deleteRole(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const role = await findRole(tx, id);
    assertNotBuiltin(role);
    const used = await tx
      .selectFrom('identity_user_roles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role_id', '=', id)
      .executeTakeFirstOrThrow();
    if (Number(used.n) > 0) {
      throw conflict('role_in_use', '该角色已授予用户，不能删除', {
        detail: `「${role.name}」已授予 ${used.n} 个用户，请先收回授权`,
      });
    }
    await tx.deleteFrom('identity_roles').where('id', '=', id).execute();
    return {
      result: undefined,
      audit: {
        action: 'delete',
        resource: 'role',
        resourceId: id,
        summary: `删除角色「${role.name}」`,
        detail: roleView(role, kernel.permissions),
      },
    };
  });
}
