/**
 * @jiyue/text — the Chinese text toolkit shared by search, diagnostics and the resource library.
 *
 * - segmentation (分词): jieba with a government-service user dictionary, precise and search mode
 * - pinyin (拼音): full pinyin with context-aware polyphones, initials, pinyin matching
 * - simplified ↔ traditional (简繁转换): OpenCC, mainland ↔ Taiwan / Hong Kong
 * - word lists (词表匹配): Aho–Corasick matcher reporting every overlapping hit with offsets
 * - near-duplicates (相似去重): 64-bit weighted simhash, Hamming distance, banded pair search
 */

export { type TraditionalVariant, toSimplified, toTraditional } from './convert.js';
export { TextInputError } from './errors.js';
export {
  isValidIdNumber,
  isValidPhone,
  isValidUscc,
  maskIdNumber,
  maskName,
  maskPhone,
  usccCheckChar,
} from './identifiers.js';
export { type WordEntry, type WordMatch, WordMatcher } from './matcher.js';
export { matchPinyin, type PinyinOptions, pinyinInitials, pinyinSyllables, toPinyin } from './pinyin.js';
export {
  type DictionaryTerm,
  defaultFrequency,
  defaultSegmenter,
  extractKeywords,
  governmentTerms,
  type Keyword,
  parseDictionary,
  Segmenter,
  segment,
  segmentForSearch,
} from './segment.js';
export {
  findNearDuplicates,
  groupNearDuplicates,
  hammingDistance,
  type NearDuplicatePair,
  simhash,
  simhashFromHex,
  simhashToHex,
  type WeightedToken,
  weightedTokens,
} from './simhash.js';
