import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificate } from './cert.js';
import { addTimestampToCms, signatureValueOf, signCms, signCmsSync } from './cms.js';
import { parse } from './der.js';
import { digest } from './hash.js';
import { generateKeyPair, type KeyAlgorithm } from './keys.js';
import { loadSigner } from './signer.js';
import { makePki, openssl, tempDir } from './test-utils.js';
import { readTimestampToken, requestTimestamp } from './tsp.js';
import { verifyCms } from './verify.js';

const run = promisify(execFile);
const tmp = tempDir();

/** A tiny RFC 3161 TSA: `openssl ts -reply` behind an HTTP endpoint, with a CA-issued TSA certificate. */
const tsaPki = makePki('rsa');
const tsaKey = generateKeyPair('rsa');
const tsaCertPem = createCertificate({
  subject: { CN: '测试时间戳服务', O: '新乡市', C: 'CN' },
  publicKeyPem: tsaKey.publicKeyPem,
  issuer: { keyPem: tsaPki.caKeyPem, certPem: tsaPki.caCertPem },
  keyUsage: ['digitalSignature', 'nonRepudiation'],
  extendedKeyUsage: ['timeStamping'],
});
const tsaCert = tmp.file('tsa.crt', tsaCertPem);
const tsaKeyPath = tmp.file('tsa.key', tsaKey.privateKeyPem);
const tsaCaPath = tmp.file('tsa-ca.crt', tsaPki.caCertPem);
tmp.file('serial', '01\n');
const config = tmp.file(
  'ts.cnf',
  `[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = ${tmp.dir}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.156.1.2.3
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_alg = sha256
`,
);

let server: Server;
let base = '';
let requests = 0;

