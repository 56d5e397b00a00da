import { describe, expect, it } from 'vitest';
import {
  extractKeywords,
  governmentTerms,
  parseDictionary,
  Segmenter,
  segment,
  segmentForSearch,
  TextInputError,
} from '../src/index.js';
import { NEWS } from './fixtures.js';

describe('segment (精确模式)', () => {
  it('keeps government terms whole in a news paragraph', () => {
    const words = segment(NEWS.lifeEvents);
    for (const term of [
      '新乡市',
      '政务服务中心',
      '一件事一次办',
      '出生医学证明',
      '生育登记',
      '户口登记',
      '社会保障卡',
    ]) {
      expect(words).toContain(term);
    }
    expect(words.join('')).toBe(NEWS.lifeEvents);
  });

  it('cuts a sentence exactly as expected', () => {
    expect(segment('缴存职工办理公积金提取业务可通过政务服务网全程网办')).toEqual([
      '缴存',
      '职工',
      '办理',
      '公积金提取',
      '业务',
      '可',
      '通过',
      '政务服务网',
      '全程网办',
    ]);
  });

  it('keeps every one of the 200+ dictionary terms whole, alone and inside a sentence', () => {
    const terms = governmentTerms();
    expect(terms.length).toBeGreaterThanOrEqual(200);
    expect(new Set(terms.map((t) => t.word)).size).toBe(terms.length);
    const broken = terms
      .map((t) => t.word)
      .filter((word) => !segment(`《${word}》`).includes(word) || !segment(`请办理${word}等事项`).includes(word));
    expect(broken).toEqual([]);
  });

  it('without the government dictionary the same terms are split, so the dictionary is what keeps them', () => {
    const plain = new Segmenter({ governmentTerms: false });
    expect(plain.cut('一件事一次办')).not.toContain('一件事一次办');
    expect(plain.cut('公积金提取')).not.toContain('公积金提取');
  });
});

describe('segmentForSearch (搜索引擎模式)', () => {
  it('emits the parts of long words before the word, without punctuation', () => {
    const tokens = segmentForSearch('居民可在政务服务网办理营业执照、公积金提取。');
    expect(tokens).toEqual([
      '居民',
      '可',
      '在',
      '政务',
      '政务服务',
      '服务',
      '服务网',
      '政务服务网',
      '办理',
      '营业',
      '执照',
      '营业执照',
      '公积',
      '公积金',
      '积金',
      '提取',
      '公积金提取',
    ]);
  });

  it('on every news paragraph, contains the precise-mode words in order, each after its parts', () => {
    const seg = new Segmenter();
    for (const paragraph of Object.values(NEWS)) {
      const words = seg.words(paragraph);
      const tokens = seg.cutForSearch(paragraph);
      // Walk the tokens: each is either the next precise word or a part of the word that follows.
      let next = 0;
      let pending: string[] = [];
      for (const token of tokens) {
        if (token !== words[next]) {
          pending.push(token);
          continue;
        }
        for (const part of pending) expect(token).toContain(part);
        pending = [];
        next++;
      }
      expect(next).toBe(words.length);
      expect(pending).toEqual([]);
      expect(tokens.length).toBeGreaterThan(words.length);
    }
  });

  it('lower-cases Latin words and keeps numbers', () => {
    expect(segmentForSearch('新乡市 APP 2026年')).toEqual(['新乡', '新乡市', 'app', '2026', '年']);
  });
});

describe('user dictionary', () => {
  it('a term added at run time is kept whole; a bad entry adds nothing', () => {
    const seg = new Segmenter();
    expect(seg.cut('登录新乡政务通查询')).toEqual(['登录', '新乡', '政务', '通', '查询']);
    expect(() => seg.addTerms([{ word: '新乡政务通' }, { word: '' }])).toThrow(TextInputError);
    expect(seg.cut('登录新乡政务通查询')).not.toContain('新乡政务通');
    seg.addTerms([{ word: '新乡政务通', tag: 'nz' }]);
    expect(seg.cut('登录新乡政务通查询')).toEqual(['登录', '新乡政务通', '查询']);
    // The shared default segmenter is a separate instance and does not see the addition.
    expect(segment('登录新乡政务通查询')).not.toContain('新乡政务通');
  });

  it('parses word, frequency, tag, comments and [tag] sections', () => {
    expect(parseDictionary('# c\n[nt]\n大数据管理局\n豫事办 5000\n红旗区 300 ns\n好差评 nz\n')).toEqual([
      { word: '大数据管理局', freq: undefined, tag: 'nt' },
      { word: '豫事办', freq: 5000, tag: 'nt' },
      { word: '红旗区', freq: 300, tag: 'ns' },
      { word: '好差评', freq: undefined, tag: 'nz' },
    ]);
    expect(() => parseDictionary('a b c d')).toThrow(/line 1/);
    expect(() => parseDictionary('ok\n豫事办 many nz')).toThrow(/line 2.*not a number/);
  });

  it('rejects non-string text with a stable code', () => {
    try {
      segment(42 as unknown as string);
      expect.unreachable();
    } catch (error) {
      expect((error as TextInputError).code).toBe('text.not_a_string');
    }
  });
});

describe('extractKeywords', () => {
  it('ranks the paragraph’s domain terms among its keywords', () => {
    const keywords = extractKeywords(NEWS.housingFund, 8).map((k) => k.keyword);
    expect(keywords).toContain('公积金提取');
    expect(keywords).toContain('不动产登记');
  });
});
