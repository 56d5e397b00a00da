import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import { AppError, badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import type { Scope } from '../../kernel/permissions.js';
import type { ClientRow } from './schema.js';

/**
 * Scopes an API key may carry. A scope is a permission code: the client's principal holds exactly
 * these permissions, so routes guard API keys and sessions with the same `requirePermission`.
 */
export const API_SCOPES: { code: string; name: string }[] = [
  { code: 'seal:sign', name: '调用签章接口' },
  { code: 'seal-record:read', name: '查询签章记录' },
];
const SCOPE_CODES = new Set(API_SCOPES.map((s) => s.code));

const KEY_PATTERN = /^jy_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is refreshed at most this often, so busy clients do not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ClientView {
  id: string;
  name: string;
  description: string;
  scopes: string[];
  keyPrefix: string;
  status: ClientRow['status'];
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  createdAt: Date;
  createdByName: string | null;
  revokedAt: Date | null;
}

export function clientView(r: ClientRow): ClientView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    scopes: r.scopes,
    keyPrefix: `jy_${r.key_prefix}`,
    status: r.status,
    lastUsedAt: r.last_used_at,
    lastUsedIp: r.last_used_ip,
    createdAt: r.created_at,
    createdByName: r.created_by_name,
    revokedAt: r.revoked_at,
  };
}

export function checkScopes(scopes: string[]): void {
  const unknown = scopes.filter((s) => !SCOPE_CODES.has(s));
  if (unknown.length) {
    throw badRequest('scope_unknown', '接口权限范围不存在', {
      errors: unknown.map((s) => ({ field: 'scopes', message: `未知的权限范围 ${s}` })),
    });
  }
}

/** A fresh key: the prefix finds the row, the secret (256 bits) is what proves possession. */
export function newKey(kernel: Kernel): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `jy_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashKey(kernel, key) };
}

/**
 * HMAC-SM3 with the installation key rather than argon2: the secret is random and 256 bits long, so
 * a slow hash adds nothing, and it is checked on every API call.
 */
function hashKey(kernel: Kernel, key: string): string {
  return kernel.crypto.hmacSm3(kernel.config.secretKey, key);
}

export async function loadClient(kernel: Kernel, id: string): Promise<ClientRow> {
  const row = (await kernel.db.selectFrom('gateway_clients').selectAll().where('id', '=', id).executeTakeFirst()) as
    | ClientRow
    | undefined;
  if (!row) throw notFound('client_not_found', '接口客户端不存在');
  return row;
}

export function assertActive(row: ClientRow): void {
  if (row.status === 'revoked') throw conflict('client_revoked', '接口客户端已吊销');
}

function invalidKey(): AppError {
  return new AppError(401, 'api_key_invalid', '接口密钥无效或已吊销');
}

/** The principal of an API client: its scopes as permissions over every org. */
export function clientPrincipal(row: ClientRow): Principal {
  const all: Scope = { kind: 'all' };
  return {
    userId: `client:${row.id}`,
    username: `client:${row.name}`,
    displayName: `接口客户端：${row.name}`,
    orgId: null,
    permissions: new Map(row.scopes.filter((s) => SCOPE_CODES.has(s)).map((s) => [s, all])),
    roles: [],
    via: 'apiKey',
  };
}

/** Client id of an API-key principal, or null for a user. */
export function clientIdOf(principal: Principal | null | undefined): string | null {
  return principal?.via === 'apiKey' && principal.userId.startsWith('client:') ? principal.userId.slice(7) : null;
}

/**
 * Resolver for `Authorization: Bearer jy_…`. A header that is present but wrong is an error (401)
 * rather than "anonymous", so a misconfigured client learns at once why it is refused.
 */
export function apiKeyResolver(kernel: Kernel) {
  return async (request: FastifyRequest): Promise<Principal | null> => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
    const key = header.slice(7).trim();
    const m = KEY_PATTERN.exec(key);
    if (!m) throw invalidKey();
    const row = (await kernel.db
      .selectFrom('gateway_clients')
      .selectAll()
      .where('key_prefix', '=', m[1])
      .executeTakeFirst()) as ClientRow | undefined;
    const expected = Buffer.from(row?.key_hash ?? '0'.repeat(64));
    const actual = Buffer.from(hashKey(kernel, key));
    if (row?.status !== 'active' || !timingSafeEqual(expected, actual)) throw invalidKey();
    const now = Date.now();
    if (!row.last_used_at || now - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await kernel.db
        .updateTable('gateway_clients')
        .set({ last_used_at: sql`now()`, last_used_ip: request.ip })
        .where('id', '=', row.id)
        .execute();
    }
    return clientPrincipal(row);
  };
}
