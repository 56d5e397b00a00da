import { customPinyin, match, pinyin } from 'pinyin-pro';
import { assertString } from './errors.js';

/**
 * Readings pinyin-pro gets wrong in government texts (checked by hand against 现代汉语词典):
 * it reads 还 as hái in 还款, which a 公积金 page says on every line. Registered once,
 * process-wide, before the first conversion; the table is small on purpose: add a word only
 * with a test that shows the library's reading is wrong.
 */
export const POLYPHONE_CORRECTIONS: Readonly<Record<string, string>> = {
  还款: 'huán kuǎn',
  还贷: 'huán dài',
  还清: 'huán qīng',
  还本付息: 'huán běn fù xī',
  单县: 'shàn xiàn',
};

let corrected = false;
function ensureCorrections(): void {
  if (corrected) return;
  customPinyin({ ...POLYPHONE_CORRECTIONS });
  corrected = true;
}

/** Options for {@link toPinyin}. */
export interface PinyinOptions {
  /** keep tone marks (zhòng qìng); default false (chong qing) */
  tone?: boolean;
  /** between syllables; default a single space */
  separator?: string;
}

/**
 * Syllables of `text`, one per Hanzi, toneless and lower-case. Polyphones are read in context
 * by pinyin-pro's word dictionary: 重庆 → chong qing, 银行 → yin hang, 行长 → hang zhang.
 * Runs of non-Chinese characters (letters, digits) are kept as one lower-cased item; spaces
 * and punctuation are dropped.
 */
export function pinyinSyllables(text: string): string[] {
  assertString(text, 'text');
  if (text === '') return [];
  ensureCorrections();
  return pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true })
    .flatMap((item) => item.split(/[^\p{L}\p{N}]+/u))
    .filter((item) => item !== '')
    .map((item) => item.toLowerCase());
}

/** Full pinyin (全拼) of `text`, e.g. 公积金提取 → "gong ji jin ti qu". */
export function toPinyin(text: string, options: PinyinOptions = {}): string {
  assertString(text, 'text');
  const separator = options.separator ?? ' ';
  if (!options.tone) return pinyinSyllables(text).join(separator);
  ensureCorrections();
  return pinyin(text, { toneType: 'symbol', type: 'array', nonZh: 'consecutive' })
    .map((item) => item.trim())
    .filter((item) => /[\p{L}\p{N}]/u.test(item))
    .join(separator);
}

/**
 * Initials (首字母) of `text`, one letter per Hanzi, e.g. 营业执照 → "yyzz", 重庆 → "cq".
 * Letters and digits outside Chinese are kept as they are (lower-cased), so "5G基站" → "5gjz".
 */
export function pinyinInitials(text: string): string {
  assertString(text, 'text');
  ensureCorrections();
  return pinyin(text, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive' })
    .join('')
    .replace(/[^\p{L}\p{N}]+/gu, '')
    .toLowerCase();
}

/**
 * Whether `input` (full pinyin, initials or a mix, spaces ignored) spells `text` from its start,
 * e.g. ("公积金提取", "gongjijin tiqu") and ("营业执照", "yyzz") are true. Used for 智能提示.
 * Returns the indices of the matched characters, or null.
 */
export function matchPinyin(text: string, input: string): number[] | null {
  assertString(text, 'text');
  assertString(input, 'input');
  const compact = input.replace(/\s+/g, '').toLowerCase();
  if (compact === '' || text === '') return null;
  ensureCorrections();
  const indices = match(text, compact, { continuous: true, precision: 'start' });
  return indices && indices.length > 0 && indices[0] === 0 ? indices : null;
}
