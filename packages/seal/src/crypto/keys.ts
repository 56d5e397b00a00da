/**
 * Key generation and loading (密钥). Private keys are PKCS#8 PEM, public keys SPKI PEM; SM2 keys
 * are EC keys on the curve 1.2.156.10197.1.301 (OpenSSL 3 calls it "SM2").
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { bitString, child, ctx, integer, octetString, oid, parse, readOid, seq, TAG } from './der.js';
import { SealCryptoError } from './errors.js';
import { OID } from './oids.js';
import { Sm2PrivateKey } from './sm2.js';

export type KeyAlgorithm = 'rsa' | 'sm2';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateKeyPair(alg: KeyAlgorithm, opts: { rsaBits?: number } = {}): KeyPairPem {
  if (alg === 'rsa') {
    const bits = opts.rsaBits ?? 2048;
    if (![2048, 3072, 4096].includes(bits)) {
      throw new SealCryptoError(
        'bad_key',
        'RSA 密钥长度须为 2048、3072 或 4096 位',
        'rsaBits must be 2048, 3072 or 4096',
      );
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: bits,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return { privateKeyPem: privateKey, publicKeyPem: publicKey };
  }
  if (alg === 'sm2') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'SM2',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return { privateKeyPem: privateKey, publicKeyPem: publicKey };
  }
  throw new SealCryptoError(
    'unsupported_algorithm',
    `不支持的算法：${String(alg)}`,
    `unsupported algorithm: ${String(alg)}`,
  );
}

/** A private key ready for signing. */
export interface LoadedPrivateKey {
  algorithm: KeyAlgorithm;
  keyObject: KeyObject;
  publicKey: KeyObject;
  /** SM2 only: the prepared key (Z and (1+d)⁻¹ precomputed). */
  sm2?: Sm2PrivateKey;
  /** RSA: modulus length in bytes = signature length. */
  signatureMaxLength: number;
}

function badKey(cause: unknown): SealCryptoError {
  return new SealCryptoError(
    'bad_key',
    '无法读取私钥（须为 PEM 格式的 PKCS#8 或 SEC1/PKCS#1 私钥）',
    'cannot read the private key (expected PEM PKCS#8, SEC1 or PKCS#1)',
    { cause },
  );
}

/**
 * Classifies a node KeyObject; throws for anything but RSA and SM2. Node names keys generated on
 * the 'SM2' curve 'ec', but keys read back from PEM come out as OpenSSL's SM2 type, which node
 * leaves unnamed — so the SPKI algorithm identifier decides.
 */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const type = key.asymmetricKeyType as string | undefined;
  if (type === 'rsa') return 'rsa';
  let algorithm = String(type);
  try {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    const algId = child(parse(pub.export({ type: 'spki', format: 'der' }) as Buffer), 0, TAG.SEQUENCE);
    const ids = algId.children.filter((c) => c.tag === TAG.OID).map(readOid);
    if (ids.includes(OID.sm2Curve)) return 'sm2';
    algorithm = ids.join('/');
  } catch {
    // fall through to the error below
  }
  throw new SealCryptoError(
    'unsupported_algorithm',
    `不支持的密钥类型：${algorithm}（仅支持 RSA 与 SM2）`,
    `unsupported key type ${algorithm} (RSA and SM2 only)`,
  );
}

/** The private scalar d of an SM2 key, read from its PKCS#8 encoding. */
export function sm2PrivateScalar(key: KeyObject): Buffer {
  const pkcs8 = parse(key.export({ type: 'pkcs8', format: 'der' }) as Buffer);
  const ecPrivateKey = parse(child(pkcs8, 2, TAG.OCTET_STRING).value);
  return child(ecPrivateKey, 1, TAG.OCTET_STRING).value;
}

/** Uncompressed SM2 public point 04‖x‖y from a public (or private) key. */
export function sm2PublicPoint(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const spki = parse(pub.export({ type: 'spki', format: 'der' }) as Buffer);
  return child(spki, 1, TAG.BIT_STRING).value.subarray(1);
}

export function loadPrivateKey(pem: string | Buffer): LoadedPrivateKey {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (cause) {
    throw badKey(cause);
  }
  const algorithm = keyAlgorithmOf(keyObject);
  const publicKey = createPublicKey(keyObject);
  if (algorithm === 'sm2') {
    const sm2 = new Sm2PrivateKey(sm2PrivateScalar(keyObject));
    return { algorithm, keyObject, publicKey, sm2, signatureMaxLength: 72 };
  }
  const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 2048;
  if (bits < 2048) {
    throw new SealCryptoError(
      'bad_key',
      'RSA 密钥长度不足 2048 位',
      `RSA key of ${bits} bits is too short (minimum 2048)`,
    );
  }
  return { algorithm, keyObject, publicKey, signatureMaxLength: Math.ceil(bits / 8) };
}

