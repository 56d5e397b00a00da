import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificate, generateKeyPair, signPdf, verifyPdf } from '../src/index.js';
import { hasTool, makeIdentity, pdfLibDoc, pdfsig, tempDir, testSeal } from './helpers.js';

const run = promisify(execFile);
const tmp = tempDir('seal-tsa-');
let server: Server;
let url = '';

/** A local RFC 3161 TSA: `openssl ts -reply` behind HTTP, with a timeStamping certificate. */
beforeAll(async () => {
  const key = generateKeyPair('rsa');
  const cert = createCertificate({
    subject: { CN: '测试时间戳服务', O: '新乡市', C: 'CN' },
    publicKeyPem: key.publicKeyPem,
    issuer: 'self',
    privateKeyPem: key.privateKeyPem,
    extendedKeyUsage: ['timeStamping'],
    keyUsage: ['digitalSignature', 'nonRepudiation'],
  } as Parameters<typeof createCertificate>[0]);
  await writeFile(tmp.path('tsa.crt'), cert);
  await writeFile(tmp.path('tsa.key'), key.privateKeyPem);
  await writeFile(tmp.path('serial'), '01\n');
  await writeFile(
    tmp.path('ts.cnf'),
    `[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ${tmp.path('serial')}\ncrypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.156.1.2.3\ndigests = sha256, sha384, sha512\naccuracy = secs:1\ness_cert_id_alg = sha256\n`,
  );
  let n = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const q = tmp.path(`q${++n}.tsq`);
        await writeFile(q, Buffer.concat(chunks));
        await run('openssl', [
          'ts',
          '-reply',
          '-config',
          tmp.path('ts.cnf'),
          '-queryfile',
          q,
          '-signer',
          tmp.path('tsa.crt'),
          '-inkey',
          tmp.path('tsa.key'),
          '-out',
          `${q}.tsr`,
        ]);
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(await readFile(`${q}.tsr`));
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

describe('RFC 3161 timestamp from a configured TSA', () => {
  it('embeds a signature timestamp token that the verifier reports (RSA and SM2)', async () => {
    const pdf = await pdfLibDoc(1);
    for (const alg of ['rsa', 'sm2'] as const) {
      const id = makeIdentity(alg);
      const signed = await signPdf(pdf, {
        signer: id.signer,
        image: await testSeal(),
        position: { page: 1, x: 60, y: 60 },
        timestampUrl: url,
      });
      const s = (await verifyPdf(signed)).signatures[0]!;
      expect(s.valid, s.reason.en).toBe(true);
      expect(s.timestamp?.valid).toBe(true);
      expect(Math.abs(Date.parse(s.timestamp!.time) - Date.now())).toBeLessThan(120_000);
      if (alg === 'rsa' && hasTool('pdfsig')) {
        const path = tmp.path('ts.pdf');
        await writeFile(path, signed);
        expect(pdfsig(path)).toMatch(/Signature is Valid/);
      }
    }
  });

  it('fails with a typed error and no output when the TSA is unreachable', async () => {
    const id = makeIdentity('rsa');
    const out = tmp.path('never.pdf');
    const err = await signPdf(await pdfLibDoc(1), {
      signer: id.signer,
      timestampUrl: 'http://127.0.0.1:9/nope',
      output: out,
    }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('tsa_failed');
    const { existsSync } = await import('node:fs');
    expect(existsSync(out)).toBe(false);
  });
});
