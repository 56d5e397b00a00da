/**
 * OFD 签章验证: for each signature of the first document — file integrity (References), the
 * SES_Signature (dataHash over Signature.xml, the signer's signature over TBS_Sign), the seal
 * (maker's signature, certificate list, validity) — with reasons in Chinese. Reads GB/T 38540
 * (v4) and GM/T 0031-2014 (v1) signatures, CheckMethod as a name or an OID.
 *
 * Package-level problems (not an OFD, unsafe entries, zip bombs) throw SealError; a problem inside
 * one signature makes only that signature invalid.
 */

import { type ParsedCertificate, parseCertificate, verifyCertificateSignature, verifyWithKey } from '../crypto/cert.js';
import { digest } from '../crypto/index.js';
import { pemToDers } from '../crypto/keys.js';
import { SIGNATURE_ALGORITHM_NAMES } from '../crypto/oids.js';
import { encodeSm2Signature } from '../crypto/sm2.js';
import { type OfdDocument, openDocument, readXmlFile, type SignatureEntry } from './document.js';
import { dirOf, findFile, type OfdFiles, type PackageLimits, readOfdPackage, resolveLoc } from './package.js';
import { OID_SM2_WITH_SM3, type ParsedSesSignature, parseSesSignature } from './ses.js';
import { attr, child, children, parseBox, textOf, type XmlNode } from './xml.js';

export interface OfdCertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export interface OfdStampAnnot {
  id: string;
  pageRef: string;
  /** 1-based page number, when PageRef names a page of the document. */
  page?: number;
  boundary?: { x: number; y: number; w: number; h: number };
  clip?: { x: number; y: number; w: number; h: number };
}

export interface OfdSignatureReport {
  id: string;
  type: string;
  signaturePath: string;
  valid: boolean;
  /** Why it is invalid (Chinese); empty when valid. */
  reasons: string[];
  /** Facts that do not invalidate the signature but a reader should know (Chinese). */
  warnings: string[];
  format?: 'GB/T 38540 (v4)' | 'GM/T 0031-2014 (v1)';
  sealName?: string;
  esID?: string;
  sealPicture?: { type: string; data: Buffer; widthMm: number; heightMm: number };
  sealValidity?: { start?: Date; end?: Date };
  signer?: OfdCertificateSummary;
  sealMaker?: OfdCertificateSummary;
  signingTime?: Date;
  /** SignatureDateTime as written in Signature.xml. */
  signatureDateTime?: string;
  algorithm?: string;
  provider?: string;
  checkMethod?: string;
  references: {
    total: number;
    /** Files whose content changed after signing. */
    changed: string[];
    /** Referenced files no longer in the package. */
    missing: string[];
    /** Files in the package that the signature does not cover (other than later signatures). */
    added: string[];
  };
  checks: {
    references: boolean;
    dataHash: boolean;
    signature: boolean;
    sealSignature: boolean;
    signerInSealCertList: boolean;
    sealFileMatches: boolean;
    withinValidity: boolean;
  };
  stampAnnots: OfdStampAnnot[];
  /** Only with `trustedCerts`: whether the signer's / seal maker's certificate chains to one of them.
   *  Trust is reported beside `valid`, as for PDF signatures: integrity does not depend on it. */
  signerTrusted?: boolean;
  sealMakerTrusted?: boolean;
}

export interface OfdVerifyOptions {
  limits?: PackageLimits;
  /** PEM certificates (roots and intermediates) that the signer and seal maker should chain to. */
  trustedCerts?: string[];
}

export interface OfdVerifyReport {
  /** True when the document has at least one signature and all are valid. */
  valid: boolean;
  signatures: OfdSignatureReport[];
  /** Chinese summary, e.g. 「共 2 个签章，全部有效」. */
  summary: string;
}

type HashName = 'sm3' | 'sha256' | 'sha1' | 'md5';

/** CheckMethod as a name ("SM3", "SHA-256", "MD5") or an OID. */
export function hashForCheckMethod(method: string | undefined, sampleLength: number): HashName | undefined {
  if (!method) return sampleLength === 16 ? 'md5' : sampleLength === 32 ? 'sm3' : undefined;
  const m = method
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
  const table: Record<string, HashName> = {
    sm3: 'sm3',
    '1.2.156.10197.1.401': 'sm3',
    sha256: 'sha256',
    '2.16.840.1.101.3.4.2.1': 'sha256',
    sha1: 'sha1',
    '1.3.14.3.2.26': 'sha1',
    md5: 'md5',
    '1.2.840.113549.2.5': 'md5',
  };
  return table[m];
}

