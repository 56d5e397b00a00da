import { defaultSegmenter, pinyinSyllables } from '@jiyue/text';
import { lexeme, normalizeText, stripControls } from './analyze.js';
import { type Lexicon, Vocabulary } from './lexicon.js';

/*
 * From what a citizen typed to what the index is asked: normalisation (full-width, traditional
 * → simplified), 敏感词屏蔽, 精准 phrases in quotes, 拼音转化, 智能纠错, 百姓体 and synonyms,
 * then jieba words. The result is a tsquery built from lexemes that hold only letters and digits,
 * so nothing the user types can reach tsquery or SQL syntax.
 */

export const MAX_QUERY_LENGTH = 100;

/** Question words and particles a colloquial query carries but documents do not. */
const STOPWORDS = new Set(
  (
    '的 了 和 与 及 或 在 是 吗 呢 啊 吧 呀 么 我 我要 我想 想 要 请问 请 问 怎么 怎么办 怎样 如何 哪里 哪儿 在哪 在哪里 哪些 哪个 ' +
    '什么 啥 多少 几 可以 能 能否 是否 需要 需 一下 有关 相关 办法 流程 手续 怎么样 去 到 给 把 被 对 有 没有 一个 一些'
  ).split(' '),
);

export interface Correction {
  from: string;
  to: string;
  reason: 'typo' | 'pinyin';
}

export interface QueryPlan {
  /** the normalized query */
  normalized: string;
  /** what was searched, after pinyin conversion and correction (shown as 您是不是要找…) */
  searched: string;
  correction?: Correction;
  expansions: Array<{ term: string; to: string[] }>;
  /** AND of groups; a group is an OR of alternatives; an alternative is an AND of lexemes */
  groups: string[][][];
  /** literal phrases the title or text must contain (精准) */
  phrases: string[];
  /** words to highlight */
  highlights: string[];
  blocked: boolean;
  /** nothing searchable (empty or symbols only) */
  empty: boolean;
}

