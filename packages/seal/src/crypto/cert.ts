/**
 * X.509 certificates (数字证书): parsing into the fields the seal engine reports, signature checks
 * for RSA and SM2 issuers, and creation of certificates for a small development CA.
 */
import {
  createHash,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
} from 'node:crypto';
import {
  bitString,
  boolean,
  child,
  ctx,
  ctxPrim,
  decodeTime,
  ia5,
  integer,
  type Node,
  nullValue,
  octetString,
  oid,
  parse,
  printable,
  readOid,
  readString,
  readUint,
  seq,
  set,
  TAG,
  time,
  uintBytes,
  utf8,
} from './der.js';
import { SealCryptoError } from './errors.js';
import { derToPem, type KeyAlgorithm, keyAlgorithmOf, loadPrivateKey, pemToDers, sm2PublicPoint } from './keys.js';
import { NAME_BY_OID, NAME_OIDS, OID, SIGNATURE_ALGORITHM_NAMES } from './oids.js';
import { sm2Verify } from './sm2.js';

export interface CertificateInfo {
  subject: string;
  subjectFields: Record<string, string>;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** 'ecdsa' only for other CAs' certificates met while verifying; the engine never signs with it. */
  keyAlgorithm: KeyAlgorithm | 'ecdsa';
  signatureAlgorithm: string;
  isCa: boolean;
  der: Buffer;
  pem: string;
}

/** A parsed certificate with the raw pieces signature checks and CMS encoding need. */
export interface ParsedCertificate {
  info: CertificateInfo;
  der: Buffer;
  tbs: Buffer;
  serialRaw: Buffer; // INTEGER content octets as encoded
  issuerRaw: Buffer; // whole Name element
  subjectRaw: Buffer;
  spkiRaw: Buffer;
  signatureAlgorithmOid: string;
  signatureValue: Buffer;
  publicKey: KeyObject;
  /** SM2 keys: the public point 04‖x‖y. */
  sm2Point?: Buffer;
  subjectKeyId?: Buffer;
}

function badCert(why: string, cause?: unknown): SealCryptoError {
  return new SealCryptoError('bad_certificate', `证书格式错误：${why}`, `malformed certificate: ${why}`, { cause });
}

function readName(name: Node): { text: string; fields: Record<string, string> } {
  const parts: string[] = [];
  const fields: Record<string, string> = {};
  for (const rdn of name.children) {
    for (const atv of rdn.children) {
      const type = readOid(child(atv, 0));
      const key = NAME_BY_OID[type] ?? type;
      const value = readString(child(atv, 1));
      fields[key] = fields[key] ? `${fields[key]}, ${value}` : value;
      parts.push(`${key}=${value}`);
    }
  }
  // RFC 4514 prints the most specific RDN first
  return { text: parts.reverse().join(', '), fields };
}

