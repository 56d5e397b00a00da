/**
 * CMS SignedData verification (验签) for PDF signatures, RSA and SM2: message digest, signature,
 * signer certificate validity at signing time, certificate chain, RFC 3161 timestamp.
 */
import {
  type CertificateInfo,
  type ParsedCertificate,
  parseCertificate,
  verifyCertificateSignature,
  verifyWithKey,
} from './cert.js';
import { child, decodeTime, type Node, parse, readOid, readUint, TAG } from './der.js';
import { SealCryptoError } from './errors.js';
import { type DigestAlgorithm, digest } from './hash.js';
import { type KeyAlgorithm, pemToDers } from './keys.js';
import { DIGEST_BY_OID, OID } from './oids.js';
import type { SubFilter } from './signer.js';
import { readTimestampToken } from './tsp.js';

export type VerifyCode =
  | 'ok'
  | 'digest_mismatch'
  | 'bad_signature'
  | 'cert_expired'
  | 'cert_not_yet_valid'
  | 'chain_broken'
  | 'no_signer_cert'
  | 'unsupported_algorithm'
  | 'malformed'
  | 'timestamp_invalid';

const REASONS: Record<VerifyCode, { zh: string; en: string }> = {
  ok: { zh: '签名有效', en: 'signature is valid' },
  digest_mismatch: {
    zh: '文档在签名后被修改（摘要不一致）',
    en: 'the document was changed after signing (digest mismatch)',
  },
  bad_signature: { zh: '签名值校验失败', en: 'the signature value does not verify' },
  cert_expired: { zh: '签名时证书已过期', en: 'the signer certificate had expired at signing time' },
  cert_not_yet_valid: { zh: '签名时证书尚未生效', en: 'the signer certificate was not yet valid at signing time' },
  chain_broken: { zh: '证书链校验失败', en: 'the certificate chain does not verify' },
  no_signer_cert: { zh: '找不到签名者证书', en: 'the signer certificate is missing' },
  unsupported_algorithm: { zh: '不支持的算法', en: 'unsupported algorithm' },
  malformed: { zh: '签名数据格式错误', en: 'malformed signature data' },
  timestamp_invalid: { zh: '时间戳无效', en: 'the timestamp is invalid' },
};

export interface VerifyOptions {
  contentDigest?: Buffer;
  digestFor?: (alg: DigestAlgorithm) => Buffer;
  trustedCerts?: string[];
  extraCerts?: string[];
  /** Validation time when the CMS carries neither a timestamp nor signingTime (default now). */
  at?: Date;
}

export interface VerifyResult {
  valid: boolean;
  trusted: boolean;
  code: VerifyCode;
  reason: { zh: string; en: string };
  algorithm: KeyAlgorithm | 'ecdsa' | 'unknown';
  digestAlgorithm: DigestAlgorithm | 'unknown';
  subFilterHint: SubFilter;
  signerCertificate?: CertificateInfo;
  chain: CertificateInfo[];
  /** true when the chain ends in a self-signed certificate. */
  chainComplete: boolean;
  signingTime?: Date;
  timestamp?: { time: Date; tsa: string; valid: boolean };
  signatureValue?: Buffer;
}

interface ParsedSignedData {
  certificates: ParsedCertificate[];
  eContentType: string;
  signerInfo: Node;
}

function parseSignedData(der: Buffer): ParsedSignedData {
  const contentInfo = parse(der);
  if (readOid(child(contentInfo, 0)) !== OID.signedData)
    throw new SealCryptoError('malformed', '不是 SignedData', 'not a SignedData');
  const signedData = child(child(contentInfo, 1, 0xa0), 0, TAG.SEQUENCE);
  const encap = child(signedData, 2, TAG.SEQUENCE);
  const certsNode = signedData.children.find((c, i) => i > 2 && c.tag === 0xa0);
  // A certificate we cannot read (another key type, odd encoding) is left out rather than failing
  // the whole signature: if it was the signer's, the result says no_signer_cert.
  const certificates = (certsNode?.children ?? [])
    .filter((c) => c.tag === TAG.SEQUENCE)
    .flatMap((c) => {
      try {
        return [parseCertificate(Buffer.from(c.raw))];
      } catch {
        return [];
      }
    });
  const signerInfos = signedData.children[signedData.children.length - 1];
  if (signerInfos.tag !== TAG.SET || signerInfos.children.length === 0) {
    throw new SealCryptoError('malformed', '没有签名者信息', 'no SignerInfo');
  }
  return { certificates, eContentType: readOid(child(encap, 0)), signerInfo: child(signerInfos, 0, TAG.SEQUENCE) };
}

