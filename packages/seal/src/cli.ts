import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { need, num, UsageError } from './cli-args.js';
import {
  addSignatureFields,
  type BarcodeSpec,
  type BarcodeType,
  createCertificate,
  type EmptyFieldSpec,
  generateKeyPair,
  generateSealImage,
  loadSigner,
  SealError,
  type SealType,
  SerialNumberGenerator,
  type SignPdfOptions,
  type SubFilter,
  signPdfDetailed,
  type Unit,
  verifyPdf,
} from './index.js';
import { isOfdFile, OFD_USAGE, ofdSignCommand, ofdVerifyCommand } from './ofd/cli.js';

const USAGE = `jiyue-seal — 电子印章 (electronic seal) tool

  jiyue-seal keygen --alg sm2|rsa [--out key.pem] [--pub pub.pem]
  jiyue-seal cert (--self-signed | --ca | --issuer-cert ca.pem --issuer-key ca.key) --key key.pem
                  --cn NAME [--org ORG] [--ou UNIT] [--days 365] [--out cert.pem]
  jiyue-seal image --type round|oval|square --name NAME [--bottom-text T] [--code C] [--size-mm 42]
                   [--color #e60012] [--out seal.png]
  jiyue-seal sign --in a.pdf --out b.pdf --key k.pem --cert c.pem [--chain ca.pem] [--image seal.png]
                  (--page 1 --x 120 --y 60 [--unit mm|pt] [--origin top-left|bottom-left]
                   | --keyword 新乡市 [--occurrence 1|all] | --field Sig1)
                  [--all-pages | --pages 2-9] [--straddle right|left [--every 10] [--y 100]]
                  [--barcode qr:TEXT@page,x,y ...] [--serial-prefix JY] [--size-mm 42]
                  [--reason R] [--location L] [--certify 1|2|3] [--subfilter cades|pkcs7] [--tsa URL]
                  [--no-print] [--no-copy] [--owner-password P]
  jiyue-seal fields --in a.pdf --out b.pdf --spec fields.json     (empty signature fields; see docs/seal.md)
  jiyue-seal verify b.pdf [--json] [--trust root.pem ...]

Coordinates: (x, y) is the centre of the seal, measured from the top-left corner of the page
(--origin bottom-left for PDF user space), in millimetres (--unit pt for points).
${OFD_USAGE}`;

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new SealError('seal_io_failed', `无法读取文件 ${path}`, `cannot read file ${path}`);
  }
}

function emit(text: string | Buffer, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

async function keygen(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { alg: { type: 'string' }, out: { type: 'string' }, pub: { type: 'string' } },
  });
  const alg = need(values.alg, 'alg');
  if (alg !== 'sm2' && alg !== 'rsa') throw new UsageError(`--alg 须为 sm2 或 rsa (--alg must be sm2 or rsa): ${alg}`);
  const kp = generateKeyPair(alg);
  emit(kp.privateKeyPem, values.out);
  if (values.pub) writeFileSync(values.pub, kp.publicKeyPem);
}

