/*
 * Where a seal dropped on a rendered page lands, in the units the signing API takes.
 *
 * The workbench draws each page with pdf.js at `scale` CSS pixels per PDF point, rotated as the
 * reader sees it (/Rotate), over the page's visible area (`view`: the CropBox clipped to the
 * MediaBox — the same box the engine measures from). A point on the canvas is therefore, divided by
 * the scale, a point in "displayed points from the top-left corner", which is exactly the engine's
 * default `origin: 'top-left'` measured on the page as displayed (docs/seal.md, "Coordinates").
 * For APIs that want PDF user space (origin bottom-left of the unrotated MediaBox, y upwards),
 * `displayedToUserSpace` undoes the rotation and adds the view's offset.
 */

export const PT_PER_MM = 72 / 25.4;

export type PageRotation = 0 | 90 | 180 | 270;

/** A page as pdf.js reports it: `page.view` and `page.rotate` (normalised to 0/90/180/270). */
export interface PageGeometry {
  view: [number, number, number, number];
  rotate: PageRotation;
}

/** Where the seal's centre sits: page (1-based) and displayed points from the page's top-left corner. */
export interface Placement {
  page: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

export function normaliseRotation(rotate: number): PageRotation {
  return ((((Math.round(rotate / 90) * 90) % 360) + 360) % 360) as PageRotation;
}

/** The page's size as displayed (after /Rotate), in points. */
export function displayedSize(page: PageGeometry): { width: number; height: number } {
  const [x0, y0, x1, y1] = page.view;
  const width = x1 - x0;
  const height = y1 - y0;
  return page.rotate % 180 === 0 ? { width, height } : { width: height, height: width };
}

/**
 * Displayed coordinates (pt from the top-left corner the reader sees, y downwards) → PDF user
 * space (pt, y upwards, on the unrotated page). /Rotate turns the page clockwise for display.
 */
export function displayedToUserSpace(page: PageGeometry, p: Point): Point {
  const [x0, y0, x1, y1] = page.view;
  switch (page.rotate) {
    case 90:
      return { x: x0 + p.y, y: y0 + p.x };
    case 180:
      return { x: x1 - p.x, y: y0 + p.y };
    case 270:
      return { x: x1 - p.y, y: y1 - p.x };
    default:
      return { x: x0 + p.x, y: y1 - p.y };
  }
}

/** The inverse of `displayedToUserSpace`. */
export function userSpaceToDisplayed(page: PageGeometry, p: Point): Point {
  const [x0, y0, x1, y1] = page.view;
  switch (page.rotate) {
    case 90:
      return { x: p.y - y0, y: p.x - x0 };
    case 180:
      return { x: x1 - p.x, y: p.y - y0 };
    case 270:
      return { x: y1 - p.y, y: x1 - p.x };
    default:
      return { x: p.x - x0, y: y1 - p.y };
  }
}

export interface SealSize {
  widthMm: number;
  heightMm: number;
}

/** The seal's size on screen at `scale` CSS px per pt: true size relative to the rendered page. */
export function sealCssSize(seal: SealSize, scale: number): { width: number; height: number } {
  return { width: seal.widthMm * PT_PER_MM * scale, height: seal.heightMm * PT_PER_MM * scale };
}

/**
 * Keeps the seal's centre on the page: a seal may hang over an edge (骑缝-like placements are
 * the straddle option's job), but its centre must stay inside so it cannot be lost off the page.
 */
export function clampCentre(page: PageGeometry, p: Point): Point {
  const { width, height } = displayedSize(page);
  return { x: Math.min(Math.max(p.x, 0), width), y: Math.min(Math.max(p.y, 0), height) };
}

/**
 * Centre of a seal dropped with the pointer at (`clientX`, `clientY`), given the rendered page's
 * bounding box and the pointer's offset from the seal's centre when the drag began (so the seal
 * does not jump under the pointer). Result in displayed points.
 */
export function dropPoint(
  page: PageGeometry,
  scale: number,
  pageRect: { left: number; top: number },
  pointer: { clientX: number; clientY: number },
  grabOffset: Point = { x: 0, y: 0 },
): Point {
  return clampCentre(page, {
    x: (pointer.clientX - grabOffset.x - pageRect.left) / scale,
    y: (pointer.clientY - grabOffset.y - pageRect.top) / scale,
  });
}

export const ptToMm = (pt: number) => pt / PT_PER_MM;
export const mmToPt = (mm: number) => mm * PT_PER_MM;

/** Rounds to 0.1 for display and for the request (sub-0.1 pt is far below print precision). */
export const round1 = (n: number) => Math.round(n * 10) / 10;

/** A position typed in millimetres (页码, X, Y) applied to the current one; an A4 page's centre to start with. */
export function movePlacement(
  current: Placement | null,
  patch: Partial<{ page: number; xMm: number; yMm: number }>,
): Placement {
  const base = current ?? { page: 1, x: mmToPt(105), y: mmToPt(148.5) };
  return {
    page: patch.page ?? base.page,
    x: patch.xMm != null ? mmToPt(patch.xMm) : base.x,
    y: patch.yMm != null ? mmToPt(patch.yMm) : base.y,
  };
}
