import { createHash } from 'node:crypto';
import type { PdfImageData } from '../image/index.js';
import { SealError } from './errors.js';
import { dict, formatNumber, name, PdfDict, type PdfRef, PdfStream } from './objects.js';
import { decodeSimplePng, sliceColumns, toPdfImageData } from './png.js';
import type { IncrementalWriter } from './writer.js';

export const MM = 72 / 25.4;
/** Official round seals are 40–42 mm; used when the image states no resolution and no size is given. */
const DEFAULT_SEAL_WIDTH_MM = 40;

export interface PreparedImage {
  data: PdfImageData;
  /** Natural size in points (from the PNG resolution, else the default seal width). */
  widthPt: number;
  heightPt: number;
}

/**
 * Decoding a PNG costs milliseconds; signing must cost less than one. The same seal is used for
 * thousands of documents, so decoded images are cached by content hash (bounded).
 */
const cache = new Map<string, Promise<unknown>>();
const CACHE_MAX = 64;

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    p = make();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Callers reuse the same Buffer for thousands of signatures: hash it once. */
const keys = new WeakMap<Buffer, string>();
function imageKey(png: Buffer): string {
  let k = keys.get(png);
  if (!k) keys.set(png, (k = createHash('sha1').update(png).digest('hex')));
  return k;
}

function wrapImageError(e: unknown): never {
  if (e instanceof SealError) throw e;
  const msg = e instanceof Error ? e.message : String(e);
  throw new SealError('seal_image_invalid', `印章图片无效：${msg}`, `invalid seal image: ${msg}`, { cause: e });
}

export function prepareImage(png: Buffer, sizeMm?: { width?: number; height?: number }): Promise<PreparedImage> {
  const key = `${imageKey(png)}:${sizeMm?.width ?? ''}:${sizeMm?.height ?? ''}`;
  return cached(key, async () => {
    try {
      const simple = decodeSimplePng(png);
      let data: PdfImageData;
      let dpi: number | undefined;
      if (simple) {
        data = toPdfImageData(simple);
        dpi = simple.dpi;
      } else {
        const { inspectSealImage, splitPngAlpha } = await import('../image/raster.js');
        const [info, d] = await Promise.all([inspectSealImage(png), splitPngAlpha(png)]);
        data = d;
        dpi = info.dpi;
      }
      const aspect = data.height / data.width;
      let w: number;
      let h: number;
      if (sizeMm?.width && sizeMm.height) [w, h] = [sizeMm.width * MM, sizeMm.height * MM];
      else if (sizeMm?.width) [w, h] = [sizeMm.width * MM, sizeMm.width * MM * aspect];
      else if (sizeMm?.height) [w, h] = [(sizeMm.height * MM) / aspect, sizeMm.height * MM];
      else if (dpi) [w, h] = [(data.width / dpi) * 72, (data.height / dpi) * 72];
      else [w, h] = [DEFAULT_SEAL_WIDTH_MM * MM, DEFAULT_SEAL_WIDTH_MM * MM * aspect];
      return { data, widthPt: w, heightPt: h };
    } catch (e) {
      wrapImageError(e);
    }
  });
}

export function prepareSlices(png: Buffer, n: number): Promise<PdfImageData[]> {
  return cached(`${imageKey(png)}:slices:${n}`, async () => {
    const simple = decodeSimplePng(png);
    if (simple && Number.isInteger(n) && n >= 1 && n <= simple.width) return sliceColumns(simple, n);
    return import('../image/raster.js')
      .then(({ sliceImageVertical }) => sliceImageVertical(png, n))
      .catch(wrapImageError);
  });
}

/** Writes the image as an XObject with an /SMask carrying its alpha channel. */
export function addImageXObject(w: IncrementalWriter, img: PdfImageData): PdfRef {
  const base = {
    Type: name('XObject'),
    Subtype: name('Image'),
    Width: img.width,
    Height: img.height,
    BitsPerComponent: 8,
    Filter: name('FlateDecode'),
  };
  const smask = img.hasAlpha
    ? w.add(new PdfStream(dict({ ...base, ColorSpace: name('DeviceGray') }), img.alphaDeflated))
    : undefined;
  return w.add(new PdfStream(dict({ ...base, ColorSpace: name('DeviceRGB'), SMask: smask }), img.rgbDeflated));
}

/**
 * An appearance form of size w×h that paints `image` over the box. With `multiply` the image is
 * composited with /BM /Multiply: red ink over black text stays black, so the text under a
 * 透明印章 remains readable instead of being covered by the seal's pixels.
 */
export function addAppearance(
  w: IncrementalWriter,
  image: PdfRef,
  width: number,
  height: number,
  multiply: boolean,
  rotate = 0,
): PdfRef {
  const f = formatNumber;
  const resources = new PdfDict().set('XObject', dict({ Im0: image }));
  // Annotations turn with a rotated page; counter-rotate so the seal reads upright on screen.
  const turn: Record<number, string> = {
    90: `0 1 -1 0 ${f(height)} 0 cm `,
    180: `-1 0 0 -1 ${f(width)} ${f(height)} cm `,
    270: `0 -1 1 0 0 ${f(width)} cm `,
  };
  let content = `q ${turn[rotate] ?? ''}`;
  if (multiply) {
    resources.set('ExtGState', dict({ GS0: dict({ Type: name('ExtGState'), BM: name('Multiply') }) }));
    content += '/GS0 gs ';
  }
  content += `${f(width)} 0 0 ${f(height)} 0 0 cm /Im0 Do Q`;
  const bbox = rotate % 180 === 0 ? [0, 0, width, height] : [0, 0, height, width];
  return w.add(
    new PdfStream(
      dict({ Type: name('XObject'), Subtype: name('Form'), BBox: bbox, Resources: resources }),
      Buffer.from(content, 'latin1'),
    ),
  );
}

/** An empty appearance (invisible signatures and empty fields still need /AP for PDF/A and Acrobat). */
export function addEmptyAppearance(w: IncrementalWriter, width: number, height: number): PdfRef {
  return w.add(
    new PdfStream(dict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, width, height] }), Buffer.alloc(0)),
  );
}
