import {
  isValidIdNumber,
  isValidPhone,
  isValidUscc,
  maskIdNumber,
  maskName,
  maskPhone,
  usccCheckChar,
} from '@jiyue/text/identifiers';
import { describe, expect, it } from 'vitest';
import { demoUscc } from './seed-data.js';

describe('统一社会信用代码 (GB 32100-2015)', () => {
  it('accepts codes with a correct check character', () => {
    // A code often quoted as the standard's worked example, and a near miss.
    expect(isValidUscc('91350100M000100Y43')).toBe(true);
    expect(isValidUscc('911100001000020378')).toBe(false);
    const code = demoUscc('410700', 1);
    expect(isValidUscc(code)).toBe(true);
  });

  it('rejects a wrong check character, a wrong length and forbidden letters', () => {
    const code = demoUscc('410700', 2);
    const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    expect(isValidUscc(wrong)).toBe(false);
    expect(isValidUscc(code.slice(0, 17))).toBe(false);
    expect(isValidUscc(`${code.slice(0, 10)}I${code.slice(11)}`)).toBe(false);
    expect(usccCheckChar('91410700MA0000OOO')).toBeNull();
  });

  it('computes every demo code of the seed as valid', () => {
    for (let i = 1; i < 60; i++) expect(isValidUscc(demoUscc('410700', i))).toBe(true);
  });
});

describe('居民身份证号码 (GB 11643-1999)', () => {
  it('checks the date and the check character', () => {
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('110105194902310029')).toBe(false); // 2月31日
    expect(isValidIdNumber('11010519491231002x')).toBe(false); // callers upper-case first
    expect(isValidIdNumber('1101051949123100')).toBe(false);
  });
});

describe('masking', () => {
  it('keeps just enough to recognise the value', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('张')).toBe('张');
    expect(isValidPhone('13812341234')).toBe(true);
    expect(isValidPhone('0373-3012345')).toBe(true);
    expect(isValidPhone('12345')).toBe(false);
  });
});
