import { createHash, type Hash } from 'node:crypto';

/** Digest used in the CMS: SHA-256 with RSA keys, SM3 (杂凑算法) with SM2 keys. */
export type DigestAlgorithm = 'sha256' | 'sm3';

/** Streaming hasher (node's native SHA-256 / SM3 from OpenSSL) — feed ByteRange chunks. */
export function createHasher(alg: DigestAlgorithm | string): Hash {
  return createHash(alg);
}

export function digest(alg: DigestAlgorithm | string, ...chunks: Uint8Array[]): Buffer {
  const h = createHash(alg);
  for (const c of chunks) h.update(c);
  return h.digest();
}
