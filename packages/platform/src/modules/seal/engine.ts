import { isSealError, SealCryptoError, SealImageError } from '@jiyue/seal';
import { AppError, badRequest } from '../../kernel/errors.js';

/*
 * The engine throws typed errors with a stable code and a Chinese message; the service turns them
 * into problem+json without losing either.
 */

/** Engine failures caused by the request's content (bad file, bad option) → 400 with the engine code. */
export function engineError(
  err: unknown,
  fallbackCode = 'document_invalid',
  fallbackTitle = '文件已损坏或无法解析',
): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof SealCryptoError) return badRequest(err.code, err.zh, { detail: err.message });
  if (err instanceof SealImageError) return badRequest(imageCode(err.code), err.message, { detail: err.code });
  if (isSealError(err)) {
    const e = err as unknown as { code: string; zh: string; message: string };
    if (e.code === 'seal_keyword_not_found') return badRequest('keyword_not_found', e.zh, { detail: e.code });
    if (e.code === 'pdf_field_not_found') return badRequest('field_not_found', e.zh, { detail: e.code });
    if (e.code === 'seal_invalid_option' || e.code.endsWith('_out_of_range'))
      return badRequest('options_invalid', e.zh, { detail: e.code });
    return badRequest(fallbackCode, fallbackTitle, { detail: `${e.code}: ${e.zh}` });
  }
  return err;
}

function imageCode(code: string): string {
  if (code === 'UNSUPPORTED_IMAGE_FORMAT') return 'image_unsupported';
  if (code === 'INVALID_IMAGE') return 'image_invalid';
  if (code === 'NOT_A_PDF' || code === 'PDF_UNREADABLE') return 'document_invalid';
  return 'image_generate_failed';
}
