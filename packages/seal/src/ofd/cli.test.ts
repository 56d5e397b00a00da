import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../cli-args.js';
import { makePki } from '../crypto/test-utils.js';
import { SealError } from '../pdf/errors.js';
import { isOfdFile, ofdSignCommand, ofdVerifyCommand } from './cli.js';
import { buildTestOfd, testSealPng } from './test-ofd.js';

const dir = mkdtempSync(join(tmpdir(), 'ofd-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};

describe('OFD command line', () => {
  it('signs with a straddle seal, verifies (exit 0), and exits 3 after tampering', async () => {
    const pki = makePki('sm2');
    const args = [
      '--in',
      file('in.ofd', buildTestOfd(3)),
      '--key',
      file('k.pem', pki.keyPem),
      '--cert',
      file('c.pem', pki.certPem),
      '--image',
      file('seal.png', await testSealPng()),
      '--seal-name',
      '新乡市行政审批和政务信息管理局',
      '--es-id',
      '4107000000001',
    ];
    const out = join(dir, 'out.ofd');
    await ofdSignCommand([...args, '--out', out, '--straddle', 'right']);
    expect(ofdVerifyCommand([out])).toBe(0);
    expect(ofdVerifyCommand([out, '--json', '--trust', file('ca.pem', pki.caCertPem)])).toBe(0);

    const files = unzipSync(readFileSync(out));
    (files['Doc_0/Document.xml'] as Uint8Array)[60] ^= 1;
    expect(ofdVerifyCommand([file('tampered.ofd', Buffer.from(zipSync(files)))])).toBe(3);

    const failed = join(dir, 'never.ofd');
    await expect(
      ofdSignCommand([...args, '--out', failed, '--page', '9', '--x', '1', '--y', '1']),
    ).rejects.toBeInstanceOf(SealError);
    // A usage mistake is the same UsageError as in the PDF commands (exit 2 with the usage text).
    await expect(ofdSignCommand([...args, '--out', failed])).rejects.toBeInstanceOf(UsageError);
    await expect(ofdSignCommand([...args, '--out', failed])).rejects.toThrow(/--x/);
    expect(existsSync(failed)).toBe(false);
    expect(isOfdFile('a.OFD')).toBe(true);
    expect(isOfdFile('a.pdf')).toBe(false);
  });
});
