import { sql } from 'kysely';
import type { AuditEntry } from '../../kernel/audit.js';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, forbidden, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { clientIdOf } from '../gateway/index.js';
import { auditActor, type Ctx } from '../settings/context.js';
import { loadSeal } from './seals.js';

/* 用章授权: who may use a seal, how many times, until when. */

export type SubjectType = 'user' | 'org' | 'client';

export interface AuthorizationRow {
  id: string;
  seal_id: string;
  subject_type: SubjectType;
  subject_id: string;
  subject_name: string;
  max_uses: number | null;
  used_count: number;
  valid_from: Date | null;
  valid_to: Date | null;
  note: string;
  created_by_name: string | null;
  created_at: Date;
  revoked_at: Date | null;
  /** The approved 用章申请 that made this grant; null for a direct grant. */
  request_id: string | null;
}

export function authorizationStatus(r: AuthorizationRow, now = new Date()) {
  if (r.revoked_at) return 'revoked';
  if (r.valid_from && r.valid_from > now) return 'not_yet_valid';
  if (r.valid_to && r.valid_to <= now) return 'expired';
  if (r.max_uses !== null && r.used_count >= r.max_uses) return 'exhausted';
  return 'active';
}

export function authorizationView(r: AuthorizationRow & { seal_name: string }) {
  return {
    id: r.id,
    sealId: r.seal_id,
    sealName: r.seal_name,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    subjectName: r.subject_name,
    maxUses: r.max_uses,
    usedCount: r.used_count,
    remaining: r.max_uses === null ? null : Math.max(0, r.max_uses - r.used_count),
    validFrom: r.valid_from,
    validTo: r.valid_to,
    note: r.note,
    status: authorizationStatus(r),
    createdAt: r.created_at,
    createdByName: r.created_by_name,
    revokedAt: r.revoked_at,
    requestId: r.request_id,
  };
}

export function selectAuthorizations(db: Db | Tx) {
  return db
    .selectFrom('seal_authorizations as a')
    .innerJoin('seal_seals as s', 's.id', 'a.seal_id')
    .selectAll('a')
    .select('s.name as seal_name');
}

async function subjectName(tx: Tx, type: SubjectType, id: string): Promise<string> {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const missing = () =>
    badRequest('subject_not_found', '被授权的用户、机构或接口客户端不存在', {
      errors: [{ field: 'subjectId', message: '不存在' }],
    });
  if (!UUID.test(id)) throw missing();
  const row =
    type === 'user'
      ? await tx
          .selectFrom('identity_users')
          .select(sql<string>`display_name || '（' || username || '）'`.as('name'))
          .where('id', '=', id)
          .where('status', '!=', 'deleted')
          .executeTakeFirst()
      : type === 'org'
        ? await tx.selectFrom('identity_orgs').select('name').where('id', '=', id).executeTakeFirst()
        : await tx
            .selectFrom('gateway_clients')
            .select('name')
            .where('id', '=', id)
            .where('status', '=', 'active')
            .executeTakeFirst();
  if (!row) throw missing();
  return row.name as string;
}

export interface AuthorizationInput {
  sealId: string;
  subjectType: SubjectType;
  subjectId: string;
  maxUses?: number | null;
  validFrom?: string | null;
  validTo?: string | null;
  note?: string;
}

export function requiresApprovalError() {
  return conflict('seal_requires_approval', '该印章须经用章审批，不能直接授权', {
    detail: '申请人在「用章授权 → 我的用章申请」提出申请，审批通过后自动授权',
  });
}

/**
 * Only grants made by an approved request count for a seal that requires approval, so switching
 * the flag on takes effect at once for the direct grants made before (they stay on record).
 */
const grantCountsForSeal = sql<boolean>`(seal_authorizations.request_id is not null or not exists (
  select 1 from seal_seals rs where rs.id = seal_authorizations.seal_id and rs.requires_approval))`;

export async function createAuthorization(kernel: Kernel, ctx: Ctx, input: AuthorizationInput): Promise<string> {
  const seal = await loadSeal(kernel.db, input.sealId);
  if (seal.requires_approval) throw requiresApprovalError();
  const actor = auditActor(ctx);
  return kernel.db.transaction().execute(async (tx) => {
    // Re-read under a share lock: the flag switched on meanwhile must still refuse this grant.
    const flag = await tx
      .selectFrom('seal_seals')
      .select('requires_approval')
      .where('id', '=', input.sealId)
      .forShare()
      .executeTakeFirst();
    if (flag?.requires_approval) throw requiresApprovalError();
    return insertAuthorization(kernel, tx, actor, seal.name, input);
  });
}

/**
 * Writes one grant and its audit entry in the caller's transaction. The approval handler
 * (requests.ts) calls it with `requestId`; everything else goes through createAuthorization.
 */
