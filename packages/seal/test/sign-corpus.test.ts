import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPdf, verifyPdf } from '../src/index.js';
import {
  buildCorpus,
  type CorpusFile,
  hasTool,
  makeIdentity,
  mutoolVerify,
  pdfsig,
  type TestIdentity,
  tempDir,
  testSeal,
} from './helpers.js';

const tmp = tempDir();
let corpus: CorpusFile[] = [];
let rsa: TestIdentity;
let sm2: TestIdentity;
let seal: Buffer;

beforeAll(async () => {
  const built = await buildCorpus(tmp.dir);
  corpus = built.files;
  if (built.skipped.length) console.warn(`corpus parts skipped: ${built.skipped.join('; ')}`);
  rsa = makeIdentity('rsa');
  sm2 = makeIdentity('sm2');
  seal = await testSeal();
});
afterAll(() => tmp.cleanup());

describe('signing a corpus of PDFs from several producers', () => {
  it('builds the full corpus (producers present on this machine)', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(3);
    if (hasTool('qpdf') && hasTool('mutool') && hasTool('soffice') && hasTool('chromium'))
      expect(corpus.length).toBe(13);
  });

  it('signs every file twice (RSA then SM2); both signatures verify and the original bytes are kept', async () => {
    for (const [i, f] of corpus.entries()) {
      const once = await signPdf(f.pdf, {
        signer: rsa.signer,
        image: seal,
        position: { page: 1, x: 120, y: 60 },
        reason: '测试',
      });
      expect(once.subarray(0, f.pdf.length).equals(f.pdf), f.name).toBe(true);
      const twice = await signPdf(once, { signer: sm2.signer, image: seal, position: { page: 1, x: 60, y: 120 } });
      expect(twice.subarray(0, once.length).equals(once), f.name).toBe(true);

      const report = await verifyPdf(twice, { trustedCerts: [rsa.caCertPem, sm2.caCertPem] });
      expect(
        report.signatures.map((s) => [s.algorithm, s.valid, s.trusted]),
        f.name,
      ).toEqual([
        ['rsa', true, true],
        ['sm2', true, true],
      ]);
      const [first, second] = report.signatures;
      expect(first!.modifiedAfter && first!.changesAllowed, f.name).toBe(true);
      expect(
        first!.changes.every((c) => c.kind === 'signature'),
        f.name,
      ).toBe(true);
      expect(second!.coversWholeFile, f.name).toBe(true);
      expect(first!.chain.length, f.name).toBe(2);

      if (hasTool('qpdf')) {
        const path = tmp.path(`corpus-${i}.pdf`);
        writeFileSync(path, twice);
        const check = spawnSync('qpdf', ['--check', path], { encoding: 'utf8' });
        expect(check.status === 0 || check.status === 3, `${f.name}: ${check.stdout}${check.stderr}`).toBe(true);
      }
    }
  });

  it.runIf(hasTool('pdfsig') && hasTool('mutool'))('pdfsig and mutool report every RSA signature valid', async () => {
    for (const [i, f] of corpus.entries()) {
      const once = await signPdf(f.pdf, { signer: rsa.signer, image: seal, position: { page: 1, x: 100, y: 80 } });
      const twice = await signPdf(once, {
        signer: rsa.signer,
        subFilter: 'adbe.pkcs7.detached',
        image: seal,
        position: { page: 1, x: 60, y: 60 },
      });
      const path = tmp.path(`rsa-${i}.pdf`);
      writeFileSync(path, twice);
      const out = pdfsig(path);
      expect(out.match(/Signature Validation: Signature is Valid\./g)?.length, `${f.name}\n${out}`).toBe(2);
      const mu = mutoolVerify(path);
      expect(mu.match(/Verifying signature/g)?.length ?? 0, `${f.name}\n${mu}`).toBe(2);
      expect(mu, f.name).not.toMatch(/signature is (in|not )valid|Digest error|not signed/i);
    }
  });
});
