import { describe, expect, it } from 'vitest';
import { blindIndex, createCrypto, randomToken, sm3, sm4Decrypt, sm4Encrypt } from './crypto.js';

const KEY = '0123456789abcdeffedcba9876543210';

describe('crypto', () => {
  it('computes SM3 digests matching the GB/T 32905 test vector', () => {
    expect(sm3('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('encrypts with SM4-CBC matching the GB/T 32907 block vector', async () => {
    // The standard's single-block vector, checked through ECB (one block, no IV) so the cipher
    // itself is known to be SM4 and not some other 128-bit block cipher.
    const { createCipheriv } = await import('node:crypto');
    const c = createCipheriv('sm4-ecb', Buffer.from(KEY, 'hex'), null).setAutoPadding(false);
    const out = Buffer.concat([c.update(Buffer.from(KEY, 'hex')), c.final()]).toString('hex');
    expect(out).toBe('681edf34d206965e86b3e94f536e4246');
  });

  it('round-trips text, with a fresh IV each time', () => {
    const a = sm4Encrypt('410702199001011234 张三', KEY);
    const b = sm4Encrypt('410702199001011234 张三', KEY);
    expect(a).not.toBe(b);
    expect(a.startsWith('sm4:1:')).toBe(true);
    expect(sm4Decrypt(a, KEY)).toBe('410702199001011234 张三');
    expect(sm4Decrypt(sm4Encrypt('', KEY), KEY)).toBe('');
  });

  it('fails loudly on a wrong key or a damaged ciphertext', () => {
    const c = sm4Encrypt('secret', KEY);
    expect(() => sm4Decrypt(c, 'ffffffffffffffffffffffffffffffff')).toThrow();
    expect(() => sm4Decrypt('plain text', KEY)).toThrow(/not an SM4 ciphertext/);
    expect(() => sm4Decrypt(`${c.slice(0, -4)}AAAA`, KEY)).toThrow();
    expect(() => sm4Encrypt('x', 'short')).toThrow(/32 hex/);
  });

  it('gives a deterministic, key-dependent, normalized blind index', () => {
    const k = createCrypto(KEY);
    expect(k.blindIndex('41070219900101123x')).toBe(k.blindIndex(' 41070219900101123X '));
    expect(k.blindIndex('a', 'phone')).not.toBe(k.blindIndex('a', 'idcard'));
    expect(blindIndex('a', KEY)).not.toBe(blindIndex('a', 'ffffffffffffffffffffffffffffffff'));
    expect(k.blindIndex('a')).toMatch(/^[0-9a-f]{64}$/);
    expect(k.sm4Decrypt(k.sm4Encrypt('值'))).toBe('值');
  });

  it('makes unguessable tokens', () => {
    const t = randomToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(t);
  });
});
