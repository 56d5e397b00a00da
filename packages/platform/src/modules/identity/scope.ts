import { assertCan, type Principal } from '../../kernel/auth.js';
import { forbidden, unauthorized } from '../../kernel/errors.js';
import type { Scope } from '../../kernel/permissions.js';

/*
 * 分级授权 helpers. A Principal's org scopes are already expanded to every org in the granted
 * subtrees (the session resolver does that), so "inside my scope" is a set lookup.
 */

/** The org ids a list query must be limited to, or null when the principal sees all orgs. */
export function visibleOrgIds(principal: Principal | null, permission: string): string[] | null {
  const scope = principal?.permissions.get(permission);
  if (!scope) throw forbidden('forbidden', '没有权限执行此操作', { detail: `需要权限 ${permission}` });
  return scope.kind === 'all' ? null : scope.orgIds;
}

/** Requires `permission` covering `orgId`; `null` orgId means "everything" (e.g. a new root org). */
export function assertScope(principal: Principal | null, permission: string, orgId: string | null): void {
  if (!principal) throw unauthorized();
  if (orgId !== null) {
    assertCan(principal, permission, orgId);
    return;
  }
  const scope = principal.permissions.get(permission);
  if (scope?.kind !== 'all') {
    throw forbidden('scope_exceeded', '超出您的管理范围', { detail: `需要权限 ${permission}（全部机构范围）` });
  }
}

/** True when `held` includes everything in `wanted` (a scope given as all or an expanded subtree). */
export function scopeCovers(held: Scope | undefined, wanted: Scope): boolean {
  if (!held) return false;
  if (held.kind === 'all') return true;
  if (wanted.kind === 'all') return false;
  const set = new Set(held.orgIds);
  return wanted.orgIds.every((id) => set.has(id));
}
