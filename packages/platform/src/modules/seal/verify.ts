import { createHash } from 'node:crypto';
import { verifyOfd, verifyPdf } from '@jiyue/seal';
import { notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { engineError } from './engine.js';
import { imagePng } from './images.js';
import { certificateSummary, listCas } from './keys.js';
import { SEAL_TYPES, type SealTypeCode } from './seals.js';
import { type DocumentFormat, safeFileName, sniffFormat } from './sign.js';

/* 签章验证: one report shape for PDF and OFD, in plain Chinese, with the seal image of each signature. */

export interface SignatureCheck {
  index: number;
  valid: boolean;
  statusText: string;
  signer: string | null;
  sealName: string | null;
  signingTime: string | null;
  algorithm: string;
  trusted: boolean;
  reasons: string[];
  warnings: string[];
  sealImage: string | null;
}

export interface VerifyReport {
  format: DocumentFormat;
  fileName: string;
  size: number;
  sha256: string;
  valid: boolean;
  summary: string;
  signatures: SignatureCheck[];
  record: { id: string; verifyCode: string; sealName: string; createdAt: Date } | null;
}

const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** Our seals by certificate serial number: the PDF signature names the certificate, we know its seal. */
async function sealsBySerial(kernel: Kernel): Promise<Map<string, { name: string; sha256: string }>> {
  const rows = await kernel.db
    .selectFrom('seal_seals as s')
    .innerJoin('seal_keys as k', 'k.id', 's.key_id')
    .innerJoin('seal_images as i', 'i.id', 's.image_id')
    .select(['s.name', 'k.cert_pem', 'i.sha256'])
    .where('k.cert_pem', 'is not', null)
    .orderBy('s.created_at')
    .execute();
  const map = new Map<string, { name: string; sha256: string }>();
  for (const r of rows) {
    const serial = certificateSummary(r.cert_pem as string).serialNumber.toLowerCase();
    if (!map.has(serial)) map.set(serial, { name: r.name as string, sha256: r.sha256 as string });
  }
  return map;
}

async function trustedCerts(kernel: Kernel): Promise<string[]> {
  const cas = await listCas(kernel);
  const chains = await kernel.db.selectFrom('seal_keys').select('chain_pem').where('source', '=', 'imported').execute();
  return [...cas.map((c) => c.certPem), ...chains.flatMap((c) => (c.chain_pem ? [c.chain_pem as string] : []))];
}

function fmtTime(t: string | Date | undefined | null): string | null {
  if (!t) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

export async function verifyDocument(kernel: Kernel, buf: Buffer, fileName?: string): Promise<VerifyReport> {
  const format = sniffFormat(buf);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const trusted = await trustedCerts(kernel);
  let signatures: SignatureCheck[];
  try {
    signatures = format === 'pdf' ? await pdfChecks(kernel, buf, trusted) : ofdChecks(buf, trusted);
  } catch (err) {
    throw engineError(err);
  }
  const recordRow = await kernel.db
    .selectFrom('seal_records as r')
    .innerJoin('seal_seals as s', 's.id', 'r.seal_id')
    .select(['r.id', 'r.verify_code', 's.name', 'r.created_at'])
    .where('r.output_sha256', '=', sha256)
    .executeTakeFirst();
  const valid = signatures.length > 0 && signatures.every((s) => s.valid);
  const invalid = signatures.filter((s) => !s.valid).length;
  const summary = !signatures.length
    ? '文件中没有电子签章'
    : valid
      ? `文件共有 ${signatures.length} 个电子签章，全部有效，文件签章后未被修改`
      : `文件共有 ${signatures.length} 个电子签章，其中 ${invalid} 个无效`;
  return {
    format,
    fileName: safeFileName(fileName, format),
    size: buf.length,
    sha256,
    valid,
    summary,
    signatures,
    record: recordRow
      ? {
          id: recordRow.id as string,
          verifyCode: recordRow.verify_code as string,
          sealName: recordRow.name as string,
          createdAt: recordRow.created_at as Date,
        }
      : null,
  };
}

async function pdfChecks(kernel: Kernel, buf: Buffer, trusted: string[]): Promise<SignatureCheck[]> {
  const report = await verifyPdf(buf, { trustedCerts: trusted });
  const seals = report.signatures.length ? await sealsBySerial(kernel) : new Map();
  return Promise.all(
    report.signatures.map(async (s, i) => {
      const serial = s.chain[0]?.serialNumber?.toLowerCase();
      const ours = serial ? seals.get(serial) : undefined;
      const warnings = s.trusted ? [] : ['签章证书不是由本平台信任的证书机构签发'];
      return {
        index: i + 1,
        valid: s.valid,
        statusText: s.valid ? '有效' : `无效：${s.reason.zh}`,
        signer: s.signer ?? null,
        sealName: ours?.name ?? null,
        signingTime: fmtTime(s.signingTime ?? s.cmsSigningTime),
        algorithm: s.algorithm,
        trusted: s.trusted,
        reasons: s.valid ? [] : [s.reason.zh],
        warnings,
        sealImage: ours ? dataUrl(await imagePng(kernel, ours)) : null,
      };
    }),
  );
}

function ofdChecks(buf: Buffer, trusted: string[]): SignatureCheck[] {
  const report = verifyOfd(buf, { trustedCerts: trusted });
  return report.signatures.map((s, i) => {
    const pic = s.sealPicture;
    const isPng = pic && /png/i.test(pic.type);
    const trustedSigner = s.signerTrusted === true;
    return {
      index: i + 1,
      valid: s.valid,
      statusText: s.valid ? '有效' : `无效：${s.reasons.join('；') || '签章校验未通过'}`,
      signer: s.signer?.subject.match(/CN=([^,]+)/)?.[1] ?? s.signer?.subject ?? null,
      sealName: s.sealName ?? null,
      signingTime: fmtTime(s.signingTime),
      algorithm: s.algorithm ?? '未知',
      trusted: trustedSigner,
      reasons: s.reasons,
      warnings: [...s.warnings, ...(trustedSigner ? [] : ['签章证书不是由本平台信任的证书机构签发'])],
      sealImage: pic && isPng ? dataUrl(Buffer.from(pic.data)) : null,
    };
  });
}

/** What a QR code on a signed document points to. Public: no personal data beyond the signer's name. */
export async function publicRecord(kernel: Kernel, code: string) {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const q = kernel.db
    .selectFrom('seal_records as r')
    .innerJoin('seal_seals as s', 's.id', 'r.seal_id')
    .innerJoin('seal_images as i', 'i.id', 's.image_id')
    .select([
      'r.id',
      'r.verify_code',
      'r.file_name',
      'r.format',
      'r.output_sha256',
      'r.output_sm3',
      'r.created_at',
      'r.actor_name',
      's.name as seal_name',
      's.type as seal_type',
      'i.sha256 as image_sha256',
    ]);
  const row = UUID.test(code)
    ? await q.where('r.id', '=', code).executeTakeFirst()
    : /^[A-Z2-9]{16}$/.test(code.toUpperCase())
      ? await q.where('r.verify_code', '=', code.toUpperCase()).executeTakeFirst()
      : undefined;
  if (!row) throw notFound('record_not_found', '未找到该签章记录，请核对验证码');
  return {
    verifyCode: row.verify_code as string,
    sealName: row.seal_name as string,
    sealType: SEAL_TYPES[row.seal_type as SealTypeCode],
    fileName: row.file_name as string,
    format: row.format as DocumentFormat,
    outputSha256: row.output_sha256 as string,
    outputSm3: row.output_sm3 as string,
    signedAt: row.created_at as Date,
    signerName: row.actor_name as string,
    imageSha256: row.image_sha256 as string,
  };
}
