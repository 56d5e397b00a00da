import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateSealImage, SealImageError, squareSealCharacters } from './index.js';

async function rgbaOf(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const i = (Math.round(y) * info.width + Math.round(x)) * info.channels;
    return { r: data[i], g: data[i + 1], b: data[i + 2], a: data[i + 3] };
  };
  return { info, at };
}

const isSealRed = (p: { r: number; g: number; b: number; a: number }) => p.a > 200 && p.r > 200 && p.g < 60 && p.b < 60;

describe('generateSealImage — round 公章', () => {
  const opts = {
    type: 'round',
    name: '新乡市行政审批和政务信息管理局',
    bottomText: '业务专用章',
    code: '4107000012345',
  } as const;

  it('is a 42 mm RGBA PNG at 600 dpi with the resolution recorded', async () => {
    const seal = await generateSealImage(opts);
    expect(seal).toMatchObject({ widthMm: 42, heightMm: 42, widthPx: 992, heightPx: 992 });
    const meta = await sharp(seal.png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 992, height: 992, channels: 4, hasAlpha: true });
    expect(Math.round(meta.density!)).toBe(600);
  });

  it('has a red ring, a red star in the centre and transparent corners', async () => {
    const seal = await generateSealImage(opts);
    const { info, at } = await rgbaOf(seal.png);
    const c = info.width / 2;
    const pxPerMm = info.width / 42;
    // The 1.2 mm rim: sample its middle at several angles.
    for (const deg of [0, 45, 90, 135, 180, 225, 270, 315]) {
      const r = (21 - 0.65) * pxPerMm;
      const a = (deg * Math.PI) / 180;
      expect(isSealRed(at(c + r * Math.cos(a), c + r * Math.sin(a))), `rim at ${deg}°`).toBe(true);
    }
    expect(isSealRed(at(c, c))).toBe(true); // star centre
    for (const [x, y] of [
      [1, 1],
      [info.width - 2, 1],
      [1, info.height - 2],
      [info.width - 2, info.height - 2],
    ]) {
      expect(at(x, y).a).toBe(0);
    }
    // Just inside the rim, between star and text, the background stays transparent.
    expect(at(c, c + 7.5 * pxPerMm).a).toBe(0);
  });

  it('draws the name glyphs on the upper arc and nothing where no text goes', async () => {
    const plain = await rgbaOf((await generateSealImage({ type: 'round', name: '新乡市人民政府' })).png);
    const pxPerMm = plain.info.width / 42;
    const c = plain.info.width / 2;
    const inkIn = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y += 2) for (let x = x0; x < x1; x += 2) if (plain.at(x, y).a > 128) n++;
      return n;
    };
    // The name band at the top centre holds glyph ink; the lower band is empty without bottom text and code.
    expect(inkIn(c - 4 * pxPerMm, c - 18 * pxPerMm, c + 4 * pxPerMm, c - 12 * pxPerMm)).toBeGreaterThan(200);
    expect(inkIn(c - 6 * pxPerMm, c + 8 * pxPerMm, c + 6 * pxPerMm, c + 17 * pxPerMm)).toBe(0);
  });

  it('is deterministic for the same inputs and changes with them', async () => {
    const a = await generateSealImage(opts);
    const b = await generateSealImage(opts);
    expect(a.png.equals(b.png)).toBe(true);
    const other = await generateSealImage({ ...opts, code: '4107000012346' });
    expect(other.png.equals(a.png)).toBe(false);
  });

  it('honours size, dpi and colour', async () => {
    const seal = await generateSealImage({
      type: 'round',
      name: '新乡市财政局',
      sizeMm: 40,
      dpi: 300,
      color: '#0000ff',
    });
    expect(seal).toMatchObject({ widthMm: 40, widthPx: 472, heightPx: 472 });
    const { info, at } = await rgbaOf(seal.png);
    const p = at(info.width / 2, info.height / 2);
    expect(p).toMatchObject({ r: 0, g: 0, b: 255 });
  });
});

describe('generateSealImage — oval and square', () => {
  it('renders a 45×30 mm oval seal', async () => {
    const seal = await generateSealImage({
      type: 'oval',
      name: '新乡市财政局',
      bottomText: '财务专用章',
      code: '4107000012345',
    });
    expect(seal).toMatchObject({ widthMm: 45, heightMm: 30, widthPx: 1063, heightPx: 709 });
    const { info, at } = await rgbaOf(seal.png);
    expect(isSealRed(at(info.width / 2, 0.5 * (info.height / 30)))).toBe(true); // rim at the top
    expect(isSealRed(at(0.5 * (info.width / 45), info.height / 2))).toBe(true); // rim at the left
    expect(at(2, 2).a).toBe(0);
  });

  it('renders a square 法人名章 with a full red frame', async () => {
    const seal = await generateSealImage({ type: 'square', name: '张三' });
    expect(seal).toMatchObject({ widthMm: 22, heightMm: 22, widthPx: 520, heightPx: 520 });
    const { info, at } = await rgbaOf(seal.png);
    for (const [x, y] of [
      [3, 3],
      [info.width - 4, info.height - 4],
      [info.width / 2, 3],
    ])
      expect(isSealRed(at(x, y))).toBe(true);
  });

  it('lays out personal names in the traditional order', () => {
    expect(squareSealCharacters('张三')).toEqual(['张', '三', '之', '印']);
    expect(squareSealCharacters('王小明')).toEqual(['王', '小', '明', '印']);
    expect(squareSealCharacters('张三印')).toEqual(['张', '三', '印']);
    expect(squareSealCharacters('欧阳明月')).toEqual(['欧', '阳', '明', '月']);
  });
});

describe('generateSealImage — bad input', () => {
  it.each([
    [{ type: 'round', name: '' }, 'INVALID_SEAL_NAME'],
    [{ type: 'triangle', name: '新乡' }, 'INVALID_SEAL_TYPE'],
    [{ type: 'round', name: '新乡', sizeMm: 5 }, 'INVALID_SEAL_SIZE'],
    [{ type: 'round', name: '新乡', color: 'red' }, 'INVALID_COLOR'],
    [{ type: 'round', name: '新乡', code: '41 07' }, 'INVALID_SEAL_CODE'],
    [{ type: 'round', name: '新乡', dpi: 10 }, 'INVALID_DPI'],
    [{ type: 'round', name: '新乡\u{1F600}' }, 'GLYPH_MISSING'],
  ])('%j → %s', async (opts, code) => {
    const err = await generateSealImage(opts as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SealImageError);
    expect((err as SealImageError).code).toBe(code);
  });
});
