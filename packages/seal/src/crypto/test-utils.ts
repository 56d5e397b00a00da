/** Helpers shared by the crypto tests: a temp dir, the openssl CLI, and a small CA. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateCertificateOptions, createCertificate } from './cert.js';
import { generateKeyPair, type KeyAlgorithm } from './keys.js';

export function tempDir(): { dir: string; file(name: string, data: string | Buffer): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'seal-crypto-'));
  return {
    dir,
    file(name, data) {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs openssl; returns { ok, out } instead of throwing so tests can assert failures too. */
export function openssl(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

export function opensslOut(args: string[]): Buffer {
  return execFileSync('openssl', args);
}

export interface TestPki {
  caKeyPem: string;
  caCertPem: string;
  keyPem: string;
  publicKeyPem: string;
  certPem: string;
}

/** A root CA and an end-entity certificate (印章持有单位) issued by it. */
export function makePki(
  alg: KeyAlgorithm,
  ee: Partial<Pick<CreateCertificateOptions, 'days' | 'notBefore' | 'extendedKeyUsage' | 'keyUsage'>> = {},
): TestPki {
  const ca = generateKeyPair(alg);
  const caCertPem = createCertificate({
    subject: { CN: `测试根证书 ${alg.toUpperCase()}`, O: '新乡市', C: 'CN' },
    ...ca,
    issuer: 'self',
    isCa: true,
    days: 3650,
  });
  const key = generateKeyPair(alg);
  const certPem = createCertificate({
    subject: { CN: '新乡市行政审批和政务信息管理局', O: '新乡市人民政府', OU: '电子印章', C: 'CN' },
    publicKeyPem: key.publicKeyPem,
    issuer: { keyPem: ca.privateKeyPem, certPem: caCertPem },
    days: 365,
    ...ee,
  });
  return { caKeyPem: ca.privateKeyPem, caCertPem, keyPem: key.privateKeyPem, publicKeyPem: key.publicKeyPem, certPem };
}
