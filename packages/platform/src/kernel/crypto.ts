import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** SM3 digest (GB/T 32905) as lowercase hex. */
export function sm3(data: string | Buffer | Uint8Array): string {
  return createHash('sm3').update(data).digest('hex');
}

export function hmacSm3(key: string | Buffer, data: string | Buffer): string {
  return createHmac('sm3', key).update(data).digest('hex');
}

/** URL-safe random token (default 32 bytes = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const VERSION = 'sm4:1:';

function keyBuffer(keyHex: string): Buffer {
  if (!/^[0-9a-fA-F]{32}$/.test(keyHex)) throw new Error('SM4 key must be 32 hex characters');
  return Buffer.from(keyHex, 'hex');
}

/**
 * SM4-CBC (GB/T 32907) with a random IV per value, so equal plaintexts give different ciphertexts.
 * Output: `sm4:1:` + base64(iv ‖ ciphertext); the prefix lets a future key/algorithm rotation tell
 * old values apart.
 */
export function sm4Encrypt(plain: string, keyHex: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('sm4-cbc', keyBuffer(keyHex), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, body]).toString('base64');
}

export function sm4Decrypt(cipherText: string, keyHex: string): string {
  if (!cipherText.startsWith(VERSION)) throw new Error('not an SM4 ciphertext produced by sm4Encrypt');
  const raw = Buffer.from(cipherText.slice(VERSION.length), 'base64');
  if (raw.length < 32 || raw.length % 16 !== 0) throw new Error('SM4 ciphertext has a wrong length');
  const decipher = createDecipheriv('sm4-cbc', keyBuffer(keyHex), raw.subarray(0, 16));
  return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8');
}

/**
 * Deterministic keyed hash of a normalized value, stored beside an encrypted column so that
 * "find the account with this ID-card number" is an index lookup without decrypting every row.
 * The key is derived from the master key, so the index reveals nothing without it.
 */
export function blindIndex(value: string, keyHex: string, purpose = 'default'): string {
  const derived = createHmac('sm3', keyBuffer(keyHex)).update(`blind-index:${purpose}`).digest();
  return hmacSm3(derived, value.normalize('NFKC').trim().toUpperCase());
}

/** The crypto helpers bound to the configured key, exposed as `kernel.crypto`. */
export function createCrypto(keyHex: string) {
  keyBuffer(keyHex);
  return {
    sm3,
    hmacSm3,
    randomToken,
    sm4Encrypt: (plain: string) => sm4Encrypt(plain, keyHex),
    sm4Decrypt: (cipherText: string) => sm4Decrypt(cipherText, keyHex),
    blindIndex: (value: string, purpose?: string) => blindIndex(value, keyHex, purpose),
  };
}
export type KernelCrypto = ReturnType<typeof createCrypto>;