export async function insertAuthorization(
  kernel: Kernel,
  tx: Tx,
  actor: Pick<AuditEntry, 'actorId' | 'actorName' | 'ip'>,
  sealName: string,
  input: AuthorizationInput & { requestId?: string },
): Promise<string> {
  if (input.validFrom && input.validTo && new Date(input.validFrom) >= new Date(input.validTo)) {
    throw badRequest('validity_invalid', '授权的开始时间须早于结束时间', {
      errors: [{ field: 'validTo', message: '须晚于开始时间' }],
    });
  }
  const name = await subjectName(tx, input.subjectType, input.subjectId);
  const row = await tx
    .insertInto('seal_authorizations')
    .values({
      seal_id: input.sealId,
      subject_type: input.subjectType,
      subject_id: input.subjectId,
      subject_name: name,
      max_uses: input.maxUses ?? null,
      valid_from: input.validFrom ?? null,
      valid_to: input.validTo ?? null,
      note: input.note ?? '',
      created_by: actor.actorId,
      created_by_name: actor.actorName,
      request_id: input.requestId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await kernel.audit.record(tx, {
    ...actor,
    action: 'grant',
    resource: 'seal.authorization',
    resourceId: row.id,
    summary: `${input.requestId ? '用章审批通过，' : ''}授权「${name}」使用印章「${sealName}」${input.maxUses ? `（${input.maxUses} 次）` : ''}`,
    detail: input,
  });
  return row.id as string;
}

export async function revokeAuthorization(kernel: Kernel, ctx: Ctx, id: string): Promise<void> {
  await kernel.db.transaction().execute(async (tx) => {
    const row = (await selectAuthorizations(tx).where('a.id', '=', id).executeTakeFirst()) as
      | (AuthorizationRow & { seal_name: string })
      | undefined;
    if (!row) throw notFound('authorization_not_found', '授权不存在');
    if (row.revoked_at) return;
    await tx.updateTable('seal_authorizations').set({ revoked_at: sql`now()` }).where('id', '=', id).execute();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'revoke',
      resource: 'seal.authorization',
      resourceId: id,
      summary: `撤销「${row.subject_name}」使用印章「${row.seal_name}」的授权`,
    });
  });
}

/** Org ids from the principal's org up to the root (an authorization to an org covers its subtree). */
async function orgChain(db: Db | Tx, orgId: string | null): Promise<string[]> {
  if (!orgId) return [];
  const org = await db.selectFrom('identity_orgs').select('path').where('id', '=', orgId).executeTakeFirst();
  return org ? (org.path as string).split('/').filter(Boolean) : [orgId];
}

/** Authorizations that could let this principal use seals, most specific first. */
export async function candidateAuthorizations(
  db: Db | Tx,
  principal: Principal,
  sealId?: string,
): Promise<AuthorizationRow[]> {
  const clientId = clientIdOf(principal);
  let q = db
    .selectFrom('seal_authorizations')
    .selectAll()
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', sql<Date>`now()`)]))
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', sql<Date>`now()`)]))
    .where(grantCountsForSeal);
  if (sealId) q = q.where('seal_id', '=', sealId);
  if (clientId) {
    q = q.where('subject_type', '=', 'client').where('subject_id', '=', clientId);
  } else {
    const orgs = await orgChain(db, principal.orgId);
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('subject_type', '=', 'user'), eb('subject_id', '=', principal.userId)]),
        ...(orgs.length ? [eb.and([eb('subject_type', '=', 'org'), eb('subject_id', 'in', orgs)])] : []),
      ]),
    );
  }
  const rows = (await q.execute()) as AuthorizationRow[];
  // Personal grants before org grants, unlimited before counted ones (keep counted uses for when needed).
  const rank = (r: AuthorizationRow) => (r.subject_type === 'org' ? 2 : 0) + (r.max_uses === null ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b));
}

/**
 * Takes one use of one of `candidateIds` (from `usableAuthorizations`) inside the signing
 * transaction. The conditional update is the whole concurrency story: the row lock serialises
 * competing signings and revocation, time window, seal status and `used_count < max_uses` are
 * re-checked on the locked row, so a count can never be overspent and a revoked grant never used.
 * Null when nothing could be taken; the caller works out why.
 */
export async function consumeAuthorization(tx: Tx, candidateIds: string[]): Promise<string | null> {
  for (const id of candidateIds) {
    const taken = await tx
      .updateTable('seal_authorizations')
      .set({ used_count: sql`used_count + 1` })
      .where('id', '=', id)
      // The seal must still be usable when the use is taken: a disable committed before this
      // statement is seen here, so it stops every later signing.
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('seal_seals as s')
            .select('s.id')
            .whereRef('s.id', '=', 'seal_authorizations.seal_id')
            .where('s.status', '=', 'enabled')
            .where((eb) => eb.or([eb('s.valid_from', 'is', null), eb('s.valid_from', '<=', sql<Date>`now()`)]))
            .where((eb) => eb.or([eb('s.valid_to', 'is', null), eb('s.valid_to', '>', sql<Date>`now()`)])),
        ),
      )
      .where('revoked_at', 'is', null)
      .where(grantCountsForSeal)
      .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', sql<Date>`now()`)]))
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', sql<Date>`now()`)]))
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('used_count', '<', eb.ref('max_uses'))]))
      .returning('id')
      .executeTakeFirst();
    if (taken) return taken.id as string;
  }
  return null;
}

export function notAuthorized() {
  return forbidden('seal_not_authorized', '您未获得该印章的使用授权');
}

/**
 * Pre-check before the (expensive) signing, so unauthorized callers cost nothing. Returns the ids
 * of the authorizations that may still be used, most suitable first.
 */
export async function assertMayUse(db: Db, principal: Principal, sealId: string): Promise<string[]> {
  const candidates = await candidateAuthorizations(db, principal, sealId);
  if (!candidates.length) throw notAuthorized();
  const open = candidates.filter((c) => c.max_uses === null || c.used_count < c.max_uses);
  if (!open.length) throw forbidden('authorization_exhausted', '该印章的授权使用次数已用完');
  return open.map((c) => c.id);
}
