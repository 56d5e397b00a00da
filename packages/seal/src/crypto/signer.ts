/**
 * A Signer is parsed once and then signs many times: the certificate's DER, the constant parts
 * of SignedData (digest algorithms, certificates, signer identifier, ESS attribute) are encoded
 * here, so that one signature costs one hash, one private-key operation and a few Buffer.concat.
 */
import { sign as nodeSign } from 'node:crypto';
import { type CertificateInfo, type ParsedCertificate, parseCertificate } from './cert.js';
import { ctx, nullValue, octetString, oid, seq, set, TAG, tlv } from './der.js';
import { SealCryptoError } from './errors.js';
import { type DigestAlgorithm, digest } from './hash.js';
import { type KeyAlgorithm, type LoadedPrivateKey, loadPrivateKey, parsePkcs12, pemToDers } from './keys.js';
import { OID } from './oids.js';

export type SubFilter = 'adbe.pkcs7.detached' | 'ETSI.CAdES.detached';

export interface LoadSignerOptions {
  keyPem?: string;
  p12?: Buffer;
  password?: string;
  certPem?: string;
  certDer?: Buffer;
  chainPem?: string | string[];
}

/** Pre-encoded, signer-constant parts of the CMS structure. */
export interface SignerTemplate {
  digestAlgorithmId: Buffer; // AlgorithmIdentifier
  signatureAlgorithmId: Buffer;
  digestAlgorithmsSet: Buffer; // SET OF AlgorithmIdentifier
  encapContentInfo: Buffer; // SEQUENCE { id-data } — detached
  certificates: Buffer; // [0] IMPLICIT SET OF Certificate
  sid: Buffer; // IssuerAndSerialNumber
  contentTypeAttr: Buffer;
  signingCertificateV2Attr: Buffer;
}

export interface Signer {
  algorithm: KeyAlgorithm;
  digestAlgorithm: DigestAlgorithm;
  certificate: CertificateInfo;
  chain: CertificateInfo[];
  /** Raw signature over `data`: RSA PKCS#1 v1.5 with SHA-256, or SM2 over SM3(Z ‖ data), DER {r,s}. */
  signRaw(data: Buffer): Buffer;
  /** Largest signature value this key can produce, in bytes. */
  readonly signatureMaxLength: number;
  /** @internal constant CMS pieces */
  readonly template: SignerTemplate;
}

function samePublicKey(key: LoadedPrivateKey, cert: ParsedCertificate): boolean {
  const a = key.publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
  const b = cert.publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
  return a.equals(b);
}

function algorithmIdentifier(id: string, withNull: boolean): Buffer {
  return withNull ? seq(oid(id), nullValue()) : seq(oid(id));
}

function buildTemplate(key: LoadedPrivateKey, cert: ParsedCertificate, chain: ParsedCertificate[]): SignerTemplate {
  const sm2 = key.algorithm === 'sm2';
  const digestAlgorithmId = sm2 ? algorithmIdentifier(OID.sm3, false) : algorithmIdentifier(OID.sha256, true);
  const signatureAlgorithmId = sm2
    ? algorithmIdentifier(OID.sm2WithSm3, false)
    : algorithmIdentifier(OID.rsaEncryption, true);
  const sid = seq(cert.issuerRaw, tlv(TAG.INTEGER, cert.serialRaw));
  // ESS signing-certificate-v2 (RFC 5035): binds the signer certificate to the signature, which
  // PAdES/CAdES require. hashAlgorithm defaults to SHA-256 and must then be omitted (DER).
  const certHash = digest(sm2 ? 'sm3' : 'sha256', cert.der);
  const issuerSerial = seq(seq(ctx(4, cert.issuerRaw)), tlv(TAG.INTEGER, cert.serialRaw));
  const essCertId = sm2
    ? seq(digestAlgorithmId, octetString(certHash), issuerSerial)
    : seq(octetString(certHash), issuerSerial);
  return {
    digestAlgorithmId,
    signatureAlgorithmId,
    digestAlgorithmsSet: set(digestAlgorithmId),
    encapContentInfo: seq(oid(OID.data)),
    certificates: ctx(0, cert.der, ...chain.map((c) => c.der)),
    sid,
    contentTypeAttr: seq(oid(OID.contentType), set(oid(OID.data))),
    signingCertificateV2Attr: seq(oid(OID.signingCertificateV2), set(seq(seq(essCertId)))),
  };
}

function resolveKeyAndCerts(opts: LoadSignerOptions): { keyPem: string; certDers: Buffer[] } {
  const extra = typeof opts.chainPem === 'string' ? [opts.chainPem] : (opts.chainPem ?? []);
  const chainDers = extra.flatMap((pem) => pemToDers(pem));
  if (opts.p12) {
    const { keyPem, certPems } = parsePkcs12(opts.p12, opts.password ?? '');
    const explicit = opts.certDer ?? (opts.certPem ? pemToDers(opts.certPem)[0] : undefined);
    return {
      keyPem,
      certDers: [...(explicit ? [explicit] : []), ...certPems.flatMap((p) => pemToDers(p)), ...chainDers],
    };
  }
  if (!opts.keyPem) throw new SealCryptoError('bad_key', '须提供私钥（keyPem 或 p12）', 'keyPem or p12 is required');
  const cert = opts.certDer ?? (opts.certPem ? pemToDers(opts.certPem)[0] : undefined);
  if (!cert)
    throw new SealCryptoError(
      'bad_certificate',
      '须提供签名证书（certPem 或 certDer）',
      'certPem or certDer is required',
    );
  return { keyPem: opts.keyPem, certDers: [cert, ...chainDers] };
}

export function loadSigner(opts: LoadSignerOptions): Signer {
  const { keyPem, certDers } = resolveKeyAndCerts(opts);
  const key = loadPrivateKey(keyPem);
  const certs = certDers.map((der) => parseCertificate(der));
  // A p12 may list the CA before the end-entity certificate: pick the one matching the key.
  const signerCert = certs.find((c) => samePublicKey(key, c));
  if (!signerCert) {
    throw new SealCryptoError(
      'key_cert_mismatch',
      '私钥与签名证书不匹配',
      'the private key does not match the signer certificate',
    );
  }
  const seen = new Set([signerCert.der.toString('base64')]);
  const chain = certs.filter((c) => {
    const id = c.der.toString('base64');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const template = buildTemplate(key, signerCert, chain);
  const signRaw = key.sm2
    ? (data: Buffer) => (key.sm2 as NonNullable<typeof key.sm2>).sign(data)
    : (data: Buffer) => nodeSign('sha256', data, key.keyObject);
  return {
    algorithm: key.algorithm,
    digestAlgorithm: key.algorithm === 'sm2' ? 'sm3' : 'sha256',
    certificate: signerCert.info,
    chain: chain.map((c) => c.info),
    signRaw,
    signatureMaxLength: key.signatureMaxLength,
    template,
  };
}

export function digestAlgorithmFor(signer: Pick<Signer, 'algorithm'>): DigestAlgorithm {
  return signer.algorithm === 'sm2' ? 'sm3' : 'sha256';
}