export function parseCertificate(input: Buffer | string): ParsedCertificate {
  const der = typeof input === 'string' ? pemToDers(input)[0] : input;
  if (!der) throw badCert('no CERTIFICATE block in the PEM text');
  let cert: Node;
  try {
    cert = parse(der);
  } catch (cause) {
    throw badCert('not DER', cause);
  }
  try {
    const tbs = child(cert, 0, TAG.SEQUENCE);
    let i = tbs.children[0]?.tag === 0xa0 ? 1 : 0;
    const serial = child(tbs, i++, TAG.INTEGER);
    const tbsSigAlg = child(tbs, i++, TAG.SEQUENCE);
    const issuer = child(tbs, i++, TAG.SEQUENCE);
    const validity = child(tbs, i++, TAG.SEQUENCE);
    const subject = child(tbs, i++, TAG.SEQUENCE);
    const spki = child(tbs, i++, TAG.SEQUENCE);
    const extensions = tbs.children.find((c) => c.tag === 0xa3);
    const outerAlg = child(cert, 1, TAG.SEQUENCE);
    const sigAlg = readOid(child(outerAlg, 0));
    const sigBits = child(cert, 2, TAG.BIT_STRING).value;
    // Fields outside the TBS are not covered by the signature: accept only their one DER form,
    // so that a certificate's bytes cannot be altered while it still verifies.
    if (!outerAlg.raw.equals(tbsSigAlg.raw)) throw badCert('signatureAlgorithm differs from the TBS signature field');
    if (sigBits[0] !== 0 || cert.children.length !== 3) throw badCert('non-canonical signature encoding');
    const signatureValue = sigBits.subarray(1);

    const publicKey = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
    const isEcdsa = publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve !== 'SM2';
    const keyAlgorithm = isEcdsa ? 'ecdsa' : keyAlgorithmOf(publicKey);
    let isCa = false;
    let subjectKeyId: Buffer | undefined;
    for (const ext of extensions ? child(extensions, 0).children : []) {
      const extOid = readOid(child(ext, 0));
      const extValue = parse(ext.children[ext.children.length - 1].value);
      if (extOid === OID.basicConstraints)
        isCa = extValue.children[0]?.tag === TAG.BOOLEAN && extValue.children[0].value[0] !== 0;
      if (extOid === OID.subjectKeyIdentifier) subjectKeyId = extValue.value;
    }
    const issuerName = readName(issuer);
    const subjectName = readName(subject);
    const info: CertificateInfo = {
      subject: subjectName.text,
      subjectFields: subjectName.fields,
      issuer: issuerName.text,
      serialNumber: readUint(serial).toString('hex'),
      notBefore: decodeTime(child(validity, 0)),
      notAfter: decodeTime(child(validity, 1)),
      keyAlgorithm,
      signatureAlgorithm: SIGNATURE_ALGORITHM_NAMES[sigAlg] ?? sigAlg,
      isCa,
      der,
      pem: derToPem(der, 'CERTIFICATE'),
    };
    return {
      info,
      der,
      tbs: tbs.raw,
      serialRaw: serial.value,
      issuerRaw: issuer.raw,
      subjectRaw: subject.raw,
      spkiRaw: spki.raw,
      signatureAlgorithmOid: sigAlg,
      signatureValue,
      publicKey,
      sm2Point: keyAlgorithm === 'sm2' ? sm2PublicPoint(publicKey) : undefined,
      subjectKeyId,
    };
  } catch (cause) {
    if (cause instanceof SealCryptoError && cause.code !== 'malformed') throw cause;
    throw badCert((cause as Error).message, cause);
  }
}

/** Verifies a signature made by `signer`'s key with the algorithm named by `sigAlgOid`
 *  (certificates, CMS signer infos with sha256WithRSA, SM2-with-SM3). */
export function verifyWithKey(
  signer: Pick<ParsedCertificate, 'publicKey' | 'sm2Point'>,
  sigAlgOid: string,
  data: Buffer,
  signature: Buffer,
  digestName?: string,
): boolean {
  if (signer.sm2Point) {
    // SM2 keys: SM2-with-SM3, or the key/curve OIDs some GM/T 0010 producers put here instead
    const sm2Ids: string[] = [OID.sm2WithSm3, OID.sm2Sign, OID.sm2Curve, OID.ecPublicKey];
    return sm2Ids.includes(sigAlgOid) && sm2Verify(signer.sm2Point, data, signature);
  }
  const hashBySignatureOid: Record<string, string> = {
    [OID.sha256WithRsa]: 'sha256',
    [OID.sha384WithRsa]: 'sha384',
    [OID.sha512WithRsa]: 'sha512',
    [OID.sha1WithRsa]: 'sha1',
    [OID.ecdsaWithSha256]: 'sha256',
    [OID.ecdsaWithSha384]: 'sha384',
    [OID.ecdsaWithSha512]: 'sha512',
  };
  // rsaEncryption / id-ecPublicKey name only the key type: the hash is the CMS digestAlgorithm
  const keyOnly = sigAlgOid === OID.rsaEncryption || sigAlgOid === OID.ecPublicKey;
  const hash = hashBySignatureOid[sigAlgOid] ?? (keyOnly ? digestName : undefined);
  if (!hash) {
    throw new SealCryptoError(
      'unsupported_algorithm',
      `不支持的签名算法：${sigAlgOid}`,
      `unsupported signature algorithm ${sigAlgOid}`,
    );
  }
  try {
    return nodeVerify(hash, data, signer.publicKey, signature);
  } catch {
    return false; // e.g. an RSA OID with an EC key
  }
}

