import dayjs from 'dayjs';
import type { BatchResult, TermInput, TermKind } from './api';

/*
 * The search pages' pure logic, kept apart from the components so that search-logic.test.ts can
 * check it without a browser.
 */

/** A run of text of a highlighted string; `hit` marks a match the server wrapped in <em>. */
export interface TextPart {
  text: string;
  hit: boolean;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Splits the server's highlighted HTML (escaped text, matches in <em>…</em>) into text parts, so the
 * page renders React text nodes instead of injecting HTML: whatever a title contains, it stays text.
 * Any other tag is dropped; an unclosed <em> runs to the end.
 */
export function highlightParts(html: string | null | undefined): TextPart[] {
  if (!html) return [];
  const parts: TextPart[] = [];
  let hit = false;
  for (const token of html.split(/(<\/?em\s*>)/i)) {
    if (/^<em\s*>$/i.test(token)) hit = true;
    else if (/^<\/em\s*>$/i.test(token)) hit = false;
    else {
      const text = unescapeHtml(token.replace(/<[^>]*>/g, ''));
      if (!text) continue;
      const last = parts[parts.length - 1];
      if (last && last.hit === hit) last.text += text;
      else parts.push({ text, hit });
    }
  }
  return parts;
}

/** One line of a pasted import that could not be read. */
export interface ImportProblem {
  line: number;
  text: string;
  message: string;
}

/** Between the term and its targets: an arrow, an equals sign, a colon or a tab. */
const TERM_SEPARATOR = /\s*(?:→|->|=>|=|：|:|\t)\s*/;
/** Between words of a list. */
const LIST_SEPARATOR = /[,，、;；|/\s]+/;

export const TERM_MAX = 30;
const TARGET_MAX: Partial<Record<TermKind, number>> = { plain: 10, synonym: 20 };

function words(text: string): string[] {
  return text
    .split(LIST_SEPARATOR)
    .map((w) => w.trim())
    .filter(Boolean);
}

/**
 * Reads pasted lines into dictionary entries. 百姓体 lines are `生孩子 → 生育登记，出生医学证明`
 * (also `=`, `:` or a tab); a 同义词 line is either that or just a group `医保，医疗保险，医疗保障`
 * (the first word is the entry, the rest its synonyms); 屏蔽词 and 用户词典 lines hold one or more
 * words. Empty lines and lines starting with # are skipped; a word given twice is imported once.
 */
export function parseTermLines(kind: TermKind, pasted: string): { rows: TermInput[]; problems: ImportProblem[] } {
  const rows: TermInput[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Set<string>();
  const needsTargets = kind === 'plain' || kind === 'synonym';
  const add = (line: number, text: string, term: string, targets: string[]) => {
    if ([...term].length > TERM_MAX) {
      problems.push({ line, text, message: `词条超过 ${TERM_MAX} 个字` });
      return;
    }
    const max = TARGET_MAX[kind];
    if (max && targets.length > max) {
      problems.push({ line, text, message: `对应词最多 ${max} 个` });
      return;
    }
    if (seen.has(term)) return;
    seen.add(term);
    rows.push(needsTargets ? { term, targets } : { term });
  };
  pasted.split(/\r?\n/).forEach((raw, index) => {
    const text = raw.trim();
    const line = index + 1;
    if (!text || text.startsWith('#')) return;
    if (!needsTargets) {
      for (const word of words(text)) add(line, word, word, []);
      return;
    }
    const split = text.split(TERM_SEPARATOR);
    let term: string;
    let targets: string[];
    if (split.length >= 2) {
      term = split[0].trim();
      targets = words(split.slice(1).join(' '));
    } else if (kind === 'synonym') {
      [term = '', ...targets] = words(text);
    } else {
      problems.push({ line, text, message: '缺少规范用语，格式：口语词 → 规范用语1，规范用语2' });
      return;
    }
    targets = [...new Set(targets.filter((t) => t !== term))];
    if (!term) problems.push({ line, text, message: '缺少词条' });
    else if (targets.length === 0)
      problems.push({ line, text, message: kind === 'plain' ? '缺少规范用语' : '同义词组至少两个词' });
    else add(line, text, term, targets);
  });
  return { rows, problems };
}

/**
 * Days of a stats window with no queries come back missing; the chart wants every day. The server
 * counts days in Asia/Shanghai, which can be a day ahead of the browser's clock: the window ends
 * on the later of the browser's today and the newest day the server sent.
 */
export function fillDays<T extends { date: string }>(
  daily: T[],
  days: number,
  empty: (date: string) => T,
  today = dayjs(),
): T[] {
  const byDate = new Map(daily.map((d) => [d.date, d]));
  // YYYY-MM-DD strings sort as dates.
  const newest = [today.format('YYYY-MM-DD'), ...daily.map((d) => d.date)].sort().at(-1);
  const end = dayjs(newest);
  const out: T[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = end.subtract(i, 'day').format('YYYY-MM-DD');
    out.push(byDate.get(date) ?? empty(date));
  }
  return out;
}

/** What a batch answer says to the user: how many succeeded and, per refused document, why. */
export function summarizeBatch(
  results: BatchResult[],
  titleOf: (id: string) => string,
): { done: number; failed: { id: string; title: string; reason: string }[] } {
  const failed = results
    .filter((r) => !r.ok)
    .map((r) => ({
      id: r.id,
      title: titleOf(r.id),
      reason: [r.title, r.detail].filter(Boolean).join('：') || '操作失败',
    }));
  return { done: results.length - failed.length, failed };
}

/** 1 234 → 1,234 for the statistic cards. */
export function formatCount(n: number | null | undefined): string {
  return (n ?? 0).toLocaleString('zh-CN');
}
