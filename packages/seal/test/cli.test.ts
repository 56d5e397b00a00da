import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool, pdfLibDoc, pdfsig, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/jiyue-seal.mjs', import.meta.url));
const tmp = tempDir('seal-cli-');
const p = tmp.path;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  writeFileSync(p('a.pdf'), await pdfLibDoc(12));
});
afterAll(() => tmp.cleanup());

describe('jiyue-seal CLI', () => {
  it('keygen → cert (development CA) → image → sign → verify --json, for RSA and SM2', { timeout: 120_000 }, () => {
    for (const alg of ['rsa', 'sm2']) {
      expect(cli('keygen', '--alg', alg, '--out', p(`ca-${alg}.key`)).code).toBe(0);
      expect(
        cli('cert', '--ca', '--key', p(`ca-${alg}.key`), '--cn', '开发测试CA', '--out', p(`ca-${alg}.pem`)).code,
      ).toBe(0);
      expect(cli('keygen', '--alg', alg, '--out', p(`${alg}.key`)).code).toBe(0);
      const issued = cli(
        'cert',
        '--issuer-cert',
        p(`ca-${alg}.pem`),
        '--issuer-key',
        p(`ca-${alg}.key`),
        '--key',
        p(`${alg}.key`),
        '--cn',
        '新乡市行政审批和政务信息管理局',
        '--org',
        '新乡市',
        '--out',
        p(`${alg}.pem`),
      );
      expect(issued.code, issued.err).toBe(0);
    }
    const img = cli('image', '--type', 'round', '--name', '新乡市行政审批和政务信息管理局', '--out', p('seal.png'));
    expect(img.code, img.err).toBe(0);

    const signed = cli(
      'sign',
      '--in',
      p('a.pdf'),
      '--out',
      p('b.pdf'),
      '--key',
      p('rsa.key'),
      '--cert',
      p('rsa.pem'),
      '--chain',
      p('ca-rsa.pem'),
      '--image',
      p('seal.png'),
      '--page',
      '1',
      '--x',
      '120',
      '--y',
      '60',
      '--unit',
      'mm',
    );
    expect(signed.code, signed.err).toBe(0);
    const multi = cli(
      'sign',
      '--in',
      p('b.pdf'),
      '--out',
      p('c.pdf'),
      '--key',
      p('sm2.key'),
      '--cert',
      p('sm2.pem'),
      '--image',
      p('seal.png'),
      '--page',
      '1',
      '--x',
      '60',
      '--y',
      '200',
      '--pages',
      '2-9',
      '--barcode',
      'qr:https://example.gov.cn/v?sn={serial}@1,30,30',
    );
    expect(multi.code, multi.err).toBe(0);
    const straddle = cli(
      'sign',
      '--in',
      p('c.pdf'),
      '--out',
      p('d.pdf'),
      '--key',
      p('rsa.key'),
      '--cert',
      p('rsa.pem'),
      '--image',
      p('seal.png'),
      '--straddle',
      'right',
      '--every',
      '5',
    );
    expect(straddle.code, straddle.err).toBe(0);

    writeFileSync(
      p('fields.json'),
      JSON.stringify([
        { name: 'Applicant', page: 1, x: 50, y: 250, width: 40, height: 40 },
        { name: 'Office', relativeTo: 'Applicant', placement: 'right', gap: 10, width: 40, height: 40 },
      ]),
    );
    const f = cli('fields', '--in', p('d.pdf'), '--out', p('e.pdf'), '--spec', p('fields.json'));
    expect(f.code, f.err).toBe(0);
    const intoField = cli(
      'sign',
      '--in',
      p('e.pdf'),
      '--out',
      p('f.pdf'),
      '--key',
      p('sm2.key'),
      '--cert',
      p('sm2.pem'),
      '--image',
      p('seal.png'),
      '--field',
      'Office',
    );
    expect(intoField.code, intoField.err).toBe(0);

    const v = cli('verify', p('f.pdf'), '--json', '--trust', p('ca-rsa.pem'), '--trust', p('ca-sm2.pem'));
    expect(v.code, v.err).toBe(0);
    const report = JSON.parse(v.out);
    expect(
      report.signatures.map((s: { algorithm: string; valid: boolean; trusted: boolean }) => [
        s.algorithm,
        s.valid,
        s.trusted,
      ]),
    ).toEqual([
      ['rsa', true, true],
      ['sm2', true, true],
      ['rsa', true, true],
      ['sm2', true, true],
    ]);
    expect(report.signatures[0].signer).toBe('新乡市行政审批和政务信息管理局');
    expect(report.signatures[3].fieldName).toBe('Office');
    if (hasTool('pdfsig')) expect(pdfsig(p('b.pdf'))).toMatch(/Signature is Valid/);
    const text = cli('verify', p('d.pdf'));
    expect(text.out).toMatch(/签名有效/);
  });

  it('errors go to stderr with a non-zero exit and no output file', () => {
    writeFileSync(p('bad.pdf'), '%PDF-1.7\ngarbage without xref');
    const before = readdirSync(tmp.dir).length;
    const r = cli(
      'sign',
      '--in',
      p('bad.pdf'),
      '--out',
      p('never.pdf'),
      '--key',
      p('rsa.key'),
      '--cert',
      p('rsa.pem'),
      '--image',
      p('seal.png'),
      '--page',
      '1',
      '--x',
      '10',
      '--y',
      '10',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pdf_truncated|pdf_xref_corrupt/);
    expect(r.out).toBe('');
    expect(existsSync(p('never.pdf'))).toBe(false);
    expect(readdirSync(tmp.dir).length).toBe(before);

    const usage = cli('sign', '--in', p('a.pdf'), '--out', p('never.pdf'));
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--key/);
    expect(cli('frobnicate').code).toBe(2);
    const missing = cli('verify', p('nope.pdf'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/seal_io_failed/);
    expect(existsSync(p('never.pdf'))).toBe(false);
  });
});
