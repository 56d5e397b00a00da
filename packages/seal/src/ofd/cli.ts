/**
 * `jiyue-seal sign` / `verify` for .ofd files. Kept here so the PDF command line stays as it is:
 * the main CLI hands over any sign/verify whose file ends in .ofd.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { need, num, UsageError } from '../cli-args.js';
import { loadSigner } from '../crypto/index.js';
import type { OfdPlacement } from './placement.js';
import { signOfdDetailed } from './sign.js';
import { verifyOfd } from './verify.js';

export const OFD_USAGE = `  jiyue-seal sign --in a.ofd --out b.ofd --key k.pem --cert c.pem --image seal.png
      --seal-name 名称 --es-id 印章编码 [--seal-type 1] [--seal-until 2027-12-31] [--size-mm 42]
      [--maker-key m.pem --maker-cert m.pem]   (制章人; default: the signer)
      (--page 1 --x 120 --y 200 | --all-pages --x --y | --pages 2-5 --x --y | --straddle right [--every 10] [--y 100])
      [--protect-list]        (mm, OFD top-left origin; SM2 keys only)
  jiyue-seal verify b.ofd [--json] [--trust root.pem ...]
`;

export const isOfdFile = (path: string | undefined): boolean => !!path && /\.ofd$/i.test(path);

/** A usage mistake: exits 2 with the usage text, like the PDF commands. */
function usage(zh: string, en: string): Error {
  return new UsageError(`${zh} (${en})`);
}

const text = (path: string) => readFileSync(path, 'utf8');

function placementFrom(v: Record<string, string | boolean | undefined>): OfdPlacement {
  const size = {
    widthMm: num(v['size-mm'] as string, 'size-mm'),
    heightMm: num(v['size-mm'] as string, 'size-mm'),
  };
  if (v.straddle !== undefined) {
    if (v.straddle !== 'right' && v.straddle !== 'left')
      throw usage('--straddle 须为 right 或 left', '--straddle must be right or left');
    return {
      straddle: v.straddle,
      every: num(v.every as string, 'every'),
      y: num(v.y as string, 'y'),
      pages: v.pages as string | undefined,
      ...size,
    };
  }
  const x = num(need(v.x as string, 'x'), 'x') as number;
  const y = num(need(v.y as string, 'y'), 'y') as number;
  if (v['all-pages']) return { allPages: true, x, y, ...size };
  if (v.pages !== undefined) return { pages: v.pages as string, x, y, ...size };
  return { page: num((v.page as string) ?? '1', 'page') as number, x, y, ...size };
}

export async function ofdSignCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      cert: { type: 'string' },
      image: { type: 'string' },
      'seal-name': { type: 'string' },
      'es-id': { type: 'string' },
      'seal-type': { type: 'string' },
      'seal-until': { type: 'string' },
      'size-mm': { type: 'string' },
      'maker-key': { type: 'string' },
      'maker-cert': { type: 'string' },
      page: { type: 'string' },
      x: { type: 'string' },
      y: { type: 'string' },
      'all-pages': { type: 'boolean' },
      pages: { type: 'string' },
      straddle: { type: 'string' },
      every: { type: 'string' },
      'protect-list': { type: 'boolean' },
    },
  });
  const output = need(values.out, 'out');
  const signer = loadSigner({
    keyPem: text(need(values.key, 'key')),
    certPem: text(need(values.cert, 'cert')),
  });
  const maker =
    values['maker-key'] || values['maker-cert']
      ? loadSigner({
          keyPem: text(need(values['maker-key'], 'maker-key')),
          certPem: text(need(values['maker-cert'], 'maker-cert')),
        })
      : undefined;
  const until = values['seal-until'] ? new Date(values['seal-until']) : undefined;
  if (until && Number.isNaN(until.getTime()))
    throw usage('--seal-until 须为日期（如 2027-12-31）', '--seal-until must be a date');
  const result = await signOfdDetailed(readFileSync(need(values.in, 'in')), {
    signer,
    sealImage: readFileSync(need(values.image, 'image')),
    seal: {
      name: need(values['seal-name'], 'seal-name'),
      esID: need(values['es-id'], 'es-id'),
      type: num(values['seal-type'], 'seal-type'),
      validEnd: until,
      widthMm: num(values['size-mm'], 'size-mm'),
      heightMm: num(values['size-mm'], 'size-mm'),
      maker,
    },
    placement: placementFrom(values),
    protectSignatureList: values['protect-list'] === true,
  });
  // write-then-rename: a failed run never leaves a half-written output file
  const tmp = `${output}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, result.ofd);
    renameSync(tmp, output);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  process.stderr.write(
    `已签章 signed: ${output} (${result.signaturePath}, ${result.stampAnnots} 个签章外观 StampAnnot)\n`,
  );
}

/** Exit code 0 when every signature is valid, 3 otherwise (as for PDFs). */
export function ofdVerifyCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, trust: { type: 'string', multiple: true } },
  });
  const file = positionals[0];
  if (!file) throw usage('缺少要验证的 OFD 文件', 'missing the OFD to verify');
  const report = verifyOfd(readFileSync(file), { trustedCerts: values.trust?.map(text) });
  if (values.json) {
    const printable = JSON.stringify(
      report,
      (k, v) => (k === 'sealPicture' && v ? { ...v, data: `${v.data.length} bytes` } : v),
      2,
    );
    process.stdout.write(`${printable}\n`);
  } else {
    process.stdout.write(`${report.summary}\n`);
    for (const s of report.signatures) {
      process.stdout.write(
        `${s.valid ? '✔' : '✘'} 签章 ${s.id}  印章「${s.sealName ?? '?'}」(${s.esID ?? '?'})  ${s.signer?.subject ?? '?'}  ${s.algorithm ?? '?'}  ${s.signingTime?.toISOString() ?? ''}\n` +
          (s.valid ? '   有效\n' : s.reasons.map((r) => `   ${r}\n`).join('')) +
          s.warnings.map((w) => `   注意：${w}\n`).join(''),
      );
    }
  }
  return report.valid ? 0 : 3;
}
