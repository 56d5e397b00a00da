/**
 * @jiyue/seal — 电子印章 engine: PDF signing (incremental, streaming) and verification with RSA and
 * SM2/SM3, seal images, barcodes. No dependency on the platform.
 */
import type { PdfInput } from './pdf/io.js';
import { type SignPdfOptions, type SignPdfResult, signPdf as signPdfDetailed } from './pdf/sign.js';

export * from './crypto/index.js';
export * from './image/index.js';
export * from './ofd/index.js';
export { type FieldInfo, listFields } from './pdf/acroform.js';
export { isSealError, SealError, type SealErrorCode } from './pdf/errors.js';
export { type AddFieldsResult, addSignatureFields, type EmptyFieldSpec } from './pdf/fields.js';
export type { PdfInput } from './pdf/io.js';
export type { Origin, Position, Unit } from './pdf/placement.js';
export { type PermissionOptions, restrictPermissions } from './pdf/protect.js';
export { PdfReader } from './pdf/reader.js';
export type { BarcodeSpec, SignPdfOptions, SignPdfResult, StraddleOptions } from './pdf/sign.js';
export {
  type ChangeKind,
  type DocumentChange,
  type SignatureReport,
  type VerifyPdfOptions,
  type VerifyPdfReport,
  verifyPdf,
} from './pdf/verify.js';
export { signPdfDetailed };

/**
 * Signs a PDF. Returns the signed bytes, or `{ path }` when `options.output` is given (the file is
 * written to a temporary name and renamed, so it never exists half-written). Use
 * `signPdfDetailed` for the field name and byte range as well.
 */
export async function signPdf(input: PdfInput, options: SignPdfOptions & { output: string }): Promise<{ path: string }>;
export async function signPdf(input: PdfInput, options: SignPdfOptions): Promise<Buffer>;
export async function signPdf(input: PdfInput, options: SignPdfOptions): Promise<Buffer | { path: string }> {
  const r: SignPdfResult = await signPdfDetailed(input, options);
  return r.path ? { path: r.path } : r.pdf!;
}
