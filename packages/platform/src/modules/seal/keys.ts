import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  type CertificateInfo,
  createCertificate,
  generateKeyPair,
  type KeyAlgorithm,
  loadPrivateKey,
  loadSigner,
  parseCertificate,
  parsePkcs12,
  type Signer,
  sm2PublicKeyPemFromPoint,
  sm2PublicPoint,
} from '@jiyue/seal';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { auditActor, type Ctx } from '../settings/context.js';
import { engineError } from './engine.js';

/* 密钥与证书: generated or imported key pairs, the development CA, expiry warnings. */

export const EXPIRY_WARNING_DAYS = 30;
const DAY = 86_400_000;

export interface KeyRow {
  id: string;
  name: string;
  algorithm: KeyAlgorithm;
  rsa_bits: number | null;
  source: 'generated' | 'imported';
  key_enc: string;
  cert_pem: string | null;
  chain_pem: string | null;
  issued_by_dev_ca: boolean;
  not_after: Date | null;
  version: number;
  created_by_name: string | null;
  created_at: Date;
}

export interface IssueSpec {
  subject: { CN: string; O?: string; OU?: string; L?: string; ST?: string; C?: string };
  days?: number;
}

const parsedCerts = new Map<string, CertificateInfo>();

/** Parsed certificate, cached by its PEM text (read on every signing and every list). */
export function certificateSummary(pem: string): CertificateInfo {
  let info = parsedCerts.get(pem);
  if (!info) {
    info = parseCertificate(pem).info;
    if (parsedCerts.size > 1000) parsedCerts.clear();
    parsedCerts.set(pem, info);
  }
  return info;
}

export function keyView(row: KeyRow, usedBy: number, now = Date.now()) {
  const info = row.cert_pem ? certificateSummary(row.cert_pem) : null;
  const expiresInDays = info ? Math.floor((info.notAfter.getTime() - now) / DAY) : null;
  const expiryStatus = !info
    ? 'no_certificate'
    : info.notAfter.getTime() <= now
      ? 'expired'
      : expiresInDays! < EXPIRY_WARNING_DAYS
        ? 'expiring'
        : 'valid';
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    rsaBits: row.rsa_bits,
    source: row.source,
    certificate: info && {
      subject: info.subject,
      subjectFields: info.subjectFields,
      issuer: info.issuer,
      serialNumber: info.serialNumber,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      signatureAlgorithm: info.signatureAlgorithm,
      issuedByDevCa: row.issued_by_dev_ca,
    },
    expiresInDays,
    expiryStatus,
    usedBy,
    createdAt: row.created_at,
    createdByName: row.created_by_name,
  };
}

export async function loadKey(db: Db | Tx, id: string): Promise<KeyRow> {
  const row = (await db.selectFrom('seal_keys').selectAll().where('id', '=', id).executeTakeFirst()) as
    | KeyRow
    | undefined;
  if (!row) throw notFound('key_not_found', '密钥不存在');
  return row;
}

export async function keyUsage(db: Db | Tx, ids: string[]): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('seal_seals')
    .select(['key_id', sql<number>`count(*)`.as('n')])
    .where('key_id', 'in', ids)
    .groupBy('key_id')
    .execute();
  return new Map(rows.map((r) => [r.key_id as string, Number(r.n)]));
}

/**
 * 开发测试CA: one per algorithm and installation, made on first use. Two nodes racing insert the same
 * primary key; the loser reads the winner's CA.
 */
export async function devCa(kernel: Kernel, algorithm: KeyAlgorithm): Promise<{ keyPem: string; certPem: string }> {
  const existing = await kernel.db
    .selectFrom('seal_ca')
    .selectAll()
    .where('algorithm', '=', algorithm)
    .executeTakeFirst();
  if (existing) return { keyPem: kernel.crypto.sm4Decrypt(existing.key_enc), certPem: existing.cert_pem };
  const pair = generateKeyPair(algorithm);
  const certPem = createCertificate({
    subject: { CN: `集约开发测试CA（${algorithm.toUpperCase()}）`, O: '集约平台', C: 'CN' },
    publicKeyPem: pair.publicKeyPem,
    privateKeyPem: pair.privateKeyPem,
    issuer: 'self',
    isCa: true,
    days: 3650,
    keyUsage: ['keyCertSign', 'cRLSign', 'digitalSignature'],
  });
  await kernel.db
    .insertInto('seal_ca')
    .values({ algorithm, key_enc: kernel.crypto.sm4Encrypt(pair.privateKeyPem), cert_pem: certPem })
    .onConflict((oc) => oc.column('algorithm').doNothing())
    .execute();
  return devCa(kernel, algorithm);
}