function summarize(c: ParsedCertificate): OfdCertificateSummary {
  const { subject, issuer, serialNumber, notBefore, notAfter } = c.info;
  return { subject, issuer, serialNumber, notBefore, notAfter };
}

const fmt = (d: Date) => `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** SM2 signatures are DER {r,s}; some vendors store the raw 64-byte r‖s. */
function normalizeSm2Signature(sig: Buffer): Buffer {
  if (sig.length === 64 && sig[0] !== 0x30) {
    return encodeSm2Signature(
      BigInt(`0x${sig.subarray(0, 32).toString('hex')}`),
      BigInt(`0x${sig.subarray(32).toString('hex')}`),
    );
  }
  return sig;
}

function verifySig(cert: ParsedCertificate, algOid: string, data: Buffer, sig: Buffer): boolean {
  try {
    const alg = cert.sm2Point ? OID_SM2_WITH_SM3 : algOid;
    return verifyWithKey(cert, alg, data, cert.sm2Point ? normalizeSm2Signature(sig) : sig);
  } catch {
    return false;
  }
}

function newReport(entry: SignatureEntry): OfdSignatureReport {
  return {
    id: entry.id,
    type: entry.type,
    signaturePath: entry.path,
    valid: false,
    reasons: [],
    warnings: [],
    references: { total: 0, changed: [], missing: [], added: [] },
    checks: {
      references: false,
      dataHash: false,
      signature: false,
      sealSignature: false,
      signerInSealCertList: false,
      sealFileMatches: true,
      withinValidity: false,
    },
    stampAnnots: [],
  };
}

function checkReferences(files: OfdFiles, signedInfo: XmlNode, sigDir: string, r: OfdSignatureReport): Set<string> {
  const refsNode = child(signedInfo, 'References');
  const refs = children(refsNode, 'Reference');
  const method = attr(refsNode, 'CheckMethod');
  r.checkMethod = method ?? '(未声明)';
  r.references.total = refs.length;
  const covered = new Set<string>();
  if (refs.length === 0) {
    r.reasons.push('签名未保护任何文件（References 为空）');
    return covered;
  }
  for (const ref of refs) {
    const loc = attr(ref, 'FileRef') ?? '';
    const path = resolveLoc(loc, sigDir);
    const expected = Buffer.from(textOf(child(ref, 'CheckValue')) ?? '', 'base64');
    const hash = hashForCheckMethod(method, expected.length);
    if (!hash) {
      r.reasons.push(`不支持的文件摘要算法「${method}」`);
      return covered;
    }
    const real = path ? findFile(files, path) : undefined;
    if (!real) {
      r.references.missing.push(loc);
      continue;
    }
    covered.add(real);
    if (!digest(hash, files.get(real) as Uint8Array).equals(expected)) r.references.changed.push(`/${real}`);
  }
  if (r.references.changed.length) r.reasons.push(`签章后以下文件被修改：${r.references.changed.join('、')}`);
  if (r.references.missing.length) r.reasons.push(`签章保护的以下文件已缺失：${r.references.missing.join('、')}`);
  r.checks.references = r.references.changed.length === 0 && r.references.missing.length === 0;
  return covered;
}

function readStampAnnots(signedInfo: XmlNode, doc: OfdDocument): OfdStampAnnot[] {
  return children(signedInfo, 'StampAnnot').map((a) => {
    const pageRef = attr(a, 'PageRef') ?? '';
    return {
      id: attr(a, 'ID') ?? '',
      pageRef,
      page: doc.pages.find((p) => p.id === pageRef)?.index,
      boundary: parseBox(attr(a, 'Boundary')),
      clip: parseBox(attr(a, 'Clip')),
    };
  });
}

function checkSes(ses: ParsedSesSignature, sigXml: Uint8Array, r: OfdSignatureReport, expectedProperty: string): void {
  r.format = ses.version === 'v4' ? 'GB/T 38540 (v4)' : 'GM/T 0031-2014 (v1)';
  r.sealName = ses.seal.name;
  r.esID = ses.seal.esID;
  r.sealPicture = ses.seal.picture;
  r.sealValidity = { start: ses.seal.validStart, end: ses.seal.validEnd };
  r.signingTime = ses.time;
  r.algorithm = SIGNATURE_ALGORITHM_NAMES[ses.signatureAlgOid] ?? ses.signatureAlgOid;

  // dataHash: SM3 of Signature.xml (GB/T 38540 §7.2); SHA-256 accepted for old RSA-era files
  const hashes = [digest('sm3', sigXml), digest('sha256', sigXml)];
  r.checks.dataHash = hashes.some((h) => h.equals(ses.dataHash));
  if (!r.checks.dataHash) r.reasons.push('签名描述文件（Signature.xml）在签章后被修改（原文杂凑值不符）');
  if (ses.propertyInfo && ses.propertyInfo.replace(/^\//, '') !== expectedProperty) {
    r.warnings.push(`电子签章数据记录的原文位置为「${ses.propertyInfo}」，与实际位置「/${expectedProperty}」不同`);
  }

  let signer: ParsedCertificate | undefined;
  try {
    signer = parseCertificate(ses.signerCert);
    r.signer = summarize(signer);
  } catch {
    r.reasons.push('签章人证书无法解析');
  }
  if (signer) {
    r.checks.signature = verifySig(signer, ses.signatureAlgOid, ses.tbsRaw, ses.signature);
    if (!r.checks.signature) r.reasons.push('电子签章签名值验证失败（签章数据被篡改或证书不符）');
  }

  let maker: ParsedCertificate | undefined;
  try {
    maker = parseCertificate(ses.seal.makerCert);
    r.sealMaker = summarize(maker);
  } catch {
    r.reasons.push('制章人证书无法解析');
  }
  if (maker) {
    r.checks.sealSignature = verifySig(maker, ses.seal.signAlgOid, ses.seal.sealInfoRaw, ses.seal.signedValue);
    if (!r.checks.sealSignature) r.reasons.push('电子印章的制章人签名验证失败（印章数据被篡改）');
  }

  const seal = ses.seal;
  if (seal.certListType === 1) r.checks.signerInSealCertList = seal.certs.some((c) => c.equals(ses.signerCert));
  else {
    r.checks.signerInSealCertList = seal.certDigests.some((d) => {
      const alg = hashForCheckMethod(d.type, d.value.length);
      return alg !== undefined && digest(alg, ses.signerCert).equals(d.value);
    });
  }
  if (!r.checks.signerInSealCertList) r.reasons.push('签章人证书不在电子印章的签章人证书列表中');

  const at = ses.time;
  if (!at) {
    r.reasons.push('电子签章数据缺少签章时间');
    return;
  }
  const problems: string[] = [];
  if ((seal.validStart && at < seal.validStart) || (seal.validEnd && at > seal.validEnd)) {
    problems.push(`签章时间 ${fmt(at)} 不在印章有效期内`);
  }
  if (signer && (at < signer.info.notBefore || at > signer.info.notAfter))
    problems.push(`签章时间 ${fmt(at)} 不在签章人证书有效期内`);
  r.reasons.push(...problems);
  r.checks.withinValidity = problems.length === 0;
}

/** Walks issuer links through `trusted` (signatures checked) until it meets a trusted certificate. */
function chainsTo(cert: ParsedCertificate, trusted: ParsedCertificate[]): boolean {
  let current = cert;
  for (let depth = 0; depth < 10; depth++) {
    if (trusted.some((t) => t.der.equals(current.der))) return true;
    const issuer = trusted.find(
      (t) => t.subjectRaw.equals(current.issuerRaw) && verifyCertificateSignature(current, t),
    );
    if (!issuer) return false;
    current = issuer;
  }
  return false;
}

function checkTrust(ses: ParsedSesSignature, r: OfdSignatureReport, trusted: ParsedCertificate[]): void {
  const judge = (der: Buffer) => {
    try {
      return chainsTo(parseCertificate(der), trusted);
    } catch {
      return false;
    }
  };
  r.signerTrusted = judge(ses.signerCert);
  r.sealMakerTrusted = judge(ses.seal.makerCert);
  if (!r.signerTrusted) r.warnings.push('签章人证书不是由受信任的证书机构签发的');
  if (!r.sealMakerTrusted) r.warnings.push('制章人证书不是由受信任的证书机构签发的');
}

function verifyOne(
  files: OfdFiles,
  doc: OfdDocument,
  index: number,
  trusted?: ParsedCertificate[],
): OfdSignatureReport {
  const entry = doc.signatures[index] as SignatureEntry;
  const r = newReport(entry);
  const sigXmlPath = findFile(files, entry.path);
  if (!sigXmlPath) {
    r.reasons.push(`签名描述文件「/${entry.path}」缺失`);
    return r;
  }
  const sigDir = dirOf(sigXmlPath);
  let sig: XmlNode;
  try {
    sig = readXmlFile(files, sigXmlPath).Signature as XmlNode;
  } catch (e) {
    r.reasons.push((e as { zh?: string }).zh ?? (e as Error).message);
    return r;
  }
  const signedInfo = child(sig, 'SignedInfo') as XmlNode;
  const provider = child(signedInfo, 'Provider');
  r.provider =
    [attr(provider, 'ProviderName'), attr(provider, 'Company'), attr(provider, 'Version')]
      .filter(Boolean)
      .join(' / ') || undefined;
  r.signatureDateTime = textOf(child(signedInfo, 'SignatureDateTime'));
  r.stampAnnots = readStampAnnots(signedInfo, doc);
  const covered = checkReferences(files, signedInfo, sigDir, r);

  // Files not covered: the signature list, and this and later signatures' own folders, are expected.
  const laterDirs = doc.signatures.slice(index).map((s) => `${dirOf(s.path)}/`);
  r.references.added = [...files.keys()]
    .filter((f) => !covered.has(f) && f !== doc.signaturesPath && !laterDirs.some((d) => f.startsWith(d)))
    .map((f) => `/${f}`);
  if (r.references.added.length)
    r.warnings.push(`以下文件不在该签章保护范围内（可能为签章后添加）：${r.references.added.join('、')}`);

  const svLoc = textOf(child(sig, 'SignedValue'));
  const svPath = svLoc ? resolveLoc(svLoc, sigDir) : undefined;
  const svReal = svPath ? findFile(files, svPath) : undefined;
  if (!svReal) {
    r.reasons.push('电子签章数据文件（SignedValue）缺失');
    return r;
  }
  let ses: ParsedSesSignature;
  try {
    ses = parseSesSignature(files.get(svReal) as Uint8Array);
  } catch (e) {
    r.reasons.push(
      entry.type === 'Sign'
        ? '该签名为数字签名（Type=Sign，GB/T 35275 格式），暂不支持验证其签名值'
        : ((e as { zh?: string }).zh ?? '电子签章数据无法解析'),
    );
    return r;
  }
  checkSes(ses, files.get(sigXmlPath) as Uint8Array, r, sigXmlPath);
  if (trusted) checkTrust(ses, r, trusted);

  const sealLoc = textOf(child(child(signedInfo, 'Seal'), 'BaseLoc'));
  if (sealLoc) {
    const sealPath = resolveLoc(sealLoc, sigDir);
    const sealReal = sealPath ? findFile(files, sealPath) : undefined;
    r.checks.sealFileMatches = !!sealReal && Buffer.from(files.get(sealReal) as Uint8Array).equals(ses.seal.raw);
    if (!r.checks.sealFileMatches) r.reasons.push('印章文件（Seal.esl）与电子签章数据中的印章不一致');
  }
  const method = textOf(child(signedInfo, 'SignatureMethod'));
  if (method && method !== ses.signatureAlgOid && !/sm2/i.test(method)) {
    r.warnings.push(`Signature.xml 声明的签名算法「${method}」与签章数据中的「${ses.signatureAlgOid}」不同`);
  }
  r.valid = r.reasons.length === 0 && Object.values(r.checks).every(Boolean);
  return r;
}

/** 验证 OFD 中的全部电子签章. */
export function verifyOfd(input: Uint8Array, opts: OfdVerifyOptions = {}): OfdVerifyReport {
  const trusted = opts.trustedCerts?.flatMap((pem) => pemToDers(pem)).map((der) => parseCertificate(der));
  const files = readOfdPackage(input, opts.limits);
  const doc = openDocument(files);
  const signatures = doc.signatures.map((_, i) => verifyOne(files, doc, i, trusted));
  const invalid = signatures.filter((s) => !s.valid).length;
  const summary =
    signatures.length === 0
      ? '文档未签章'
      : invalid === 0
        ? `共 ${signatures.length} 个签章，全部有效`
        : `共 ${signatures.length} 个签章，其中 ${invalid} 个无效`;
  return { valid: signatures.length > 0 && invalid === 0, signatures, summary };
}
