/**
 * CMS SignedData, detached (RFC 5652) for PDF signatures: /SubFilter adbe.pkcs7.detached and
 * ETSI.CAdES.detached (PAdES B-B). The signed attributes are contentType, messageDigest,
 * signingTime (adbe only — PAdES puts the time in the signature dictionary's /M) and, for CAdES,
 * signing-certificate-v2.
 */
import { child, ctx, integer, type Node, octetString, oid, parse, seq, set, TAG, time } from './der.js';
import { SealCryptoError } from './errors.js';
import { OID } from './oids.js';
import type { Signer, SubFilter } from './signer.js';
import { requestTimestamp } from './tsp.js';

export interface SignCmsOptions {
  signer: Signer;
  /** Digest of the detached content (the PDF ByteRange), computed with the signer's digest algorithm. */
  contentDigest: Buffer;
  subFilter: SubFilter;
  /** Adds the signingTime attribute; only allowed with adbe.pkcs7.detached. */
  signingTime?: Date;
  /** RFC 3161 time-stamping authority: adds id-aa-signatureTimeStampToken. */
  timestampUrl?: string;
}

const VERSION_1 = integer(1);
const SIGNED_DATA_OID = oid(OID.signedData);

function checkOptions(opts: SignCmsOptions): void {
  const expected = 32; // SHA-256 and SM3 both give 32 bytes
  if (!Buffer.isBuffer(opts.contentDigest) || opts.contentDigest.length !== expected) {
    throw new SealCryptoError(
      'bad_digest',
      `内容摘要须为 ${expected} 字节的 ${opts.signer.digestAlgorithm.toUpperCase()} 值`,
      `contentDigest must be the ${expected}-byte ${opts.signer.digestAlgorithm} digest`,
    );
  }
  if (opts.subFilter !== 'adbe.pkcs7.detached' && opts.subFilter !== 'ETSI.CAdES.detached') {
    throw new SealCryptoError(
      'bad_subfilter',
      `不支持的 SubFilter：${String(opts.subFilter)}`,
      `unsupported subFilter ${String(opts.subFilter)}`,
    );
  }
  if (opts.signingTime && opts.subFilter === 'ETSI.CAdES.detached') {
    throw new SealCryptoError(
      'bad_signing_time',
      'PAdES（ETSI.CAdES.detached）签名不得包含 signingTime 属性，请使用签名字典的 /M',
      'PAdES signatures must not carry signingTime; use the /M entry of the signature dictionary',
    );
  }
}

/** The SET OF signed attributes in DER (elements sorted by their encodings, X.690 §11.6). */
function signedAttributes(opts: SignCmsOptions): Buffer[] {
  const t = opts.signer.template;
  const attrs = [t.contentTypeAttr, seq(oid(OID.messageDigest), set(octetString(opts.contentDigest)))];
  if (opts.signingTime) attrs.push(seq(oid(OID.signingTime), set(time(opts.signingTime))));
  if (opts.subFilter === 'ETSI.CAdES.detached') attrs.push(t.signingCertificateV2Attr);
  return attrs.sort(Buffer.compare);
}

function assemble(signer: Signer, attrs: Buffer[], signature: Buffer, unsignedAttrs?: Buffer[]): Buffer {
  const t = signer.template;
  const signerInfo = seq(
    VERSION_1,
    t.sid,
    t.digestAlgorithmId,
    ctx(0, ...attrs),
    t.signatureAlgorithmId,
    octetString(signature),
    ...(unsignedAttrs?.length ? [ctx(1, ...unsignedAttrs)] : []),
  );
  const signedData = seq(VERSION_1, t.digestAlgorithmsSet, t.encapContentInfo, t.certificates, set(signerInfo));
  return seq(SIGNED_DATA_OID, ctx(0, signedData));
}

