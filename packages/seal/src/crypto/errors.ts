/** Error thrown for bad keys, certificates, key files or TSA failures: a stable `code` for programs,
 *  a Chinese message `zh` for people, and the English message in `message`. */
export class SealCryptoError extends Error {
  readonly code: string;
  readonly zh: string;
  constructor(code: string, zh: string, en: string, options?: { cause?: unknown }) {
    super(en, options);
    this.name = 'SealCryptoError';
    this.code = code;
    this.zh = zh;
  }
}
