import { readFileSync } from 'node:fs';
import { Jieba, TfIdf } from '@node-rs/jieba';
import { dict, idf } from '@node-rs/jieba/dict.js';
import { assertString, TextInputError } from './errors.js';

/** A user-dictionary entry (用户词典词条). */
export interface DictionaryTerm {
  word: string;
  /** jieba frequency; omitted → derived from the word length so longer terms win. */
  freq?: number;
  /** part-of-speech tag, e.g. `nz`, `nt`, `ns`. */
  tag?: string;
}

/** A weighted keyword from TF-IDF extraction. */
export interface Keyword {
  keyword: string;
  weight: number;
}

const GOV_TERMS_URL = new URL('./dict/gov-terms.txt', import.meta.url);

// A token is worth indexing only if it holds a letter or digit: punctuation and spaces are noise.
const MEANINGFUL = /[\p{L}\p{N}]/u;
const HAN = /\p{Script=Han}/u;

/**
 * Frequency for a user term that has none. jieba picks the path with the highest product of
 * word probabilities, so a multi-character term needs a frequency that beats the product of
 * its parts; growing it with length keeps long official names (一件事一次办) whole while a
 * two-character term does not swallow its neighbours.
 */
export function defaultFrequency(word: string): number {
  return Math.min(2_000 * 4 ** Math.max(0, word.length - 2), 2_000_000);
}

/**
 * Parses dictionary text: one `word [freq] [tag]` per line, `#` comments, and `[tag]` lines that
 * set the tag for the lines after them. Throws on a line with more than three fields or a
 * non-numeric frequency, naming the line.
 */
export function parseDictionary(text: string): DictionaryTerm[] {
  assertString(text, 'dictionary text');
  const terms: DictionaryTerm[] = [];
  let sectionTag: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const section = /^\[([a-z]+)\]$/.exec(line);
    if (section) {
      sectionTag = section[1];
      return;
    }
    const fields = line.split(/\s+/);
    if (fields.length > 3) {
      throw new TextInputError(
        'text.dictionary_line',
        `dictionary line ${index + 1}: expected "word [freq] [tag]", got "${line}"`,
      );
    }
    const [word, second, third] = fields;
    const hasFreq = second !== undefined && /^\d+$/.test(second);
    if (second !== undefined && !hasFreq && third !== undefined) {
      throw new TextInputError(
        'text.dictionary_line',
        `dictionary line ${index + 1}: frequency "${second}" is not a number`,
      );
    }
    terms.push({
      word,
      freq: hasFreq ? Number(second) : undefined,
      tag: (hasFreq ? third : second) ?? sectionTag,
    });
  });
  return terms;
}

/** The bundled dictionary of government-service terms (政务服务用户词典), 250 entries. */
export function governmentTerms(): DictionaryTerm[] {
  return parseDictionary(readFileSync(GOV_TERMS_URL, 'utf8'));
}

function toJiebaLines(terms: readonly DictionaryTerm[]): string {
  return terms
    .map((term) => {
      if (typeof term?.word !== 'string' || term.word.trim() === '' || /\s/.test(term.word)) {
        throw new TextInputError(
          'text.dictionary_word',
          `dictionary word must be a non-empty string without spaces, got ${JSON.stringify(term?.word)}`,
        );
      }
      if (term.freq !== undefined && (!Number.isInteger(term.freq) || term.freq <= 0)) {
        throw new TextInputError('text.dictionary_freq', `frequency of "${term.word}" must be a positive integer`);
      }
      return `${term.word} ${term.freq ?? defaultFrequency(term.word)} ${term.tag ?? 'nz'}`;
    })
    .join('\n');
}

/**
 * A jieba segmenter (分词器) with the base dictionary, the government terms and any user terms.
 * Create one per distinct user dictionary; the default instance from {@link defaultSegmenter}
 * suits most callers. Instances are not cheap (the base dictionary is ~350k entries).
 */
export class Segmenter {
  private readonly jieba: Jieba;
  private tfidf: TfIdf | undefined;

