/**
 * Minimal DER writer and BER/DER reader. The writer is used on the signing hot path, where
 * building small Buffers directly is much cheaper than an object model; the reader keeps the
 * exact bytes of every element, which signature checks need (TBSCertificate, signedAttrs).
 */
import { SealCryptoError } from './errors.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = content.length === 1 ? content[0] : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...items);
export const set = (...items: Buffer[]): Buffer => tlv(TAG.SET, ...items);
export const octetString = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b);
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
/** Context-specific constructed [n] EXPLICIT / IMPLICIT constructed. */
export const ctx = (n: number, ...items: Buffer[]): Buffer => tlv(0xa0 | n, ...items);
/** Context-specific primitive [n] IMPLICIT. */
export const ctxPrim = (n: number, b: Buffer): Buffer => tlv(0x80 | n, b);
export const bitString = (b: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.from([0]), b);
export const boolean = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const utf8 = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));
export const printable = (s: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(s, 'latin1'));
export const ia5 = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, 'latin1'));

/** INTEGER from unsigned big-endian bytes (adds the sign byte, strips redundant zeros). */
export function uintBytes(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  return tlv(TAG.INTEGER, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function integer(n: number | bigint): Buffer {
  const v = BigInt(n);
  if (v < 0n) throw new RangeError('negative INTEGER not supported');
  return uintBytes(bigintToBytes(v, 0));
}

export function bigintToBytes(v: bigint, width: number): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const b = Buffer.from(hex, 'hex');
  if (width === 0 || b.length === width) return b;
  if (b.length > width) throw new RangeError('integer too large for width');
  return Buffer.concat([Buffer.alloc(width - b.length), b]);
}

export const bytesToBigint = (b: Uint8Array): bigint =>
  b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);

const oidCache = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const parts = dotted.split('.').map((p) => BigInt(p));
  const bytes: number[] = [Number(parts[0] * 40n + parts[1])];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [Number(part & 0x7fn)];
    for (let v = part >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number((v & 0x7fn) | 0x80n));
    bytes.push(...chunk);
  }
  const encoded = tlv(TAG.OID, Buffer.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

export function decodeOid(value: Buffer): string {
  if (value.length === 0) throw malformed('empty OBJECT IDENTIFIER');
  const first = value[0];
  const parts: bigint[] = first < 80 ? [BigInt(Math.floor(first / 40)), BigInt(first % 40)] : [2n, BigInt(first - 80)];
  let acc = 0n;
  for (let i = 1; i < value.length; i++) {
    acc = (acc << 7n) | BigInt(value[i] & 0x7f);
    if (!(value[i] & 0x80)) {
      parts.push(acc);
      acc = 0n;
    }
  }
  return parts.join('.');
}

/** UTCTime for 1950–2049 as RFC 5280 requires, GeneralizedTime otherwise. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-11-28T15:51:46.123Z
  const compact = `${iso.slice(0, 19).replace(/[-:T]/g, '')}Z`;
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(compact.slice(2), 'latin1'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(compact, 'latin1'));
}

export function decodeTime(node: Node): Date {
  const s = node.value.toString('latin1');
  const m =
    node.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.(\d+))?Z$/.exec(s);
  if (!m || (node.tag !== TAG.UTC_TIME && node.tag !== TAG.GENERALIZED_TIME)) throw malformed(`bad time "${s}"`);
  let year = Number(m[1]);
  if (node.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms));
}

// ---------------------------------------------------------------------------------------------
// Reader

export interface Node {
  tag: number;
  /** Whole element, header included. */
  raw: Buffer;
  /** Content octets (for indefinite-length elements: without the end-of-contents marker). */
  value: Buffer;
  constructed: boolean;
  /** Children of a constructed element (parsed lazily). */
  children: Node[];
}

function malformed(why: string): SealCryptoError {
  return new SealCryptoError('malformed', `ASN.1 数据格式错误：${why}`, `malformed ASN.1: ${why}`);
}

const MAX_DEPTH = 64;

/** Parses one element at `offset`. Accepts BER indefinite lengths (some PDF signers emit them). */
export function parse(buf: Buffer, offset = 0, depth = 0): Node {
  if (depth > MAX_DEPTH) throw malformed('nesting too deep');
  if (offset + 2 > buf.length) throw malformed('truncated header');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw malformed('high tag numbers are not supported');
  const constructed = (tag & 0x20) !== 0;
  let pos = offset + 1;
  const first = buf[pos++];
  if (first === 0x80) {
    if (!constructed) throw malformed('indefinite length on a primitive element');
    const children: Node[] = [];
    while (true) {
      if (pos + 2 > buf.length) throw malformed('missing end-of-contents');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      const child = parse(buf, pos, depth + 1);
      children.push(child);
      pos += child.raw.length;
    }
    const value = buf.subarray(offset + 2, pos);
    return { tag, raw: buf.subarray(offset, pos + 2), value, constructed, children };
  }
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4) throw malformed('length too large');
    len = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= buf.length) throw malformed('truncated length');
      len = len * 256 + buf[pos++];
    }
  }
  if (pos + len > buf.length) throw malformed('element runs past the end of the data');
  const value = buf.subarray(pos, pos + len);
  const node: Node = { tag, raw: buf.subarray(offset, pos + len), value, constructed, children: [] };
  if (constructed) {
    let p = 0;
    while (p < value.length) {
      const child = parse(value, p, depth + 1);
      node.children.push(child);
      p += child.raw.length;
    }
  }
  return node;
}

/** Child `i`, asserting its tag — gives a clear error instead of an undefined access. */
export function child(node: Node, i: number, tag?: number): Node {
  const c = node.children[i];
  if (!c) throw malformed(`missing element #${i} in tag 0x${node.tag.toString(16)}`);
  if (tag !== undefined && c.tag !== tag) {
    throw malformed(`element #${i}: expected tag 0x${tag.toString(16)}, got 0x${c.tag.toString(16)}`);
  }
  return c;
}

export function readOid(node: Node): string {
  if (node.tag !== TAG.OID) throw malformed('expected OBJECT IDENTIFIER');
  return decodeOid(node.value);
}

/** Unsigned value of an INTEGER (leading sign byte removed). */
export function readUint(node: Node): Buffer {
  if (node.tag !== TAG.INTEGER) throw malformed('expected INTEGER');
  let v = node.value;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v;
}

export function readString(node: Node): string {
  switch (node.tag) {
    case TAG.BMP_STRING: {
      const swapped = Buffer.from(node.value);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case TAG.UTF8_STRING:
      return node.value.toString('utf8');
    default:
      return node.value.toString('latin1');
  }
}

export { malformed };
