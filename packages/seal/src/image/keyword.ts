import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SealImageError } from './errors.js';
import { RADICAL_SUPPLEMENT_TO_IDEOGRAPH } from './radicals.js';

/** A keyword's box in the page's default user space, i.e. the coordinate space of an annotation /Rect. */
export interface KeywordBox {
  /** 1-based page number. */
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The page's /Rotate; the box itself is not rotated with it. */
  rotate: 0 | 90 | 180 | 270;
}

export interface FindKeywordOptions {
  /** 1-based occurrence counted through the whole document, or every occurrence. Default 1. */
  occurrence?: number | 'all';
}

export class KeywordSearchError extends SealImageError {
  constructor(code: 'NOT_A_PDF' | 'PDF_UNREADABLE' | 'PDF_ENCRYPTED' | 'INVALID_KEYWORD', message: string) {
    super(code, message);
    this.name = 'KeywordSearchError';
  }
}

const require = createRequire(import.meta.url);
const PDFJS_DIR = dirname(require.resolve('pdfjs-dist/package.json'));

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsPromise: Promise<PdfJs> | undefined;

/**
 * Loads pdf.js once. Registering the worker module on globalThis makes pdf.js run its parser in this thread
 * ("fake worker") without a dynamic import it would have to resolve relative to its own bundle.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    const worker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsPromise;
}

interface TextItemLike {
  str: string;
  transform: number[];
  width: number;
  height: number;
  fontName: string;
  hasEOL?: boolean;
}

interface FontStyle {
  ascent: number;
  descent: number;
  vertical: boolean;
}

/** One searchable character and where it came from. */
interface CharRef {
  item: number;
  /** Position of the character inside item.str, in UTF-16 units. */
  start: number;
  end: number;
}

export async function findKeyword(
  pdf: Buffer | Uint8Array,
  keyword: string,
  opts: FindKeywordOptions = {},
): Promise<KeywordBox[]> {
  const needle = normalizeForSearch(keyword ?? '')
    .map((c) => c.text)
    .join('');
  if (!needle) throw new KeywordSearchError('INVALID_KEYWORD', '关键字不能为空');
  const occurrence = opts.occurrence ?? 1;
  if (occurrence !== 'all' && (!Number.isInteger(occurrence) || occurrence < 1)) {
    throw new KeywordSearchError('INVALID_KEYWORD', `关键字序号须为正整数或 'all': ${String(occurrence)}`);
  }
  assertPdfHeader(pdf);

  const pdfjs = await loadPdfJs();
  // pdf.js detaches the buffer it is given; copy so the caller's bytes (which it will sign) stay usable.
  const data = new Uint8Array(pdf.byteLength);
  data.set(pdf);
  const task = pdfjs.getDocument({
    data,
    cMapUrl: `${join(PDFJS_DIR, 'cmaps')}/`,
    cMapPacked: true,
    standardFontDataUrl: `${join(PDFJS_DIR, 'standard_fonts')}/`,
    wasmUrl: `${join(PDFJS_DIR, 'wasm')}/`,
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    verbosity: 0,
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'PasswordException') throw new KeywordSearchError('PDF_ENCRYPTED', 'PDF 需要打开密码，无法检索关键字');
    throw new KeywordSearchError('PDF_UNREADABLE', `无法解析 PDF: ${(err as Error).message}`);
  }
  try {
    const boxes: KeywordBox[] = [];
    for (let pageNo = 1; pageNo <= doc.numPages; pageNo++) {
      const page = await doc.getPage(pageNo);
      const content = await page.getTextContent({ disableNormalization: true });
      const items = content.items.filter((i) => 'str' in i) as TextItemLike[];
      const styles = content.styles as Record<string, { ascent?: number; descent?: number; vertical?: boolean }>;
      const rotate = (((page.rotate % 360) + 360) % 360) as KeywordBox['rotate'];
      const pageBoxes: Rect[] = [];
      for (const match of matchesOnPage(items, needle)) {
        const box = boxOfMatch(items, styles, match);
        // Fake bold and shadow effects (common in WPS/Word output) paint the same text twice, a hair apart.
        if (pageBoxes.some((b) => overlapRatio(b, box) > 0.8)) continue;
        pageBoxes.push(box);
        boxes.push({ page: pageNo, rotate, ...box });
        if (occurrence !== 'all' && boxes.length === occurrence) return [boxes[occurrence - 1]];
      }
      page.cleanup();
    }
    return occurrence === 'all' ? boxes : [];
  } finally {
    await doc.destroy();
  }
}

/** The header may follow up to 1 KB of junk, which readers accept, so the check does too. */
function assertPdfHeader(pdf: Buffer | Uint8Array): void {
  if (!(pdf instanceof Uint8Array) || pdf.byteLength === 0)
    throw new KeywordSearchError('NOT_A_PDF', '输入不是 PDF 文件 (为空或不是二进制数据)');
  const head = Buffer.from(pdf.buffer, pdf.byteOffset, Math.min(pdf.byteLength, 1024)).toString('latin1');
  if (!head.includes('%PDF-')) throw new KeywordSearchError('NOT_A_PDF', '输入不是 PDF 文件 (缺少 %PDF- 文件头)');
}

/**
 * Splits text into searchable characters: whitespace is dropped (PDF producers insert or omit spaces between CJK
 * runs at will) and NFKC folds full-width Latin and the Kangxi-radical code points some CJK fonts map ideographs to;
 * the CJK Radicals Supplement, which NFKC leaves alone (Chrome writes 民 as ⺠), is folded by a generated table.
 */
