/**
 * SM2 digital signatures (GM/T 0003.2) with the standard Z value.
 *
 * Node's crypto.sign('sm3', …) on an SM2 key hashes Z computed over an *empty* user ID, and node
 * exposes no way to set the distinguishing ID nor to sign a precomputed digest. So we compute
 * e = SM3(Z ‖ M) ourselves, with Z over the default ID "1234567812345678", and build the signature:
 * the expensive part, the fixed-base multiplication k·G, comes from OpenSSL through ECDH key
 * generation (native, about twice as fast as pure-JS), the rest is a few BigInt operations.
 * Verification uses @noble/curves.
 */
import { createECDH, type ECDH } from 'node:crypto';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { bigintToBytes, bytesToBigint, child, parse, readUint, seq, TAG, uintBytes } from './der.js';
import { SealCryptoError } from './errors.js';
import { digest } from './hash.js';

export const SM2_CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  h: 1n,
} as const;

/** Default user ID (GM/T 0009): the 16 ASCII bytes "1234567812345678". */
export const SM2_DEFAULT_ID = Buffer.from('1234567812345678', 'latin1');

const N = SM2_CURVE.n;
const Point = weierstrass(SM2_CURVE);
Point.BASE.precompute(8);

const CURVE_PREFIX = Buffer.concat(
  [SM2_CURVE.a, SM2_CURVE.b, SM2_CURVE.Gx, SM2_CURVE.Gy].map((v) => bigintToBytes(v, 32)),
);

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r >= 0n ? r : r + m;
};

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}

/** Uncompressed public point 04‖x‖y, validated to lie on the curve. */
export function assertPoint(point: Uint8Array): Buffer {
  try {
    const p = Point.fromBytes(point);
    p.assertValidity();
    return Buffer.from(p.toBytes(false));
  } catch (cause) {
    throw new SealCryptoError('bad_key', 'SM2 公钥不是曲线上的有效点', 'SM2 public key is not a valid curve point', {
      cause,
    });
  }
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA). */
export function sm2ZValue(publicPoint: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Buffer {
  const point = assertPoint(publicPoint);
  const bits = id.length * 8;
  if (bits > 0xffff) throw new SealCryptoError('bad_key', 'SM2 用户标识过长', 'SM2 user ID too long');
  const entl = Buffer.from([bits >> 8, bits & 0xff]);
  return digest('sm3', entl, id, CURVE_PREFIX, point.subarray(1));
}

export function encodeSm2Signature(r: bigint, s: bigint): Buffer {
  return seq(uintBytes(bigintToBytes(r, 32)), uintBytes(bigintToBytes(s, 32)));
}

export function decodeSm2Signature(der: Uint8Array): { r: bigint; s: bigint } {
  const node = parse(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  if (node.tag !== TAG.SEQUENCE || node.children.length !== 2) {
    throw new SealCryptoError('malformed', 'SM2 签名值格式错误', 'SM2 signature is not SEQUENCE { r, s }');
  }
  return { r: bytesToBigint(readUint(child(node, 0))), s: bytesToBigint(readUint(child(node, 1))) };
}

/**
 * A private key prepared for repeated signing: Z and (1 + d)⁻¹ are computed once.
 */
export class Sm2PrivateKey {
  readonly publicPoint: Buffer;
  readonly z: Buffer;
  private readonly d: bigint;
  private readonly inv1d: bigint;
  private readonly ecdh: ECDH;

  constructor(privateScalar: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID) {
    const d = bytesToBigint(privateScalar);
    // d must be in [1, n-2] so that 1 + d is invertible mod n
    if (d < 1n || d > N - 2n) throw new SealCryptoError('bad_key', 'SM2 私钥超出范围', 'SM2 private key out of range');
    this.d = d;
    this.inv1d = modInverse(1n + d, N);
    this.publicPoint = Buffer.from(Point.BASE.multiply(d).toBytes(false));
    this.z = sm2ZValue(this.publicPoint, id);
    this.ecdh = createECDH('SM2');
  }

  /** Signature over SM3(Z ‖ message), DER SEQUENCE { r, s }. */
  sign(message: Uint8Array): Buffer {
    return this.signDigest(digest('sm3', this.z, message));
  }

  /** Signature over a precomputed e = SM3(Z ‖ M). */
  signDigest(e32: Uint8Array): Buffer {
    const e = bytesToBigint(e32);
    for (;;) {
      // ECDH key generation draws k ∈ [1, n-1] from OpenSSL's DRBG and computes k·G natively
      this.ecdh.generateKeys();
      const k = bytesToBigint(this.ecdh.getPrivateKey());
      const x1 = bytesToBigint(this.ecdh.getPublicKey().subarray(1, 33));
      const r = (e + x1) % N;
      if (r === 0n || r + k === N) continue;
      const s = mod(this.inv1d * (k - r * this.d), N);
      if (s === 0n) continue;
      return encodeSm2Signature(r, s);
    }
  }
}

export function sm2VerifyDigest(publicPoint: Uint8Array, e32: Uint8Array, signatureDer: Uint8Array): boolean {
  let r: bigint;
  let s: bigint;
  try {
    ({ r, s } = decodeSm2Signature(signatureDer));
  } catch {
    return false;
  }
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = (r + s) % N;
  if (t === 0n) return false;
  const pa = Point.fromBytes(publicPoint);
  pa.assertValidity();
  // s and t are public: the faster variable-time multiplication is fine here
  const sum = Point.BASE.multiplyUnsafe(s).add(pa.multiplyUnsafe(t));
  if (sum.is0()) return false;
  const x1 = sum.toAffine().x;
  return (bytesToBigint(e32) + x1) % N === r;
}

/** Verifies an SM2 signature over `message` with Z computed from `id` (default ID unless given). */
export function sm2Verify(
  publicPoint: Uint8Array,
  message: Uint8Array,
  signatureDer: Uint8Array,
  id: Uint8Array = SM2_DEFAULT_ID,
): boolean {
  const z = sm2ZValue(publicPoint, id);
  return sm2VerifyDigest(publicPoint, digest('sm3', z, message), signatureDer);
}
