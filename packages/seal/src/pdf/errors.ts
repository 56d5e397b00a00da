/**
 * Typed failures of the seal engine. `code` is stable (callers and the HTTP layer switch on it);
 * the message carries Chinese first, then English, so a CLI user and a log reader both understand it.
 */
export type SealErrorCode =
  | 'pdf_not_pdf'
  | 'pdf_truncated'
  | 'pdf_xref_corrupt'
  | 'pdf_xref_loop'
  | 'pdf_object_corrupt'
  | 'pdf_object_missing'
  | 'pdf_page_tree_corrupt'
  | 'pdf_page_out_of_range'
  | 'pdf_encrypted_unsupported'
  | 'pdf_encrypted_password_required'
  | 'pdf_filter_unsupported'
  | 'pdf_too_large'
  | 'pdf_field_not_found'
  | 'pdf_field_not_signature'
  | 'pdf_field_already_signed'
  | 'pdf_field_exists'
  | 'pdf_docmdp_forbids_changes'
  | 'seal_keyword_not_found'
  | 'seal_invalid_option'
  | 'seal_image_invalid'
  | 'seal_signature_too_large'
  | 'seal_io_failed'
  | 'ofd_not_ofd'
  | 'ofd_unsafe_entry'
  | 'ofd_too_large'
  | 'ofd_corrupt'
  | 'ofd_xml_invalid'
  | 'ofd_structure'
  | 'ofd_page_out_of_range'
  | 'ofd_signature_list_protected';

export class SealError extends Error {
  readonly code: SealErrorCode;
  readonly zh: string;
  readonly en: string;

  constructor(code: SealErrorCode, zh: string, en: string, options?: { cause?: unknown }) {
    super(`${zh} (${en})`, options);
    this.name = 'SealError';
    this.code = code;
    this.zh = zh;
    this.en = en;
  }
}

export function isSealError(e: unknown): e is SealError {
  return e instanceof SealError;
}
