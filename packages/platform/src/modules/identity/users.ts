import { randomInt } from 'node:crypto';
import { maskPhone } from '@jiyue/text/identifiers';
import { sql } from 'kysely';
import { can } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, likePattern, type Page, pageBounds, uniqueViolationAs, writeCommand } from '../settings/context.js';
import { assertOutranks, checkGrantChange, type GrantInput, grantsOf } from './grants.js';
import { findOrg, subtreeIds } from './orgs.js';
import {
  assertPasswordAllowed,
  getPolicy,
  hashPassword,
  isPasswordExpired,
  type PasswordPolicy,
  recentPasswordHashes,
  storePassword,
} from './policy.js';
import { findRole } from './roles.js';
import type { RoleRow, UserRow, UserStatus } from './schema.js';
import { assertScope, visibleOrgIds } from './scope.js';
import { CHAR_CLASSES } from './validators.js';

/* 用户管理 commands. Phones are SM4-encrypted with a blind index (see schema.ts). */

const PHONE_INDEX = 'user.phone';

export function encryptPhone(kernel: Kernel, phone: string | null | undefined) {
  if (!phone) return { phone_enc: null, phone_index: null };
  return { phone_enc: kernel.crypto.sm4Encrypt(phone), phone_index: kernel.crypto.blindIndex(phone, PHONE_INDEX) };
}

type UserWithOrg = UserRow & { org_name: string | null };

function userRows(db: Db | Tx) {
  return db
    .selectFrom('identity_users as u')
    .leftJoin('identity_orgs as o', 'o.id', 'u.org_id')
    .selectAll('u')
    .select('o.name as org_name');
}

function userView(
  kernel: Kernel,
  row: UserWithOrg,
  grants: Awaited<ReturnType<typeof grantsOf>>,
  revealPhone: boolean,
) {
  const phone = row.phone_enc ? kernel.crypto.sm4Decrypt(row.phone_enc) : null;
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    orgId: row.org_id,
    orgName: row.org_name,
    phone: phone && !revealPhone ? maskPhone(phone) : phone,
    email: row.email,
    status: row.status,
    locked: !!row.locked_until && row.locked_until.getTime() > Date.now(),
    lockedUntil: row.locked_until,
    totpEnabled: !!row.totp_secret_enc,
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    roles: grants
      .filter((g) => g.user_id === row.id)
      .map((g) => ({ roleId: g.role_id, code: g.code, name: g.name, scopeOrgId: g.scope_org_id })),
  };
}

export async function findUser(db: Db | Tx, id: string): Promise<UserRow> {
  const row = await db.selectFrom('identity_users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.status === 'deleted') throw notFound('user_not_found', '用户不存在', { detail: id });
  return row as UserRow;
}

export interface UserQuery extends Page {
  q?: string;
  orgId?: string;
  /** With orgId: also users of the orgs below it (default true). */
  includeChildren?: boolean;
  status?: UserStatus;
}

export async function listUsers(kernel: Kernel, ctx: Ctx, query: UserQuery) {
  const visible = visibleOrgIds(ctx.principal, 'user:read');
  if (visible?.length === 0) return { items: [], total: 0 };
  let base = userRows(kernel.db).where('u.status', query.status ? '=' : '<>', query.status ?? 'deleted');
  if (visible) base = base.where('u.org_id', 'in', visible);
  if (query.orgId) {
    const orgIds = query.includeChildren === false ? [query.orgId] : await subtreeIds(kernel.db, [query.orgId]);
    if (orgIds.length === 0) return { items: [], total: 0 };
    base = base.where('u.org_id', 'in', orgIds);
  }
  if (query.q) {
    const like = likePattern(query.q);
    const phoneIndex = kernel.crypto.blindIndex(query.q, PHONE_INDEX);
    base = base.where((eb) =>
      eb.or([
        eb('u.username', 'ilike', like),
        eb('u.display_name', 'ilike', like),
        eb('u.phone_index', '=', phoneIndex),
      ]),
    );
  }
  const { limit, offset } = pageBounds(query);
  const [{ total }] = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .execute();
  const rows = (await base
    .orderBy('u.created_at')
    .orderBy('u.username')
    .limit(limit)
    .offset(offset)
    .execute()) as UserWithOrg[];
  const grants = await grantsOf(
    kernel.db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => userView(kernel, r, grants, false)), total: Number(total) };
}

async function loadUserView(kernel: Kernel, db: Db | Tx, ctx: Ctx, id: string) {
  const row = (await (
    await userRows(db)
  )
    .where('u.id', '=', id)
    .where('u.status', '<>', 'deleted')
    .executeTakeFirst()) as UserWithOrg | undefined;
  if (!row) throw notFound('user_not_found', '用户不存在', { detail: id });
  return userView(kernel, row, await grantsOf(db, [id]), can(ctx.principal, 'user:update', row.org_id));
}

