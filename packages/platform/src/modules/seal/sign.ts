import { createHash, randomInt } from 'node:crypto';
import { type OfdPlacement, type SignPdfOptions, signOfd, signPdf } from '@jiyue/seal';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Principal } from '../../kernel/auth.js';
import { badRequest, forbidden, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { clientIdOf } from '../gateway/index.js';
import { assertMayUse, consumeAuthorization } from './authorizations.js';
import { engineError } from './engine.js';
import { imagePng } from './images.js';
import { certificateSummary, type KeyRow, signerFor } from './keys.js';
import { type SealRow, unusableError, unusableReason } from './seals.js';

/* 签章: one document signed with one seal, checked, counted and recorded in one transaction. */

const Strict = { additionalProperties: false } as const;
const Mm = Type.Number({ minimum: -10000, maximum: 10000 });
const Page = Type.Integer({ minimum: 1, maximum: 100000 });

export const SignOptionsSchema = Type.Object(
  {
    position: Type.Optional(Type.Object({ page: Page, x: Mm, y: Mm }, Strict)),
    keyword: Type.Optional(
      Type.Object(
        {
          text: Type.String({ minLength: 1, maxLength: 100 }),
          occurrence: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('all')])),
        },
        Strict,
      ),
    ),
    field: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    pages: Type.Optional(Type.String({ pattern: '^(all|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)$', maxLength: 200 })),
    straddle: Type.Optional(
      Type.Object(
        {
          side: Type.Optional(Type.Union([Type.Literal('right'), Type.Literal('left')])),
          every: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
          y: Type.Optional(Mm),
        },
        Strict,
      ),
    ),
    barcode: Type.Optional(
      Type.Object(
        {
          type: Type.Optional(
            Type.Union([Type.Literal('qr'), Type.Literal('pdf417'), Type.Literal('code128'), Type.Literal('code39')]),
          ),
          text: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          page: Page,
          x: Mm,
          y: Mm,
          widthMm: Type.Optional(Type.Number({ minimum: 5, maximum: 200 })),
        },
        Strict,
      ),
    ),
    protection: Type.Optional(
      Type.Object(
        {
          print: Type.Optional(Type.Boolean()),
          copy: Type.Optional(Type.Boolean()),
          certify: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)])),
        },
        Strict,
      ),
    ),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
    location: Type.Optional(Type.String({ maxLength: 200 })),
  },
  Strict,
);
export type SignOptions = Static<typeof SignOptionsSchema>;

/** Parses the multipart `options` field (JSON text) and checks it as strictly as a JSON body. */
export function parseSignOptions(raw: string | undefined): SignOptions {
  let value: unknown;
  try {
    value = JSON.parse(raw ?? '');
  } catch {
    throw badRequest('options_invalid', '签章参数不是合法的 JSON', {
      errors: [{ field: 'options', message: 'JSON 格式错误' }],
    });
  }
  if (!Value.Check(SignOptionsSchema, value)) {
    const errors = [...Value.Errors(SignOptionsSchema, value)].slice(0, 10).map((e) => ({
      field: `options${e.path.replace(/\//g, '.')}`,
      message: e.message,
    }));
    throw badRequest('options_invalid', '签章参数不正确', { errors });
  }
  const o = value as SignOptions;
  if (!o.position && !o.keyword && !o.field && !o.straddle) {
    throw badRequest('options_invalid', '请指定盖章位置（坐标、关键字、签名域或骑缝章）', {
      errors: [{ field: 'options.position', message: '缺少盖章位置' }],
    });
  }
  return o;
}

export type DocumentFormat = 'pdf' | 'ofd';

/** Sniffs the content; the file name's extension is never trusted. */
export function sniffFormat(buf: Buffer): DocumentFormat {
  const head = buf.subarray(0, 1024).toString('latin1');
  if (head.includes('%PDF-')) return 'pdf';
  if (buf.length > 4 && buf.readUInt32LE(0) === 0x04034b50) return 'ofd';
  throw badRequest('file_unsupported', '只能对 PDF 或 OFD 文件签章', { detail: '文件内容既不是 PDF 也不是 OFD' });
}

