/**
 * Where the seal appears: StampAnnot boxes (GB/T 33190 §18.2.2) in millimetres in the page's
 * coordinate space, origin top-left, y downwards. 骑缝章 (straddle seal) follows ofdrw's
 * convention: every page gets the whole seal's Boundary, shifted so that its slice falls on the
 * page edge, and a Clip (relative to the Boundary) that shows only that slice.
 */
import type { OfdPage } from './document.js';
import { ofdError } from './errors.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface StampPlacementBox {
  page: OfdPage;
  boundary: Box;
  clip?: Box;
}

interface SizeMm {
  /** Width of the seal on paper in mm (default: the picture's size). */
  widthMm?: number;
  heightMm?: number;
}

export type OfdPlacement =
  | ({ page: number; x: number; y: number } & SizeMm)
  | ({ allPages: true; x: number; y: number } & SizeMm)
  | ({ pages: number[] | string; x: number; y: number } & SizeMm)
  | ({ straddle: 'right' | 'left'; every?: number; y?: number; pages?: number[] | string } & SizeMm);

function invalid(zh: string, en: string): Error {
  return ofdError('seal_invalid_option', zh, en);
}

/** "2-5,8" or [2,3,4,5,8] → sorted, unique, checked page numbers. */
export function parsePageList(spec: number[] | string, pageCount: number): number[] {
  const out = new Set<number>();
  const add = (n: number) => {
    if (!Number.isInteger(n) || n < 1 || n > pageCount) {
      throw ofdError(
        'ofd_page_out_of_range',
        `页码 ${n} 超出范围（文档共 ${pageCount} 页）`,
        `page ${n} out of range (1-${pageCount})`,
      );
    }
    out.add(n);
  };
  if (Array.isArray(spec)) spec.forEach(add);
  else {
    for (const part of spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
      if (!m) throw invalid(`页码范围「${spec}」格式错误（示例：2-5,8）`, `bad page range "${spec}"`);
      const a = Number(m[1]);
      const b = m[2] ? Number(m[2]) : a;
      if (b < a) throw invalid(`页码范围「${part}」起止颠倒`, `reversed page range "${part}"`);
      for (let n = a; n <= b; n++) add(n);
    }
  }
  if (out.size === 0) throw invalid('未指定任何页码', 'no pages given');
  return [...out].sort((a, b) => a - b);
}

function checkNumber(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalid(`${name} 须为有限数值（毫米）`, `${name} must be a finite number (mm)`);
  return v;
}

export function computeStampBoxes(
  placement: OfdPlacement,
  pages: OfdPage[],
  picture: { widthMm: number; heightMm: number },
): StampPlacementBox[] {
  const w = checkNumber(placement.widthMm ?? picture.widthMm, 'widthMm');
  const h = checkNumber(placement.heightMm ?? picture.heightMm, 'heightMm');
  if (w <= 0 || h <= 0 || w > 1000 || h > 1000)
    throw invalid('印章尺寸须在 0–1000 毫米之间', 'seal size must be within 0-1000 mm');
  const pageAt = (n: number) => pages[n - 1] as OfdPage;

  if ('straddle' in placement) return straddleBoxes(placement, pages, w, h);
  const x = checkNumber(placement.x, 'x');
  const y = checkNumber(placement.y, 'y');
  const numbers =
    'page' in placement
      ? parsePageList([placement.page], pages.length)
      : 'allPages' in placement
        ? pages.map((p) => p.index)
        : parsePageList(placement.pages, pages.length);
  return numbers.map((n) => ({ page: pageAt(n), boundary: { x, y, w, h } }));
}

function straddleBoxes(
  placement: Extract<OfdPlacement, { straddle: 'right' | 'left' }>,
  pages: OfdPage[],
  w: number,
  h: number,
): StampPlacementBox[] {
  if (placement.straddle !== 'right' && placement.straddle !== 'left') {
    throw invalid('骑缝章位置须为 right 或 left', "straddle must be 'right' or 'left'");
  }
  const selected = placement.pages
    ? parsePageList(placement.pages, pages.length).map((n) => pages[n - 1] as OfdPage)
    : pages;
  if (selected.length < 2) throw invalid('骑缝章至少需要两页', 'a straddle seal needs at least two pages');
  const every = placement.every ?? selected.length;
  if (!Number.isInteger(every) || every < 2)
    throw invalid('骑缝章每组页数（every）须为不小于 2 的整数', 'every must be an integer ≥ 2');
  const groups: OfdPage[][] = [];
  for (let start = 0; start < selected.length; start += every) groups.push(selected.slice(start, start + every));
  // A trailing group of one page would carry the whole seal on one page, which is no straddle:
  // that page joins the previous group instead.
  if (groups.length > 1 && (groups[groups.length - 1] as OfdPage[]).length === 1) {
    (groups[groups.length - 2] as OfdPage[]).push(...(groups.pop() as OfdPage[]));
  }
  const boxes: StampPlacementBox[] = [];
  for (const group of groups) {
    const n = group.length;
    const slice = w / n;
    group.forEach((page, j) => {
      const y = placement.y ?? page.heightMm / 2 - h / 2;
      // Right edge: slice j of the seal sits at the page's right edge (first slice on the first page).
      // Left edge: the pages are bound on the left, so the order of slices is mirrored.
      const sliceIndex = placement.straddle === 'right' ? j : n - 1 - j;
      const edgeX = placement.straddle === 'right' ? page.widthMm - slice : 0;
      boxes.push({
        page,
        boundary: { x: edgeX - sliceIndex * slice, y, w, h },
        clip: { x: sliceIndex * slice, y: 0, w: slice, h },
      });
    });
  }
  return boxes;
}