export async function getUser(kernel: Kernel, ctx: Ctx, id: string) {
  const user = await findUser(kernel.db, id);
  assertScope(ctx.principal, 'user:read', user.org_id);
  return loadUserView(kernel, kernel.db, ctx, id);
}

const usernameTaken = (username: string) =>
  conflict('username_taken', '账号已存在', {
    detail: `账号「${username}」已被使用`,
    errors: [{ field: 'username', message: '账号已存在' }],
  });

async function assertUsernameFree(tx: Tx, username: string) {
  const taken = await tx
    .selectFrom('identity_users')
    .select('id')
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
  if (taken) throw usernameTaken(username);
}

export interface UserInput {
  username: string;
  displayName: string;
  password: string;
  phone?: string | null;
  email?: string | null;
  orgId: string;
}

export function createUser(kernel: Kernel, ctx: Ctx, input: UserInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    assertScope(ctx.principal, 'user:create', input.orgId);
    await findOrg(tx, input.orgId);
    await assertUsernameFree(tx, input.username);
    await assertPasswordAllowed(await getPolicy(tx), input.password, input.username);
    const row = await tx
      .insertInto('identity_users')
      .values({
        username: input.username,
        display_name: input.displayName,
        password_hash: await hashPassword(input.password),
        ...encryptPhone(kernel, input.phone),
        email: input.email ?? null,
        org_id: input.orgId,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch(uniqueViolationAs(usernameTaken(input.username)));
    const { password: _omit, ...logged } = input;
    return {
      result: await loadUserView(kernel, tx, ctx, row.id),
      audit: {
        action: 'create',
        resource: 'user',
        resourceId: row.id,
        summary: `新建用户「${input.displayName}（${input.username}）」`,
        detail: { ...logged, phone: input.phone ? maskPhone(input.phone) : null },
      },
    };
  });
}

export interface UserPatch {
  displayName?: string;
  phone?: string | null;
  email?: string | null;
  orgId?: string;
}

/** Scope on the user's org, and the actor must outrank the user (cannot manage a stronger admin). */
async function manageable(kernel: Kernel, tx: Tx, ctx: Ctx, id: string, permission: string): Promise<UserRow> {
  const user = await findUser(tx, id);
  assertScope(ctx.principal, permission, user.org_id);
  await assertOutranks(kernel, tx, ctx, id);
  return user;
}

export function updateUser(kernel: Kernel, ctx: Ctx, id: string, patch: UserPatch) {
  return writeCommand(kernel, ctx, async (tx) => {
    const user = await manageable(kernel, tx, ctx, id, 'user:update');
    if (patch.orgId && patch.orgId !== user.org_id) {
      assertScope(ctx.principal, 'user:update', patch.orgId);
      await findOrg(tx, patch.orgId);
    }
    await tx
      .updateTable('identity_users')
      .set({
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.phone !== undefined ? encryptPhone(kernel, patch.phone) : {}),
        ...(patch.email !== undefined ? { email: patch.email } : {}),
        ...(patch.orgId !== undefined ? { org_id: patch.orgId } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    return {
      result: await loadUserView(kernel, tx, ctx, id),
      audit: {
        action: 'update',
        resource: 'user',
        resourceId: id,
        summary: `修改用户「${user.display_name}（${user.username}）」`,
        detail: { ...patch, phone: patch.phone ? maskPhone(patch.phone) : patch.phone },
      },
    };
  });
}

async function dropSessions(tx: Tx, userId: string) {
  await tx.deleteFrom('identity_sessions').where('user_id', '=', userId).execute();
}

const STATUS_VERBS: Record<UserStatus, string> = { enabled: '启用', disabled: '停用', deleted: '删除' };

/** enable / disable / delete (soft: the row stays for the audit trail; the account stays taken). */
export function setUserStatus(kernel: Kernel, ctx: Ctx, id: string, status: UserStatus) {
  return writeCommand(kernel, ctx, async (tx) => {
    const permission = status === 'deleted' ? 'user:delete' : 'user:update';
    const user = await manageable(kernel, tx, ctx, id, permission);
    if (status !== 'enabled' && id === ctx.principal?.userId) {
      throw conflict('cannot_disable_self', '不能停用或删除自己的账号');
    }
    await tx.updateTable('identity_users').set({ status, updated_at: new Date() }).where('id', '=', id).execute();
    if (status !== 'enabled') await dropSessions(tx, id);
    if (status === 'deleted') await tx.deleteFrom('identity_user_roles').where('user_id', '=', id).execute();
    return {
      result: undefined,
      audit: {
        action: status === 'enabled' ? 'enable' : status === 'disabled' ? 'disable' : 'delete',
        resource: 'user',
        resourceId: id,
        summary: `${STATUS_VERBS[status]}用户「${user.display_name}（${user.username}）」`,
      },
    };
  });
}

/** 解锁: a 安全管理员 action, so only the scope is checked (the 安全管理员 may unlock a 系统管理员). */
export function unlockUser(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const user = await findUser(tx, id);
    assertScope(ctx.principal, 'user:unlock', user.org_id);
    await tx
      .updateTable('identity_users')
      .set({ locked_until: null, failed_attempts: 0 })
      .where('id', '=', id)
      .execute();
    return {
      result: undefined,
      audit: {
        action: 'unlock',
        resource: 'user',
        resourceId: id,
        summary: `解锁用户「${user.display_name}（${user.username}）」`,
      },
    };
  });
}