const LATIN_RUN = /[a-z]+(?:['\s]+[a-z]+)*/g;
const HAN = /\p{Script=Han}/u;

/** Converts runs of Latin letters that spell vocabulary words in pinyin (全拼 or 首字母). */
export function convertPinyin(text: string, vocabulary: Vocabulary): string {
  return text.replace(LATIN_RUN, (run) => {
    const chunks = run.split(/['\s]+/).filter(Boolean);
    const joined = chunks.join('');
    const whole = spell(joined, vocabulary);
    if (whole) return whole;
    const parts = chunks.map((chunk) => spell(chunk, vocabulary));
    return parts.some(Boolean) ? chunks.map((c, i) => parts[i] ?? c).join(' ') : run;
  });
}

/** One chunk of pinyin as vocabulary words: a whole word, initials, or a split into words. */
function spell(chunk: string, vocabulary: Vocabulary): string | null {
  if (chunk.length < 2) return null;
  const exact = vocabulary.homophones(chunk)[0];
  if (exact) return exact;
  if (chunk.length <= 8) {
    const byInitials = vocabulary.byInitialsOf(chunk)[0];
    if (byInitials) return byInitials;
  }
  // Fewest vocabulary words whose pinyin concatenates to the chunk (DP over the letters).
  const n = chunk.length;
  const best: Array<string[] | null> = new Array(n + 1).fill(null);
  best[0] = [];
  const longest = Math.min(vocabulary.maxPinyinLength, 40);
  for (let i = 0; i < n; i++) {
    const prefix = best[i];
    if (!prefix) continue;
    for (let j = i + 2; j <= Math.min(n, i + longest); j++) {
      const word = vocabulary.homophones(chunk.slice(i, j))[0];
      if (!word) continue;
      const candidate = [...prefix, word];
      const current = best[j];
      if (!current || current.length > candidate.length) best[j] = candidate;
    }
  }
  return best[n] && best[n].length <= 4 ? best[n].join('') : null;
}

/**
 * 智能纠错: characters of a Han run that no vocabulary word covers are looked at in windows of
 * 2–6 characters; a window that is not a word but reads like one (same pinyin: 政付 → 政府) or
 * is one character off a longer word (营业执找 → 营业执照) is replaced, longest window first.
 */
export function correctTypos(text: string, vocabulary: Vocabulary): string {
  const chars = [...text];
  if (chars.length < 2 || !chars.some((c) => HAN.test(c))) return text;
  const covered = new Array<boolean>(chars.length).fill(false);
  // Offsets from the matcher are UTF-16; map them to character indices.
  const charAt: number[] = [];
  chars.forEach((c, i) => {
    for (let k = 0; k < c.length; k++) charAt.push(i);
  });
  for (const hit of vocabulary.matcher().findAll(text)) {
    if (hit.word.length < 2) continue;
    for (let u = hit.start; u < hit.end; u++) covered[charAt[u]] = true;
  }
  const syllables = chars.map((c) => (HAN.test(c) ? (pinyinSyllables(c)[0] ?? c) : c));
  const out = [...chars];
  for (let i = 0; i < chars.length; i++) {
    if (covered[i] || !HAN.test(chars[i])) continue;
    const fix = bestWindow(chars, syllables, i, vocabulary, covered);
    if (!fix) continue;
    const replacement = [...fix.word];
    for (let k = 0; k < replacement.length; k++) {
      out[fix.start + k] = replacement[k];
      covered[fix.start + k] = true;
    }
  }
  return out.join('');
}

function bestWindow(chars: string[], syllables: string[], i: number, vocabulary: Vocabulary, covered: boolean[]) {
  for (let len = Math.min(6, chars.length); len >= 2; len--) {
    let found: { start: number; word: string; score: number } | null = null;
    for (let start = Math.max(0, i - len + 1); start <= i && start + len <= chars.length; start++) {
      const window = chars.slice(start, start + len);
      if (!window.every((c) => HAN.test(c))) continue;
      const word = window.join('');
      if (vocabulary.has(word)) continue;
      const homophone = vocabulary.homophones(syllables.slice(start, start + len).join(''))[0];
      const near = len >= 3 ? vocabulary.oneCharOff(word)[0] : undefined;
      const candidate = homophone ?? near;
      if (!candidate || [...candidate].length !== len) continue;
      // Prefer reading like a word, then windows made of uncovered characters (报消 → 报销
      // rather than 医报 → 医保 in 异地就医报消), then the more frequent word.
      const uncovered = covered.slice(start, start + len).filter((c) => !c).length;
      const score = (homophone ? 2 : 1) * 1e12 + uncovered * 1e9 + (vocabulary.freq.get(candidate) ?? 0);
      if (!found || score > found.score) found = { start, word: candidate, score };
    }
    if (found) return found;
  }
  return null;
}

/** The words of a piece of text as lexemes, stop words dropped. */
function wordsOf(text: string, lexicon: Lexicon): string[] {
  return lexicon.segmenter
    .words(text)
    .map(lexeme)
    .filter((w) => w !== '' && !STOPWORDS.has(w));
}

/**
 * A long word split into the dictionary words it is made of (公积金提取 → 公积金 + 提取), longest
 * part first from the left. A document may hold the parts without the whole: jieba cut its
 * "住房公积金提取" into 住房公积金 / 提取, and the index only adds parts of each word.
 */
function partsOf(word: string, lexicon: Lexicon): string[] {
  const chars = [...word];
  if (chars.length < 3) return [word];
  const parts = lexicon.segmenter.cutForSearch(word).filter((p) => p !== word && p.length >= 2);
  const out: string[] = [];
  let at = 0;
  while (at < word.length) {
    const here = parts.filter((p) => word.startsWith(p, at)).sort((a, b) => b.length - a.length)[0];
    if (!here) {
      // a character no part covers: keep the rest as one token
      out.push(word.slice(at));
      break;
    }
    out.push(here);
    at += here.length;
  }
  return out.length > 1 ? out.map(lexeme).filter(Boolean) : [word];
}

/** The ways a piece of text can be asked: its words, and its words split into parts. */
function alternativesOf(text: string, lexicon: Lexicon): string[][] {
  const words = lexicon.segmenter.words(text).map(lexeme).filter(Boolean);
  if (words.length === 0) return [];
  const out = [words];
  const split = words.flatMap((w) => partsOf(w, lexicon));
  if (split.length !== words.length) out.push(split);
  // Documents indexed before a user-dictionary word was added hold its old cut.
  const base = defaultSegmenter().words(text).map(lexeme).filter(Boolean);
  if (base.join(' ') !== words.join(' ') && base.join(' ') !== split.join(' ')) out.push(base);
  return out;
}

/** Builds the plan for `raw` (already length-checked). `within` are earlier queries (二次检索). */
export function planQuery(
  raw: string,
  lexicon: Lexicon,
  options: { exact?: boolean; within?: string[] } = {},
): QueryPlan {
  const normalized = normalizeText(stripControls(raw)).replace(/\s+/g, ' ').trim();
  const plan: QueryPlan = {
    normalized,
    searched: normalized,
    expansions: [],
    groups: [],
    phrases: [],
    highlights: [],
    blocked: false,
    empty: false,
  };
  if (lexicon.blocked?.test(normalized.replace(/\s+/g, ''))) {
    plan.blocked = true;
    return plan;
  }
  // 精准: quoted phrases (ASCII or Chinese quotes), or the whole query in exact mode.
  let rest = normalized.replace(/["“”「」『』]([^"“”「」『』]+)["“”「」『』]/g, (_m, phrase: string) => {
    if (phrase.trim()) plan.phrases.push(phrase.trim());
    return ' ';
  });
  if (options.exact && rest.trim()) {
    plan.phrases.push(rest.trim());
    rest = '';
  }
  // Spaces between Chinese characters separate nothing jieba would not: 社保 卡 = 社保卡.
  rest = rest.replace(/["“”「」『』]/g, ' ').replace(/(\p{Script=Han})\s+(?=\p{Script=Han})/gu, '$1');

  const converted = convertPinyin(rest, lexicon.vocabulary);
  const corrected = correctTypos(converted, lexicon.vocabulary);
  if (corrected !== rest) {
    const to = [corrected.trim(), ...plan.phrases.map((p) => `"${p}"`)].filter(Boolean).join(' ');
    plan.correction = { from: normalized, to, reason: converted !== rest ? 'pinyin' : 'typo' };
    plan.searched = plan.correction.to;
  }
  addGroups(plan, corrected, lexicon);
  for (const phrase of plan.phrases) {
    const alternatives = alternativesOf(phrase, lexicon);
    if (alternatives.length) plan.groups.push(alternatives);
    plan.highlights.push(phrase);
  }
  for (const earlier of options.within ?? []) {
    const sub = planQuery(earlier.slice(0, MAX_QUERY_LENGTH), lexicon);
    plan.groups.push(...sub.groups);
    plan.phrases.push(...sub.phrases);
    plan.highlights.push(...sub.highlights);
    if (sub.blocked) plan.blocked = true;
  }
  plan.empty = plan.groups.length === 0 && plan.phrases.length === 0;
  return plan;
}

/** 百姓体 spans become OR groups of their official terms; other words get their synonyms. */
function addGroups(plan: QueryPlan, text: string, lexicon: Lexicon): void {
  const compact = text.trim();
  if (!compact) return;
  const hits = lexicon.plain?.findLongest(compact) ?? [];
  let cursor = 0;
  const pieces: string[] = [];
  for (const hit of hits) {
    pieces.push(compact.slice(cursor, hit.start));
    cursor = hit.end;
    const targets = [...new Set(hit.data.flat())];
    plan.expansions.push({ term: hit.word, to: targets });
    const alternatives = [hit.word, ...targets].flatMap((t) => alternativesOf(t, lexicon));
    if (alternatives.length) plan.groups.push(alternatives);
    plan.highlights.push(...targets, hit.word);
  }
  pieces.push(compact.slice(cursor));
  for (const piece of pieces) {
    for (const word of wordsOf(piece, lexicon)) {
      const synonyms = lexicon.synonyms.get(word) ?? [];
      const alternatives = [...alternativesOf(word, lexicon), ...synonyms.flatMap((s) => alternativesOf(s, lexicon))];
      if (alternatives.length === 0) continue;
      if (synonyms.length) plan.expansions.push({ term: word, to: synonyms });
      plan.groups.push(alternatives);
      plan.highlights.push(word, ...synonyms);
    }
  }
}

/**
 * The tsquery text of `groups`: all groups (AND), or when relaxed all but one of them (an OR of
 * the n−1 subsets — "any word" alone would match most of a large site). `weights` restricts every
 * lexeme to those weights (`'A'` = title only).
 */
export function tsqueryOf(groups: string[][][], relaxed = false, weights = '', any = false): string {
  const quote = (word: string) => `'${word}'${weights ? `:${weights}` : ''}`;
  const group = (alternatives: string[][]) =>
    `(${alternatives.map((tokens) => `(${tokens.map(quote).join(' & ')})`).join(' | ')})`;
  const all = (list: string[][][]) => list.map(group).join(' & ');
  if (any) return groups.map(group).join(' | ');
  if (!relaxed || groups.length < 2) return all(groups);
  return groups.map((_, skip) => `(${all(groups.filter((__, i) => i !== skip))})`).join(' | ');
}

export { Vocabulary };
