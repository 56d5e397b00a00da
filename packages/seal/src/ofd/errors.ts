import { SealError, type SealErrorCode } from '../pdf/errors.js';

/**
 * The OFD subset of the engine's SealErrorCode union: one error class for the whole engine, so
 * callers and the HTTP layer handle OFD and PDF failures the same way.
 */
export type OfdErrorCode = Extract<
  SealErrorCode,
  | 'ofd_not_ofd' // not a zip / no OFD.xml
  | 'ofd_unsafe_entry' // path traversal, absolute path, duplicate name
  | 'ofd_too_large' // zip bomb guards
  | 'ofd_corrupt' // CRC mismatch, truncated entry, unsupported compression
  | 'ofd_xml_invalid'
  | 'ofd_structure' // DocRoot, Pages, Signatures missing or inconsistent
  | 'ofd_page_out_of_range'
  | 'ofd_signature_list_protected'
  | 'seal_invalid_option'
  | 'seal_image_invalid'
>;

export function ofdError(code: OfdErrorCode, zh: string, en: string, cause?: unknown): SealError {
  return new SealError(code, zh, en, cause === undefined ? undefined : { cause });
}