/** A password that satisfies `policy`: one character of each required class, then random ones. */
export function generatePassword(policy: PasswordPolicy): string {
  const sets: Record<(typeof CHAR_CLASSES)[number], string> = {
    lower: 'abcdefghijkmnpqrstuvwxyz',
    upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
    digit: '23456789',
    // Symbols that need no quoting in a shell or a URL, so a printed password can be pasted anywhere.
    symbol: '@#%-_+',
  };
  const pick = (s: string) => s[randomInt(s.length)];
  const all = Object.values(sets).join('');
  const chars = CHAR_CLASSES.map((c) => pick(sets[c]));
  while (chars.length < Math.max(policy.minLength, 16)) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** 重置口令: the user must change it at the next login. Returns the password (generated when omitted) once. */
export function resetPassword(kernel: Kernel, ctx: Ctx, id: string, password?: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const user = await manageable(kernel, tx, ctx, id, 'user:update');
    const policy = await getPolicy(tx);
    const next = password ?? generatePassword(policy);
    await assertPasswordAllowed(
      policy,
      next,
      user.username,
      await recentPasswordHashes(tx, id, user.password_hash, policy.historyCount),
    );
    await storePassword(tx, id, user.password_hash, await hashPassword(next), true);
    await dropSessions(tx, id);
    return {
      result: { password: next },
      audit: {
        action: 'reset-password',
        resource: 'user',
        resourceId: id,
        summary: `重置用户「${user.display_name}（${user.username}）」的口令`,
      },
    };
  });
}

/** 授权: replaces the user's role grants (分级授权 and 三权分立 checked in grants.ts). */
export function setUserGrants(kernel: Kernel, ctx: Ctx, id: string, grants: GrantInput[]) {
  return writeCommand(kernel, ctx, async (tx) => {
    const user = await findUser(tx, id);
    assertScope(ctx.principal, 'user:grant', user.org_id);
    const seen = new Set<string>();
    for (const [i, g] of grants.entries()) {
      if (seen.has(g.roleId))
        throw badRequest('duplicate_grant', '同一角色只能授予一次', {
          errors: [{ field: `grants.${i}.roleId`, message: '重复的角色' }],
        });
      seen.add(g.roleId);
    }
    const roles = new Map<string, RoleRow>();
    for (const g of grants) {
      roles.set(g.roleId, await findRole(tx, g.roleId));
      if (g.scopeOrgId) await findOrg(tx, g.scopeOrgId);
    }
    await checkGrantChange(kernel, tx, ctx, id, grants, roles);
    await tx.deleteFrom('identity_user_roles').where('user_id', '=', id).execute();
    if (grants.length) {
      await tx
        .insertInto('identity_user_roles')
        .values(grants.map((g) => ({ user_id: id, role_id: g.roleId, scope_org_id: g.scopeOrgId ?? null })))
        .execute();
    }
    return {
      result: await loadUserView(kernel, tx, ctx, id),
      audit: {
        action: 'grant',
        resource: 'user',
        resourceId: id,
        summary: `设置用户「${user.display_name}（${user.username}）」的角色：${[...roles.values()].map((r) => r.name).join('、') || '无'}`,
        detail: { grants },
      },
    };
  });
}

export { isPasswordExpired };

/**
 * 重置动态口令: for a user who lost their authenticator. A 安全管理员 action; the user enrols
 * again at the next login (administrators must).
 */
export function resetOtp(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const user = await findUser(tx, id);
    assertScope(ctx.principal, 'user:unlock', user.org_id);
    await tx
      .updateTable('identity_users')
      .set({ totp_secret_enc: null, totp_pending_enc: null, totp_last_step: null, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    await dropSessions(tx, id);
    return {
      result: undefined,
      audit: {
        action: 'reset-otp',
        resource: 'user',
        resourceId: id,
        summary: `重置用户「${user.display_name}（${user.username}）」的动态口令`,
      },
    };
  });
}
