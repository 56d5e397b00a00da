import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { auditActor, type Ctx } from '../settings/context.js';
import { loadImage } from './images.js';
import { certificateSummary, type KeyRow, loadKey } from './keys.js';

/* 印章管理: a seal = image + key/certificate, with type, validity and status. */

export const SEAL_TYPES = {
  official: '公章',
  contract: '合同章',
  finance: '财务章',
  business: '业务专用章',
  legal_person: '法人名章',
} as const;
export type SealTypeCode = keyof typeof SEAL_TYPES;

export interface SealRow {
  id: string;
  name: string;
  type: SealTypeCode;
  code: string | null;
  org_id: string | null;
  image_id: string;
  key_id: string;
  valid_from: Date | null;
  valid_to: Date | null;
  status: 'enabled' | 'disabled' | 'retired';
  /** 用章审批: every use needs an approved request (module workflow, process `seal-use`). */
  requires_approval: boolean;
  description: string;
  created_at: Date;
  updated_at: Date;
}

const UNUSABLE_TEXT: Record<string, string> = {
  disabled: '印章已停用',
  retired: '印章已注销',
  not_yet_valid: '印章尚未到启用日期',
  expired: '印章已过有效期',
  certificate_expired: '印章证书已过期',
  certificate_not_yet_valid: '印章证书尚未生效',
  no_certificate: '印章的密钥尚未签发证书',
};

/** Why a seal cannot be used now, or null when it can. The same rule is checked at signing. */
export function unusableReason(
  seal: Pick<SealRow, 'status' | 'valid_from' | 'valid_to'>,
  cert: { notBefore: Date; notAfter: Date } | null,
  now = new Date(),
): string | null {
  if (seal.status !== 'enabled') return seal.status;
  if (seal.valid_from && seal.valid_from > now) return 'not_yet_valid';
  if (seal.valid_to && seal.valid_to <= now) return 'expired';
  if (!cert) return 'no_certificate';
  if (cert.notAfter <= now) return 'certificate_expired';
  if (cert.notBefore > now) return 'certificate_not_yet_valid';
  return null;
}

export function unusableError(reason: string) {
  return conflict('seal_unusable', UNUSABLE_TEXT[reason] ?? '印章不可用', { extra: { reason } });
}

export interface SealJoined extends SealRow {
  image_name: string;
  image_sha256: string;
  image_width_mm: string;
  image_height_mm: string;
  key_name: string;
  algorithm: 'sm2' | 'rsa';
  cert_pem: string | null;
  org_name: string | null;
  sign_count: number;
}

export function selectSeals(db: Db | Tx) {
  return db
    .selectFrom('seal_seals as s')
    .innerJoin('seal_images as i', 'i.id', 's.image_id')
    .innerJoin('seal_keys as k', 'k.id', 's.key_id')
    .leftJoin('identity_orgs as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select([
      'i.name as image_name',
      'i.sha256 as image_sha256',
      'i.width_mm as image_width_mm',
      'i.height_mm as image_height_mm',
      'k.name as key_name',
      'k.algorithm',
      'k.cert_pem',
      'o.name as org_name',
      sql<number>`(select count(*) from seal_records r where r.seal_id = s.id)`.as('sign_count'),
    ]);
}