/** Does `issuer`'s key verify `cert`'s signature? */
export function verifyCertificateSignature(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return verifyWithKey(issuer, cert.signatureAlgorithmOid, cert.tbs, cert.signatureValue);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Creation

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';
const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};
export type ExtendedKeyUsageName = 'timeStamping' | 'emailProtection' | 'codeSigning';
const EKU_OIDS: Record<ExtendedKeyUsageName, string> = {
  timeStamping: OID.kpTimeStamping,
  emailProtection: OID.kpEmailProtection,
  codeSigning: OID.kpCodeSigning,
};

export interface SubjectName {
  CN: string;
  O?: string;
  OU?: string;
  C?: string;
  ST?: string;
  L?: string;
  E?: string;
  SERIALNUMBER?: string;
  organizationIdentifier?: string;
}

/** Order from the most general RDN to the most specific, as CAs conventionally encode them. */
const NAME_ORDER = ['C', 'ST', 'L', 'O', 'OU', 'organizationIdentifier', 'SERIALNUMBER', 'CN', 'E'] as const;

export function encodeName(subject: SubjectName): Buffer {
  const unknown = Object.keys(subject).filter((k) => !(NAME_ORDER as readonly string[]).includes(k));
  if (unknown.length) throw badCert(`unknown subject attribute(s) ${unknown.join(', ')}`);
  if (!subject.CN?.trim())
    throw new SealCryptoError('bad_subject', '证书主题须包含通用名称（CN）', 'subject.CN is required');
  if (subject.C !== undefined && !/^[A-Z]{2}$/.test(subject.C)) {
    throw new SealCryptoError(
      'bad_subject',
      '国家代码（C）须为两位大写字母，如 CN',
      'subject.C must be a two-letter country code',
    );
  }
  const rdns = NAME_ORDER.flatMap((key) => {
    const value = subject[key];
    if (value === undefined || value === '') return [];
    const encoded = key === 'C' || key === 'SERIALNUMBER' ? printable(value) : key === 'E' ? ia5(value) : utf8(value);
    return [set(seq(oid(NAME_OIDS[key]), encoded))];
  });
  return seq(...rdns);
}

function keyUsageBitString(usages: KeyUsageName[]): Buffer {
  let byte = 0;
  for (const u of usages) {
    if (!(u in KEY_USAGE_BITS)) throw badCert(`unknown keyUsage ${u}`);
    byte |= 0x80 >> KEY_USAGE_BITS[u];
  }
  if (byte === 0) return Buffer.from([TAG.BIT_STRING, 1, 0]);
  let unused = 0;
  while (!((byte >> unused) & 1)) unused++;
  return Buffer.from([TAG.BIT_STRING, 2, unused, byte]);
}

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  critical ? seq(oid(id), boolean(true), octetString(value)) : seq(oid(id), octetString(value));

/** SHA-1 of the subjectPublicKey bits — RFC 5280 §4.2.1.2 method (1). */
function keyIdentifier(spkiRaw: Buffer): Buffer {
  const bits = child(parse(spkiRaw), 1, TAG.BIT_STRING).value.subarray(1);
  return createHash('sha1').update(bits).digest();
}

export interface CreateCertificateOptions {
  subject: SubjectName;
  publicKeyPem: string;
  /** 'self' signs with `privateKeyPem`; otherwise the issuing CA's key and certificate. */
  issuer: 'self' | { keyPem: string; certPem: string };
  privateKeyPem?: string;
  days?: number;
  notBefore?: Date;
  isCa?: boolean;
  keyUsage?: KeyUsageName[];
  extendedKeyUsage?: ExtendedKeyUsageName[];
  serialNumber?: Buffer;
}

