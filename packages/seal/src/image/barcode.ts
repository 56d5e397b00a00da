import bwipjs from 'bwip-js/node';
import { SealImageError } from './errors.js';
import { type PdfImageData, splitPngAlpha } from './raster.js';

export type BarcodeType = 'qr' | 'pdf417' | 'code128' | 'code39';

export interface BarcodeOptions {
  type: BarcodeType;
  text: string;
  /** Pixels per module; default 3. */
  scale?: number;
  /** Human-readable text under 1-D barcodes. */
  includeText?: boolean;
}

const BWIPP_NAMES: Record<BarcodeType, string> = {
  qr: 'qrcode',
  pdf417: 'pdf417',
  code128: 'code128',
  code39: 'code39',
};
const TWO_DIMENSIONAL = new Set<BarcodeType>(['qr', 'pdf417']);

export async function generateBarcode(opts: BarcodeOptions): Promise<{ png: Buffer; image: PdfImageData }> {
  const bcid = BWIPP_NAMES[opts.type];
  if (!bcid)
    throw new SealImageError(
      'INVALID_BARCODE_TYPE',
      `条码类型无效: ${String(opts.type)}，可选 qr、pdf417、code128、code39`,
    );
  if (typeof opts.text !== 'string' || opts.text.length === 0)
    throw new SealImageError('INVALID_BARCODE_TEXT', '条码内容不能为空');
  const scale = opts.scale ?? 3;
  if (!Number.isInteger(scale) || scale < 1 || scale > 20)
    throw new SealImageError('INVALID_BARCODE_SCALE', `条码缩放须为 1–20 的整数: ${scale}`);
  const is2d = TWO_DIMENSIONAL.has(opts.type);
  let png: Buffer;
  try {
    png = await bwipjs.toBuffer({
      bcid,
      text: opts.text,
      scale,
      // CODE39 cannot carry lower case or CJK; let bwip-js fail instead of silently altering the text.
      ...(is2d ? {} : { height: 12, includetext: opts.includeText ?? false, textxalign: 'center' }),
      // An opaque white ground with a quiet zone keeps the code scannable on any page background.
      backgroundcolor: 'FFFFFF',
      padding: is2d ? 4 : 2,
    });
  } catch (err) {
    throw new SealImageError(
      'BARCODE_ENCODE_FAILED',
      `无法生成${opts.type}条码: ${String((err as Error).message ?? err)}`,
    );
  }
  return { png, image: await splitPngAlpha(png) };
}