async function cert(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'self-signed': { type: 'boolean' },
      ca: { type: 'boolean' },
      'issuer-cert': { type: 'string' },
      'issuer-key': { type: 'string' },
      key: { type: 'string' },
      cn: { type: 'string' },
      org: { type: 'string' },
      ou: { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const keyPem = read(need(values.key, 'key')).toString('utf8');
  const publicKeyPem = createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString();
  const issued = values['issuer-cert'] !== undefined || values['issuer-key'] !== undefined;
  if (!values['self-signed'] && !values.ca && !issued)
    throw new UsageError(
      '须指定 --self-signed、--ca 或 --issuer-cert/--issuer-key (choose --self-signed, --ca or --issuer-cert/--issuer-key)',
    );
  const subject = { CN: need(values.cn, 'cn'), O: values.org, OU: values.ou, C: 'CN' };
  const pem = createCertificate({
    subject,
    publicKeyPem,
    ...(issued
      ? {
          issuer: {
            keyPem: read(need(values['issuer-key'], 'issuer-key')).toString('utf8'),
            certPem: read(need(values['issuer-cert'], 'issuer-cert')).toString('utf8'),
          },
        }
      : { issuer: 'self' as const, privateKeyPem: keyPem }),
    days: num(values.days, 'days') ?? (values.ca ? 3650 : 365),
    isCa: Boolean(values.ca),
    keyUsage: values.ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ['digitalSignature', 'nonRepudiation'],
  } as Parameters<typeof createCertificate>[0]);
  emit(pem, values.out);
}

async function image(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      type: { type: 'string' },
      name: { type: 'string' },
      'bottom-text': { type: 'string' },
      code: { type: 'string' },
      'size-mm': { type: 'string' },
      color: { type: 'string' },
      dpi: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const img = await generateSealImage({
    type: (values.type ?? 'round') as SealType,
    name: need(values.name, 'name'),
    bottomText: values['bottom-text'],
    code: values.code,
    color: values.color,
    sizeMm: num(values['size-mm'], 'size-mm'),
    dpi: num(values.dpi, 'dpi'),
  });
  emit(img.png, values.out);
}

/** "qr:TEXT@page,x,y" — the last "@" separates the text from the position. */
function parseBarcode(spec: string, unit: Unit): BarcodeSpec {
  const m = /^(qr|pdf417|code128|code39):(.+)@(\d+),(-?[\d.]+),(-?[\d.]+)$/i.exec(spec);
  if (!m) throw new UsageError(`--barcode 格式应为 类型:内容@页,x,y (expected type:TEXT@page,x,y): ${spec}`);
  return {
    type: m[1]!.toLowerCase() as BarcodeType,
    text: m[2]!,
    page: Number(m[3]),
    x: Number(m[4]),
    y: Number(m[5]),
    unit,
  };
}

async function sign(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      cert: { type: 'string' },
      chain: { type: 'string', multiple: true },
      p12: { type: 'string' },
      password: { type: 'string' },
      image: { type: 'string' },
      'size-mm': { type: 'string' },
      page: { type: 'string' },
      x: { type: 'string' },
      y: { type: 'string' },
      unit: { type: 'string' },
      origin: { type: 'string' },
      keyword: { type: 'string' },
      occurrence: { type: 'string' },
      field: { type: 'string' },
      'field-name': { type: 'string' },
      'all-pages': { type: 'boolean' },
      pages: { type: 'string' },
      straddle: { type: 'string' },
      every: { type: 'string' },
      barcode: { type: 'string', multiple: true },
      'serial-prefix': { type: 'string' },
      reason: { type: 'string' },
      location: { type: 'string' },
      certify: { type: 'string' },
      subfilter: { type: 'string' },
      tsa: { type: 'string' },
      'no-print': { type: 'boolean' },
      'no-copy': { type: 'boolean' },
      'owner-password': { type: 'string' },
    },
  });
  const input = need(values.in, 'in');
  const output = need(values.out, 'out');
  const unit = (values.unit ?? 'mm') as Unit;
  if (unit !== 'mm' && unit !== 'pt') throw new UsageError(`--unit 须为 mm 或 pt (--unit must be mm or pt): ${unit}`);
  const origin = values.origin as SignPdfOptions['position'] extends infer P
    ? P extends { origin?: infer O }
      ? O
      : never
    : never;
  if (origin !== undefined && origin !== 'top-left' && origin !== 'bottom-left')
    throw new UsageError('--origin 须为 top-left 或 bottom-left');
  const signer = values.p12
    ? loadSigner({
        p12: read(values.p12),
        password: values.password ?? '',
        chainPem: values.chain?.map((c) => read(c).toString('utf8')),
      })
    : loadSigner({
        keyPem: read(need(values.key, 'key')).toString('utf8'),
        certPem: read(need(values.cert, 'cert')).toString('utf8'),
        chainPem: values.chain?.map((c) => read(c).toString('utf8')),
      });
  const subFilter: SubFilter | undefined =
    values.subfilter === undefined
      ? undefined
      : values.subfilter === 'pkcs7'
        ? 'adbe.pkcs7.detached'
        : values.subfilter === 'cades'
          ? 'ETSI.CAdES.detached'
          : undefined;
  if (values.subfilter !== undefined && !subFilter) throw new UsageError('--subfilter 须为 cades 或 pkcs7');
  const opts: SignPdfOptions = {
    signer,
    subFilter,
    image: values.image ? read(values.image) : undefined,
    imageSizeMm: values['size-mm'] ? { width: num(values['size-mm'], 'size-mm') } : undefined,
    fieldName: values['field-name'],
    reason: values.reason,
    location: values.location,
    timestampUrl: values.tsa,
    output,
  };
  // --y alone with --straddle is the straddle seal's height, not a position
  const straddleOnlyY = values.straddle !== undefined && values.page === undefined && values.x === undefined;
  if (!straddleOnlyY && (values.page !== undefined || values.x !== undefined || values.y !== undefined)) {
    opts.position = {
      page: num(values.page ?? '1', 'page')!,
      x: num(need(values.x, 'x'), 'x')!,
      y: num(need(values.y, 'y'), 'y')!,
      unit,
      origin,
    };
  }
  if (values.keyword !== undefined) {
    const occ = values.occurrence ?? '1';
    opts.keyword = { text: values.keyword, occurrence: occ === 'all' ? 'all' : num(occ, 'occurrence') };
  }
  if (values.field !== undefined) opts.field = values.field;
  if (values['all-pages']) opts.pages = 'all';
  else if (values.pages !== undefined) opts.pages = values.pages;
  if (opts.pages !== undefined && !opts.position)
    throw new UsageError('--all-pages/--pages 需要 --x --y 指定位置 (need --x --y)');
  if (values.straddle !== undefined) {
    if (values.straddle !== 'right' && values.straddle !== 'left')
      throw new UsageError('--straddle 须为 right 或 left');
    opts.straddle = { side: values.straddle, every: num(values.every, 'every'), y: num(values.y, 'y'), unit, origin };
  }
  if (values['no-print'] || values['no-copy']) {
    opts.permissions = {
      print: !values['no-print'],
      copy: !values['no-copy'],
      ownerPassword: values['owner-password'],
    };
  }
  if (values.certify !== undefined) opts.certify = num(values.certify, 'certify') as 1 | 2 | 3;
  if (values.barcode?.length) {
    opts.barcodes = values.barcode.map((b) => parseBarcode(b, unit));
    opts.serial = new SerialNumberGenerator({ prefix: values['serial-prefix'] ?? 'JY' }).next();
  }
  if (!opts.position && !opts.keyword && !opts.field && !opts.straddle && !opts.barcodes) {
    throw new UsageError('须指定位置：--page/--x/--y、--keyword、--field 或 --straddle (choose where to sign)');
  }
  const r = await signPdfDetailed({ path: input }, opts);
  process.stderr.write(`已签章 signed: ${output} (field ${r.fieldName}, ${r.widgets} widget(s))\n`);
}

