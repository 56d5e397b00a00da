import { inflateSync } from 'node:zlib';
import { SealError } from './errors.js';
import { type PdfDict, PdfName, type PdfObject } from './objects.js';

/** Decompression bombs in xref/object streams must not exhaust memory. */
const MAX_DECODED = 256 * 1024 * 1024;

function unsupported(f: string): SealError {
  return new SealError('pdf_filter_unsupported', `不支持的 PDF 流过滤器 ${f}`, `unsupported PDF stream filter ${f}`);
}

function inflate(data: Buffer): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: MAX_DECODED });
  } catch (e) {
    // Many producers leave truncated or checksum-less zlib streams; take what inflates.
    try {
      return inflateSync(data, { maxOutputLength: MAX_DECODED, finishFlush: 2 /* Z_SYNC_FLUSH */ });
    } catch {
      throw new SealError('pdf_object_corrupt', 'PDF 压缩流损坏', 'corrupt compressed stream in PDF', { cause: e });
    }
  }
}

function undoPredictor(data: Buffer, parms: PdfDict | undefined): Buffer {
  const predictor = num(parms?.get('Predictor'), 1);
  if (predictor < 10) {
    if (predictor === 1) return data;
    throw unsupported(`Predictor ${predictor}`);
  }
  const colors = num(parms?.get('Colors'), 1);
  const bpc = num(parms?.get('BitsPerComponent'), 8);
  const columns = num(parms?.get('Columns'), 1);
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (rowLen <= 0 || rowLen > 1 << 24) throw unsupported('predictor row size');
  return unfilterRows(data, Math.max(1, Math.ceil((colors * bpc) / 8)), rowLen);
}

/** PNG row filters (also used by xref streams): `bpp` bytes per pixel, `columns` pixels per row, 8 bits per sample. */
export function undoPngPredictor(data: Buffer, bpp: number, columns: number): Buffer {
  return unfilterRows(data, bpp, bpp * columns);
}

function unfilterRows(data: Buffer, bpp: number, rowLen: number): Buffer {
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = Buffer.alloc(rows * rowLen);
  let prev = Buffer.alloc(rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = data.subarray(r * (rowLen + 1) + 1, (r + 1) * (rowLen + 1));
    const row = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const a = i >= bpp ? row[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let v = src[i]!;
      if (type === 1) v += a;
      else if (type === 2) v += b;
      else if (type === 3) v += (a + b) >> 1;
      else if (type === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[i] = v & 0xff;
    }
    prev = row;
  }
  return out;
}

function num(o: PdfObject | undefined, dflt: number): number {
  return typeof o === 'number' ? o : dflt;
}

/** Decodes stream data (already decrypted). Only what xref and object streams use in practice. */
export function decodeStream(dict: PdfDict, data: Buffer): Buffer {
  const f = dict.get('Filter');
  const filters = f instanceof PdfName ? [f] : Array.isArray(f) ? f : [];
  const p = dict.get('DecodeParms');
  const parms = Array.isArray(p) ? p : [p];
  let out = data;
  filters.forEach((filter, i) => {
    if (!(filter instanceof PdfName)) throw unsupported('?');
    if (filter.name !== 'FlateDecode' && filter.name !== 'Fl') throw unsupported(filter.name);
    out = undoPredictor(inflate(out), parms[i] as PdfDict | undefined);
  });
  return out;
}
