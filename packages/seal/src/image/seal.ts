import sharp from 'sharp';
import { SealImageError } from './errors.js';
import { type FontWeight, glyphOutline } from './font.js';

export type SealType = 'round' | 'oval' | 'square';

export interface SealImageOptions {
  type: SealType;
  /** Organisation name (upper arc) or, for a square seal, the person's name. */
  name: string;
  /** Horizontal text under the star, e.g. 业务专用章. */
  bottomText?: string;
  /** 印章编码 (13 digits by GA 241) along the lower arc. */
  code?: string;
  color?: string;
  sizeMm?: number | { widthMm: number; heightMm: number };
  dpi?: number;
}

export interface SealImage {
  png: Buffer;
  widthMm: number;
  heightMm: number;
  widthPx: number;
  heightPx: number;
}

/** 公章 red, close to the ink of official seals. */
export const DEFAULT_SEAL_COLOR = '#e60012';
const DEFAULT_DPI = 600;
const MM_PER_INCH = 25.4;

interface Size {
  widthMm: number;
  heightMm: number;
}

/** Physical size limits; the round range is the usual 38–45 mm of 公章 with room for department seals. */
const SIZE_RULES: Record<SealType, { default: Size; min: number; max: number }> = {
  round: { default: { widthMm: 42, heightMm: 42 }, min: 20, max: 60 },
  oval: { default: { widthMm: 45, heightMm: 30 }, min: 20, max: 60 },
  square: { default: { widthMm: 22, heightMm: 22 }, min: 10, max: 40 },
};

export async function generateSealImage(opts: SealImageOptions): Promise<SealImage> {
  const type = opts.type;
  if (!SIZE_RULES[type]) throw new SealImageError('INVALID_SEAL_TYPE', `印章类型无效: ${String(type)}`);
  const name = (opts.name ?? '').trim();
  if (!name) throw new SealImageError('INVALID_SEAL_NAME', '印章名称不能为空');
  const color = opts.color ?? DEFAULT_SEAL_COLOR;
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw new SealImageError('INVALID_COLOR', `颜色须为 #rrggbb: ${color}`);
  const dpi = opts.dpi ?? DEFAULT_DPI;
  if (!Number.isFinite(dpi) || dpi < 72 || dpi > 2400)
    throw new SealImageError('INVALID_DPI', `分辨率须在 72–2400 dpi 之间: ${dpi}`);
  const size = resolveSize(type, opts.sizeMm);
  if (opts.code !== undefined && !/^[0-9A-Za-z-]{1,20}$/.test(opts.code)) {
    throw new SealImageError('INVALID_SEAL_CODE', `印章编码只能包含数字、字母和连字符 (最多 20 位): ${opts.code}`);
  }

  const body =
    type === 'round'
      ? roundSealBody(size.widthMm, name, opts.bottomText, opts.code)
      : type === 'oval'
        ? ovalSealBody(size, name, opts.bottomText, opts.code)
        : squareSealBody(size, name);

  const widthPx = Math.round((size.widthMm / MM_PER_INCH) * dpi);
  const heightPx = Math.round((size.heightMm / MM_PER_INCH) * dpi);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" ` +
    `viewBox="0 0 ${fmt(size.widthMm)} ${fmt(size.heightMm)}">` +
    `<g fill="${color}" stroke="none">${body}</g></svg>`;
  const png = await sharp(Buffer.from(svg))
    .ensureAlpha()
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .withDensity(dpi)
    .toBuffer();
  return { png, widthMm: size.widthMm, heightMm: size.heightMm, widthPx, heightPx };
}