/** Empty signature fields from a JSON array of EmptyFieldSpec (absolute or relative placement). */
async function fields(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { in: { type: 'string' }, out: { type: 'string' }, spec: { type: 'string' } },
  });
  const input = need(values.in, 'in');
  const output = need(values.out, 'out');
  let specs: EmptyFieldSpec[];
  try {
    specs = JSON.parse(read(need(values.spec, 'spec')).toString('utf8'));
  } catch (e) {
    if (e instanceof SealError) throw e;
    throw new UsageError(`--spec 须为 JSON 数组 (--spec must be a JSON array): ${(e as Error).message}`);
  }
  const r = await addSignatureFields({ path: input }, specs, { output });
  process.stderr.write(`已添加签名域 added fields: ${r.fields.map((f) => `${f.name}@${f.page}`).join(', ')}\n`);
}

async function verify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, trust: { type: 'string', multiple: true } },
  });
  const file = positionals[0];
  if (!file) throw new UsageError('缺少要验证的 PDF 文件 (missing the PDF to verify)');
  const report = await verifyPdf({ path: file }, { trustedCerts: values.trust?.map((t) => read(t).toString('utf8')) });
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    if (report.signatures.length === 0) process.stdout.write('文档中没有签名 (no signatures)\n');
    for (const s of report.signatures) {
      process.stdout.write(
        `${s.valid ? '✔' : '✘'} ${s.fieldName}  ${s.signer ?? '?'}  ${s.algorithm}/${s.digestAlgorithm}  ${s.signingTime ?? ''}\n` +
          `   ${s.reason.zh} — ${s.reason.en}\n   revision ${s.revision}, byte range [${s.byteRange.join(' ')}], whole file: ${s.coversWholeFile}\n`,
      );
    }
  }
  return report.valid ? 0 : 3;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'keygen':
        await keygen(rest);
        return 0;
      case 'cert':
        await cert(rest);
        return 0;
      case 'image':
        await image(rest);
        return 0;
      case 'sign':
        if (isOfdFile(rest[rest.indexOf('--in') + 1])) {
          await ofdSignCommand(rest);
          return 0;
        }
        await sign(rest);
        return 0;
      case 'fields':
        await fields(rest);
        return 0;
      case 'verify':
        if (rest.some(isOfdFile)) return await ofdVerifyCommand(rest);
        return await verify(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`未知命令 unknown command: ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`用法错误 usage error: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const err = e as { code?: string; message?: string; zh?: string };
    process.stderr.write(`错误 error${err.code ? ` [${err.code}]` : ''}: ${err.message ?? String(e)}\n`);
    return 1;
  }
}