  /**
   * @param options.governmentTerms load the bundled government dictionary (default true)
   * @param options.terms extra user-dictionary terms, e.g. the search module's editable list
   */
  constructor(options: { governmentTerms?: boolean; terms?: readonly DictionaryTerm[] } = {}) {
    this.jieba = Jieba.withDict(dict);
    if (options.governmentTerms !== false) this.addTerms(governmentTerms());
    if (options.terms?.length) this.addTerms(options.terms);
  }

  /** Adds user-dictionary terms; validated as a whole first, so a bad entry adds nothing. */
  addTerms(terms: readonly DictionaryTerm[]): void {
    if (!Array.isArray(terms)) throw new TextInputError('text.dictionary_terms', 'terms must be an array');
    const lines = toJiebaLines(terms);
    if (lines) this.jieba.loadDict(Buffer.from(lines, 'utf8'));
  }

  /** Precise-mode cut (精确模式): every character in exactly one token, punctuation included. */
  cut(text: string): string[] {
    assertString(text, 'text');
    return this.jieba.cut(text, true);
  }

  /**
   * Search-mode cut (搜索引擎模式) for indexing: every precise-mode word, preceded by all the
   * dictionary words inside it (营业执照 → 营业, 执照, 营业执照; 政务服务网 → 政务, 服务,
   * 服务网, 政务服务, 政务服务网), so a query for a part finds the whole. jieba's own search
   * mode adds only two- and three-character parts and would miss 政务服务 inside 政务服务网.
   * Punctuation and whitespace are dropped; Latin letters are lower-cased.
   */
  cutForSearch(text: string): string[] {
    const words = this.words(text);
    const long: string[] = [];
    for (const word of words) if (word.length > 2 && HAN.test(word)) long.push(word);
    const parts = this.partsOf(long);
    const tokens: string[] = [];
    let next = 0;
    for (const word of words) {
      if (next < long.length && word === long[next]) {
        for (const part of parts[next]) tokens.push(part);
        next++;
      }
      tokens.push(word);
    }
    return tokens;
  }

  /**
   * The dictionary words inside each of `words` (the word itself and single characters left
   * out). One native cutAll over all words joined by newlines — a separator jieba never joins
   * across — costs far less than one call per word.
   */
  private partsOf(words: readonly string[]): string[][] {
    if (words.length === 0) return [];
    const parts: string[][] = [[]];
    for (const part of this.jieba.cutAll(words.join('\n'))) {
      if (part === '\n') parts.push([]);
      else if (part.length > 1 && part !== words[parts.length - 1]) parts[parts.length - 1].push(part);
    }
    if (parts.length !== words.length)
      throw new Error(`jieba cutAll returned ${parts.length} groups for ${words.length} words`);
    return parts;
  }

  /** Precise-mode tokens without punctuation and whitespace: the input for weighting (simhash). */
  words(text: string): string[] {
    return this.cut(text)
      .filter((token) => MEANINGFUL.test(token))
      .map((token) => token.trim().toLowerCase());
  }

  /** Part-of-speech tagging (词性标注). */
  tag(text: string): Array<{ word: string; tag: string }> {
    assertString(text, 'text');
    return this.jieba.tag(text, true);
  }

  /** The `topK` TF-IDF keywords (关键词) of `text`, highest weight first. */
  keywords(text: string, topK = 10): Keyword[] {
    assertString(text, 'text');
    this.tfidf ??= TfIdf.withDict(idf);
    return this.tfidf.extractKeywords(this.jieba, text, topK);
  }
}

let shared: Segmenter | undefined;

/** The process-wide segmenter with the government dictionary, created on first use. */
export function defaultSegmenter(): Segmenter {
  shared ??= new Segmenter();
  return shared;
}

/** Precise-mode cut with the default segmenter. See {@link Segmenter.cut}. */
export function segment(text: string): string[] {
  return defaultSegmenter().cut(text);
}

/** Search-mode tokens with the default segmenter. See {@link Segmenter.cutForSearch}. */
export function segmentForSearch(text: string): string[] {
  return defaultSegmenter().cutForSearch(text);
}

/** TF-IDF keywords with the default segmenter. See {@link Segmenter.keywords}. */
export function extractKeywords(text: string, topK = 10): Keyword[] {
  return defaultSegmenter().keywords(text, topK);
}