function findSignerCert(sid: Node, certs: ParsedCertificate[]): ParsedCertificate | undefined {
  if (sid.tag === TAG.SEQUENCE) {
    const issuer = child(sid, 0).raw;
    const serial = readUint(child(sid, 1, TAG.INTEGER));
    return certs.find((c) => c.issuerRaw.equals(issuer) && stripZeros(c.serialRaw).equals(serial));
  }
  // [0] SubjectKeyIdentifier
  return certs.find((c) => c.subjectKeyId?.equals(sid.value));
}

function attributeValues(attrs: Node | undefined): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const attr of attrs?.children ?? []) map.set(readOid(child(attr, 0)), child(attr, 1, TAG.SET).children);
  return map;
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

const same = (a: ParsedCertificate, b: ParsedCertificate) => a.der.equals(b.der);

/** Builds the chain upward from the signer; stops at a self-signed certificate. */
function buildChain(
  signer: ParsedCertificate,
  pool: ParsedCertificate[],
  at: Date,
): { chain: ParsedCertificate[]; broken?: string; complete: boolean } {
  const chain = [signer];
  let current = signer;
  for (let depth = 0; depth < 10; depth++) {
    if (current.issuerRaw.equals(current.subjectRaw) && verifyCertificateSignature(current, current)) {
      return { chain, complete: true };
    }
    const candidates = pool.filter((c) => c.subjectRaw.equals(current.issuerRaw) && !same(c, current));
    if (candidates.length === 0) return { chain, complete: false };
    const issuer = candidates.find((c) => verifyCertificateSignature(current, c));
    if (!issuer)
      return { chain, broken: `certificate "${current.info.subject}" is not signed by its issuer`, complete: false };
    if (!issuer.info.isCa) return { chain, broken: `issuer "${issuer.info.subject}" is not a CA`, complete: false };
    if (at < issuer.info.notBefore || at > issuer.info.notAfter) {
      return { chain, broken: `issuer "${issuer.info.subject}" was not valid at ${at.toISOString()}`, complete: false };
    }
    chain.push(issuer);
    current = issuer;
  }
  return { chain, broken: 'certificate chain too long', complete: false };
}

function signedAttributesBytes(attrs: Node): Buffer {
  // The signature covers the attributes with the SET tag, not the [0] IMPLICIT tag they travel under.
  const bytes = Buffer.from(attrs.raw);
  bytes[0] = TAG.SET;
  return bytes;
}

export function verifyCms(der: Buffer, opts: VerifyOptions): VerifyResult {
  if (!opts.contentDigest && !opts.digestFor) {
    throw new SealCryptoError(
      'bad_digest',
      '须提供 contentDigest 或 digestFor',
      'contentDigest or digestFor is required',
    );
  }
  const callerCerts = readCallerCerts(opts);
  const result: VerifyResult = {
    valid: false,
    trusted: false,
    code: 'malformed',
    reason: REASONS.malformed,
    algorithm: 'unknown',
    digestAlgorithm: 'unknown',
    subFilterHint: 'adbe.pkcs7.detached',
    chain: [],
    chainComplete: false,
  };
  const fail = (code: VerifyCode, detail?: string): VerifyResult => {
    result.code = code;
    result.reason = detail
      ? { zh: `${REASONS[code].zh}（${detail}）`, en: `${REASONS[code].en} (${detail})` }
      : REASONS[code];
    result.valid = false;
    return result;
  };

  let sd: ParsedSignedData;
  try {
    sd = parseSignedData(der);
  } catch (e) {
    return fail('malformed', (e as Error).message);
  }
  try {
    return verifyParsed(sd, opts, callerCerts, result, fail);
  } catch (e) {
    // errors from the caller's digestFor are theirs to handle, not a verdict on the signature
    if (e instanceof CallerError) throw e.cause;
    if (e instanceof SealCryptoError && e.code === 'unsupported_algorithm')
      return fail('unsupported_algorithm', e.message);
    return fail('malformed', (e as Error).message);
  }
}

class CallerError extends Error {}

/** The caller's certificates; bad ones throw here, before any verdict. */
function readCallerCerts(opts: VerifyOptions): { extra: ParsedCertificate[]; trusted: ParsedCertificate[] } {
  const read = (pems: string[] | undefined) =>
    (pems ?? []).flatMap((p) => pemToDers(p)).map((d) => parseCertificate(d));
  return { extra: read(opts.extraCerts), trusted: read(opts.trustedCerts) };
}

