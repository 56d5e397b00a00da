import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { SealImageError } from './errors.js';

/** Larger images are rejected: a 42 mm seal at 1200 dpi is ~2000 px, so this only stops decompression bombs. */
const MAX_PIXELS = 6000 * 6000;

export interface SealImageInfo {
  format: 'png' | 'gif';
  widthPx: number;
  heightPx: number;
  hasAlpha: boolean;
  dpi?: number;
  /** True when the image border is opaque, e.g. a scan on white paper that would hide the text under the seal. */
  opaqueBackground: boolean;
}

/** Raw 8-bit samples ready for a PDF Image XObject (/DeviceRGB) and its /SMask (/DeviceGray). */
export interface PdfImageData {
  width: number;
  height: number;
  rgb: Buffer;
  alpha: Buffer;
  /** zlib streams (RFC 1950), usable as-is with /Filter /FlateDecode. */
  rgbDeflated: Buffer;
  alphaDeflated: Buffer;
  hasAlpha: boolean;
}

interface Rgba {
  width: number;
  height: number;
  data: Buffer;
}

function openImage(buf: Buffer) {
  if (!((buf as unknown) instanceof Uint8Array)) throw new SealImageError('INVALID_IMAGE', '印章图片须为二进制数据');
  return sharp(buf, { limitInputPixels: MAX_PIXELS, animated: false });
}

async function metadataOf(buf: Buffer) {
  try {
    return await openImage(buf).metadata();
  } catch (err) {
    throw new SealImageError('INVALID_IMAGE', `无法识别的印章图片: ${(err as Error).message}`);
  }
}

async function decodeRgba(buf: Buffer): Promise<Rgba> {
  try {
    const { data, info } = await openImage(buf).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data };
  } catch (err) {
    throw new SealImageError('INVALID_IMAGE', `无法解码印章图片: ${(err as Error).message}`);
  }
}

export async function inspectSealImage(buf: Buffer): Promise<SealImageInfo> {
  const meta = await metadataOf(buf);
  if (meta.format !== 'png' && meta.format !== 'gif') {
    throw new SealImageError(
      'UNSUPPORTED_IMAGE_FORMAT',
      `印章图片须为 PNG 或 GIF 格式，实际为 ${meta.format ?? '未知'}`,
    );
  }
  const rgba = await decodeRgba(buf);
  return {
    format: meta.format,
    widthPx: rgba.width,
    heightPx: rgba.height,
    hasAlpha: Boolean(meta.hasAlpha),
    // sharp reports 72 when the file carries no resolution, which would be a made-up value here.
    ...(meta.density && hasResolutionChunk(buf, meta.format) ? { dpi: Math.round(meta.density) } : {}),
    opaqueBackground: borderOpaqueFraction(rgba) > 0.9,
  };
}

/** PNG stores resolution in pHYs; GIF has none. */
function hasResolutionChunk(buf: Buffer, format: string): boolean {
  return format === 'png' && buf.indexOf('pHYs', 8, 'latin1') > 0;
}

function borderOpaqueFraction({ width, height, data }: Rgba): number {
  let opaque = 0;
  let total = 0;
  const visit = (x: number, y: number) => {
    total++;
    if (data[(y * width + x) * 4 + 3] >= 250) opaque++;
  };
  for (let x = 0; x < width; x++) {
    visit(x, 0);
    visit(x, height - 1);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(0, y);
    visit(width - 1, y);
  }
  return total ? opaque / total : 0;
}

/**
 * Normalises a user-supplied seal to an RGBA PNG. With removeWhiteBackground the paper of a scanned seal becomes
 * transparent by "colour to alpha" against white: each pixel keeps the ink it would need over white paper, so
 * anti-aliased edges and faint ink stay soft instead of leaving a white fringe.
 */
export async function prepareSealImage(buf: Buffer, opts: { removeWhiteBackground?: boolean } = {}): Promise<Buffer> {
  const info = await inspectSealImage(buf);
  const rgba = await decodeRgba(buf);
  if (opts.removeWhiteBackground) whiteToAlpha(rgba.data);
  let out = sharp(rgba.data, { raw: { width: rgba.width, height: rgba.height, channels: 4 } }).png({
    compressionLevel: 9,
  });
  if (info.dpi) out = out.withDensity(info.dpi);
  return out.toBuffer();
}

/** Paper noise below this ink strength (0–255) is dropped entirely. */
const PAPER_NOISE = 24;

function whiteToAlpha(data: Buffer): void {
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    let ink = 255 - Math.min(r, g, b);
    if (ink < PAPER_NOISE) ink = 0;
    if (ink === 0) {
      data[i + 3] = 0;
      continue;
    }
    // Colour that, laid over white with opacity ink/255, reproduces the scanned pixel.
    const a = ink / 255;
    data[i] = Math.round(255 - (255 - r) / a);
    data[i + 1] = Math.round(255 - (255 - g) / a);
    data[i + 2] = Math.round(255 - (255 - b) / a);
    data[i + 3] = Math.round((data[i + 3] * ink) / 255);
  }
}

function toPdfImage(width: number, height: number, rgb: Buffer, alpha: Buffer): PdfImageData {
  return {
    width,
    height,
    rgb,
    alpha,
    rgbDeflated: deflateSync(rgb),
    alphaDeflated: deflateSync(alpha),
    hasAlpha: alpha.some((a) => a !== 255),
  };
}

/** Splits columns [x0, x1) of an RGBA raster into planar RGB and alpha samples. */
function splitColumns({ width, height, data }: Rgba, x0: number, x1: number): PdfImageData {
  const w = x1 - x0;
  const rgb = Buffer.allocUnsafe(w * height * 3);
  const alpha = Buffer.allocUnsafe(w * height);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let s = (y * width + x0) * 4;
    for (let x = 0; x < w; x++, o++, s += 4) {
      rgb[o * 3] = data[s];
      rgb[o * 3 + 1] = data[s + 1];
      rgb[o * 3 + 2] = data[s + 2];
      alpha[o] = data[s + 3];
    }
  }
  return toPdfImage(w, height, rgb, alpha);
}

export async function splitPngAlpha(png: Buffer): Promise<PdfImageData> {
  const rgba = await decodeRgba(png);
  return splitColumns(rgba, 0, rgba.width);
}

/**
 * 骑缝章: cuts the seal into n vertical strips, left to right, one per page. Strip widths differ by at most one pixel
 * and together cover every column exactly once, so the pieces join back into the whole seal.
 */
export async function sliceImageVertical(png: Buffer, n: number): Promise<PdfImageData[]> {
  if (!Number.isInteger(n) || n < 1) throw new SealImageError('INVALID_SLICE_COUNT', `骑缝章分割数须为正整数: ${n}`);
  const rgba = await decodeRgba(png);
  if (n > rgba.width)
    throw new SealImageError('INVALID_SLICE_COUNT', `骑缝章分割数 ${n} 超过图片宽度 ${rgba.width} 像素`);
  const edges = Array.from({ length: n + 1 }, (_, i) => Math.floor((i * rgba.width) / n));
  return Array.from({ length: n }, (_, i) => splitColumns(rgba, edges[i], edges[i + 1]));
}

export { toPdfImage };
