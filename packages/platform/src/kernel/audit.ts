import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { sm3 } from './crypto.js';
import type { Db, Tx } from './db.js';
import type { Migration } from './migrations.js';

export interface AuditEntry {
  actorId?: string | null;
  actorName?: string | null;
  /** Verb, e.g. 'create', 'update', 'delete', 'login'. */
  action: string;
  /** Resource type, e.g. 'user', 'org'. */
  resource: string;
  resourceId?: string | null;
  /** One Chinese sentence for the audit screen. */
  summary: string;
  detail?: unknown;
  ip?: string | null;
}

export interface AuditRow extends Required<Omit<AuditEntry, 'detail'>> {
  seq: number;
  at: Date;
  detail: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** seq of the first row whose link is broken. */
  brokenAt?: number;
  reason?: string;
}

/* Serializes appends across all nodes: each row's prev_hash must be the hash of the row before it. */
const AUDIT_LOCK_KEY = 7_346_202;
const GENESIS = '0'.repeat(64);

export const auditMigrations: Migration[] = [
  {
    name: '001_audit_log',
    async up(db) {
      await sql`
        create table audit_log (
          seq bigint primary key,
          at timestamptz not null,
          actor_id text,
          actor_name text,
          action text not null,
          resource text not null,
          resource_id text,
          summary text not null,
          detail jsonb,
          ip text,
          prev_hash char(64) not null,
          hash char(64) not null
        );
        create index audit_log_at on audit_log (at);
        create index audit_log_resource on audit_log (resource, resource_id);
        create index audit_log_actor on audit_log (actor_id);
        create function audit_log_refuse_change() returns trigger language plpgsql as $$
        begin
          raise exception 'audit_log is append-only (% refused)', tg_op using errcode = '42501';
        end $$;
        create trigger audit_log_no_update before update or delete on audit_log
          for each row execute function audit_log_refuse_change();
        create trigger audit_log_no_truncate before truncate on audit_log
          for each statement execute function audit_log_refuse_change();
      `.execute(db);
    },
  },
];

/** JSON with sorted keys, so jsonb's key reordering does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .filter((k) => (value as any)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as any)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function entryHash(prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  const canonical = canonicalJson({
    seq: row.seq,
    at: row.at.toISOString(),
    actorId: row.actorId,
    actorName: row.actorName,
    action: row.action,
    resource: row.resource,
    resourceId: row.resourceId,
    summary: row.summary,
    detail: row.detail ?? null,
    ip: row.ip,
  });
  return sm3(prevHash + canonical);
}

function fromDb(r: any): AuditRow {
  return {
    seq: Number(r.seq),
    at: r.at instanceof Date ? r.at : new Date(r.at),
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    resource: r.resource,
    resourceId: r.resource_id,
    summary: r.summary,
    detail: r.detail,
    ip: r.ip,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface AuditQuery {
  page?: number;
  pageSize?: number;
  actorId?: string;
  action?: string;
  resource?: string;
  resourceId?: string;
  q?: string;
  from?: string;
  to?: string;
}

export class AuditLog {
  constructor(private readonly db: Db) {}

  /** Actor and client address of a request, to spread into `record`. */
  actorOf(request: FastifyRequest): Pick<AuditEntry, 'actorId' | 'actorName' | 'ip'> {
    return {
      actorId: request.principal?.userId ?? null,
      actorName: request.principal?.displayName ?? request.principal?.username ?? null,
      ip: request.ip,
    };
  }

  /** Appends one entry inside the caller's transaction: rolled back with it, never half-written. */
  async record(tx: Tx, entry: AuditEntry): Promise<number> {
    // Outside a transaction the advisory lock would be released before the insert, letting two
    // appends pick the same predecessor and fork the chain.
    if (!tx.isTransaction)
      throw new Error('audit.record must be called with a transaction (db.transaction().execute(tx => …))');
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(tx);
    const last = await tx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const row = {
      seq: last ? Number(last.seq) + 1 : 1,
      at: new Date(),
      actorId: entry.actorId ?? null,
      actorName: entry.actorName ?? null,
      action: entry.action,
      resource: entry.resource,
      resourceId: entry.resourceId ?? null,
      summary: entry.summary,
      // Round-trip through JSON now, so the hash covers exactly what jsonb will return.
      detail: entry.detail === undefined ? null : JSON.parse(JSON.stringify(entry.detail)),
      ip: entry.ip ?? null,
    };
    const prevHash = last?.hash ?? GENESIS;
    const hash = entryHash(prevHash, row);
    await tx
      .insertInto('audit_log')
      .values({
        seq: row.seq,
        at: row.at,
        actor_id: row.actorId,
        actor_name: row.actorName,
        action: row.action,
        resource: row.resource,
        resource_id: row.resourceId,
        summary: row.summary,
        detail: row.detail === null ? null : JSON.stringify(row.detail),
        ip: row.ip,
        prev_hash: prevHash,
        hash,
      })
      .execute();
    return row.seq;
  }

  /** Walks the whole chain in seq order; reports the first row that does not link or hash. */
  async verify(batchSize = 1000): Promise<AuditVerification> {
    let prevHash = GENESIS;
    let expectedSeq = 1;
    let checked = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>=', expectedSeq)
        .orderBy('seq')
        .limit(batchSize)
        .execute();
      if (rows.length === 0) return { ok: true, checked };
      for (const raw of rows) {
        const row = fromDb(raw);
        const broken = (reason: string): AuditVerification => ({ ok: false, checked, brokenAt: row.seq, reason });
        if (row.seq !== expectedSeq) {
          return { ok: false, checked, brokenAt: expectedSeq, reason: `第 ${expectedSeq} 条记录缺失` };
        }
        if (row.prevHash !== prevHash) return broken('与前一条记录的哈希链接不一致');
        if (entryHash(prevHash, row) !== row.hash) return broken('记录内容与其哈希不符（已被篡改）');
        prevHash = row.hash;
        expectedSeq += 1;
        checked += 1;
      }
    }
  }

  async list(query: AuditQuery): Promise<{ items: AuditRow[]; total: number }> {
    const page = Math.max(1, query.page ?? 1);
    const pageSize = Math.min(200, Math.max(1, query.pageSize ?? 20));
    let base = this.db.selectFrom('audit_log');
    if (query.actorId) base = base.where('actor_id', '=', query.actorId);
    if (query.action) base = base.where('action', '=', query.action);
    if (query.resource) base = base.where('resource', '=', query.resource);
    if (query.resourceId) base = base.where('resource_id', '=', query.resourceId);
    if (query.from) base = base.where('at', '>=', new Date(query.from));
    if (query.to) base = base.where('at', '<', new Date(query.to));
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      base = base.where((eb) => eb.or([eb('summary', 'like', like), eb('actor_name', 'like', like)]));
    }
    const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
    const rows = await base
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { items: rows.map(fromDb), total: Number(total) };
  }
}