function normalizeForSearch(text: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let i = 0;
  for (const ch of text) {
    const start = i;
    i += ch.length;
    if (/\s/u.test(ch)) continue;
    const ideograph = RADICAL_SUPPLEMENT_TO_IDEOGRAPH.get(ch.codePointAt(0) ?? 0);
    const folded = (ideograph ? String.fromCodePoint(ideograph) : ch).normalize('NFKC').replace(/\s/gu, '');
    for (const c of folded) out.push({ text: c, start, end: i });
  }
  return out;
}

/** Every non-overlapping match on a page, as runs of character references. */
function matchesOnPage(items: TextItemLike[], needle: string): CharRef[][] {
  const refs: CharRef[] = [];
  const chars: string[] = [];
  items.forEach((item, index) => {
    for (const c of normalizeForSearch(item.str)) {
      refs.push({ item: index, start: c.start, end: c.end });
      chars.push(c.text);
    }
  });
  const pattern = [...needle];
  const matches: CharRef[][] = [];
  for (let i = 0; i + pattern.length <= chars.length; i++) {
    if (pattern.every((p, k) => chars[i + k] === p)) {
      matches.push(refs.slice(i, i + pattern.length));
      i += pattern.length - 1;
    }
  }
  return matches;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The box of a match. A match split over several items is the union of its parts on the first part's line; when a
 * keyword wraps onto the next line only the first line's part is returned, which is where a seal would go.
 */
function boxOfMatch(
  items: TextItemLike[],
  styles: Record<string, { ascent?: number; descent?: number; vertical?: boolean }>,
  match: CharRef[],
): Rect {
  const parts = new Map<number, { start: number; end: number }>();
  for (const ref of match) {
    const p = parts.get(ref.item);
    if (p) p.end = ref.end;
    else parts.set(ref.item, { start: ref.start, end: ref.end });
  }
  const rects: { rect: Rect; baseline: number; size: number }[] = [];
  for (const [index, range] of parts) {
    const item = items[index];
    const style = styles[item.fontName] ?? {};
    rects.push(
      rectOfRange(item, range.start, range.end, {
        ascent: clampNumber(style.ascent, 0.5, 1.2, 0.88),
        descent: clampNumber(style.descent, -0.5, 0, -0.12),
        vertical: Boolean(style.vertical),
      }),
    );
  }
  const first = rects[0];
  const sameLine = rects.filter((r) => Math.abs(r.baseline - first.baseline) < first.size * 0.5);
  return union(sameLine.map((r) => r.rect));
}

function clampNumber(v: number | undefined, lo: number, hi: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi ? v : fallback;
}

/**
 * Geometry of characters [start, end) of a text item. pdf.js gives only the whole run's advance, so the position
 * inside the run is estimated from character classes: CJK and other wide characters count one em, others half.
 */
function rectOfRange(item: TextItemLike, start: number, end: number, style: FontStyle) {
  const [a, b, c, d, e, f] = item.transform;
  const size = Math.hypot(c, d) || Math.hypot(a, b) || 1;
  const weights = [...item.str].map((ch) => ({ len: ch.length, w: charWeight(ch) }));
  const total = weights.reduce((s, x) => s + x.w, 0) || 1;
  let pos = 0;
  let before = 0;
  let inside = 0;
  for (const { len, w } of weights) {
    if (pos < start) before += w;
    else if (pos < end) inside += w;
    pos += len;
  }
  // Unit vectors of the text's writing direction (u) and its "up" (v) in user space.
  const ux = a / (Math.hypot(a, b) || 1);
  const uy = b / (Math.hypot(a, b) || 1);
  const vx = c / size;
  const vy = d / size;
  let corners: [number, number][];
  if (style.vertical) {
    // Vertical CJK: glyphs advance downwards (-v) by item.height, centred on the origin's x.
    const adv = item.height || size * weights.length;
    const top = (adv * before) / total;
    const bottom = (adv * (before + inside)) / total;
    corners = [
      [-size / 2, -top],
      [size / 2, -top],
      [size / 2, -bottom],
      [-size / 2, -bottom],
    ];
  } else {
    const x0 = (item.width * before) / total;
    const x1 = (item.width * (before + inside)) / total;
    corners = [
      [x0, style.descent * size],
      [x1, style.descent * size],
      [x1, style.ascent * size],
      [x0, style.ascent * size],
    ];
  }
  const pts = corners.map(([s, t]) => [e + s * ux + t * vx, f + s * uy + t * vy]);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const rect = {
    x: Math.min(...xs),
    y: Math.min(...ys),
    width: Math.max(...xs) - Math.min(...xs),
    height: Math.max(...ys) - Math.min(...ys),
  };
  // Baseline measured along "up", so lines compare correctly on rotated text too.
  return { rect, baseline: e * vx + f * vy, size };
}

/** East Asian wide characters occupy a full em; spaces about a quarter (CJK and Latin fonts alike); the rest half. */
function charWeight(ch: string): number {
  if (/\s/u.test(ch)) return 0.25;
  return /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(
    ch,
  )
    ? 1
    : 0.5;
}

/** Intersection area over the smaller box's area. */
function overlapRatio(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / Math.min(a.width * a.height, b.width * b.height);
}

function union(rects: Rect[]): Rect {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.width));
  const y1 = Math.max(...rects.map((r) => r.y + r.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
