import type { Principal } from '../../kernel/auth.js';
import type { Tx } from '../../kernel/db.js';

/*
 * Assignment rules (docs/decisions/0005). The identity module has no service for "who holds role
 * X in org Y" or "who leads this org", so these read identity's tables (users, roles, grants,
 * orgs) read-only, in this one file; when identity exports such queries, only this file changes.
 */

export interface AssignContext {
  initiatorId: string | null;
  initiatorOrgId: string | null;
  variables: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);

function variable(vars: Record<string, unknown>, path: string): unknown {
  let v: unknown = vars;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Usernames or ids → ids of enabled users, in the given order. */
export async function userIds(tx: Tx, refs: string[]): Promise<string[]> {
  const wanted = refs.map((r) => String(r).trim()).filter(Boolean);
  if (wanted.length === 0) return [];
  const ids = wanted.filter(isUuid);
  const names = wanted.filter((r) => !isUuid(r));
  const rows = await tx
    .selectFrom('identity_users')
    .select(['id', 'username'])
    .where('status', '=', 'enabled')
    .where((eb) =>
      eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(names.length ? [eb('username', 'in', names)] : [])]),
    )
    .execute();
  const byRef = new Map<string, string>();
  for (const r of rows) {
    byRef.set(r.id, r.id);
    byRef.set(r.username, r.id);
  }
  return [...new Set(wanted.map((r) => byRef.get(r)).filter((x): x is string => !!x))];
}

async function roleHolders(tx: Tx, roleCode: string, orgId: string | null | undefined): Promise<string[]> {
  let q = tx
    .selectFrom('identity_user_roles as ur')
    .innerJoin('identity_roles as r', 'r.id', 'ur.role_id')
    .innerJoin('identity_users as u', 'u.id', 'ur.user_id')
    .select('u.id')
    .where('r.code', '=', roleCode)
    .where('u.status', '=', 'enabled');
  if (orgId !== undefined) {
    if (!orgId) return [];
    q = q.where('u.org_id', '=', orgId);
  }
  return (await q.orderBy('u.username').execute()).map((r: { id: string }) => r.id);
}

/** 领导: holders of the leader role in the org, else in its parent, and so on up to the root. */
async function leaderOf(tx: Tx, orgId: string | null, roleCode: string): Promise<string[]> {
  let current = orgId;
  for (let depth = 0; current && depth < 20; depth++) {
    const holders = await roleHolders(tx, roleCode, current);
    if (holders.length) return holders;
    const org = await tx.selectFrom('identity_orgs').select('parent_id').where('id', '=', current).executeTakeFirst();
    current = org?.parent_id ?? null;
  }
  return [];
}

/** Resolves one rule (`role:reviewer@initiatorOrg`, `var:approvers`, …) to user ids. */
export async function resolveRule(tx: Tx, rule: string, ctx: AssignContext): Promise<string[]> {
  const r = rule.trim();
  if (r === 'initiator') return ctx.initiatorId ? [ctx.initiatorId] : [];
  if (r === 'leader' || r.startsWith('leader:')) return leaderOf(tx, ctx.initiatorOrgId, r.slice(7) || 'leader');
  if (r.startsWith('user:')) return userIds(tx, [r.slice(5)]);
  if (r.startsWith('var:')) {
    const v = variable(ctx.variables, r.slice(4));
    const refs = Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];
    return refs.length && refs.every(isUuid) ? [...new Set(refs)] : userIds(tx, refs);
  }
  if (r.startsWith('role:')) {
    const [code, scope] = r.slice(5).split('@');
    if (!scope) return roleHolders(tx, code, undefined);
    if (scope === 'initiatorOrg') return roleHolders(tx, code, ctx.initiatorOrgId);
    const org = variable(ctx.variables, scope.slice(4));
    return roleHolders(tx, code, isUuid(org) ? org : null);
  }
  return [];
}

export async function resolveRules(tx: Tx, rules: string | undefined, ctx: AssignContext): Promise<string[]> {
  if (!rules) return [];
  const out: string[] = [];
  for (const rule of rules.split(',')) out.push(...(await resolveRule(tx, rule, ctx)));
  return [...new Set(out)];
}

/**
 * Candidate groups are kept as role keys (`reviewer` or `reviewer@<orgId>`), matched when someone
 * opens the inbox — so a user granted the role later still sees the task.
 */
export function candidateRoleKeys(groups: string | undefined, ctx: AssignContext): string[] {
  if (!groups) return [];
  return groups
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => {
      const [code, scope] = g.split('@');
      if (!scope) return code;
      const org = scope === 'initiatorOrg' ? ctx.initiatorOrgId : variable(ctx.variables, scope.slice(4));
      return `${code}@${isUuid(org) ? org : 'none'}`;
    });
}

/** The role keys a principal matches candidate groups with. */
export function roleKeysOf(principal: Principal): string[] {
  return principal.roles.flatMap((code) => (principal.orgId ? [code, `${code}@${principal.orgId}`] : [code]));
}
