import { governmentTerms, pinyinInitials, pinyinSyllables, Segmenter, WordMatcher } from '@jiyue/text';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';
import { normalizeText } from './analyze.js';

/*
 * Everything a query is interpreted with, cached per process: the editable dictionaries
 * (百姓体, blocked terms, synonyms, user dictionary), the jieba segmenter with the user terms,
 * and the vocabulary (words of indexed titles + dictionary terms) with its pinyin keys for
 * 智能纠错, 拼音转化 and 智能提示. A change made through this process invalidates the cache at
 * once; changes made by other nodes are picked up within RELOAD_MS.
 */

const RELOAD_MS = 30_000;
const VOCABULARY_LIMIT = 300_000;

export interface VocabularyEntry {
  word: string;
  pinyin: string;
  initials: string;
  freq: number;
}

/** The vocabulary and its lookups. */
export class Vocabulary {
  readonly freq = new Map<string, number>();
  private readonly byPinyin = new Map<string, string[]>();
  private readonly byInitials = new Map<string, string[]>();
  private readonly masked = new Map<string, string[]>();
  private matcherCache: WordMatcher | undefined;
  /** [pinyin, word] sorted by pinyin, for prefix search. */
  readonly pinyinIndex: Array<[string, string]> = [];
  readonly initialsIndex: Array<[string, string]> = [];
  maxPinyinLength = 0;