async function reply(queryFile: string): Promise<Buffer> {
  const out = `${queryFile}.tsr`;
  await run('openssl', [
    'ts',
    '-reply',
    '-config',
    config,
    '-queryfile',
    queryFile,
    '-signer',
    tsaCert,
    '-inkey',
    tsaKeyPath,
    '-out',
    out,
  ]);
  return readFile(out);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      requests++;
      try {
        if (req.url === '/down' || req.url?.startsWith('/nonexistent')) throw new Error('down');
        if (req.url === '/garbage') return res.writeHead(200).end(Buffer.from('<html>not a TSA</html>'));
        let query = tmp.file(`q${requests}.tsq`, Buffer.concat(chunks));
        if (req.url === '/other') {
          // answers a different question: a token over some other data
          query = `${tmp.dir}/other${requests}.tsq`;
          await run('openssl', ['ts', '-query', '-data', config, '-sha256', '-cert', '-out', query]);
        }
        const body = await reply(query);
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body);
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

describe.each(['rsa', 'sm2'] as KeyAlgorithm[])('%s signature with an RFC 3161 timestamp', (alg) => {
  const pki = makePki(alg);
  const signer = loadSigner({ keyPem: pki.keyPem, certPem: pki.certPem, chainPem: pki.caCertPem });
  const content = Buffer.from('timestamped content');
  const contentDigest = digest(signer.digestAlgorithm, content);

  it('carries id-aa-signatureTimeStampToken that verifies (ours and openssl ts -verify)', async () => {
    const before = Date.now();
    const cms = await signCms({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached', timestampUrl: `${base}/tsa` });
    const r = verifyCms(cms, { contentDigest, trustedCerts: [pki.caCertPem, tsaPki.caCertPem] });
    expect(r).toMatchObject({ valid: true, trusted: true, code: 'ok' });
    expect(r.timestamp?.valid).toBe(true);
    expect(r.timestamp?.tsa).toContain('CN=测试时间戳服务');
    expect(Math.abs((r.timestamp?.time.getTime() ?? 0) - before)).toBeLessThan(10_000);

    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', tmp.file(`${alg}-ts.p7s`, cms)]).out;
    expect(printed).toContain('id-smime-aa-timeStampToken (1.2.840.113549.1.9.16.2.14)');
    // openssl checks the token against the signature value and the TSA chain
    const signature = signatureValueOf(cms);
    const token = tokenOf(cms);
    const v = openssl([
      'ts',
      '-verify',
      '-in',
      tmp.file(`${alg}.tst`, token),
      '-token_in',
      '-data',
      tmp.file(`${alg}.sig`, signature),
      '-CAfile',
      tsaCaPath,
      '-untrusted',
      tsaCert,
    ]);
    expect(v.out).toContain('Verification: OK');
    if (alg === 'rsa') {
      const ok = openssl([
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        `${tmp.dir}/${alg}-ts.p7s`,
        '-content',
        tmp.file('c.bin', content),
        '-noverify',
        '-out',
        '/dev/null',
      ]);
      expect(ok.out).toContain('Verification successful');
    }
  });

  it('the timestamp is the validation time: an expired certificate was valid when stamped', async () => {
    const stamped = await signCms({
      signer,
      contentDigest,
      subFilter: 'ETSI.CAdES.detached',
      timestampUrl: `${base}/tsa`,
    });
    expect(verifyCms(stamped, { contentDigest, at: new Date(Date.now() + 800 * 86_400_000) }).valid).toBe(true);
    const unstamped = signCmsSync({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached' });
    expect(verifyCms(unstamped, { contentDigest, at: new Date(Date.now() + 800 * 86_400_000) }).code).toBe(
      'cert_expired',
    );
  });

  it('a token added later (addTimestampToCms) verifies; a token for another signature does not', async () => {
    const cms = signCmsSync({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached' });
    const token = await requestTimestamp(`${base}/tsa`, signatureValueOf(cms));
    const withToken = addTimestampToCms(cms, token);
    expect(verifyCms(withToken, { contentDigest }).timestamp?.valid).toBe(true);
    // RSA PKCS#1 v1.5 is deterministic, so the other signature must be over other content
    const otherDigest = digest(signer.digestAlgorithm, Buffer.from('other content'));
    const otherCms = signCmsSync({ signer, contentDigest: otherDigest, subFilter: 'ETSI.CAdES.detached' });
    const wrong = verifyCms(addTimestampToCms(otherCms, token), { contentDigest: otherDigest });
    expect(wrong).toMatchObject({ valid: false, code: 'timestamp_invalid' });
    expect(wrong.reason.zh).toBe('时间戳无效');
  });
});

describe('TSA failures are clear errors', () => {
  const sig = Buffer.from('signature value');
  it.each([
    ['/down', /HTTP 500/],
    ['/garbage', /malformed TimeStampResp/],
    ['/other', /does not timestamp our signature value/],
    ['/nonexistent-path-answers-500', /HTTP 500/],
  ])('%s', async (path, message) => {
    await expect(requestTimestamp(`${base}${path}`, sig)).rejects.toMatchObject({ code: 'tsa_failed', message });
  });
  it('unreachable TSA', async () => {
    await expect(requestTimestamp('http://127.0.0.1:1/tsa', sig, { timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'tsa_failed',
      zh: expect.stringContaining('无法连接'),
    });
  });
  it('the token answers our request', async () => {
    const token = await requestTimestamp(`${base}/tsa`, sig);
    const info = readTimestampToken(token);
    expect(info.hashAlgorithm).toBe('sha256');
    expect(info.hashedMessage.equals(digest('sha256', sig))).toBe(true);
    expect(info.policy).toBe('1.2.156.1.2.3');
  });
});

function tokenOf(cms: Buffer): Buffer {
  const signedData = parse(cms).children[1].children[0];
  const signerInfo = signedData.children[signedData.children.length - 1].children[0];
  const unsigned = signerInfo.children.find((c) => c.tag === 0xa1);
  return Buffer.from(unsigned?.children[0].children[1].children[0].raw ?? Buffer.alloc(0));
}
