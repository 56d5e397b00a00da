import { AhoCorasick } from '@monyone/aho-corasick/fast';
import { assertString, TextInputError } from './errors.js';

/** A word-list entry: the word and what the caller wants back when it is found. */
export interface WordEntry<T> {
  word: string;
  data: T;
}

/** One occurrence of a listed word in a text; `start`/`end` are UTF-16 offsets (`text.slice`). */
export interface WordMatch<T> {
  word: string;
  start: number;
  end: number;
  /** data of every entry listing this word (a word may be listed twice, e.g. in two lists) */
  data: T[];
}

/**
 * Multi-pattern matcher (多模式匹配) over a word list such as 错敏词 (flagged words): an
 * Aho–Corasick automaton on a double array (@monyone/aho-corasick), so one pass over the text
 * finds every listed word, including overlapping and nested ones, whatever the list size.
 * Offsets are UTF-16 code units, so all of CJK's basic plane is one unit per character.
 * The matcher is immutable: build a new one when the list changes.
 */
export class WordMatcher<T = undefined> {
  private readonly automaton: AhoCorasick;
  private readonly dataByWord = new Map<string, T[]>();

  /** @param entries words, or `{ word, data }` records; empty or non-string words are refused */
  constructor(entries: Iterable<string | WordEntry<T>>) {
    if (entries == null || typeof (entries as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TextInputError('text.word_list', 'word list must be an iterable of words or { word, data } entries');
    }
    for (const entry of entries) {
      const { word, data } =
        typeof entry === 'string' ? { word: entry, data: undefined as T } : (entry ?? ({} as WordEntry<T>));
      if (typeof word !== 'string' || word === '') {
        throw new TextInputError(
          'text.word_list',
          `word list entries must be non-empty strings, got ${JSON.stringify(word)}`,
        );
      }
      const list = this.dataByWord.get(word);
      if (list) list.push(data);
      else this.dataByWord.set(word, [data]);
    }
    this.automaton = new AhoCorasick([...this.dataByWord.keys()]);
  }

  /** Number of distinct words in the list. */
  get size(): number {
    return this.dataByWord.size;
  }

  /**
   * Every occurrence, overlapping ones included (政府信息公开 with 政府, 信息公开 and
   * 政府信息公开 listed gives three matches), ordered by start then by length, longest first.
   */
  findAll(text: string): WordMatch<T>[] {
    assertString(text, 'text');
    return this.automaton
      .matchInText(text)
      .map(({ begin, end, keyword }) => ({
        word: keyword,
        start: begin,
        end,
        data: this.dataByWord.get(keyword) ?? [],
      }))
      .sort((a, b) => a.start - b.start || b.end - a.end);
  }

  /**
   * Leftmost-longest matches that do not overlap — what to highlight or mask, where nested
   * hits would garble the output.
   */
  findLongest(text: string): WordMatch<T>[] {
    const chosen: WordMatch<T>[] = [];
    let covered = 0;
    for (const hit of this.findAll(text)) {
      if (hit.start >= covered) {
        chosen.push(hit);
        covered = hit.end;
      }
    }
    return chosen;
  }

  /** Whether any listed word occurs in `text`. */
  test(text: string): boolean {
    assertString(text, 'text');
    return this.automaton.hasKeywordInText(text);
  }

  /** `text` with every listed word replaced by `mask` repeated to the word's length (屏蔽). */
  mask(text: string, mask = '*'): string {
    return this.replace(text, (hit) => mask.repeat(hit.end - hit.start));
  }

  /** `text` with the leftmost-longest matches replaced by what `replacement` returns. */
  replace(text: string, replacement: (hit: WordMatch<T>) => string): string {
    let out = '';
    let last = 0;
    for (const hit of this.findLongest(text)) {
      out += text.slice(last, hit.start) + replacement(hit);
      last = hit.end;
    }
    return out + text.slice(last);
  }
}
