import { createPrivateKey, createPublicKey, sign as nodeSign, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import smCrypto from 'sm-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair, loadPrivateKey, sm2PrivateKeyPemFromScalar, sm2PublicPoint } from './keys.js';
import { SM2_CURVE, SM2_DEFAULT_ID, Sm2PrivateKey, sm2Verify, sm2ZValue } from './sm2.js';
import { openssl, tempDir } from './test-utils.js';

const { sm2 } = smCrypto;
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const keys = generateKeyPair('sm2');
const loaded = loadPrivateKey(keys.privateKeyPem);
const prepared = loaded.sm2 as Sm2PrivateKey;
const pubHex = prepared.publicPoint.toString('hex');
const messages = [Buffer.alloc(0), Buffer.from('电子印章 SM2 签名'), randomBytes(1000), randomBytes(70_000)];

/** `openssl pkeyutl -verify -rawin -digest sm3` with the standard distinguishing ID. */
function opensslVerify(message: Buffer, signature: Buffer, distid = '1234567812345678'): boolean {
  const name = randomBytes(4).toString('hex');
  const msg = tmp.file(`${name}.msg`, message);
  const sig = tmp.file(`${name}.sig`, signature);
  const pub = tmp.file(`${name}.pub.pem`, keys.publicKeyPem);
  const r = openssl([
    'pkeyutl',
    '-verify',
    '-rawin',
    '-digest',
    'sm3',
    '-pubin',
    '-inkey',
    pub,
    '-in',
    msg,
    '-sigfile',
    sig,
    '-pkeyopt',
    `distid:${distid}`,
  ]);
  return r.ok && /Signature Verified Successfully/.test(r.out);
}

describe('SM2 with the default user ID 1234567812345678', () => {
  it('keys carry the SM2 curve OID 1.2.156.10197.1.301', () => {
    const r = openssl(['pkey', '-in', tmp.file('k.pem', keys.privateKeyPem), '-noout', '-text']);
    expect(r.out).toContain('ASN1 OID: SM2');
    // 06 08 2A 81 1C CF 55 01 82 2D = 1.2.156.10197.1.301
    const der = createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(der.toString('hex')).toContain('06082a811ccf5501822d');
  });

  it('computes Z from the GB/T 32918.5 curve parameters', () => {
    // ENTL (0x0080 = 128 bits) ‖ ID ‖ a ‖ b ‖ xG ‖ yG as printed in the standard, hashed by sm-crypto's SM3
    const standard =
      '0080' +
      Buffer.from('1234567812345678').toString('hex') +
      'FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC' +
      '28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93' +
      '32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7' +
      'BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0' +
      pubHex.slice(2);
    const expected = smCrypto.sm3(Array.from(Buffer.from(standard, 'hex')));
    expect(sm2ZValue(prepared.publicPoint).toString('hex')).toBe(expected);
    expect(prepared.z.toString('hex')).toBe(expected);
  });

  it.each(messages.map((m) => [m.length, m] as const))(
    'signature over %i bytes verifies with sm-crypto and openssl',
    (_len, message) => {
      const signature = prepared.sign(message);
      expect(sm2.doVerifySignature(message, signature.toString('hex'), pubHex, { der: true, hash: true })).toBe(true);
      expect(opensslVerify(message, signature)).toBe(true);
      expect(sm2Verify(prepared.publicPoint, message, signature)).toBe(true);
    },
  );

  it('is rejected by openssl and by us for another ID or another message', () => {
    const message = Buffer.from('公文正文');
    const signature = prepared.sign(message);
    expect(opensslVerify(message, signature, 'ALICE123@YAHOO.COM')).toBe(false);
    expect(opensslVerify(Buffer.from('公文正文!'), signature)).toBe(false);
    expect(sm2Verify(prepared.publicPoint, message, signature, Buffer.from('ALICE123@YAHOO.COM'))).toBe(false);
    expect(sm2Verify(prepared.publicPoint, Buffer.from('公文正文!'), signature)).toBe(false);
    const flipped = Buffer.from(signature);
    flipped[flipped.length - 1] ^= 1;
    expect(sm2Verify(prepared.publicPoint, message, flipped)).toBe(false);
    expect(sm2Verify(prepared.publicPoint, message, Buffer.from('not der'))).toBe(false);
  });

  it('verifies signatures made by sm-crypto and by openssl', () => {
    for (const message of messages.slice(0, 3)) {
      const theirs = Buffer.from(
        sm2.doSignature(message, smPrivateHex(), { der: true, hash: true, publicKey: pubHex }),
        'hex',
      );
      expect(sm2Verify(prepared.publicPoint, message, theirs)).toBe(true);
    }
    const msg = tmp.file('o.msg', 'openssl signed this');
    const key = tmp.file('o.key', keys.privateKeyPem);
    const sigPath = `${tmp.dir}/o.sig`;
    const r = openssl([
      'pkeyutl',
      '-sign',
      '-rawin',
      '-digest',
      'sm3',
      '-inkey',
      key,
      '-in',
      msg,
      '-out',
      sigPath,
      '-pkeyopt',
      'distid:1234567812345678',
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(sm2Verify(prepared.publicPoint, Buffer.from('openssl signed this'), readFileSync(sigPath))).toBe(true);
  });

  it("shows why Z must be computed here: node's crypto.sign('sm3') uses an empty ID", () => {
    const message = Buffer.from('node native');
    const nodeSig = nodeSign('sm3', message, createPrivateKey(keys.privateKeyPem));
    expect(sm2Verify(prepared.publicPoint, message, nodeSig)).toBe(false);
    expect(sm2Verify(prepared.publicPoint, message, nodeSig, Buffer.alloc(0))).toBe(true);
  });

  it('accepts keys from sm-crypto (hex scalar) and rejects out-of-range scalars', () => {
    const pair = sm2.generateKeyPairHex();
    const pem = sm2PrivateKeyPemFromScalar(Buffer.from(pair.privateKey, 'hex'));
    const key = loadPrivateKey(pem);
    expect(sm2PublicPoint(key.publicKey).toString('hex')).toBe(pair.publicKey);
    const sig = (key.sm2 as Sm2PrivateKey).sign(Buffer.from('x'));
    expect(sm2.doVerifySignature('x', sig.toString('hex'), pair.publicKey, { der: true, hash: true })).toBe(true);
    expect(() => new Sm2PrivateKey(Buffer.alloc(32))).toThrow(/out of range/);
    const nMinus1 = Buffer.from((SM2_CURVE.n - 1n).toString(16), 'hex');
    expect(() => new Sm2PrivateKey(nMinus1)).toThrow(/out of range/);
  });

  it('uses the 16-byte ASCII default ID', () => {
    expect(SM2_DEFAULT_ID.toString('latin1')).toBe('1234567812345678');
  });
});

function smPrivateHex(): string {
  const pkcs8 = createPrivateKey(keys.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  // ECPrivateKey.privateKey is the 32 bytes after the OCTET STRING header 04 20 inside the PKCS#8
  const at = pkcs8.indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]));
  return pkcs8.subarray(at + 5, at + 37).toString('hex');
}
