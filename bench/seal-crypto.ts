/**
 * Micro-benchmark of the seal engine's CMS signing (no PDF work): one CMS SignedData per iteration
 * for a fresh content digest, RSA-2048 and SM2. Run: `node --import tsx bench/seal-crypto.ts`.
 * The last line printed is one JSON object.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import smCrypto from 'sm-crypto';
import {
  createCertificate,
  digest,
  generateKeyPair,
  type KeyAlgorithm,
  loadSigner,
  signCmsSync,
  verifyCms,
} from '../packages/seal/src/crypto/index.js';

interface Pki {
  keyPem: string;
  certPem: string;
}

function makePki(alg: KeyAlgorithm): Pki {
  const keys = generateKeyPair(alg);
  const certPem = createCertificate({ subject: { CN: `bench ${alg}`, O: '新乡市', C: 'CN' }, ...keys, issuer: 'self' });
  return { keyPem: keys.privateKeyPem, certPem };
}

/** Runs `fn` repeatedly for `ms` milliseconds (after a short warm-up); returns operations per second. */
function rate(fn: (i: number) => void, ms = 2000): number {
  for (let i = 0; i < 50; i++) fn(i);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let k = 0; k < 20; k++) fn(n++);
  }
  return Math.round((n * 1000) / (performance.now() - start));
}

function cmsRate(pki: Pki, ms: number): number {
  const signer = loadSigner(pki);
  const seed = Buffer.alloc(8);
  return rate((i) => {
    seed.writeUInt32LE(i);
    signCmsSync({ signer, contentDigest: digest(signer.digestAlgorithm, seed), subFilter: 'ETSI.CAdES.detached' });
  }, ms);
}

function allCores(pkis: Record<KeyAlgorithm, Pki>, alg: KeyAlgorithm, ms: number): Promise<number> {
  const workers = availableParallelism();
  return Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<number>((resolve, reject) => {
          // Workers do not inherit tsx's loader hooks on Node 20: register them before importing this file.
          const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
          const w = new Worker(boot, { eval: true, workerData: { pki: pkis[alg], ms } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  ).then((rates) => rates.reduce((a, b) => a + b, 0));
}

if (!isMainThread) {
  const { pki, ms } = workerData as { pki: Pki; ms: number };
  parentPort?.postMessage(cmsRate(pki, ms));
} else {
  const pkis = { rsa: makePki('rsa'), sm2: makePki('sm2') };
  const sm2Signer = loadSigner(pkis.sm2);
  const d = digest('sm3', Buffer.from('x'));
  const cms = signCmsSync({ signer: sm2Signer, contentDigest: d, subFilter: 'ETSI.CAdES.detached' });
  const smPair = smCrypto.sm2.generateKeyPairHex();
  const msg = Buffer.alloc(300, 1);

  const result = {
    rsaSignsPerSec: cmsRate(pkis.rsa, 3000),
    sm2SignsPerSec: cmsRate(pkis.sm2, 3000),
    rsaSignsPerSecAllCores: await allCores(pkis, 'rsa', 3000),
    sm2SignsPerSecAllCores: await allCores(pkis, 'sm2', 3000),
    sm2VerifiesPerSec: rate(() => verifyCms(cms, { contentDigest: d }), 2000),
    smCryptoSm2SignsPerSec: rate(
      () => smCrypto.sm2.doSignature(msg, smPair.privateKey, { der: true, hash: true, publicKey: smPair.publicKey }),
      2000,
    ),
    cores: availableParallelism(),
    node: process.version,
  };
  console.log(JSON.stringify(result));
}