  constructor(entries: VocabularyEntry[]) {
    const byFreq = [...entries].sort((a, b) => b.freq - a.freq);
    for (const e of byFreq) {
      if (this.freq.has(e.word)) continue;
      this.freq.set(e.word, e.freq);
      push(this.byPinyin, e.pinyin, e.word);
      push(this.byInitials, e.initials, e.word);
      this.maxPinyinLength = Math.max(this.maxPinyinLength, e.pinyin.length);
      const chars = [...e.word];
      if (chars.length >= 3) {
        for (let k = 0; k < chars.length; k++) push(this.masked, maskAt(chars, k), e.word);
      }
      this.pinyinIndex.push([e.pinyin, e.word]);
      this.initialsIndex.push([e.initials, e.word]);
    }
    this.pinyinIndex.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.initialsIndex.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  has(word: string): boolean {
    return this.freq.has(word);
  }

  /** Words read exactly like `pinyin` (no spaces, no tones), most frequent first. */
  homophones(pinyin: string): string[] {
    return this.byPinyin.get(pinyin) ?? [];
  }

  byInitialsOf(initials: string): string[] {
    return this.byInitials.get(initials) ?? [];
  }

  /** Words of the same length differing from `word` in exactly one character. */
  oneCharOff(word: string): string[] {
    const chars = [...word];
    const out: string[] = [];
    for (let k = 0; k < chars.length; k++) {
      for (const candidate of this.masked.get(maskAt(chars, k)) ?? []) if (candidate !== word) out.push(candidate);
    }
    return out;
  }

  /** Matcher over every vocabulary word (built on first use). */
  matcher(): WordMatcher {
    this.matcherCache ??= new WordMatcher([...this.freq.keys()]);
    return this.matcherCache;
  }

  /** Words whose key starts with `prefix`, in key order (binary search), at most `limit`. */
  static prefixed(index: Array<[string, string]>, prefix: string, limit: number): string[] {
    let lo = 0;
    let hi = index.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (index[mid][0] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < index.length && out.length < limit && index[i][0].startsWith(prefix); i++)
      out.push(index[i][1]);
    return out;
  }
}

function push(map: Map<string, string[]>, key: string, word: string): void {
  if (!key) return;
  const list = map.get(key);
  if (list) {
    if (list.length < 8) list.push(word);
  } else map.set(key, [word]);
}

function maskAt(chars: string[], k: number): string {
  return `${chars.slice(0, k).join('')}*${chars.slice(k + 1).join('')}`;
}

export interface Lexicon {
  segmenter: Segmenter;
  /** 敏感词屏蔽 */
  blocked: WordMatcher | null;
  /** 百姓体: colloquial term → official terms */
  plain: WordMatcher<string[]> | null;
  /** word → the other words of its synonym group */
  synonyms: Map<string, string[]>;
  vocabulary: Vocabulary;
}

interface CacheEntry {
  lexicon: Lexicon;
  loadedAt: number;
  signature: string;
  userKey: string;
}

const cache = new WeakMap<object, CacheEntry>();
const loading = new WeakMap<object, Promise<Lexicon>>();

/** Forget the cached lexicon (after a dictionary change or an index write by this process). */
export function invalidateLexicon(kernel: Kernel): void {
  const entry = cache.get(kernel);
  if (entry) entry.loadedAt = 0;
}

/** The segmenter for indexing, loaded with the user dictionary. */
export async function indexSegmenter(kernel: Kernel): Promise<Segmenter> {
  return (await lexiconOf(kernel)).segmenter;
}

export function keysOf(word: string): { pinyin: string; initials: string } {
  return { pinyin: pinyinSyllables(word).join(''), initials: pinyinInitials(word) };
}

async function signatureOf(db: Db | Tx): Promise<string> {
  const r = await sql<{ terms: number; changed: string | null; words: number }>`
    select (select count(*)::int from search_terms) as terms,
           (select max(updated_at)::text from search_terms) as changed,
           (select count(*)::int from search_vocabulary) as words`.execute(db);
  const row = r.rows[0];
  return `${row.terms}|${row.changed}|${row.words}`;
}

/** The current lexicon; reloads when stale and something changed. */
export async function lexiconOf(kernel: Kernel): Promise<Lexicon> {
  const entry = cache.get(kernel);
  if (entry && Date.now() - entry.loadedAt < RELOAD_MS) return entry.lexicon;
  const pending = loading.get(kernel);
  if (pending) return pending;
  const promise = (async () => {
    const signature = await signatureOf(kernel.db);
    if (entry && entry.signature === signature) {
      entry.loadedAt = Date.now();
      return entry.lexicon;
    }
    const next = await loadLexicon(kernel, entry);
    cache.set(kernel, { ...next, signature, loadedAt: Date.now() });
    return next.lexicon;
  })();
  loading.set(kernel, promise);
  try {
    return await promise;
  } finally {
    loading.delete(kernel);
  }
}

let govVocabulary: VocabularyEntry[] | undefined;
function governmentVocabulary(): VocabularyEntry[] {
  govVocabulary ??= governmentTerms().map((t) => ({ word: t.word, ...keysOf(t.word), freq: 50 }));
  return govVocabulary;
}

async function loadLexicon(kernel: Kernel, previous: CacheEntry | undefined) {
  const terms = await kernel.db
    .selectFrom('search_terms')
    .select(['kind', 'term', 'targets'])
    .where('enabled', '=', true)
    .execute();
  const words = (await kernel.db
    .selectFrom('search_vocabulary')
    .select(['word', 'pinyin', 'initials', 'freq'])
    .orderBy('freq', 'desc')
    .limit(VOCABULARY_LIMIT)
    .execute()) as VocabularyEntry[];
  const of = (kind: string) => terms.filter((t) => t.kind === kind);
  const norm = (s: string) => normalizeText(s).trim();

  const userTerms = of('user')
    .map((t) => norm(t.term as string))
    .filter((w) => w && !/\s/.test(w));
  // Synonym and 百姓体 words are segmenter terms too: jieba would otherwise cut a new word such
  // as 红本本 into pieces, and neither the synonym lookup (by word) nor the index would see it.
  const dictionaryWords = terms
    .filter((t) => t.kind === 'synonym' || t.kind === 'plain')
    .flatMap((t) => [t.term as string, ...(t.targets as string[])])
    .map(norm)
    .filter((w) => [...w].length >= 2 && !/\s/.test(w));
  const segmenterTerms = [...new Set([...userTerms, ...dictionaryWords])].sort();
  const userKey = segmenterTerms.join('\n');
  const segmenter =
    previous && previous.userKey === userKey
      ? previous.lexicon.segmenter
      : new Segmenter({ terms: segmenterTerms.map((word) => ({ word })) });

  const blockedWords = of('blocked')
    .map((t) => norm(t.term as string))
    .filter(Boolean);
  const plainEntries = of('plain').map((t) => ({
    word: norm(t.term as string),
    data: (t.targets as string[]).map(norm),
  }));
  const synonyms = new Map<string, string[]>();
  for (const t of of('synonym')) {
    const group = [norm(t.term as string), ...(t.targets as string[]).map(norm)].filter(Boolean);
    for (const word of group) {
      const others = group.filter((w) => w !== word);
      synonyms.set(word, [...new Set([...(synonyms.get(word) ?? []), ...others])]);
    }
  }
  const extra = [...userTerms, ...plainEntries.flatMap((p) => p.data), ...synonyms.keys()]
    .filter((w) => w.length >= 2)
    .map((word) => ({ word, ...keysOf(word), freq: 100 }));
  const vocabulary = new Vocabulary([...words, ...extra, ...governmentVocabulary()]);
  const lexicon: Lexicon = {
    segmenter,
    blocked: blockedWords.length ? new WordMatcher(blockedWords) : null,
    plain: plainEntries.length ? new WordMatcher(plainEntries.filter((p) => p.word)) : null,
    synonyms,
    vocabulary,
  };
  return { lexicon, userKey };
}