export async function listCas(kernel: Kernel) {
  for (const alg of ['sm2', 'rsa'] as const) await devCa(kernel, alg);
  const rows = await kernel.db.selectFrom('seal_ca').selectAll().orderBy('algorithm', 'desc').execute();
  return rows.map((r) => {
    const info = certificateSummary(r.cert_pem);
    return {
      algorithm: r.algorithm as KeyAlgorithm,
      subject: info.subject,
      serialNumber: info.serialNumber,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      certPem: r.cert_pem as string,
    };
  });
}

function issueWith(ca: { keyPem: string; certPem: string }, publicKeyPem: string, spec: IssueSpec): string {
  try {
    return createCertificate({
      subject: { C: 'CN', ...spec.subject },
      publicKeyPem,
      issuer: ca,
      days: spec.days ?? 730,
      keyUsage: ['digitalSignature', 'nonRepudiation'],
    });
  } catch (err) {
    throw engineError(err, 'certificate_invalid', '证书信息不正确');
  }
}

/** SPKI PEM of a private key (SM2 through the engine: node cannot export SM2 SPKI with the GM curve OID). */
function publicKeyOf(keyPem: string): string {
  const loaded = loadPrivateKey(keyPem);
  if (loaded.algorithm === 'sm2') return sm2PublicKeyPemFromPoint(sm2PublicPoint(loaded.keyObject));
  return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

async function audit(kernel: Kernel, tx: Tx, ctx: Ctx, action: string, row: KeyRow, summary: string, detail?: unknown) {
  await kernel.audit.record(tx, {
    ...auditActor(ctx),
    action,
    resource: 'seal.key',
    resourceId: row.id,
    summary,
    detail,
  });
}

export async function generateKey(
  kernel: Kernel,
  ctx: Ctx,
  input: { name: string; algorithm: KeyAlgorithm; rsaBits?: 2048 | 3072 | 4096; issue?: IssueSpec },
) {
  const pair = generateKeyPair(input.algorithm, input.algorithm === 'rsa' ? { rsaBits: input.rsaBits ?? 2048 } : {});
  const ca = input.issue ? await devCa(kernel, input.algorithm) : null;
  const certPem = ca && input.issue ? issueWith(ca, pair.publicKeyPem, input.issue) : null;
  const actor = auditActor(ctx);
  return kernel.db.transaction().execute(async (tx) => {
    const row = (await tx
      .insertInto('seal_keys')
      .values({
        name: input.name,
        algorithm: input.algorithm,
        rsa_bits: input.algorithm === 'rsa' ? (input.rsaBits ?? 2048) : null,
        source: 'generated',
        key_enc: kernel.crypto.sm4Encrypt(pair.privateKeyPem),
        cert_pem: certPem,
        chain_pem: ca?.certPem ?? null,
        issued_by_dev_ca: certPem !== null,
        not_after: certPem ? certificateSummary(certPem).notAfter : null,
        created_by: actor.actorId,
        created_by_name: actor.actorName,
      })
      .returningAll()
      .executeTakeFirstOrThrow()) as KeyRow;
    await audit(
      kernel,
      tx,
      ctx,
      'create',
      row,
      `生成${input.algorithm.toUpperCase()}密钥「${row.name}」${certPem ? '并签发证书' : ''}`,
    );
    return row;
  });
}

export async function issueCertificate(kernel: Kernel, ctx: Ctx, id: string, spec: IssueSpec) {
  const row = await loadKey(kernel.db, id);
  if (row.source === 'imported') throw conflict('key_imported', '导入的密钥使用其原有证书，不能由开发测试CA签发');
  const keyPem = kernel.crypto.sm4Decrypt(row.key_enc);
  const ca = await devCa(kernel, row.algorithm);
  const certPem = issueWith(ca, publicKeyOf(keyPem), spec);
  return kernel.db.transaction().execute(async (tx) => {
    const updated = (await tx
      .updateTable('seal_keys')
      .set({
        cert_pem: certPem,
        chain_pem: ca.certPem,
        issued_by_dev_ca: true,
        not_after: certificateSummary(certPem).notAfter,
        version: sql`version + 1`,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()) as KeyRow;
    await audit(kernel, tx, ctx, 'issue', updated, `为密钥「${row.name}」签发证书：${spec.subject.CN}`, {
      subject: spec.subject,
      days: spec.days ?? 730,
    });
    return updated;
  });
}

export interface ImportInput {
  name: string;
  p12?: Buffer;
  password?: string;
  keyPem?: string;
  certPem?: string;
  chainPem?: string;
}

/** Imports PKCS#12 or PEM; the certificate must belong to the key (checked by the engine's signer). */
export async function importKey(kernel: Kernel, ctx: Ctx, input: ImportInput) {
  let keyPem: string;
  let signer: Signer;
  try {
    if (input.p12) {
      keyPem = parsePkcs12(input.p12, input.password ?? '').keyPem;
      signer = loadSigner({ p12: input.p12, password: input.password ?? '' });
    } else if (input.keyPem && input.certPem) {
      keyPem = input.keyPem;
      signer = loadSigner({ keyPem, certPem: input.certPem, chainPem: input.chainPem });
    } else {
      throw badRequest('import_incomplete', '请上传 PKCS#12 文件，或同时提供私钥和证书（PEM）');
    }
  } catch (err) {
    throw engineError(err, 'bad_key', '密钥或证书无法读取');
  }
  const certPem = signer.certificate.pem;
  const chainPem = signer.chain.map((c) => c.pem).join('') || null;
  const actor = auditActor(ctx);
  return kernel.db.transaction().execute(async (tx) => {
    const row = (await tx
      .insertInto('seal_keys')
      .values({
        name: input.name,
        algorithm: signer.algorithm,
        rsa_bits: null,
        source: 'imported',
        key_enc: kernel.crypto.sm4Encrypt(keyPem),
        cert_pem: certPem,
        chain_pem: chainPem,
        not_after: signer.certificate.notAfter,
        created_by: actor.actorId,
        created_by_name: actor.actorName,
      })
      .returningAll()
      .executeTakeFirstOrThrow()) as KeyRow;
    await audit(kernel, tx, ctx, 'import', row, `导入密钥与证书「${row.name}」（${signer.certificate.subject}）`);
    return row;
  });
}

export async function renameKey(kernel: Kernel, ctx: Ctx, id: string, name: string) {
  const before = await loadKey(kernel.db, id);
  return kernel.db.transaction().execute(async (tx) => {
    const row = (await tx
      .updateTable('seal_keys')
      .set({ name, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()) as KeyRow;
    await audit(kernel, tx, ctx, 'update', row, `密钥「${before.name}」改名为「${name}」`);
    return row;
  });
}

export async function deleteKey(kernel: Kernel, ctx: Ctx, id: string) {
  const row = await loadKey(kernel.db, id);
  await kernel.db.transaction().execute(async (tx) => {
    const used = await tx.selectFrom('seal_seals').select('id').where('key_id', '=', id).executeTakeFirst();
    if (used) throw conflict('key_in_use', '密钥已被印章使用，不能删除');
    await tx.deleteFrom('seal_keys').where('id', '=', id).execute();
    await audit(kernel, tx, ctx, 'delete', row, `删除密钥「${row.name}」`);
  });
}

/**
 * Signers are parsed once per key version and kept: parsing a key and precomputing SM2's Z value
 * costs more than a signature. The version changes on re-issue, so a new certificate is used at once.
 */
const signers = new Map<string, { version: number; signer: Signer }>();

export function signerFor(kernel: Kernel, row: KeyRow): Signer {
  const cached = signers.get(row.id);
  if (cached && cached.version === row.version) return cached.signer;
  if (!row.cert_pem) throw badRequest('key_without_certificate', '密钥尚未签发证书');
  const signer = loadSigner({
    keyPem: kernel.crypto.sm4Decrypt(row.key_enc),
    certPem: row.cert_pem,
    chainPem: row.chain_pem ?? undefined,
  });
  signers.set(row.id, { version: row.version, signer });
  return signer;
}
