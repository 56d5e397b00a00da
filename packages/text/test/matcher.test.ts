import { describe, expect, it } from 'vitest';
import { TextInputError, WordMatcher } from '../src/index.js';
import { randomString, seededRandom } from './random.js';

type Hit = { word: string; start: number; end: number };
const plain = (hits: Hit[]) => hits.map(({ word, start, end }) => ({ word, start, end }));

// 错敏词 (flagged words): a typo of 政府, nested and overlapping disclosure phrases, and
// sensitive data terms — the mix the diagnostics module scans pages for.
const FLAGGED = [
  { word: '人民政付', data: '错词' },
  { word: '政付', data: '错词' },
  { word: '政府信息公开', data: '关注' },
  { word: '政府信息', data: '关注' },
  { word: '信息公开', data: '关注' },
  { word: '公开工作', data: '关注' },
  { word: '国家秘密', data: '敏感' },
  { word: '个人隐私', data: '敏感' },
  { word: '隐私', data: '敏感' },
  { word: '隐私', data: '隐私保护' },
];
const PARAGRAPH = '新乡市人民政付办公室依法做好政府信息公开工作，严禁泄露国家秘密和个人隐私。';

describe('WordMatcher on a paragraph with 错敏词', () => {
  const matcher = new WordMatcher(FLAGGED);

  it('finds every occurrence, overlapping and nested, with UTF-16 offsets', () => {
    expect(plain(matcher.findAll(PARAGRAPH))).toEqual([
      { word: '人民政付', start: 3, end: 7 },
      { word: '政付', start: 5, end: 7 },
      { word: '政府信息公开', start: 14, end: 20 },
      { word: '政府信息', start: 14, end: 18 },
      { word: '信息公开', start: 16, end: 20 },
      { word: '公开工作', start: 18, end: 22 },
      { word: '国家秘密', start: 27, end: 31 },
      { word: '个人隐私', start: 32, end: 36 },
      { word: '隐私', start: 34, end: 36 },
    ]);
    for (const hit of matcher.findAll(PARAGRAPH)) expect(PARAGRAPH.slice(hit.start, hit.end)).toBe(hit.word);
  });

  it('returns the data of every entry listing the word', () => {
    const hits = matcher.findAll('保护隐私');
    expect(hits).toEqual([{ word: '隐私', start: 2, end: 4, data: ['敏感', '隐私保护'] }]);
    expect(matcher.size).toBe(9);
  });

  it('picks leftmost-longest non-overlapping hits for masking', () => {
    expect(plain(matcher.findLongest(PARAGRAPH)).map((h) => h.word)).toEqual([
      '人民政付',
      '政府信息公开',
      '国家秘密',
      '个人隐私',
    ]);
    expect(matcher.mask(PARAGRAPH)).toBe('新乡市****办公室依法做好******工作，严禁泄露****和****。');
    expect(matcher.replace('人民政付', (hit) => `[${hit.data[0]}]`)).toBe('[错词]');
  });

  it('tests for presence and handles empty lists and texts', () => {
    expect(matcher.test(PARAGRAPH)).toBe(true);
    expect(matcher.test('天气晴朗')).toBe(false);
    expect(matcher.findAll('')).toEqual([]);
    expect(new WordMatcher([]).findAll(PARAGRAPH)).toEqual([]);
  });

  it('handles characters outside the basic plane (CJK Extension B) and Latin words', () => {
    const m = new WordMatcher(['𠀀𠀁', 'APP', '𠀁办']);
    const text = '下载APP，𠀀𠀁办理';
    expect(plain(m.findAll(text))).toEqual([
      { word: 'APP', start: 2, end: 5 },
      { word: '𠀀𠀁', start: 6, end: 10 },
      { word: '𠀁办', start: 8, end: 11 },
    ]);
  });

  it('rejects empty or non-string words and non-string text with a stable code', () => {
    expect(() => new WordMatcher(['政府', ''])).toThrow(TextInputError);
    expect(() => new WordMatcher([{ word: 3 as unknown as string, data: 1 }])).toThrow(/non-empty strings/);
    expect(() => new WordMatcher(null as never)).toThrow(TextInputError);
    expect(() => matcher.findAll(undefined as unknown as string)).toThrow(TextInputError);
  });
});

function naiveScan(words: readonly string[], text: string): Hit[] {
  const hits: Hit[] = [];
  for (const word of new Set(words)) {
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1))
      hits.push({ word, start: at, end: at + word.length });
  }
  return hits.sort((a, b) => a.start - b.start || b.end - a.end);
}

describe('WordMatcher against a naive indexOf scan (property test, fixed seed)', () => {
  const ALPHABET = ['政', '府', '信', '息', '公', '开', '办', '理', 'a', 'b', '𠀀', '，'];

  it('agrees on 300 random word lists and texts', () => {
    const random = seededRandom(20261128);
    let total = 0;
    for (let round = 0; round < 300; round++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
        randomString(random, ALPHABET, 1 + Math.floor(random() * 5)),
      );
      const text = randomString(random, ALPHABET, Math.floor(random() * 400));
      const expected = naiveScan(words, text);
      expect(plain(new WordMatcher(words).findAll(text))).toEqual(expected);
      total += expected.length;
    }
    expect(total).toBeGreaterThan(10_000);
  });

  it('agrees with a substring lookup on a 100,000-word list', () => {
    const random = seededRandom(7);
    const alphabet = [
      ...'新乡市人民政府办公室关于印发政务服务一件事一次办营业执照公积金提取不动产登记居民身份证社会保障卡出生医学证明',
    ];
    const words = new Set<string>();
    while (words.size < 100_000) words.add(randomString(random, alphabet, 2 + Math.floor(random() * 5)));
    const matcher = new WordMatcher(words);
    expect(matcher.size).toBe(100_000);
    const text = randomString(random, alphabet, 20_000);
    // Every substring of length 2–6 looked up in the set: the same answer as scanning each word.
    const expected: Hit[] = [];
    for (let start = 0; start < text.length; start++) {
      for (let length = 6; length >= 2; length--) {
        const word = text.slice(start, start + length);
        if (word.length === length && words.has(word)) expected.push({ word, start, end: start + length });
      }
    }
    expect(expected.length).toBeGreaterThan(1_000);
    expect(plain(matcher.findAll(text))).toEqual(expected);
  });
});
