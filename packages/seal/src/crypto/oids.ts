/** Object identifiers used by the seal engine. GM/T 0006 (国密) and RFC 5652/5035/3161. */
export const OID = {
  // 国密 SM2/SM3 (GM/T 0006-2012)
  sm2Curve: '1.2.156.10197.1.301',
  sm3: '1.2.156.10197.1.401',
  sm2WithSm3: '1.2.156.10197.1.501',
  /** "sm2sign" — some GM/T 0010 producers name the signature algorithm with this OID instead. */
  sm2Sign: '1.2.156.10197.1.301.1',
  ecPublicKey: '1.2.840.10045.2.1',
  // RSA / SHA-2
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // CMS
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  // X.509
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpEmailProtection: '1.3.6.1.5.5.7.3.4',
  kpCodeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

/** Distinguished-name attribute types, short name ↔ OID. */
export const NAME_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  E: '1.2.840.113549.1.9.1',
  // 统一社会信用代码 is commonly carried in organizationIdentifier
  organizationIdentifier: '2.5.4.97',
};
export const NAME_BY_OID: Record<string, string> = Object.fromEntries(
  Object.entries(NAME_OIDS).map(([k, v]) => [v, k]),
);

export const SIGNATURE_ALGORITHM_NAMES: Record<string, string> = {
  [OID.sha256WithRsa]: 'sha256WithRSAEncryption',
  [OID.sha384WithRsa]: 'sha384WithRSAEncryption',
  [OID.sha512WithRsa]: 'sha512WithRSAEncryption',
  [OID.sha1WithRsa]: 'sha1WithRSAEncryption',
  [OID.sm2WithSm3]: 'SM2-with-SM3',
  [OID.ecdsaWithSha256]: 'ecdsa-with-SHA256',
  [OID.ecdsaWithSha384]: 'ecdsa-with-SHA384',
  [OID.ecdsaWithSha512]: 'ecdsa-with-SHA512',
  [OID.rsaEncryption]: 'rsaEncryption',
};

/** Digest OID → node hash name. */
export const DIGEST_BY_OID: Record<string, string> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sha1]: 'sha1',
  [OID.sm3]: 'sm3',
};
export const OID_BY_DIGEST: Record<string, string> = Object.fromEntries(
  Object.entries(DIGEST_BY_OID).map(([k, v]) => [v, k]),
);