export function sealView(r: SealJoined) {
  const cert = r.cert_pem ? certificateSummary(r.cert_pem) : null;
  const reason = unusableReason(r, cert);
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    typeName: SEAL_TYPES[r.type],
    code: r.code,
    orgId: r.org_id,
    orgName: r.org_name,
    imageId: r.image_id,
    imageName: r.image_name,
    imageWidthMm: Number(r.image_width_mm),
    imageHeightMm: Number(r.image_height_mm),
    keyId: r.key_id,
    keyName: r.key_name,
    algorithm: r.algorithm,
    certificate: cert && { subject: cert.subject, serialNumber: cert.serialNumber, notAfter: cert.notAfter },
    validFrom: r.valid_from,
    validTo: r.valid_to,
    status: r.status,
    requiresApproval: r.requires_approval,
    usable: reason === null,
    unusableReason: reason,
    unusableText: reason ? UNUSABLE_TEXT[reason] : null,
    signCount: Number(r.sign_count),
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function loadSeal(db: Db | Tx, id: string): Promise<SealJoined> {
  const row = (await selectSeals(db).where('s.id', '=', id).executeTakeFirst()) as SealJoined | undefined;
  if (!row) throw notFound('seal_not_found', '印章不存在');
  return row;
}

export interface SealInput {
  name: string;
  type: SealTypeCode;
  imageId: string;
  keyId: string;
  code?: string | null;
  orgId?: string | null;
  validFrom?: string | null;
  validTo?: string | null;
  description?: string;
  requiresApproval?: boolean;
}

function checkValidity(from?: string | Date | null, to?: string | Date | null) {
  if (from && to && new Date(from) >= new Date(to)) {
    throw badRequest('validity_invalid', '有效期的开始时间须早于结束时间', {
      errors: [{ field: 'validTo', message: '须晚于开始时间' }],
    });
  }
}

async function checkOrg(tx: Tx, orgId: string | null | undefined) {
  if (!orgId) return;
  const org = await tx.selectFrom('identity_orgs').select('id').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw badRequest('org_not_found', '所属机构不存在', { errors: [{ field: 'orgId', message: '不存在' }] });
}

async function audit(kernel: Kernel, tx: Tx, ctx: Ctx, action: string, id: string, summary: string, detail?: unknown) {
  await kernel.audit.record(tx, { ...auditActor(ctx), action, resource: 'seal.seal', resourceId: id, summary, detail });
}

export async function createSeal(kernel: Kernel, ctx: Ctx, input: SealInput): Promise<string> {
  checkValidity(input.validFrom, input.validTo);
  await loadImage(kernel.db, input.imageId).catch(() => {
    throw badRequest('image_not_found', '印模不存在', { errors: [{ field: 'imageId', message: '不存在' }] });
  });
  const key: KeyRow = await loadKey(kernel.db, input.keyId).catch(() => {
    throw badRequest('key_not_found', '密钥不存在', { errors: [{ field: 'keyId', message: '不存在' }] });
  });
  if (!key.cert_pem) throw badRequest('key_without_certificate', '密钥尚未签发证书，请先签发或导入证书');
  const actor = auditActor(ctx);
  return kernel.db.transaction().execute(async (tx) => {
    await checkOrg(tx, input.orgId);
    const row = await tx
      .insertInto('seal_seals')
      .values({
        name: input.name,
        type: input.type,
        code: input.code ?? null,
        org_id: input.orgId ?? null,
        image_id: input.imageId,
        key_id: input.keyId,
        valid_from: input.validFrom ?? null,
        valid_to: input.validTo ?? null,
        description: input.description ?? '',
        requires_approval: input.requiresApproval ?? false,
        created_by: actor.actorId,
        created_by_name: actor.actorName,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(kernel, tx, ctx, 'create', row.id, `新建${SEAL_TYPES[input.type]}「${input.name}」`, input);
    return row.id as string;
  });
}

export async function updateSeal(
  kernel: Kernel,
  ctx: Ctx,
  id: string,
  patch: Partial<
    Pick<SealInput, 'name' | 'code' | 'orgId' | 'validFrom' | 'validTo' | 'description' | 'requiresApproval'>
  >,
): Promise<void> {
  const before = await loadSeal(kernel.db, id);
  if (before.status === 'retired') throw conflict('seal_retired', '印章已注销，不能修改');
  checkValidity(
    patch.validFrom === undefined ? before.valid_from : patch.validFrom,
    patch.validTo === undefined ? before.valid_to : patch.validTo,
  );
  await kernel.db.transaction().execute(async (tx) => {
    await checkOrg(tx, patch.orgId);
    const set: Record<string, unknown> = { updated_at: sql`now()` };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.code !== undefined) set.code = patch.code;
    if (patch.orgId !== undefined) set.org_id = patch.orgId;
    if (patch.validFrom !== undefined) set.valid_from = patch.validFrom;
    if (patch.validTo !== undefined) set.valid_to = patch.validTo;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.requiresApproval !== undefined) set.requires_approval = patch.requiresApproval;
    await tx.updateTable('seal_seals').set(set).where('id', '=', id).execute();
    const approval =
      patch.requiresApproval === undefined || patch.requiresApproval === before.requires_approval
        ? ''
        : patch.requiresApproval
          ? '（改为用章须审批）'
          : '（改为无需审批）';
    await audit(kernel, tx, ctx, 'update', id, `修改印章「${before.name}」${approval}`, patch);
  });
}

const TRANSITIONS = {
  enable: { to: 'enabled', text: '启用' },
  disable: { to: 'disabled', text: '停用' },
  retire: { to: 'retired', text: '注销' },
} as const;

/**
 * Enable / disable / retire. The row lock makes a disable wait for signings in flight and every
 * later signing (which re-reads the status in its transaction) see it.
 */
export async function changeStatus(kernel: Kernel, ctx: Ctx, id: string, action: keyof typeof TRANSITIONS) {
  const t = TRANSITIONS[action];
  await kernel.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('seal_seals')
      .select(['name', 'status'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound('seal_not_found', '印章不存在');
    if (row.status === 'retired') throw conflict('seal_retired', '印章已注销，不能再启用或修改');
    await tx.updateTable('seal_seals').set({ status: t.to, updated_at: sql`now()` }).where('id', '=', id).execute();
    await audit(kernel, tx, ctx, action, id, `${t.text}印章「${row.name}」`, { from: row.status, to: t.to });
  });
}

/** Deletes a never-used seal; one with signatures must be retired instead (the records point to it). */
export async function deleteSeal(kernel: Kernel, ctx: Ctx, id: string) {
  await kernel.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('seal_seals').select(['name']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound('seal_not_found', '印章不存在');
    const used =
      (await tx.selectFrom('seal_records').select('id').where('seal_id', '=', id).executeTakeFirst()) ??
      (await tx.selectFrom('seal_batches').select('id').where('seal_id', '=', id).executeTakeFirst());
    if (used) throw conflict('seal_in_use', '印章已有签章记录，不能删除，请改为停用或注销');
    await tx.deleteFrom('seal_authorizations').where('seal_id', '=', id).execute();
    await tx.deleteFrom('seal_seals').where('id', '=', id).execute();
    await audit(kernel, tx, ctx, 'delete', id, `删除印章「${row.name}」`);
  });
}
