/** Cryptography of the Jiyue seal engine (电子印章密码模块): keys, certificates, CMS for PDF signatures. */

export {
  type CertificateInfo,
  type CreateCertificateOptions,
  createCertificate,
  type KeyUsageName,
  parseCertificate,
  type SubjectName,
  verifyCertificateSignature,
} from './cert.js';
export { addTimestampToCms, maxCmsLength, type SignCmsOptions, signatureValueOf, signCms, signCmsSync } from './cms.js';
export { SealCryptoError } from './errors.js';
export { createHasher, type DigestAlgorithm, digest } from './hash.js';
export {
  derToPem,
  generateKeyPair,
  type KeyAlgorithm,
  type KeyPairPem,
  loadPrivateKey,
  parsePkcs12,
  pemToDers,
  sm2PrivateKeyPemFromScalar,
  sm2PublicKeyPemFromPoint,
  sm2PublicPoint,
} from './keys.js';
export { digestAlgorithmFor, type LoadSignerOptions, loadSigner, type Signer, type SubFilter } from './signer.js';
export {
  decodeSm2Signature,
  encodeSm2Signature,
  SM2_DEFAULT_ID,
  Sm2PrivateKey,
  sm2Verify,
  sm2VerifyDigest,
  sm2ZValue,
} from './sm2.js';
export { readTimestampToken, requestTimestamp, type TstInfo } from './tsp.js';
export { type VerifyCode, type VerifyOptions, type VerifyResult, verifyCms } from './verify.js';
