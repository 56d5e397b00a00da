import { describe, expect, it } from 'vitest';
import { matchPinyin, pinyinInitials, pinyinSyllables, TextInputError, toPinyin } from '../src/index.js';

describe('toPinyin (全拼)', () => {
  it.each([
    ['重庆', 'chong qing'],
    ['重要', 'zhong yao'],
    ['重新', 'chong xin'],
    ['银行', 'yin hang'],
    ['银行行长', 'yin hang hang zhang'],
    ['行政审批', 'xing zheng shen pi'],
    ['长沙', 'chang sha'],
    ['市长', 'shi zhang'],
    ['长垣市', 'chang yuan shi'],
    ['会计', 'kuai ji'],
    ['单位', 'dan wei'],
    ['好差评', 'hao cha ping'],
    ['给付', 'ji fu'],
    ['还款', 'huan kuan'],
    ['公积金贷款提前还款', 'gong ji jin dai kuan ti qian huan kuan'],
    ['还是', 'hai shi'],
  ])('reads the polyphones of %s in context: %s', (text, expected) => {
    expect(toPinyin(text)).toBe(expected);
  });

  it('reads a whole sentence, dropping punctuation and keeping Latin and digits', () => {
    expect(toPinyin('公积金提取，APP办理2次。')).toBe('gong ji jin ti qu app ban li 2 ci');
    expect(pinyinSyllables('绿色通道')).toEqual(['lv', 'se', 'tong', 'dao']);
  });

  it('keeps tone marks on request, and joins with a custom separator', () => {
    expect(toPinyin('重庆银行', { tone: true })).toBe('chóng qìng yín háng');
    expect(toPinyin('营业执照', { separator: '' })).toBe('yingyezhizhao');
  });
});

describe('pinyinInitials (首字母)', () => {
  it.each([
    ['营业执照', 'yyzz'],
    ['公积金提取', 'gjjtq'],
    ['重庆', 'cq'],
    ['银行', 'yh'],
    ['不动产登记', 'bdcdj'],
    ['5G基站', '5gjz'],
  ])('%s → %s', (text, expected) => {
    expect(pinyinInitials(text)).toBe(expected);
  });
});

describe('matchPinyin', () => {
  it('matches full pinyin, initials and mixes from the start of the text', () => {
    expect(matchPinyin('公积金提取', 'gongjijin tiqu')).toEqual([0, 1, 2, 3, 4]);
    expect(matchPinyin('营业执照', 'yyzz')).toEqual([0, 1, 2, 3]);
    expect(matchPinyin('营业执照', 'yingyezz')).toEqual([0, 1, 2, 3]);
    expect(matchPinyin('公积金提取', 'gongjijin ti')).toEqual([0, 1, 2, 3]);
    expect(matchPinyin('营业执照', 'zhizhao')).toBeNull();
    expect(matchPinyin('营业执照', '   ')).toBeNull();
  });

  it('rejects non-string input', () => {
    expect(() => toPinyin(undefined as unknown as string)).toThrow(TextInputError);
    expect(() => matchPinyin('营业执照', null as unknown as string)).toThrow(TextInputError);
  });
});
