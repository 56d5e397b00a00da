import { MM } from './appearance.js';
import { SealError } from './errors.js';
import type { PageInfo } from './reader.js';

export type Unit = 'mm' | 'pt';
/**
 * 'top-left' (default): x to the right, y downwards from the top-left corner of the page's
 * visible area, as one measures on paper. 'bottom-left': PDF user space relative to the same area.
 */
export type Origin = 'top-left' | 'bottom-left';

/** A point on a page; for seals it is where the seal's centre goes. Pages are 1-based. */
export interface Position {
  page: number;
  x: number;
  y: number;
  unit?: Unit;
  origin?: Origin;
}

export type Rect = [number, number, number, number];

export function toPoints(v: number, unit: Unit = 'mm'): number {
  return unit === 'pt' ? v : v * MM;
}

export function invalidOption(zh: string, en: string): SealError {
  return new SealError('seal_invalid_option', zh, en);
}

export function checkNumber(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidOption(`${what} 须为数字`, `${what} must be a number`);
  return v;
}

/**
 * Converts a point measured on the page as displayed (honouring /Rotate) to PDF user space, the
 * coordinate space of /Rect. On a page rotated by 90°, "top-left" is the corner the reader sees.
 */
export function pointOnPage(
  page: PageInfo,
  x: number,
  y: number,
  unit: Unit = 'mm',
  origin: Origin = 'top-left',
): [number, number] {
  const [x0, y0, x1, y1] = page.box;
  const vx = toPoints(checkNumber(x, 'x'), unit);
  let vy = toPoints(checkNumber(y, 'y'), unit);
  if (origin === 'bottom-left') vy = (page.rotate % 180 === 0 ? y1 - y0 : x1 - x0) - vy;
  switch (page.rotate) {
    case 90:
      return [x0 + vy, y0 + vx];
    case 180:
      return [x1 - vx, y0 + vy];
    case 270:
      return [x1 - vy, y1 - vx];
    default:
      return [x0 + vx, y1 - vy];
  }
}

/** Width and height in user space of a box that appears w×h on the (possibly rotated) page. */
export function userSize(page: PageInfo, w: number, h: number): [number, number] {
  return page.rotate % 180 === 0 ? [w, h] : [h, w];
}

export function centeredRect(cx: number, cy: number, w: number, h: number): Rect {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** Parses "2-9", "3", "all" into a 1-based inclusive range clipped to the document. */
export function pageRange(
  spec: 'all' | { from: number; to: number } | string,
  count: number,
): { from: number; to: number } {
  if (spec === 'all') return { from: 1, to: count };
  let from: number;
  let to: number;
  if (typeof spec === 'string') {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(spec);
    if (!m)
      throw invalidOption(
        `页码范围「${spec}」格式错误，应为 2-9`,
        `page range "${spec}" is malformed; expected e.g. 2-9`,
      );
    from = Number(m[1]);
    to = m[2] ? Number(m[2]) : from;
  } else ({ from, to } = spec);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from || to > count) {
    throw new SealError(
      'pdf_page_out_of_range',
      `页码范围 ${from}-${to} 超出文档（共 ${count} 页）`,
      `page range ${from}-${to} outside the document (${count} pages)`,
    );
  }
  return { from, to };
}
