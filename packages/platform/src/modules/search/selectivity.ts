import { sql } from 'kysely';
import type { Db } from '../../kernel/db.js';
import { dateLexemes } from './analyze.js';

/*
 * How common the query's words are, from PostgreSQL's own statistics of the tsvector column
 * (pg_stats.most_common_elems, gathered by ANALYZE). A query whose words are in a large share of
 * the documents is answered by walking the date index until enough matches are found, instead of
 * collecting every match through the GIN index and sorting them (seconds for 新乡市人民政府 among
 * a million documents). Words the statistics do not list are rare, and rare queries stay on GIN.
 */

export interface TsvStats {
  at: number;
  frequencies: Map<string, number>;
  /** estimated rows of the table */
  rows: number;
  /**
   * pg_stats.histogram_bounds of publish_at as epoch ms: equal-count quantiles of the dates,
   * from which a date window holding a given share of the documents is read (cutoffFor).
   * Empty before the first ANALYZE (then every query takes the exact plan).
   */
  dates: number[];
}

const STATS_TTL_MS = 10 * 60_000;
let cached: TsvStats | undefined;

/** Forgets the statistics (after a rebuild), so the next query reads them again. */
export function invalidateSelectivity(): void {
  cached = undefined;
}

async function tsvStats(db: Db): Promise<TsvStats> {
  if (cached && Date.now() - cached.at < STATS_TTL_MS) return cached;
  const result = await sql<{
    elems: string[] | null;
    freqs: number[] | null;
    rows: number | null;
    dates: string[] | null;
  }>`
    select s.most_common_elems::text::text[] as elems, s.most_common_elem_freqs as freqs,
           (select reltuples from pg_class where oid = 'search_documents'::regclass)::float8 as rows,
           (select array(select extract(epoch from b)::float8 * 1000 from unnest(h.histogram_bounds::text::timestamptz[]) b)
              from pg_stats h where h.tablename = 'search_documents' and h.attname = 'publish_at' limit 1)::text[] as dates
    from pg_stats s
    where s.tablename = 'search_documents' and s.attname = 'tsv'
    limit 1`.execute(db);
  const row = result.rows[0];
  const frequencies = new Map<string, number>();
  const freqs = row?.freqs ?? [];
  for (const [i, lexeme] of (row?.elems ?? []).entries()) frequencies.set(lexeme, Number(freqs[i]));
  const dates = (row?.dates ?? []).map(Number).filter((d) => Number.isFinite(d));
  cached = { at: Date.now(), frequencies, rows: Math.max(0, Number(row?.rows ?? 0)), dates };
  return cached;
}

/**
 * Share of documents matching every group (a group: any of its alternatives; an alternative: all
 * of its lexemes), `all` folding the shares that must hold together; 0 when a word is not among
 * the common ones.
 */
function combinedShare(
  groups: string[][][],
  frequencies: Map<string, number>,
  all: (a: number, b: number) => number,
): number {
  let share = 1;
  for (const alternatives of groups) {
    let best = 0;
    for (const lexemes of alternatives) {
      let p = 1;
      for (const lexeme of lexemes) p = all(p, frequencies.get(lexeme) ?? 0);
      best = Math.max(best, p);
    }
    share = all(share, best);
  }
  return groups.length ? share : 0;
}

export async function statsOf(db: Db): Promise<TsvStats> {
  return tsvStats(db);
}

/** Share of the dated documents published before `t` (epoch ms), read off the histogram. */
export function dateRankOf(dates: number[], t: number): number {
  const n = dates.length - 1;
  if (t <= dates[0]) return 0;
  if (t >= dates[n]) return 1;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (dates[mid] <= t) lo = mid;
    else hi = mid;
  }
  const span = dates[hi] - dates[lo];
  return (lo + (span > 0 ? (t - dates[lo]) / span : 0)) / n;
}

/** The date before which a share `rank` (0–1) of the dated documents lies (inverse of dateRankOf). */
function dateAtRank(dates: number[], rank: number): number {
  const n = dates.length - 1;
  const p = Math.min(n, Math.max(0, rank * n));
  const lo = Math.min(n - 1, Math.floor(p));
  return dates[lo] + (p - lo) * (dates[lo + 1] - dates[lo]);
}

