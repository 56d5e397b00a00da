import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  findNearDuplicates,
  groupNearDuplicates,
  hammingDistance,
  simhash,
  simhashFromHex,
  simhashToHex,
  TextInputError,
  weightedTokens,
} from '../src/index.js';
import { NEWS } from './fixtures.js';
import { seededRandom } from './random.js';

const lightlyEdited = NEWS.housingFund.replace('管理中心提醒', '管理中心近日提醒').replace('当日到账', '当天到账');
const longNotice = [NEWS.housingFund, NEWS.pension, NEWS.business, NEWS.lifeEvents].join('\n');
const longNoticeEdited = longNotice
  .replace('管理中心提醒', '管理中心近日提醒')
  .replace('当日到账', '当天到账')
  .replace('自七月起', '从七月起');

describe('simhash', () => {
  it('is deterministic and 64-bit', () => {
    const hash = simhash(NEWS.disclosure);
    expect(simhash(NEWS.disclosure)).toBe(hash);
    expect(hash >> 64n).toBe(0n);
    expect(hash).not.toBe(0n);
    expect(simhash('')).toBe(0n);
    expect(simhash('，。！')).toBe(0n);
  });

  it('keeps its value stable, so hashes stored in the database stay comparable', () => {
    const tokens = [
      { token: '公积金提取', weight: 3 },
      { token: '营业执照', weight: 2 },
      { token: '办理', weight: 1 },
    ];
    expect(simhashToHex(simhash(tokens))).toBe('50188a0c2509e130');
    // One token: every bit is that token's vote, i.e. the first 8 bytes of its MD5.
    expect(simhashToHex(simhash([{ token: '政务服务', weight: 1 }]))).toBe(
      createHash('md5').update('政务服务').digest('hex').slice(0, 16),
    );
  });

  it('puts a lightly edited paragraph a few bits away and unrelated ones far away', () => {
    expect(hammingDistance(simhash(NEWS.housingFund), simhash(lightlyEdited))).toBeLessThanOrEqual(6);
    expect(hammingDistance(simhash(longNotice), simhash(longNoticeEdited))).toBeLessThanOrEqual(3);
    const paragraphs = Object.values(NEWS).map((text) => simhash(text));
    for (let i = 0; i < paragraphs.length; i++) {
      for (let j = i + 1; j < paragraphs.length; j++)
        expect(hammingDistance(paragraphs[i], paragraphs[j])).toBeGreaterThanOrEqual(20);
    }
  });

  it('weights rare domain words above function words (jieba IDF)', () => {
    const weights = new Map(weightedTokens(NEWS.housingFund).map(({ token, weight }) => [token, weight]));
    expect(weights.get('公积金提取')).toBeGreaterThan(weights.get('和') as number);
    expect(weights.has('，')).toBe(false);
    // Weighted tokens given directly hash the same as the text they came from.
    expect(simhash(weightedTokens(NEWS.pension))).toBe(simhash(NEWS.pension));
  });

  it('counts differing bits', () => {
    expect(hammingDistance(0n, 0n)).toBe(0);
    expect(hammingDistance(0n, (1n << 64n) - 1n)).toBe(64);
    expect(hammingDistance(0b1011n, 0b0110n)).toBe(3);
  });

  it('round-trips through hex and rejects bad hex', () => {
    const hash = simhash(NEWS.business);
    expect(simhashToHex(hash)).toMatch(/^[0-9a-f]{16}$/);
    expect(simhashFromHex(simhashToHex(hash))).toBe(hash);
    expect(simhashToHex(1n)).toBe('0000000000000001');
    expect(() => simhashFromHex('xyz')).toThrow(TextInputError);
  });

  it('rejects bad token input', () => {
    expect(() => simhash([{ token: '政府', weight: Number.NaN }])).toThrow(/finite/);
    expect(() => simhash(7 as never)).toThrow(TextInputError);
    expect(() => hammingDistance(1 as never, 2n)).toThrow(TextInputError);
  });
});

describe('near-duplicates in a set', () => {
  it('pairs and groups the edited copies of a notice, and nothing else', () => {
    const items = [
      { key: 'notice', hash: simhash(longNotice) },
      { key: 'weather', hash: simhash(NEWS.weather) },
      { key: 'notice-edited', hash: simhash(longNoticeEdited) },
      { key: 'disclosure', hash: simhash(NEWS.disclosure) },
      { key: 'notice-copy', hash: simhash(longNotice) },
    ];
    const pairs = findNearDuplicates(items, 3);
    expect(pairs.map(({ a, b }) => `${a}~${b}`).sort()).toEqual([
      'notice-edited~notice-copy',
      'notice~notice-copy',
      'notice~notice-edited',
    ]);
    expect(pairs[0]).toEqual({ a: 'notice', b: 'notice-copy', distance: 0 });
    expect(groupNearDuplicates(items, 3)).toEqual([['notice', 'notice-edited', 'notice-copy']]);
  });

  it('finds exactly the pairs a brute-force comparison finds (fixed seed)', () => {
    const random = seededRandom(42);
    const randomHash = () => (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    const flip = (hash: bigint, bits: number) => {
      let out = hash;
      for (let i = 0; i < bits; i++) out ^= 1n << BigInt(Math.floor(random() * 64));
      return out;
    };
    const items: Array<{ key: number; hash: bigint }> = [];
    for (let i = 0; i < 300; i++) {
      const base =
        i % 3 === 0 || items.length === 0
          ? randomHash()
          : flip(items[Math.floor(random() * items.length)].hash, 1 + Math.floor(random() * 8));
      items.push({ key: i, hash: base });
    }
    for (const maxDistance of [0, 3, 6]) {
      const brute: string[] = [];
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          if (hammingDistance(items[i].hash, items[j].hash) <= maxDistance) brute.push(`${i}:${j}`);
        }
      }
      const found = findNearDuplicates(items, maxDistance).map(({ a, b }) => `${a}:${b}`);
      expect(found.sort()).toEqual(brute.sort());
      if (maxDistance === 6) expect(brute.length).toBeGreaterThan(50);
    }
  });

  it('rejects a distance outside 0–63', () => {
    expect(() => findNearDuplicates([], -1)).toThrow(TextInputError);
    expect(() => findNearDuplicates([], 64)).toThrow(/0 to 63/);
  });
});
