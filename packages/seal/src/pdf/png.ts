import { deflateSync, inflateSync } from 'node:zlib';
import type { PdfImageData } from '../image/index.js';
import { undoPngPredictor } from './filters.js';

/**
 * A minimal PNG decoder for the signing hot path: 8-bit, non-interlaced grey/RGB (± alpha) — what
 * seal images are. It avoids loading sharp/libvips (tens of MB of RSS) in a signing process; any
 * other PNG (palette, 16-bit, interlaced) or a GIF returns undefined and goes through sharp.
 */
export interface DecodedPng {
  width: number;
  height: number;
  /** Straight (not premultiplied) RGBA, 4 bytes per pixel. */
  rgba: Buffer;
  dpi?: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
const MAX_PIXELS = 6000 * 6000;

export function decodeSimplePng(buf: Buffer): DecodedPng | undefined {
  if (buf.length < 33 || !buf.subarray(0, 8).equals(SIGNATURE)) return undefined;
  let width = 0;
  let height = 0;
  let channels = 0;
  let dpi: number | undefined;
  const idat: Buffer[] = [];
  for (let p = 8; p + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    const data = buf.subarray(p + 8, p + 8 + len);
    if (data.length !== len) return undefined;
    if (type === 'IHDR') {
      if (len < 13) return undefined;
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = data.subarray(8, 13);
      channels = CHANNELS[colorType!] ?? 0;
      if (
        depth !== 8 ||
        interlace !== 0 ||
        channels === 0 ||
        width * height > MAX_PIXELS ||
        width === 0 ||
        height === 0
      )
        return undefined;
    } else if (type === 'pHYs' && len >= 9 && data[8] === 1) {
      dpi = Math.round(data.readUInt32BE(0) * 0.0254);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  if (!channels || idat.length === 0) return undefined;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (width * channels + 1) * height + 1024 });
  } catch {
    return undefined;
  }
  if (raw.length < (width * channels + 1) * height) return undefined;
  const px = undoPngPredictor(raw, channels, width);
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const o = i * 4;
    if (channels >= 3) {
      rgba[o] = px[j]!;
      rgba[o + 1] = px[j + 1]!;
      rgba[o + 2] = px[j + 2]!;
    } else rgba[o] = rgba[o + 1] = rgba[o + 2] = px[j]!;
    rgba[o + 3] = channels === 4 ? px[j + 3]! : channels === 2 ? px[j + 1]! : 255;
  }
  return { width, height, rgba, dpi };
}

/** Columns [x0, x1) of the image as PDF image data (RGB + alpha planes, deflated). */
export function toPdfImageData(img: DecodedPng, x0 = 0, x1 = img.width): PdfImageData {
  const w = x1 - x0;
  const rgb = Buffer.alloc(w * img.height * 3);
  const alpha = Buffer.alloc(w * img.height);
  let hasAlpha = false;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * img.width + x0 + x) * 4;
      const d = y * w + x;
      rgb[d * 3] = img.rgba[s]!;
      rgb[d * 3 + 1] = img.rgba[s + 1]!;
      rgb[d * 3 + 2] = img.rgba[s + 2]!;
      alpha[d] = img.rgba[s + 3]!;
      if (alpha[d] !== 255) hasAlpha = true;
    }
  }
  return {
    width: w,
    height: img.height,
    rgb,
    alpha,
    rgbDeflated: deflateSync(rgb),
    alphaDeflated: deflateSync(alpha),
    hasAlpha,
  };
}

/** The same strip boundaries as image/raster.ts sliceImageVertical: widths differ by at most one pixel. */
export function sliceColumns(img: DecodedPng, n: number): PdfImageData[] {
  const edges = Array.from({ length: n + 1 }, (_, i) => Math.floor((i * img.width) / n));
  return Array.from({ length: n }, (_, i) => toPdfImageData(img, edges[i], edges[i + 1]));
}
