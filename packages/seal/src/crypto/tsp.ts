/**
 * RFC 3161 time-stamp protocol client (时间戳): asks a TSA to timestamp a signature value, checks
 * the answer belongs to our request, and reads TSTInfo from a token.
 */
import { randomBytes } from 'node:crypto';
import {
  boolean,
  child,
  decodeTime,
  integer,
  type Node,
  nullValue,
  octetString,
  oid,
  parse,
  readOid,
  readUint,
  seq,
  TAG,
  uintBytes,
} from './der.js';
import { SealCryptoError } from './errors.js';
import { digest } from './hash.js';
import { DIGEST_BY_OID, OID, OID_BY_DIGEST } from './oids.js';

export interface TstInfo {
  policy: string;
  hashAlgorithm: string; // node hash name
  hashedMessage: Buffer;
  serialNumber: string;
  genTime: Date;
  nonce?: Buffer;
  /** DER of the TSTInfo — the eContent the token's signature covers. */
  der: Buffer;
}

function tsaError(zh: string, en: string, cause?: unknown): SealCryptoError {
  return new SealCryptoError('tsa_failed', `时间戳服务失败：${zh}`, `time-stamp authority failed: ${en}`, { cause });
}

/** Reads TSTInfo out of a TimeStampToken (a ContentInfo with SignedData whose eContent is TSTInfo). */
export function readTimestampToken(token: Buffer | Node): TstInfo {
  const contentInfo = Buffer.isBuffer(token) ? parse(token) : token;
  if (readOid(child(contentInfo, 0)) !== OID.signedData)
    throw tsaError('令牌不是 SignedData', 'token is not SignedData');
  const signedData = child(child(contentInfo, 1, 0xa0), 0, TAG.SEQUENCE);
  const encap = child(signedData, 2, TAG.SEQUENCE);
  if (readOid(child(encap, 0)) !== OID.tstInfo) throw tsaError('令牌内容不是 TSTInfo', 'token content is not TSTInfo');
  const eContent = child(child(encap, 1, 0xa0), 0, TAG.OCTET_STRING);
  const der = eContent.constructed ? Buffer.concat(eContent.children.map((c) => c.value)) : eContent.value;
  const tst = parse(der);
  const imprint = child(tst, 2, TAG.SEQUENCE);
  const hashOid = readOid(child(child(imprint, 0, TAG.SEQUENCE), 0));
  const nonceNode = tst.children.slice(5).find((c) => c.tag === TAG.INTEGER);
  return {
    policy: readOid(child(tst, 1)),
    hashAlgorithm: DIGEST_BY_OID[hashOid] ?? hashOid,
    hashedMessage: child(imprint, 1, TAG.OCTET_STRING).value,
    serialNumber: readUint(child(tst, 3, TAG.INTEGER)).toString('hex'),
    genTime: decodeTime(child(tst, 4)),
    nonce: nonceNode ? readUint(nonceNode) : undefined,
    der,
  };
}

export function buildTimestampRequest(signatureValue: Buffer, hash: 'sha256' | 'sm3', nonce: Buffer): Buffer {
  const imprint = seq(seq(oid(OID_BY_DIGEST[hash]), nullValue()), octetString(digest(hash, signatureValue)));
  return seq(integer(1), imprint, uintBytes(nonce), boolean(true));
}

/**
 * Requests a timestamp over `signatureValue` and returns the DER TimeStampToken.
 * The token is checked to answer this request (message imprint and nonce).
 */
export async function requestTimestamp(
  url: string,
  signatureValue: Buffer,
  opts: { hash?: 'sha256' | 'sm3'; timeoutMs?: number } = {},
): Promise<Buffer> {
  const hash = opts.hash ?? 'sha256';
  const nonce = randomBytes(8);
  nonce[0] &= 0x7f;
  let body: Buffer;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(buildTimestampRequest(signatureValue, hash, nonce)),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw tsaError(`HTTP ${res.status}`, `HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (cause) {
    if (cause instanceof SealCryptoError) throw cause;
    throw tsaError('无法连接时间戳服务器', `cannot reach ${url}: ${(cause as Error).message}`, cause);
  }
  let token: Node;
  try {
    const resp = parse(body);
    const status = Number(readUint(child(child(resp, 0, TAG.SEQUENCE), 0, TAG.INTEGER))[0] ?? 0);
    // 0 granted, 1 grantedWithMods
    if (status > 1) throw tsaError(`请求被拒绝（状态 ${status}）`, `request rejected (status ${status})`);
    token = child(resp, 1, TAG.SEQUENCE);
  } catch (cause) {
    if (cause instanceof SealCryptoError && cause.code === 'tsa_failed') throw cause;
    throw tsaError('应答格式错误', 'malformed TimeStampResp', cause);
  }
  const info = readTimestampToken(token);
  if (info.hashAlgorithm !== hash || !info.hashedMessage.equals(digest(hash, signatureValue))) {
    throw tsaError('时间戳与签名值不对应', 'the token does not timestamp our signature value');
  }
  if (info.nonce && !info.nonce.equals(readUint(parse(uintBytes(nonce))))) {
    throw tsaError('随机数不一致', 'nonce mismatch');
  }
  return Buffer.from(token.raw);
}