/** Strips directories, control characters and anything a download header cannot carry. */
export function safeFileName(name: string | undefined, format: DocumentFormat): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // Control characters and characters that break headers or Windows file names are dropped.
  const clean = [...base]
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f && !'"<>|:*?'.includes(ch))
    .join('')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return clean || `document.${format}`;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newVerifyCode(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

export function verifyUrl(kernel: Kernel, code: string): string {
  return `${kernel.config.publicUrl.replace(/\/$/, '')}/verify/${code}`;
}

function hashes(buf: Buffer) {
  return {
    sha256: createHash('sha256').update(buf).digest('hex'),
    sm3: createHash('sm3').update(buf).digest('hex'),
  };
}

export interface SignRequest {
  buf: Buffer;
  fileName?: string;
  sealId: string;
  options: SignOptions;
  batchId?: string;
}

export interface SignResult {
  output: Buffer;
  format: DocumentFormat;
  fileName: string;
  recordId: string;
  verifyCode: string;
}

interface SealForSigning extends SealRow {
  algorithm: 'sm2' | 'rsa';
  cert_pem: string | null;
  key: KeyRow;
  image_sha256: string;
  image_width_mm: string;
  image_height_mm: string;
}

/** Seal, key and image in one query: the hot path of every signing. */
async function loadSealForSigning(kernel: Kernel, id: string): Promise<SealForSigning> {
  const row = await kernel.db
    .selectFrom('seal_seals as s')
    .innerJoin('seal_keys as k', 'k.id', 's.key_id')
    .innerJoin('seal_images as i', 'i.id', 's.image_id')
    .selectAll('s')
    .select([
      'k.id as k_id',
      'k.name as k_name',
      'k.algorithm as k_algorithm',
      'k.rsa_bits as k_rsa_bits',
      'k.source as k_source',
      'k.key_enc as k_key_enc',
      'k.cert_pem as k_cert_pem',
      'k.chain_pem as k_chain_pem',
      'k.issued_by_dev_ca as k_issued_by_dev_ca',
      'k.not_after as k_not_after',
      'k.version as k_version',
      'k.created_by_name as k_created_by_name',
      'k.created_at as k_created_at',
      'i.sha256 as image_sha256',
      'i.width_mm as image_width_mm',
      'i.height_mm as image_height_mm',
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('seal_not_found', '印章不存在');
  const key = Object.fromEntries(
    Object.entries(row)
      .filter(([k]) => k.startsWith('k_'))
      .map(([k, v]) => [k.slice(2), v]),
  ) as unknown as KeyRow;
  return { ...(row as unknown as SealForSigning), algorithm: key.algorithm, cert_pem: key.cert_pem, key };
}

function pdfOptions(kernel: Kernel, seal: SealRow, o: SignOptions, code: string): Partial<SignPdfOptions> {
  return {
    position: o.position ? { ...o.position, unit: 'mm', origin: 'top-left' } : undefined,
    keyword: o.keyword,
    field: o.field,
    pages: o.pages,
    straddle: o.straddle,
    barcodes: o.barcode
      ? [
          {
            type: o.barcode.type ?? 'qr',
            text: o.barcode.text ?? verifyUrl(kernel, code),
            page: o.barcode.page,
            x: o.barcode.x,
            y: o.barcode.y,
            widthMm: o.barcode.widthMm,
          },
        ]
      : undefined,
    certify: o.protection?.certify,
    permissions:
      o.protection && (o.protection.print === false || o.protection.copy === false)
        ? { print: o.protection.print ?? true, copy: o.protection.copy ?? true }
        : undefined,
    reason: o.reason ?? `加盖${seal.name}`,
    location: o.location,
    signerName: seal.name,
  };
}

function ofdPlacement(o: SignOptions): OfdPlacement {
  const unsupported = (what: string) =>
    badRequest('option_unsupported_for_ofd', `OFD 文件不支持${what}`, { detail: what });
  if (o.keyword) throw unsupported('关键字定位');
  if (o.field) throw unsupported('签名域');
  if (o.barcode) throw unsupported('二维码/条码');
  if (o.protection) throw unsupported('禁止打印/复制和文档保护');
  if (o.straddle && o.position) throw unsupported('在一次签章中同时加盖骑缝章和普通印章');
  if (o.straddle) return { straddle: o.straddle.side ?? 'right', every: o.straddle.every, y: o.straddle.y };
  const p = o.position!;
  if (o.pages === 'all') return { allPages: true, x: p.x, y: p.y };
  if (o.pages) return { pages: o.pages, x: p.x, y: p.y };
  return { page: p.page, x: p.x, y: p.y };
}

/** Why the use could not be taken in the transaction: the seal changed meanwhile, or the count ran out. */
async function refusal(kernel: Kernel, sealId: string, cert: { notBefore: Date; notAfter: Date } | null) {
  const row = await kernel.db
    .selectFrom('seal_seals')
    .select(['status', 'valid_from', 'valid_to'])
    .where('id', '=', sealId)
    .executeTakeFirstOrThrow();
  const reason = unusableReason(row as SealRow, cert);
  return reason ? unusableError(reason) : forbidden('authorization_exhausted', '该印章的授权使用次数已用完');
}

export async function signDocument(
  kernel: Kernel,
  principal: Principal,
  ip: string | null,
  req: SignRequest,
): Promise<SignResult> {
  const format = sniffFormat(req.buf);
  const seal = await loadSealForSigning(kernel, req.sealId);
  const cert = seal.cert_pem ? certificateSummary(seal.cert_pem) : null;
  const reason = unusableReason(seal, cert);
  if (reason) throw unusableError(reason);
  const authorizationIds = await assertMayUse(kernel.db, principal, seal.id);
  if (format === 'ofd' && seal.algorithm !== 'sm2') {
    throw badRequest('ofd_requires_sm2', 'OFD 签章须使用 SM2 密钥的印章（GB/T 38540）');
  }
  const signer = signerFor(kernel, seal.key);
  const png = await imagePng(kernel, { sha256: seal.image_sha256 });
  const size = { width: Number(seal.image_width_mm), height: Number(seal.image_height_mm) };
  const verifyCode = newVerifyCode();
  const now = new Date();

  let output: Buffer;
  try {
    if (format === 'pdf') {
      output = await signPdf(req.buf, {
        signer,
        image: png,
        imageSizeMm: size,
        signingTime: now,
        ...pdfOptions(kernel, seal, req.options, verifyCode),
      });
    } else {
      output = await signOfd(req.buf, {
        signer,
        sealImage: png,
        seal: {
          esID: seal.code ?? seal.id.replace(/-/g, '').slice(0, 20),
          name: seal.name,
          type: seal.type === 'legal_person' ? 2 : 1,
          widthMm: size.width,
          heightMm: size.height,
          validStart: seal.valid_from ?? undefined,
          validEnd: seal.valid_to ?? undefined,
        },
        placement: ofdPlacement(req.options),
        time: now,
      });
    }
  } catch (err) {
    throw engineError(err);
  }

  const fileName = safeFileName(req.fileName, format);
  const input = hashes(req.buf);
  const out = hashes(output);
  const clientId = clientIdOf(principal);
  const recordId = await kernel.db.transaction().execute(async (tx) => {
    const authorizationId = await consumeAuthorization(tx, authorizationIds);
    if (!authorizationId) return null;
    const row = await tx
      .insertInto('seal_records')
      .values({
        verify_code: verifyCode,
        seal_id: seal.id,
        authorization_id: authorizationId,
        format,
        file_name: fileName,
        input_size: req.buf.length,
        output_size: output.length,
        input_sha256: input.sha256,
        input_sm3: input.sm3,
        output_sha256: out.sha256,
        output_sm3: out.sm3,
        actor_type: clientId ? 'client' : 'user',
        actor_id: clientId ?? principal.userId,
        actor_name: principal.displayName,
        ip,
        batch_id: req.batchId ?? null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id as string;
  });
  if (!recordId) throw await refusal(kernel, seal.id, cert);
  return { output, format, fileName, recordId, verifyCode };
}

export function signedName(fileName: string, format: DocumentFormat): string {
  const stem = fileName.replace(/\.(pdf|ofd)$/i, '');
  return `${stem}-signed.${format}`;
}

export const MIME: Record<DocumentFormat, string> = { pdf: 'application/pdf', ofd: 'application/ofd' };

export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Records visible to the principal: all with seal-record:read, else their own. */
export function recordsQuery(
  kernel: Kernel,
  principal: Principal,
  filter: { sealId?: string; from?: string; to?: string; q?: string },
) {
  let q = kernel.db.selectFrom('seal_records as r').innerJoin('seal_seals as s', 's.id', 'r.seal_id');
  if (!principal.permissions.has('seal-record:read')) {
    q = q.where('r.actor_id', '=', clientIdOf(principal) ?? principal.userId);
  }
  if (filter.sealId) q = q.where('r.seal_id', '=', filter.sealId);
  if (filter.from) q = q.where('r.created_at', '>=', new Date(filter.from));
  if (filter.to) q = q.where('r.created_at', '<', new Date(filter.to));
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`;
    q = q.where((eb) =>
      eb.or([
        eb('r.file_name', 'ilike', like),
        eb('r.verify_code', '=', filter.q!.toUpperCase()),
        eb('r.actor_name', 'ilike', like),
      ]),
    );
  }
  return q;
}

export function recordView(r: Record<string, any>) {
  return {
    id: r.id,
    verifyCode: r.verify_code,
    sealId: r.seal_id,
    sealName: r.seal_name,
    format: r.format,
    fileName: r.file_name,
    inputSize: Number(r.input_size),
    outputSize: Number(r.output_size),
    inputSha256: r.input_sha256,
    inputSm3: r.input_sm3,
    outputSha256: r.output_sha256,
    outputSm3: r.output_sm3,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    ip: r.ip,
    batchId: r.batch_id,
    createdAt: r.created_at,
  };
}