export function createCertificate(opts: CreateCertificateOptions): string {
  let spkiRaw: Buffer;
  let subjectKey: KeyObject;
  try {
    subjectKey = createPublicKey(opts.publicKeyPem);
    spkiRaw = subjectKey.export({ type: 'spki', format: 'der' }) as Buffer;
  } catch (cause) {
    throw new SealCryptoError('bad_key', '无法读取公钥（须为 PEM 格式）', 'cannot read publicKeyPem', { cause });
  }
  keyAlgorithmOf(subjectKey);
  const subjectName = encodeName(opts.subject);

  let issuerKeyPem: string;
  let issuerName: Buffer;
  let authorityKeyId: Buffer;
  if (opts.issuer === 'self') {
    if (!opts.privateKeyPem) {
      throw new SealCryptoError('bad_key', '自签名证书需要提供私钥 privateKeyPem', "issuer 'self' needs privateKeyPem");
    }
    issuerKeyPem = opts.privateKeyPem;
    issuerName = subjectName;
    authorityKeyId = keyIdentifier(spkiRaw);
  } else {
    const ca = parseCertificate(opts.issuer.certPem);
    if (!ca.info.isCa)
      throw new SealCryptoError('issuer_not_ca', '签发者证书不是 CA 证书', 'the issuer certificate is not a CA');
    issuerKeyPem = opts.issuer.keyPem;
    issuerName = ca.subjectRaw;
    authorityKeyId = ca.subjectKeyId ?? keyIdentifier(ca.spkiRaw);
  }
  const issuerKey = loadPrivateKey(issuerKeyPem);
  const expectedIssuerSpki = opts.issuer === 'self' ? spkiRaw : parseCertificate(opts.issuer.certPem).spkiRaw;
  if (
    !(issuerKey.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).equals(
      createPublicKey({ key: expectedIssuerSpki, format: 'der', type: 'spki' }).export({
        type: 'spki',
        format: 'der',
      }) as Buffer,
    )
  ) {
    throw new SealCryptoError(
      'key_cert_mismatch',
      '签发者私钥与其证书（或公钥）不匹配',
      'the issuer private key does not match its certificate / public key',
    );
  }

  const days = opts.days ?? 365;
  if (!(days > 0 && days <= 36500))
    throw new SealCryptoError('bad_validity', '有效期天数须在 1 到 36500 之间', 'days must be in 1..36500');
  const notBefore = opts.notBefore ?? new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const serial = opts.serialNumber ?? randomBytes(16);
  if (!opts.serialNumber) serial[0] &= 0x7f; // positive, as RFC 5280 requires

  const keyUsage =
    opts.keyUsage ??
    (opts.isCa ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature', 'nonRepudiation']);
  const extensions = [
    extension(OID.basicConstraints, true, opts.isCa ? seq(boolean(true)) : seq()),
    extension(OID.keyUsage, true, keyUsageBitString(keyUsage)),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spkiRaw))),
    extension(OID.authorityKeyIdentifier, false, seq(ctxPrim(0, authorityKeyId))),
  ];
  if (opts.extendedKeyUsage?.length) {
    // RFC 3161 §2.3: a TSA certificate's EKU must be critical; harmless for the others
    extensions.push(extension(OID.extKeyUsage, true, seq(...opts.extendedKeyUsage.map((u) => oid(EKU_OIDS[u])))));
  }
  const sigAlg = issuerKey.algorithm === 'sm2' ? seq(oid(OID.sm2WithSm3)) : seq(oid(OID.sha256WithRsa), nullValue());
  const tbs = seq(
    ctx(0, integer(2)),
    uintBytes(serial),
    sigAlg,
    issuerName,
    seq(time(notBefore), time(notAfter)),
    subjectName,
    spkiRaw,
    ctx(3, seq(...extensions)),
  );
  const signature = issuerKey.sm2 ? issuerKey.sm2.sign(tbs) : nodeSign('sha256', tbs, issuerKey.keyObject);
  return derToPem(seq(tbs, sigAlg, bitString(signature)), 'CERTIFICATE');
}
