import type { Principal } from '../../kernel/auth.js';
import type { Db } from '../../kernel/db.js';
import { badRequest, unauthorized } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, likePattern, type Page, pageBounds, writeCommand } from '../settings/context.js';
import { menusForPermissions } from '../settings/service.js';
import {
  assertPasswordAllowed,
  getPolicy,
  hashPassword,
  isPasswordExpired,
  recentPasswordHashes,
  storePassword,
  verifyPassword,
} from './policy.js';
import { findUser } from './users.js';

/* What a logged-in user does for themselves: who am I, change my password; and the login log. */

export async function me(kernel: Kernel, principal: Principal) {
  const user = await findUser(kernel.db, principal.userId);
  const org = await kernel.db
    .selectFrom('identity_orgs')
    .select('name')
    .where('id', '=', user.org_id)
    .executeTakeFirst();
  const policy = await getPolicy(kernel.db);
  return {
    user: {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      orgId: user.org_id,
      orgName: org?.name ?? null,
      passwordExpired: isPasswordExpired(policy, user.password_changed_at),
      totpEnabled: !!user.totp_secret_enc,
    },
    permissions: Object.fromEntries(principal.permissions),
    roles: principal.roles,
    menus: await menusForPermissions(kernel.db, new Set(principal.permissions.keys())),
  };
}

/** 修改口令: other sessions of the user end; the current one stays. */
export function changeOwnPassword(kernel: Kernel, ctx: Ctx, oldPassword: string, newPassword: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const principal = ctx.principal;
    if (!principal) throw unauthorized();
    const user = await findUser(tx, principal.userId);
    if (!(await verifyPassword(user.password_hash, oldPassword))) {
      throw badRequest('old_password_wrong', '原口令不正确', {
        errors: [{ field: 'oldPassword', message: '原口令不正确' }],
      });
    }
    const policy = await getPolicy(tx);
    await assertPasswordAllowed(
      policy,
      newPassword,
      user.username,
      await recentPasswordHashes(tx, user.id, user.password_hash, policy.historyCount),
    );
    await storePassword(tx, user.id, user.password_hash, await hashPassword(newPassword), false);
    let others = tx.deleteFrom('identity_sessions').where('user_id', '=', user.id);
    if (principal.sessionId) others = others.where('id', '<>', principal.sessionId);
    await others.execute();
    return {
      result: undefined,
      audit: {
        action: 'change-password',
        resource: 'user',
        resourceId: user.id,
        summary: `用户「${user.username}」修改了自己的口令`,
      },
    };
  });
}

export interface LoginLogQuery extends Page {
  q?: string;
  success?: boolean;
  from?: string;
  to?: string;
}

export async function listLoginLog(db: Db, query: LoginLogQuery) {
  let base = db.selectFrom('identity_login_log');
  if (query.q)
    base = base.where((eb) =>
      eb.or([eb('username', 'ilike', likePattern(query.q as string)), eb('ip', '=', query.q as string)]),
    );
  if (query.success !== undefined) base = base.where('success', '=', query.success);
  if (query.from) base = base.where('created_at', '>=', new Date(query.from));
  if (query.to) base = base.where('created_at', '<', new Date(query.to));
  const { limit, offset } = pageBounds(query);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute();
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      username: r.username,
      userId: r.user_id,
      success: r.success,
      reason: r.reason,
      ip: r.ip,
      userAgent: r.user_agent,
      at: r.created_at,
    })),
    total: Number(total),
  };
}