function verifyParsed(
  sd: ParsedSignedData,
  opts: VerifyOptions,
  callerCerts: { extra: ParsedCertificate[]; trusted: ParsedCertificate[] },
  result: VerifyResult,
  fail: (code: VerifyCode, detail?: string) => VerifyResult,
): VerifyResult {
  const si = sd.signerInfo;
  const sid = child(si, 1);
  const digestOid = readOid(child(child(si, 2, TAG.SEQUENCE), 0));
  const signedAttrsNode = si.children.find((c) => c.tag === 0xa0);
  const rest = si.children.filter((c, i) => i > 2 && c.tag !== 0xa0 && c.tag !== 0xa1);
  const sigAlgOid = readOid(child(rest[0], 0));
  if (rest[1]?.tag !== TAG.OCTET_STRING)
    throw new SealCryptoError('malformed', '缺少签名值', 'missing signature value');
  const signatureValue = rest[1].value;
  const unsignedAttrs = attributeValues(si.children.find((c) => c.tag === 0xa1));
  result.signatureValue = Buffer.from(signatureValue);

  const digestName = DIGEST_BY_OID[digestOid];
  if (!digestName) return fail('unsupported_algorithm', `digest ${digestOid}`);
  result.digestAlgorithm = digestName === 'sm3' || digestName === 'sha256' ? digestName : 'unknown';

  // Trusted certificates first: when an embedded copy and a trusted one share a name, the chain
  // should run through the trusted one.
  const pool = [...callerCerts.trusted, ...callerCerts.extra, ...sd.certificates];
  const signer = findSignerCert(sid, pool);
  if (!signer) return fail('no_signer_cert');
  result.signerCertificate = signer.info;
  result.algorithm = signer.info.keyAlgorithm;

  if (!signedAttrsNode) return fail('unsupported_algorithm', 'SignerInfo without signed attributes');
  const attrs = attributeValues(signedAttrsNode);
  if (attrs.has(OID.signingCertificateV2)) result.subFilterHint = 'ETSI.CAdES.detached';
  const timeNode = attrs.get(OID.signingTime)?.[0];
  if (timeNode) result.signingTime = decodeTime(timeNode);

  let contentDigest: Buffer;
  try {
    contentDigest =
      opts.contentDigest ?? (opts.digestFor as NonNullable<VerifyOptions['digestFor']>)(digestName as DigestAlgorithm);
  } catch (cause) {
    throw new CallerError('digestFor failed', { cause });
  }
  const messageDigest = attrs.get(OID.messageDigest)?.[0];
  const contentType = attrs.get(OID.contentType)?.[0];
  if (!messageDigest || !contentType) return fail('malformed', 'messageDigest or contentType attribute missing');
  if (readOid(contentType) !== sd.eContentType)
    return fail('malformed', 'contentType attribute differs from the content type');
  if (!messageDigest.value.equals(contentDigest)) return fail('digest_mismatch');

  if (
    !verifyWithKey(signer, sigAlgOid, signedAttributesBytes(signedAttrsNode), Buffer.from(signatureValue), digestName)
  ) {
    return fail('bad_signature');
  }

  const tokenNode = unsignedAttrs.get(OID.signatureTimeStampToken)?.[0];
  if (tokenNode) {
    const ts = verifyTimestampToken(Buffer.from(tokenNode.raw), Buffer.from(signatureValue), opts);
    result.timestamp = ts;
    if (!ts.valid) return fail('timestamp_invalid');
  }

  // Certificates are judged at the trusted time if there is one, else at the claimed signing time.
  const at = result.timestamp?.time ?? result.signingTime ?? opts.at ?? new Date();
  const { chain, broken, complete } = buildChain(signer, pool, at);
  result.chain = chain.map((c) => c.info);
  result.chainComplete = complete;
  result.trusted = !broken && chain.some((c) => callerCerts.trusted.some((t) => t.der.equals(c.der)));
  if (at < signer.info.notBefore) return fail('cert_not_yet_valid', at.toISOString());
  if (at > signer.info.notAfter)
    return fail('cert_expired', `${signer.info.notAfter.toISOString()} < ${at.toISOString()}`);
  if (broken) return fail('chain_broken', broken);

  result.valid = true;
  result.code = 'ok';
  result.reason = REASONS.ok;
  return result;
}

/** Checks a signature timestamp: it must cover this signature value and verify itself. */
function verifyTimestampToken(
  token: Buffer,
  signatureValue: Buffer,
  opts: VerifyOptions,
): { time: Date; tsa: string; valid: boolean } {
  try {
    const info = readTimestampToken(token);
    const imprintOk = info.hashedMessage.equals(digest(info.hashAlgorithm, signatureValue));
    const inner = verifyCms(token, {
      digestFor: (alg) => digest(alg, info.der),
      extraCerts: opts.extraCerts,
      trustedCerts: opts.trustedCerts,
      at: info.genTime,
    });
    return { time: info.genTime, tsa: inner.signerCertificate?.subject ?? 'unknown', valid: imprintOk && inner.valid };
  } catch {
    return { time: new Date(0), tsa: 'unknown', valid: false };
  }
}
