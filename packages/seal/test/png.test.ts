import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateSealImage, splitPngAlpha } from '../src/image/index.js';
import { decodeSimplePng, toPdfImageData } from '../src/pdf/png.js';

describe('the lean PNG decoder of the signing path', () => {
  it('decodes seal images exactly like sharp (RGB and alpha planes) and reads the resolution', async () => {
    for (const type of ['round', 'oval', 'square'] as const) {
      const { png } = await generateSealImage({
        type,
        name: type === 'square' ? '张三' : '新乡市行政审批和政务信息管理局',
        dpi: 300,
      });
      const mine = decodeSimplePng(png)!;
      expect(mine.dpi).toBe(300);
      const ours = toPdfImageData(mine);
      const ref = await splitPngAlpha(png);
      expect([ours.width, ours.height, ours.hasAlpha]).toEqual([ref.width, ref.height, ref.hasAlpha]);
      expect(ours.rgb.equals(ref.rgb)).toBe(true);
      expect(ours.alpha.equals(ref.alpha)).toBe(true);
    }
  });

  it('decodes RGB and grey PNGs with every row filter sharp writes, and declines what it does not handle', async () => {
    const w = 37;
    const h = 23;
    const rgb = Buffer.alloc(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + (i >> 5)) & 0xff;
    for (const channels of [1, 3] as const) {
      const raw = channels === 3 ? rgb : rgb.subarray(0, w * h);
      const png = await sharp(raw, { raw: { width: w, height: h, channels } })
        .png({ adaptiveFiltering: true, compressionLevel: 9 })
        .toBuffer();
      const d = decodeSimplePng(png)!;
      const expected = await sharp(png).ensureAlpha().raw().toBuffer();
      expect(d.rgba.equals(expected)).toBe(true);
    }
    const palette = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .png({ palette: true })
      .toBuffer();
    expect(decodeSimplePng(palette)).toBeUndefined();
    const gif = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .gif()
      .toBuffer();
    expect(decodeSimplePng(gif)).toBeUndefined();
    expect(decodeSimplePng(Buffer.from('not a png'))).toBeUndefined();
  });

  it('never throws on corrupted PNGs (it declines them instead)', async () => {
    const { png } = await generateSealImage({ type: 'square', name: '张三', dpi: 150 });
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(png.subarray(0, i % 3 === 0 ? Math.floor(rnd() * png.length) : png.length));
      for (let k = 0; k < 4; k++) b[8 + Math.floor(rnd() * Math.max(1, b.length - 8))] = Math.floor(rnd() * 256);
      const d = decodeSimplePng(b);
      if (d) expect(d.rgba.length).toBe(d.width * d.height * 4);
    }
  });
});
