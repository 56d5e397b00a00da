/** OFD 电子签章 (GB/T 33190 packages, GB/T 38540-2020 / GM/T 0031-2014 seal signatures). */
export type { OfdErrorCode } from './errors.js';
export { type PackageLimits, readOfdPackage, writeOfdPackage } from './package.js';
export { type OfdPlacement, parsePageList } from './placement.js';
export {
  makeSealV4,
  type ParsedSeal,
  type ParsedSesSignature,
  parseSeal,
  parseSesSignature,
  type SealInfoInput,
} from './ses.js';
export { type OfdSealSpec, type OfdSignResult, type SignOfdOptions, signOfd, signOfdDetailed } from './sign.js';
export {
  type OfdCertificateSummary,
  type OfdSignatureReport,
  type OfdStampAnnot,
  type OfdVerifyOptions,
  type OfdVerifyReport,
  verifyOfd,
} from './verify.js';
