import type { FastifyRequest } from 'fastify';
import type { AuditEntry } from '../../kernel/audit.js';
import type { Principal } from '../../kernel/auth.js';
import type { Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';

/*
 * Helpers shared by the settings and identity modules' services.
 */

/**
 * Who is running a service command and from where. Services take this instead of the request, so
 * the seed and the CLI can call them too; identity reuses it.
 */
export interface Ctx {
  principal: Principal | null;
  ip: string | null;
}

export function ctxOf(request: FastifyRequest): Ctx {
  return { principal: request.principal, ip: request.ip };
}

export function auditActor(ctx: Ctx): Pick<AuditEntry, 'actorId' | 'actorName' | 'ip'> {
  return {
    actorId: ctx.principal?.userId ?? null,
    actorName: ctx.principal ? `${ctx.principal.displayName}（${ctx.principal.username}）` : '系统',
    ip: ctx.ip,
  };
}

/** `%…%` for LIKE with the user's own wildcards escaped, so `50%` finds "50%" literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface Page {
  page?: number;
  pageSize?: number;
}

export function pageBounds(p: Page): { limit: number; offset: number } {
  const page = Math.max(1, p.page ?? 1);
  const limit = Math.min(200, Math.max(1, p.pageSize ?? 20));
  return { limit, offset: (page - 1) * limit };
}

export type CommandAudit = Pick<AuditEntry, 'action' | 'resource' | 'resourceId' | 'summary' | 'detail'>;

/**
 * Runs one write command: its changes and its audit entry commit together or not at all, so a
 * rejected request (thrown AppError) leaves nothing half-written.
 */
export function writeCommand<T>(
  kernel: Kernel,
  ctx: Ctx,
  fn: (tx: Tx) => Promise<{ result: T; audit: CommandAudit }>,
): Promise<T> {
  return kernel.db.transaction().execute(async (tx) => {
    const { result, audit } = await fn(tx);
    await kernel.audit.record(tx, { ...auditActor(ctx), ...audit });
    return result;
  });
}

/** Drops undefined members so a PATCH only touches the fields it names. */
export function definedOnly<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * For an insert racing a concurrent one past its "already exists?" check: turns the unique index's
 * violation (SQLSTATE 23505) into the same error the check would have thrown.
 */
export function uniqueViolationAs(error: Error) {
  return (err: unknown): never => {
    throw (err as { code?: string })?.code === '23505' ? error : err;
  };
}