/**
 * The date window of the newest documents: the cutoff such that [cutoff, to) holds `fraction` of
 * the documents of [from, to) (the user's time filter, open ends allowed); null when the window
 * would be all of it (or the statistics have no dates yet).
 */
export function cutoffFor(dates: number[], fraction: number, from?: number, to?: number): number | null {
  if (fraction >= 1 || dates.length < 2) return null;
  const low = from === undefined ? 0 : dateRankOf(dates, from);
  const high = to === undefined ? 1 : dateRankOf(dates, to);
  if (high - low <= 0) return null;
  const cutoff = dateAtRank(dates, high - fraction * (high - low));
  return from !== undefined && cutoff <= from ? null : cutoff;
}

/**
 * Share of documents matching every group, read as the words of a phrase rather than as
 * independent words: an alternative (all of its lexemes) is as common as its rarest lexeme, a group
 * as its most common alternative, the query as its rarest group. An upper bound for AND, and
 * close to the truth for what people type — words that belong together (人事 任免, 公开 招聘)
 * meet far more often than their product says, which made the product estimate send such
 * queries to the plan that reads every match.
 */
export function phraseShareOf(groups: string[][][], frequencies: Map<string, number>): number {
  return combinedShare(groups, frequencies, Math.min);
}

/**
 * Estimated matches of the query and their share of the table (both 0 when unknown or rare), by
 * phraseShareOf. A relaxed query (all words but one) matches at least what its most common
 * combination matches; `any` (any word, 模糊's last round) is taken as its most common word's share.
 */
export async function estimateMatches(
  db: Db,
  groups: string[][][],
  mode: 'all' | 'all-but-one' | 'any' = 'all',
): Promise<{ share: number; matches: number }> {
  const stats = await tsvStats(db);
  const subsets =
    mode === 'any'
      ? groups.map((group) => [group])
      : mode === 'all-but-one' && groups.length > 1
        ? groups.map((_, skip) => groups.filter((__, i) => i !== skip))
        : [groups];
  const share = Math.max(...subsets.map((subset) => phraseShareOf(subset, stats.frequencies)));
  return { share, matches: share * stats.rows };
}

/** Share of the dated documents in [from, to) (open ends allowed); 1 without statistics. */
export function dateShareOf(dates: number[], from?: number, to?: number): number {
  if (dates.length < 2) return 1;
  return (to === undefined ? 1 : dateRankOf(dates, to)) - (from === undefined ? 0 : dateRankOf(dates, from));
}

const CHINA_MS = 8 * 3_600_000;

/**
 * "Published on or after the day of `cutoff`" (China time) as date lexemes (analyze.ts
 * dateLexemes): the remaining days of that month, the remaining months of that year, the years
 * after it — at most some 35 lexemes, ORed. `start` is the beginning of that day (epoch ms);
 * a cutoff more than two months back is moved to the first of its month.
 */
export function dateWindow(cutoff: number): { tsquery: string; start: number } {
  const local = new Date(cutoff + CHINA_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  // A window reaching back more than two months starts at its month: fewer lexemes to OR (each
  // costs the GIN scan some work per candidate) for a window wider by at most a month.
  const day = Date.now() - cutoff > 62 * 86_400_000 ? 1 : local.getUTCDate();
  const start = Date.UTC(year, month, day) - CHINA_MS;
  const lexemes: string[] = [];
  const at = (y: number, m: number, d: number) => dateLexemes(new Date(Date.UTC(y, m, d, 12) - CHINA_MS));
  if (day === 1) lexemes.push(at(year, month, 1)[1]);
  else {
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    for (let d = day; d <= last; d++) lexemes.push(at(year, month, d)[2]);
  }
  for (let m = month + 1; m < 12; m++) lexemes.push(at(year, m, 1)[1]);
  // Years up to two after this one: documents dated ahead (定时发布) are in the window too.
  const thisYear = new Date(Date.now() + CHINA_MS).getUTCFullYear();
  for (let y = year + 1; y <= Math.max(year, thisYear) + 2; y++) lexemes.push(at(y, 0, 1)[0]);
  return { tsquery: lexemes.map((l) => `'${l}'`).join(' | '), start };
}