function signParts(opts: SignCmsOptions): { attrs: Buffer[]; signature: Buffer } {
  checkOptions(opts);
  const attrs = signedAttributes(opts);
  // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] IMPLICIT field.
  const signature = opts.signer.signRaw(set(...attrs));
  return { attrs, signature };
}

/** The hot path: DER ContentInfo(SignedData), detached. */
export function signCmsSync(opts: Omit<SignCmsOptions, 'timestampUrl'>): Buffer {
  const { attrs, signature } = signParts(opts);
  return assemble(opts.signer, attrs, signature);
}

export function signCms(opts: SignCmsOptions & { timestampUrl: string }): Promise<Buffer>;
export function signCms(opts: SignCmsOptions): Buffer | Promise<Buffer>;
export function signCms(opts: SignCmsOptions): Buffer | Promise<Buffer> {
  if (!opts.timestampUrl) return signCmsSync(opts);
  const { attrs, signature } = signParts(opts);
  const url = opts.timestampUrl;
  return requestTimestamp(url, signature).then((token) =>
    assemble(opts.signer, attrs, signature, [timestampAttribute(token)]),
  );
}

function timestampAttribute(token: Buffer): Buffer {
  return seq(oid(OID.signatureTimeStampToken), set(token));
}

/**
 * Upper bound of the CMS length for a signer, for sizing the PDF /Contents placeholder.
 * Reserve the timestamp token's size on top when a TSA is used (typically 3–6 KB).
 */
export function maxCmsLength(signer: Signer, opts: { subFilter?: SubFilter; signingTime?: boolean } = {}): number {
  const subFilter = opts.subFilter ?? 'ETSI.CAdES.detached';
  const attrs = signedAttributes({
    signer,
    contentDigest: Buffer.alloc(32),
    subFilter,
    signingTime: opts.signingTime ? new Date(Date.UTC(2100, 0, 1)) : undefined,
  });
  // GeneralizedTime (2100) is the longer time encoding; the signature at its maximum DER size
  return assemble(signer, attrs, Buffer.alloc(signer.signatureMaxLength)).length + 16;
}

/** Adds (or appends) an RFC 3161 token as id-aa-signatureTimeStampToken of the first signer. */
export function addTimestampToCms(cmsDer: Buffer, tokenDer: Buffer): Buffer {
  const contentInfo = parse(cmsDer);
  const signedData = child(child(contentInfo, 1, 0xa0), 0, TAG.SEQUENCE);
  const signerInfos = signedData.children[signedData.children.length - 1];
  const signerInfo = child(signerInfos, 0, TAG.SEQUENCE);
  const existingUnsigned = signerInfo.children.find((c) => c.tag === 0xa1);
  const unsigned = [...(existingUnsigned?.children.map((c) => c.raw) ?? []), timestampAttribute(tokenDer)];
  const rebuiltSignerInfo = seq(
    ...signerInfo.children.filter((c) => c.tag !== 0xa1).map((c) => c.raw),
    ctx(1, ...unsigned),
  );
  const rebuiltSignerInfos = set(rebuiltSignerInfo, ...signerInfos.children.slice(1).map((c: Node) => c.raw));
  const rebuiltSignedData = seq(...signedData.children.slice(0, -1).map((c) => c.raw), rebuiltSignerInfos);
  return seq(child(contentInfo, 0).raw, ctx(0, rebuiltSignedData));
}

/** The signature value (OCTET STRING content) of the first signer — what a TSA timestamps. */
export function signatureValueOf(cmsDer: Buffer): Buffer {
  const signedData = child(child(parse(cmsDer), 1, 0xa0), 0, TAG.SEQUENCE);
  const signerInfo = child(signedData.children[signedData.children.length - 1], 0, TAG.SEQUENCE);
  const sig = signerInfo.children.find((c, i) => i >= 4 && c.tag === TAG.OCTET_STRING);
  if (!sig) throw new SealCryptoError('malformed', 'CMS 中没有签名值', 'no signature value in the CMS');
  return sig.value;
}
