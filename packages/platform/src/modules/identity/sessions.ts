import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE, type Principal, SESSION_COOKIE } from '../../kernel/auth.js';
import type { Tx } from '../../kernel/db.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, type Page, pageBounds, writeCommand } from '../settings/context.js';
import { principalFor } from './grants.js';
import { getPolicy, isPasswordExpired, type PasswordPolicy } from './policy.js';

/*
 * Cookie sessions. The browser holds a random token; the table holds only its SM3 digest, so a
 * leaked database backup cannot be replayed as live sessions.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** last_seen_at is refreshed at most this often, so reads do not turn into a write per request. */
const TOUCH_EVERY_MS = 30_000;

export interface NewSession {
  token: string;
  csrfToken: string;
}

export async function createSession(
  kernel: Kernel,
  tx: Tx,
  userId: string,
  policy: PasswordPolicy,
  client: { ip: string | null; userAgent: string | null },
): Promise<NewSession> {
  const token = kernel.crypto.randomToken();
  const csrfToken = kernel.crypto.randomToken();
  await tx
    .insertInto('identity_sessions')
    .values({
      id: kernel.crypto.sm3(token),
      user_id: userId,
      csrf_token: csrfToken,
      expires_at: new Date(Date.now() + policy.sessionMaxHours * 3_600_000),
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
  return { token, csrfToken };
}

export function setSessionCookies(kernel: Kernel, reply: FastifyReply, session: NewSession): void {
  const secure = kernel.config.publicUrl.startsWith('https:');
  // No maxAge: the cookie ends with the browser; the server enforces idle and absolute limits.
  reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  // Readable by the console's script, which copies it into the x-csrf-token header.
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { path: '/', httpOnly: false, sameSite: 'lax', secure });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

export async function deleteSession(kernel: Kernel, sessionId: string): Promise<void> {
  await kernel.db.deleteFrom('identity_sessions').where('id', '=', sessionId).execute();
}

/**
 * The principal resolver registered with the kernel. Expired or idle sessions are deleted and
 * resolve to nobody; a user whose password has expired gets no permissions until it is changed.
 */
export function sessionResolver(kernel: Kernel) {
  return async (request: FastifyRequest): Promise<Principal | null> => {
    const token = request.cookies?.[SESSION_COOKIE];
    if (!token) return null;
    const id = kernel.crypto.sm3(token);
    const row = await kernel.db
      .selectFrom('identity_sessions as s')
      .innerJoin('identity_users as u', 'u.id', 's.user_id')
      .select([
        's.id',
        's.csrf_token',
        's.last_seen_at',
        's.expires_at',
        'u.id as user_id',
        'u.username',
        'u.display_name',
        'u.org_id',
        'u.status',
        'u.password_changed_at',
      ])
      .where('s.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const policy = await getPolicy(kernel.db);
    const now = Date.now();
    const idle = now - row.last_seen_at.getTime() > policy.sessionIdleMinutes * 60_000;
    if (idle || row.expires_at.getTime() <= now || row.status !== 'enabled') {
      await deleteSession(kernel, id);
      return null;
    }
    // The double-submit check compares header and cookie; binding the cookie to the session also
    // defeats a cookie planted by a sibling subdomain.
    if (!SAFE_METHODS.has(request.method) && request.cookies[CSRF_COOKIE] !== row.csrf_token) {
      throw new AppError(403, 'csrf_failed', '请求校验失败，请刷新页面后重试', { detail: 'CSRF 令牌与会话不符' });
    }
    if (now - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
      await kernel.db
        .updateTable('identity_sessions')
        .set({ last_seen_at: new Date(now) })
        .where('id', '=', id)
        .execute();
    }
    const user = { id: row.user_id, username: row.username, display_name: row.display_name, org_id: row.org_id };
    const principal = await principalFor(kernel, kernel.db, user, 'session', id);
    if (isPasswordExpired(policy, row.password_changed_at)) return { ...principal, permissions: new Map(), roles: [] };
    return principal;
  };
}

/** 会话管理 for the 安全管理员: who is logged in, from where; revoking is audited. */
export async function listSessions(kernel: Kernel, page: Page) {
  const base = kernel.db.selectFrom('identity_sessions as s').innerJoin('identity_users as u', 'u.id', 's.user_id');
  const { limit, offset } = pageBounds(page);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await base
    .select([
      's.id',
      's.created_at',
      's.last_seen_at',
      's.expires_at',
      's.ip',
      's.user_agent',
      'u.id as user_id',
      'u.username',
      'u.display_name',
    ])
    .orderBy('s.last_seen_at', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      username: r.username,
      displayName: r.display_name,
      ip: r.ip,
      userAgent: r.user_agent,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
    })),
    total: Number(total),
  };
}

export function revokeSession(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await tx.deleteFrom('identity_sessions').where('id', '=', id).returning(['user_id']).executeTakeFirst();
    if (!row) throw notFound('session_not_found', '会话不存在或已结束');
    return {
      result: undefined,
      audit: { action: 'revoke', resource: 'session', resourceId: row.user_id, summary: '强制结束用户会话' },
    };
  });
}
