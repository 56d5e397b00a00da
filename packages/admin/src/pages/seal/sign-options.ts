import type { SignOptions } from './api';
import { type Placement, ptToMm, round1 } from './placement';

export type Mode = 'position' | 'keyword' | 'field' | 'straddle';

export interface OptionValues {
  multiPage: boolean;
  pages: 'all' | 'range';
  pageRange?: string;
  keyword?: string;
  occurrence: 'first' | 'nth' | 'all';
  occurrenceN?: number;
  field?: string;
  straddle: boolean;
  straddleSide: 'right' | 'left';
  straddleEvery?: number | null;
  straddleY?: number | null;
  barcode: boolean;
  barcodeType: 'qr' | 'pdf417' | 'code128' | 'code39';
  barcodeText?: string;
  barcodePage: number;
  barcodeX: number;
  barcodeY: number;
  noPrint: boolean;
  noCopy: boolean;
  certify?: 1 | 2 | 3;
  reason?: string;
  location?: string;
}

export const OPTION_DEFAULTS: Partial<OptionValues> = {
  multiPage: false,
  pages: 'all',
  occurrence: 'first',
  straddle: false,
  straddleSide: 'right',
  barcode: false,
  barcodeType: 'qr',
  barcodePage: 1,
  barcodeX: 25,
  barcodeY: 270,
  noPrint: false,
  noCopy: false,
};

/**
 * The signing request for the form as it stands; `null` with a reason when something is missing.
 * Positions go out in millimetres from the displayed page's top-left corner (0003, "签章").
 */
export function buildSignOptions(
  mode: Mode,
  placement: Placement | null,
  v: Partial<OptionValues>,
  kind: 'pdf' | 'ofd',
): SignOptions | string {
  const options: SignOptions = {};
  if (mode === 'position') {
    if (!placement) return kind === 'pdf' ? '请把印章拖到页面上，或填写盖章位置' : '请填写盖章位置';
    options.position = { page: placement.page, x: round1(ptToMm(placement.x)), y: round1(ptToMm(placement.y)) };
    if (v.multiPage) {
      if (v.pages === 'range' && !v.pageRange?.trim()) return '请填写多页签章的页码范围，如 2-5,8';
      options.pages =
        v.pages === 'range' ? (v.pageRange ?? '').replace(/\s|，/g, (c) => (c === '，' ? ',' : '')) : 'all';
    }
  } else if (mode === 'keyword') {
    if (!v.keyword?.trim()) return '请填写定位关键字';
    const occurrence = v.occurrence === 'all' ? 'all' : v.occurrence === 'nth' ? (v.occurrenceN ?? 1) : 1;
    options.keyword = { text: v.keyword.trim(), occurrence };
  } else if (mode === 'field') {
    if (!v.field?.trim()) return '请填写签名域名称';
    options.field = v.field.trim();
  }
  if (v.straddle || mode === 'straddle') {
    options.straddle = {
      side: v.straddleSide ?? 'right',
      ...(v.straddleEvery ? { every: v.straddleEvery } : {}),
      ...(v.straddleY != null ? { y: v.straddleY } : {}),
    };
  }
  if (kind === 'pdf' && v.barcode) {
    options.barcode = {
      type: v.barcodeType ?? 'qr',
      page: v.barcodePage ?? 1,
      x: v.barcodeX ?? 25,
      y: v.barcodeY ?? 270,
      ...(v.barcodeText?.trim() ? { text: v.barcodeText.trim() } : {}),
    };
  }
  if (kind === 'pdf' && (v.noPrint || v.noCopy || v.certify)) {
    options.protection = {
      ...(v.noPrint ? { print: false } : {}),
      ...(v.noCopy ? { copy: false } : {}),
      ...(v.certify ? { certify: v.certify } : {}),
    };
  }
  if (v.reason?.trim()) options.reason = v.reason.trim();
  if (v.location?.trim()) options.location = v.location.trim();
  return options;
}