/** PKCS#8 PEM for an SM2 private scalar (e.g. a hex key from sm-crypto or a hardware export). */
export function sm2PrivateKeyPemFromScalar(d: Buffer): string {
  const prepared = new Sm2PrivateKey(d);
  const ecPrivateKey = seq(
    integer(1),
    octetString(Buffer.concat([Buffer.alloc(32 - d.length), d])),
    ctx(1, bitString(prepared.publicPoint)),
  );
  const pkcs8 = seq(integer(0), seq(oid(OID.ecPublicKey), oid(OID.sm2Curve)), octetString(ecPrivateKey));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
}

/** SPKI PEM for an SM2 public point 04‖x‖y. */
export function sm2PublicKeyPemFromPoint(point: Buffer): string {
  const spki = seq(seq(oid(OID.ecPublicKey), oid(OID.sm2Curve)), bitString(point));
  return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string;
}

/**
 * Reads a PKCS#12 (.p12/.pfx) file. node-forge decodes RSA keys itself; for SM2 keys it returns the
 * decrypted PKCS#8 structure, which node then loads — so SM2 works as long as the p12 uses
 * algorithms forge can decrypt (PBES2/AES as written by OpenSSL 3, or 3DES).
 */
export function parsePkcs12(p12: Buffer, password: string): { keyPem: string; certPems: string[] } {
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary')));
    pfx = withUtf8Pbkdf2Password(password, () => forge.pkcs12.pkcs12FromAsn1(asn1, false, password));
  } catch (cause) {
    const msg = String((cause as Error)?.message ?? cause);
    if (/password|MAC|decrypt/i.test(msg)) {
      throw new SealCryptoError('bad_password', 'PKCS#12 文件密码错误', 'wrong PKCS#12 password', { cause });
    }
    throw new SealCryptoError('bad_p12', '无法读取 PKCS#12 文件', `cannot read the PKCS#12 file: ${msg}`, { cause });
  }
  const toDer = (a: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(a).getBytes(), 'binary');
  const keyBags = [
    ...(pfx.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(pfx.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const keyBag = keyBags[0] as (forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 }) | undefined;
  if (!keyBag) throw new SealCryptoError('bad_p12', 'PKCS#12 文件中没有私钥', 'the PKCS#12 file holds no private key');
  const keyDer = keyBag.key
    ? toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key as forge.pki.rsa.PrivateKey)))
    : keyBag.asn1
      ? toDer(keyBag.asn1)
      : undefined;
  if (!keyDer)
    throw new SealCryptoError('bad_p12', 'PKCS#12 文件中的私钥无法解码', 'cannot decode the key in the PKCS#12 file');
  const keyPem = createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const certBags = (pfx.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []) as Array<
    forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 }
  >;
  const certPems = certBags.flatMap((bag) => {
    const der = bag.cert ? toDer(forge.pki.certificateToAsn1(bag.cert)) : bag.asn1 ? toDer(bag.asn1) : undefined;
    return der ? [derToPem(der, 'CERTIFICATE')] : [];
  });
  return { keyPem, certPems };
}

/**
 * PKCS#12 feeds the password to two KDFs: the PKCS#12 KDF (MAC, legacy 3DES) takes it as
 * BMPString — forge does that right from a JS string — while PBKDF2 (PBES2/AES, OpenSSL 3's
 * default) takes its UTF-8 bytes, but forge truncates each character to one byte. For a non-ASCII
 * password (e.g. Chinese) we hand PBKDF2 the UTF-8 encoding during this synchronous call only.
 */
function withUtf8Pbkdf2Password<T>(password: string, fn: () => T): T {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/^[\x00-\x7f]*$/.test(password)) return fn();
  const pkcs5 = forge.pkcs5 as { pbkdf2: (...args: unknown[]) => unknown };
  const original = pkcs5.pbkdf2;
  pkcs5.pbkdf2 = (p: unknown, ...rest: unknown[]) =>
    original(p === password ? forge.util.encodeUtf8(password) : p, ...rest);
  try {
    return fn();
  } finally {
    pkcs5.pbkdf2 = original;
  }
}

export function derToPem(der: Buffer, label: string): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** All DER blocks with the given label in a PEM text (a bundle may hold several). */
export function pemToDers(pem: string, label = 'CERTIFICATE'): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...pem.matchAll(re)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}
