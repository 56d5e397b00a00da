import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  generateSealImage,
  inspectSealImage,
  prepareSealImage,
  type SealImageError,
  sliceImageVertical,
  splitPngAlpha,
} from './index.js';

/** A "scanned" seal: a red disc with soft edges on white paper, no alpha channel. */
async function scannedSeal(format: 'png' | 'jpeg' | 'gif' = 'png') {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">
    <rect width="200" height="200" fill="#ffffff"/><circle cx="100" cy="100" r="80" fill="none" stroke="#e60012" stroke-width="8"/>
    <circle cx="100" cy="100" r="20" fill="#e60012"/></svg>`;
  const img = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
  return format === 'png' ? img.png().toBuffer() : format === 'gif' ? img.gif().toBuffer() : img.jpeg().toBuffer();
}

/** Drops every chunk of one type from a PNG (chunk = length, type, data, CRC). */
function withoutChunk(png: Buffer, type: string): Buffer {
  const parts = [png.subarray(0, 8)];
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    const end = o + 12 + len;
    if (png.toString('latin1', o + 4, o + 8) !== type) parts.push(png.subarray(o, end));
    o = end;
  }
  return Buffer.concat(parts);
}

describe('inspectSealImage', () => {
  it('reports a generated seal as transparent PNG with its dpi', async () => {
    const seal = await generateSealImage({ type: 'round', name: '新乡市人民政府', dpi: 300 });
    expect(await inspectSealImage(seal.png)).toEqual({
      format: 'png',
      widthPx: 496,
      heightPx: 496,
      hasAlpha: true,
      dpi: 300,
      opaqueBackground: false,
    });
  });

  it('flags an opaque white background', async () => {
    const info = await inspectSealImage(await scannedSeal());
    expect(info).toMatchObject({ format: 'png', widthPx: 200, heightPx: 200, hasAlpha: false, opaqueBackground: true });
  });

  it('omits the dpi when the PNG has no pHYs chunk', async () => {
    const info = await inspectSealImage(withoutChunk(await scannedSeal(), 'pHYs'));
    expect(info.widthPx).toBe(200);
    expect(info.dpi).toBeUndefined();
  });

  it('accepts GIF', async () => {
    expect((await inspectSealImage(await scannedSeal('gif'))).format).toBe('gif');
  });

  it('rejects JPEG and garbage with a clear code', async () => {
    const jpeg = await inspectSealImage(await scannedSeal('jpeg')).catch((e: unknown) => e);
    expect((jpeg as SealImageError).code).toBe('UNSUPPORTED_IMAGE_FORMAT');
    const junk = await inspectSealImage(Buffer.from('not an image at all')).catch((e: unknown) => e);
    expect((junk as SealImageError).code).toBe('INVALID_IMAGE');
  });
});

describe('prepareSealImage', () => {
  it('turns white paper transparent and keeps the red ink opaque', async () => {
    const out = await prepareSealImage(await scannedSeal(), { removeWhiteBackground: true });
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    const px = (x: number, y: number) => Array.from(data.subarray((y * 200 + x) * 4, (y * 200 + x) * 4 + 4));
    expect(px(5, 5)[3]).toBe(0); // paper
    expect(px(100, 60)[3]).toBe(0); // paper inside the ring
    const ink = px(100, 100);
    expect(ink[3]).toBeGreaterThan(240);
    expect(ink[0]).toBeGreaterThan(200);
    expect(ink[1]).toBeLessThan(40);
    expect((await inspectSealImage(out)).opaqueBackground).toBe(false);
  });

  it('leaves pixels alone without removeWhiteBackground', async () => {
    const out = await prepareSealImage(await scannedSeal());
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
  });
});

describe('splitPngAlpha and sliceImageVertical', () => {
  it('splits into planar RGB + alpha whose deflated forms inflate back', async () => {
    const seal = await generateSealImage({ type: 'round', name: '新乡市人民政府', dpi: 150 });
    const img = await splitPngAlpha(seal.png);
    expect(img.width).toBe(seal.widthPx);
    expect(img.rgb.length).toBe(img.width * img.height * 3);
    expect(img.alpha.length).toBe(img.width * img.height);
    expect(img.hasAlpha).toBe(true);
    expect(inflateSync(img.rgbDeflated).equals(img.rgb)).toBe(true);
    expect(inflateSync(img.alphaDeflated).equals(img.alpha)).toBe(true);
    // Same samples as sharp's own decode of the PNG.
    const raw = await sharp(seal.png).raw().toBuffer();
    const mid = (Math.floor(img.height / 2) * img.width + Math.floor(img.width / 2)) * 4;
    expect(img.alpha[mid / 4]).toBe(raw[mid + 3]);
    expect(img.rgb[(mid / 4) * 3]).toBe(raw[mid]);
  });

  it('reports an opaque image as having no alpha', async () => {
    expect((await splitPngAlpha(await scannedSeal())).hasAlpha).toBe(false);
  });

  it('slices into n strips that reassemble into the original', async () => {
    const seal = await generateSealImage({ type: 'round', name: '新乡市人民政府', dpi: 150 });
    const whole = await splitPngAlpha(seal.png);
    const strips = await sliceImageVertical(seal.png, 7);
    expect(strips).toHaveLength(7);
    const widths = strips.map((s) => s.width);
    expect(widths.reduce((a, b) => a + b)).toBe(whole.width);
    expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
    // Row 100 of the strips, concatenated left to right, is row 100 of the whole image.
    const row = (img: { width: number; alpha: Buffer }, y: number) =>
      img.alpha.subarray(y * img.width, (y + 1) * img.width);
    expect(Buffer.concat(strips.map((s) => row(s, 100))).equals(row(whole, 100))).toBe(true);
    expect(strips.every((s) => inflateSync(s.rgbDeflated).length === s.width * s.height * 3)).toBe(true);
  });

  it('rejects impossible slice counts', async () => {
    const png = await scannedSeal();
    for (const n of [0, 1.5, 201]) {
      const err = await sliceImageVertical(png, n).catch((e: unknown) => e);
      expect((err as SealImageError).code).toBe('INVALID_SLICE_COUNT');
    }
  });
});
