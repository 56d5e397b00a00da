import { describe, expect, it } from 'vitest';
import { TextInputError, toSimplified, toTraditional } from '../src/index.js';
import { NEWS } from './fixtures.js';

describe('simplified ↔ traditional (简繁转换)', () => {
  it('converts a news sentence to Taiwan traditional', () => {
    expect(toTraditional('市人力资源和社会保障局发布通知，自七月起调整退休人员基本养老金。')).toBe(
      '市人力資源和社會保障局發佈通知，自七月起調整退休人員基本養老金。',
    );
  });

  it('distinguishes Taiwan and Hong Kong character forms', () => {
    expect(toTraditional('在这里', 'tw')).toBe('在這裡');
    expect(toTraditional('在这里', 'hk')).toBe('在這裏');
  });

  it('maps Taiwan vocabulary with twp, both ways', () => {
    expect(toTraditional('软件和鼠标的信息', 'twp')).toBe('軟體和滑鼠的資訊');
    expect(toSimplified('軟體和滑鼠的資訊', 'twp')).toBe('软件和鼠标的信息');
  });

  it.each(Object.entries(NEWS))('round-trips the %s paragraph through tw and hk', (_name, paragraph) => {
    const tw = toTraditional(paragraph, 'tw');
    expect(tw).not.toBe(paragraph);
    expect(toSimplified(tw, 'tw')).toBe(paragraph);
    expect(toSimplified(toTraditional(paragraph, 'hk'), 'hk')).toBe(paragraph);
  });

  it('leaves simplified text unchanged, so queries can be normalised blindly', () => {
    expect(toSimplified('新乡市人民政府')).toBe('新乡市人民政府');
    expect(toSimplified('新鄉市人民政府')).toBe('新乡市人民政府');
  });

  it('rejects an unknown variant and non-string text', () => {
    expect(() => toTraditional('政府', 'xx' as never)).toThrow(/must be one of t, tw, twp, hk/);
    expect(() => toSimplified(5 as unknown as string)).toThrow(TextInputError);
  });
});