function resolveSize(type: SealType, sizeMm: SealImageOptions['sizeMm']): Size {
  const rule = SIZE_RULES[type];
  let size: Size;
  if (sizeMm === undefined) size = rule.default;
  else if (typeof sizeMm === 'number') {
    // A single number for an oval keeps the standard 3:2 proportion.
    size = type === 'oval' ? { widthMm: sizeMm, heightMm: (sizeMm * 2) / 3 } : { widthMm: sizeMm, heightMm: sizeMm };
  } else size = sizeMm;
  for (const v of [size.widthMm, size.heightMm]) {
    if (!Number.isFinite(v) || v < rule.min || v > rule.max) {
      throw new SealImageError('INVALID_SEAL_SIZE', `${type} 印章尺寸须在 ${rule.min}–${rule.max} mm 之间: ${v}`);
    }
  }
  if (type === 'round' && size.widthMm !== size.heightMm) {
    throw new SealImageError('INVALID_SEAL_SIZE', '圆形印章的宽和高必须相同');
  }
  return size;
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry: everything below works in millimetres, SVG orientation (y grows downwards).

const fmt = (n: number): string => (Math.round(n * 1000) / 1000).toString();

interface GlyphPlacement {
  char: string;
  cx: number;
  cy: number;
  /** Clockwise rotation of the glyph's up direction, degrees. */
  rotateDeg: number;
  heightMm: number;
  /** Horizontal compression; official seals use tall narrow characters for long names. */
  widthScale: number;
  weight?: FontWeight;
}

/** One glyph as an SVG path, centred on (cx, cy) in its em box so characters sit on a common line. */
function glyphSvg(p: GlyphPlacement): string {
  const g = glyphOutline(p.char, p.weight);
  const sy = p.heightMm / g.unitsPerEm;
  const sx = sy * p.widthScale;
  return (
    `<path transform="translate(${fmt(p.cx)} ${fmt(p.cy)}) rotate(${fmt(p.rotateDeg)}) ` +
    `scale(${sx.toPrecision(6)} ${(-sy).toPrecision(6)}) translate(${fmt(-g.advance / 2)} ${fmt(-g.emCenterY)})" ` +
    `d="${g.d}"/>`
  );
}

function glyphAdvanceEm(char: string): number {
  const g = glyphOutline(char);
  return g.advance / g.unitsPerEm;
}

/** Characters laid left to right on a horizontal line centred on (cx, cy), squeezed to fit maxWidth. */
function horizontalText(text: string, cx: number, cy: number, heightMm: number, maxWidthMm: number): string {
  const chars = [...text];
  const naturalWidth = chars.reduce((w, c) => w + glyphAdvanceEm(c) * heightMm, 0);
  const widthScale = Math.min(1, maxWidthMm / naturalWidth);
  let x = cx - (naturalWidth * widthScale) / 2;
  return chars
    .map((char) => {
      const w = glyphAdvanceEm(char) * heightMm * widthScale;
      const svg = glyphSvg({ char, cx: x + w / 2, cy, rotateDeg: 0, heightMm, widthScale });
      x += w;
      return svg;
    })
    .join('');
}

interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/**
 * Points at equal arc length along an ellipse between two parametric angles (radians, SVG orientation, so -π/2 is the
 * top). Equal arc length rather than equal angle keeps character spacing even on an oval.
 */
function pointsAlongEllipse(e: Ellipse, fromT: number, toT: number, count: number) {
  const steps = 720;
  const cumulative: number[] = [0];
  const at = (t: number) => ({ x: e.cx + e.rx * Math.cos(t), y: e.cy + e.ry * Math.sin(t) });
  let prev = at(fromT);
  for (let i = 1; i <= steps; i++) {
    const p = at(fromT + ((toT - fromT) * i) / steps);
    cumulative.push(cumulative[i - 1] + Math.hypot(p.x - prev.x, p.y - prev.y));
    prev = p;
  }
  const total = cumulative[steps];
  const result: { x: number; y: number; normalDeg: number }[] = [];
  for (let k = 0; k < count; k++) {
    const target = (total * (k + 0.5)) / count;
    let i = 1;
    while (i < steps && cumulative[i] < target) i++;
    const frac = (target - cumulative[i - 1]) / (cumulative[i] - cumulative[i - 1] || 1);
    const t = fromT + ((toT - fromT) * (i - 1 + frac)) / steps;
    const p = at(t);
    // Outward normal of the ellipse, as the clockwise angle from "up".
    const nx = Math.cos(t) / e.rx;
    const ny = Math.sin(t) / e.ry;
    result.push({ ...p, normalDeg: (Math.atan2(nx, -ny) * 180) / Math.PI });
  }
  return { points: result, arcLength: total };
}

/** Text along the top of an ellipse, each glyph's top facing outwards, read clockwise. */
function upperArcText(text: string, e: Ellipse, spanDeg: number, heightMm: number): string {
  const chars = [...text];
  const half = (spanDeg / 2) * (Math.PI / 180);
  const { points, arcLength } = pointsAlongEllipse(e, -Math.PI / 2 - half, -Math.PI / 2 + half, chars.length);
  const widthScale = clamp(((arcLength / chars.length) * 0.9) / heightMm, 0.45, 1);
  return chars
    .map((char, i) =>
      glyphSvg({ char, cx: points[i].x, cy: points[i].y, rotateDeg: points[i].normalDeg, heightMm, widthScale }),
    )
    .join('');
}

/** Text along the bottom of an ellipse, upright (tops facing the centre), read left to right. */
function lowerArcText(text: string, e: Ellipse, heightMm: number, widthScale: number): string {
  const chars = [...text];
  const advance = chars.map((c) => glyphAdvanceEm(c) * heightMm * widthScale * 1.15);
  const totalMm = advance.reduce((a, b) => a + b, 0);
  // Parametric half-span for the wanted arc length: at the bottom of an ellipse ds/dt = rx.
  const half = Math.min(totalMm / e.rx / 2, (80 * Math.PI) / 180);
  const { points } = pointsAlongEllipse(e, Math.PI / 2 + half, Math.PI / 2 - half, chars.length);
  return chars
    .map((char, i) =>
      glyphSvg({ char, cx: points[i].x, cy: points[i].y, rotateDeg: points[i].normalDeg + 180, heightMm, widthScale }),
    )
    .join('');
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function fivePointedStar(cx: number, cy: number, outerR: number): string {
  const innerR = outerR * 0.381966; // golden-ratio star, as on the national emblem
  const pts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? outerR : innerR;
    const a = (i * Math.PI) / 5;
    pts.push(`${fmt(cx + r * Math.sin(a))},${fmt(cy - r * Math.cos(a))}`);
  }
  return `<polygon points="${pts.join(' ')}"/>`;
}

/** A ring as an even-odd filled path, so it is part of the single fill colour group. */
function ellipseRing(e: Ellipse, strokeMm: number): string {
  const outer = ellipsePath({ ...e });
  const inner = ellipsePath({ ...e, rx: e.rx - strokeMm, ry: e.ry - strokeMm });
  return `<path fill-rule="evenodd" d="${outer} ${inner}"/>`;
}

function ellipsePath(e: Ellipse): string {
  const { cx, cy, rx, ry } = e;
  return (
    `M${fmt(cx - rx)} ${fmt(cy)}A${fmt(rx)} ${fmt(ry)} 0 1 0 ${fmt(cx + rx)} ${fmt(cy)}` +
    `A${fmt(rx)} ${fmt(ry)} 0 1 0 ${fmt(cx - rx)} ${fmt(cy)}Z`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Layouts. Proportions follow a standard 42 mm 公章: 1.2 mm rim, 14 mm star, name glyphs ~6.5 mm tall.

function roundSealBody(diameterMm: number, name: string, bottomText?: string, code?: string): string {
  const k = diameterMm / 42;
  const r = diameterMm / 2;
  const c = r;
  const rim = 1.2 * k;
  const parts = [ellipseRing({ cx: c, cy: c, rx: r - 0.05, ry: r - 0.05 }, rim), fivePointedStar(c, c, 7 * k)];

  const nameHeight = 6.4 * k;
  const nameRadius = r - rim - 0.9 * k - nameHeight / 2;
  const nameChars = [...name].length;
  // Long names spread over ~240° like real seals; short names are not stretched into a ring of gaps.
  const span = clamp(nameChars * 30, 150, 240);
  parts.push(upperArcText(name, { cx: c, cy: c, rx: nameRadius, ry: nameRadius }, span, nameHeight));

  if (bottomText) parts.push(horizontalText(bottomText, c, c + 10.6 * k, 4.6 * k, 22 * k));
  if (code) {
    const codeHeight = 2.6 * k;
    const codeRadius = r - rim - 0.6 * k - codeHeight / 2;
    parts.push(lowerArcText(code, { cx: c, cy: c, rx: codeRadius, ry: codeRadius }, codeHeight, 0.75));
  }
  return parts.join('');
}

function ovalSealBody(size: Size, name: string, bottomText?: string, code?: string): string {
  const k = size.heightMm / 30;
  const e: Ellipse = {
    cx: size.widthMm / 2,
    cy: size.heightMm / 2,
    rx: size.widthMm / 2 - 0.05,
    ry: size.heightMm / 2 - 0.05,
  };
  const rim = 1 * k;
  const parts = [
    ellipseRing(e, rim),
    ellipseRing({ ...e, rx: e.rx - rim - 0.6 * k, ry: e.ry - rim - 0.6 * k }, 0.3 * k),
  ];
  const nameHeight = 4.6 * k;
  const inset = rim + 1.5 * k + nameHeight / 2;
  const nameChars = [...name].length;
  const span = clamp(nameChars * 18, 90, 200);
  parts.push(upperArcText(name, { ...e, rx: e.rx - inset, ry: e.ry - inset }, span, nameHeight));
  if (bottomText) parts.push(horizontalText(bottomText, e.cx, e.cy + 1.2 * k, 4.4 * k, size.widthMm * 0.5));
  if (code) {
    const codeHeight = 2.2 * k;
    const codeInset = rim + 1.6 * k + codeHeight / 2; // clear of the thin inner ring
    parts.push(lowerArcText(code, { ...e, rx: e.rx - codeInset, ry: e.ry - codeInset }, codeHeight, 0.75));
  }
  return parts.join('');
}

/**
 * 法人名章: the name in a grid read in the traditional order — right column top to bottom, then the left column.
 * Two-character names become “X Y 之印”, three-character names get “印”, as personal seals are usually cut.
 */
export function squareSealCharacters(name: string): string[] {
  const chars = [...name];
  if (chars.length > 6) throw new SealImageError('INVALID_SEAL_NAME', `法人名章最多 6 个字: ${name}`);
  if (chars.length === 1) return chars[0] === '印' ? chars : [chars[0], '印'];
  if (chars.length === 2) return chars[1] === '印' ? chars : [...chars, '之', '印'];
  if (chars.length === 3) return chars[2] === '印' ? chars : [...chars, '印'];
  return chars;
}

function squareSealBody(size: Size, name: string): string {
  const chars = squareSealCharacters(name);
  const rim = 0.9 * (size.widthMm / 22);
  const parts = [
    `<path fill-rule="evenodd" d="M0 0H${fmt(size.widthMm)}V${fmt(size.heightMm)}H0Z ` +
      `M${fmt(rim)} ${fmt(rim)}V${fmt(size.heightMm - rim)}H${fmt(size.widthMm - rim)}V${fmt(rim)}Z"/>`,
  ];
  const cols = chars.length <= 1 ? 1 : 2;
  const rows = Math.ceil(chars.length / cols);
  const pad = rim + 0.5 * (size.widthMm / 22);
  const cellW = (size.widthMm - 2 * pad) / cols;
  const cellH = (size.heightMm - 2 * pad) / rows;
  chars.forEach((char, i) => {
    const col = cols - 1 - Math.floor(i / rows);
    const row = i % rows;
    const heightMm = cellH * 1.04; // glyphs leave ~10% side bearing; fill the cell like carved seals do
    parts.push(
      glyphSvg({
        char,
        cx: pad + cellW * (col + 0.5),
        cy: pad + cellH * (row + 0.5),
        rotateDeg: 0,
        heightMm,
        widthScale: clamp((cellW * 1.04) / heightMm, 0.4, 1.6),
        weight: 'black',
      }),
    );
  });
  return parts.join('');
}
