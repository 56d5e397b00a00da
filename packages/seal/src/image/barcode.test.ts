import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBarcode, type SealImageError, SerialNumberGenerator } from './index.js';

// jsqr is CommonJS whose typings declare an ES default export; require() gives the function under either view.
const jsQR: typeof import('jsqr').default = createRequire(import.meta.url)('jsqr');

describe('generateBarcode', () => {
  it('produces a QR code that a decoder reads back, CJK included', async () => {
    const text = 'https://zwfw.xinxiang.gov.cn/verify?id=XX20261128000001&签章=新乡市';
    const { png, image } = await generateBarcode({ type: 'qr', text, scale: 4 });
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const decoded = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
    expect(decoded?.data).toBe(text);
    expect(image).toMatchObject({ width: info.width, height: info.height, hasAlpha: false });
  });

  it.each(['pdf417', 'code128', 'code39'] as const)('produces a %s image with quiet zone', async (type) => {
    const { png, image } = await generateBarcode({ type, text: 'XX20261128000001', includeText: true });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(image.width).toBe(meta.width);
    // White border (quiet zone) and black bars inside.
    expect(image.rgb.subarray(0, 3).every((v) => v === 255)).toBe(true);
    expect(image.rgb.some((v) => v === 0)).toBe(true);
  });

  it('encodes more modules for longer input (real encoding, not a fixed picture)', async () => {
    const short = await generateBarcode({ type: 'code128', text: 'A1' });
    const long = await generateBarcode({ type: 'code128', text: 'A1B2C3D4E5F6G7H8' });
    expect(long.image.width).toBeGreaterThan(short.image.width);
  });

  it('rejects text the symbology cannot carry and bad options', async () => {
    const cjk39 = await generateBarcode({ type: 'code39', text: '新乡' }).catch((e: unknown) => e);
    expect((cjk39 as SealImageError).code).toBe('BARCODE_ENCODE_FAILED');
    const empty = await generateBarcode({ type: 'qr', text: '' }).catch((e: unknown) => e);
    expect((empty as SealImageError).code).toBe('INVALID_BARCODE_TEXT');
    const type = await generateBarcode({ type: 'ean99' as never, text: '1' }).catch((e: unknown) => e);
    expect((type as SealImageError).code).toBe('INVALID_BARCODE_TYPE');
  });
});

describe('SerialNumberGenerator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-serial-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const day = (d: string) => () => new Date(`${d}T10:00:00`);

  it('formats prefix + yyyyMMdd + padded counter and restarts each day', () => {
    const gen = new SerialNumberGenerator({ prefix: 'XX', now: day('2026-11-28') });
    expect(gen.next()).toBe('XX20261128000001');
    expect(gen.next()).toBe('XX20261128000002');
  });

  it('continues across instances through the state file and resets on a new day', () => {
    const stateFile = join(dir, 'nested', 'serial.json');
    const a = new SerialNumberGenerator({ prefix: 'XX', digits: 4, stateFile, now: day('2026-11-28') });
    expect([a.next(), a.next()]).toEqual(['XX202611280001', 'XX202611280002']);
    const b = new SerialNumberGenerator({ prefix: 'XX', digits: 4, stateFile, now: day('2026-11-28') });
    expect(b.next()).toBe('XX202611280003');
    expect(a.next()).toBe('XX202611280004'); // a re-reads the file, so it does not reuse b's number
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ date: '20261128', counter: 4 });
    const tomorrow = new SerialNumberGenerator({ prefix: 'XX', digits: 4, stateFile, now: day('2026-11-29') });
    expect(tomorrow.next()).toBe('XX202611290001');
  });

  it('refuses a corrupt state file without overwriting it', () => {
    const stateFile = join(dir, 'corrupt.json');
    writeFileSync(stateFile, '{"date":1}');
    const gen = new SerialNumberGenerator({ stateFile });
    expect(() => gen.next()).toThrow(expect.objectContaining({ code: 'SERIAL_STATE_CORRUPT' }));
    expect(readFileSync(stateFile, 'utf8')).toBe('{"date":1}');
  });

  it('stops when the day runs out of numbers', () => {
    const gen = new SerialNumberGenerator({ digits: 1, now: day('2026-11-28') });
    for (let i = 1; i <= 9; i++) gen.next();
    expect(() => gen.next()).toThrow(expect.objectContaining({ code: 'SERIAL_EXHAUSTED' }));
  });
});
