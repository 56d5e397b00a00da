import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { conflict, forbidden, unauthorized } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { mergeScopes, type Scope } from '../../kernel/permissions.js';
import type { Ctx } from '../settings/context.js';
import { subtreeIds } from './orgs.js';
import { effectivePermissions, isAdminRole } from './roles.js';
import type { RoleRow, UserRow } from './schema.js';
import { scopeCovers } from './scope.js';

/* Role grants (用户授权) and the principal they add up to. */

export interface GrantRow {
  user_id: string;
  role_id: string;
  scope_org_id: string | null;
  code: string;
  name: string;
  builtin: boolean;
  permissions: string[];
}

export async function grantsOf(db: Db | Tx, userIds: string[]): Promise<GrantRow[]> {
  if (userIds.length === 0) return [];
  return (await db
    .selectFrom('identity_user_roles as ur')
    .innerJoin('identity_roles as r', 'r.id', 'ur.role_id')
    .select(['ur.user_id', 'ur.role_id', 'ur.scope_org_id', 'r.code', 'r.name', 'r.builtin', 'r.permissions'])
    .where('ur.user_id', 'in', userIds)
    .orderBy('r.code')
    .execute()) as GrantRow[];
}

/** Scope of a grant, with an org subtree expanded to every org id in it. */
async function grantScope(db: Db | Tx, scopeOrgId: string | null, cache: Map<string, string[]>): Promise<Scope> {
  if (!scopeOrgId) return { kind: 'all' };
  let ids = cache.get(scopeOrgId);
  if (!ids) {
    ids = await subtreeIds(db, [scopeOrgId]);
    cache.set(scopeOrgId, ids);
  }
  return { kind: 'orgs', orgIds: ids };
}

export async function principalFor(
  kernel: Kernel,
  db: Db | Tx,
  user: Pick<UserRow, 'id' | 'username' | 'display_name' | 'org_id'>,
  via: Principal['via'],
  sessionId?: string,
): Promise<Principal> {
  const permissions = new Map<string, Scope>();
  const cache = new Map<string, string[]>();
  const grants = await grantsOf(db, [user.id]);
  for (const g of grants) {
    const scope = await grantScope(db, g.scope_org_id, cache);
    for (const p of effectivePermissions(g, kernel.permissions))
      permissions.set(p, mergeScopes(permissions.get(p), scope));
  }
  return {
    userId: user.id,
    username: user.username,
    displayName: user.display_name,
    orgId: user.org_id,
    permissions,
    roles: [...new Set(grants.map((g) => g.code))],
    via,
    sessionId,
  };
}

/**
 * 分级授权: the granter needs every permission of the role with a scope at least as wide as the
 * grant's. Applies both to adding and to taking away a grant.
 */
async function assertMayGrant(
  kernel: Kernel,
  tx: Tx,
  principal: Principal,
  role: Pick<RoleRow, 'code' | 'name' | 'builtin' | 'permissions'>,
  scopeOrgId: string | null,
  cache: Map<string, string[]>,
) {
  const wanted = await grantScope(tx, scopeOrgId, cache);
  const lacking = effectivePermissions(role, kernel.permissions).filter(
    (p) => !scopeCovers(principal.permissions.get(p), wanted),
  );
  if (lacking.length) {
    throw forbidden('grant_exceeds_own', '不能授予超出自己权限或管理范围的角色', {
      detail: `授予「${role.name}」需要在${scopeOrgId ? '该机构范围' : '全部机构范围'}内拥有：${lacking.join('、')}`,
    });
  }
}

export interface GrantInput {
  roleId: string;
  scopeOrgId?: string | null;
}

/** Checks that `principal` could have granted everything `user` holds (used before managing that user). */
export async function assertOutranks(kernel: Kernel, tx: Tx, ctx: Ctx, userId: string): Promise<void> {
  if (!ctx.principal) throw unauthorized();
  const cache = new Map<string, string[]>();
  for (const g of await grantsOf(tx, [userId])) {
    try {
      await assertMayGrant(kernel, tx, ctx.principal, g, g.scope_org_id, cache);
    } catch {
      throw forbidden('user_outranks_you', '不能管理权限比自己大的用户', {
        detail: `该用户拥有角色「${g.name}」，超出您的授权范围`,
      });
    }
  }
}

/** Validates a full replacement of a user's grants; returns the rows to store. */
export async function checkGrantChange(
  kernel: Kernel,
  tx: Tx,
  ctx: Ctx,
  userId: string,
  next: GrantInput[],
  roles: Map<string, RoleRow>,
) {
  if (!ctx.principal) throw unauthorized();
  // 三权分立 first: it holds whoever grants, so the refusal names the real reason.
  const adminRoles = [...roles.values()].filter((r) => isAdminRole(r.code));
  if (adminRoles.length > 1) {
    throw conflict('separation_of_duties', '三权分立：系统管理员、安全管理员、审计管理员不能由同一用户兼任', {
      detail: `不能同时授予：${adminRoles.map((r) => r.name).join('、')}`,
    });
  }
  const cache = new Map<string, string[]>();
  const current = await grantsOf(tx, [userId]);
  const key = (roleId: string, scope: string | null) => `${roleId}:${scope ?? '*'}`;
  const nextKeys = new Set(next.map((g) => key(g.roleId, g.scopeOrgId ?? null)));
  const currentKeys = new Set(current.map((g) => key(g.role_id, g.scope_org_id)));
  for (const g of current) {
    if (!nextKeys.has(key(g.role_id, g.scope_org_id)))
      await assertMayGrant(kernel, tx, ctx.principal, g, g.scope_org_id, cache);
  }
  for (const g of next) {
    const scope = g.scopeOrgId ?? null;
    if (!currentKeys.has(key(g.roleId, scope)))
      await assertMayGrant(kernel, tx, ctx.principal, roles.get(g.roleId) as RoleRow, scope, cache);
  }
}
