import { sql } from 'kysely';
import type { Db } from '../../kernel/db.js';

/*
 * How common the query's words are, from PostgreSQL's own statistics of the tsvector column
 * (pg_stats.most_common_elems, gathered by ANALYZE). A query whose words are in a large share of
 * the documents is answered by walking the date index until enough matches are found, instead of
 * collecting every match through the GIN index and sorting them (seconds for 新乡市人民政府 among
 * a million documents). Words the statistics do not list are rare, and rare queries stay on GIN.
 */

interface TsvStats {
  at: number;
  frequencies: Map<string, number>;
  /** estimated rows of the table */
  rows: number;
}

const STATS_TTL_MS = 10 * 60_000;
let cached: TsvStats | undefined;

/** Forgets the statistics (after a rebuild), so the next query reads them again. */
export function invalidateSelectivity(): void {
  cached = undefined;
}

async function tsvStats(db: Db): Promise<TsvStats> {
  if (cached && Date.now() - cached.at < STATS_TTL_MS) return cached;
  const result = await sql<{ elems: string[] | null; freqs: number[] | null; rows: number | null }>`
    select s.most_common_elems::text::text[] as elems, s.most_common_elem_freqs as freqs,
           (select reltuples from pg_class where oid = 'search_documents'::regclass)::float8 as rows
    from pg_stats s
    where s.tablename = 'search_documents' and s.attname = 'tsv'
    limit 1`.execute(db);
  const row = result.rows[0];
  const frequencies = new Map<string, number>();
  const freqs = row?.freqs ?? [];
  for (const [i, lexeme] of (row?.elems ?? []).entries()) frequencies.set(lexeme, Number(freqs[i]));
  cached = { at: Date.now(), frequencies, rows: Math.max(0, Number(row?.rows ?? 0)) };
  return cached;
}

/**
 * Estimated share of documents matching every group (a group: any of its alternatives; an
 * alternative: all of its lexemes), treating words as independent; 0 when a word is not among
 * the common ones.
 */
export function shareOf(groups: string[][][], frequencies: Map<string, number>): number {
  let share = 1;
  for (const alternatives of groups) {
    let best = 0;
    for (const lexemes of alternatives) {
      let p = 1;
      for (const lexeme of lexemes) p *= frequencies.get(lexeme) ?? 0;
      best = Math.max(best, p);
    }
    share *= best;
  }
  return groups.length ? share : 0;
}

/**
 * Estimated matches of the query and their share of the table (both 0 when unknown or rare). A
 * relaxed query (all words but one) matches at least what its most common combination matches.
 */
export async function estimateMatches(
  db: Db,
  groups: string[][][],
  relaxed = false,
): Promise<{ share: number; matches: number }> {
  const stats = await tsvStats(db);
  const share =
    relaxed && groups.length > 1
      ? Math.max(
          ...groups.map((_, skip) =>
            shareOf(
              groups.filter((__, i) => i !== skip),
              stats.frequencies,
            ),
          ),
        )
      : shareOf(groups, stats.frequencies);
  return { share, matches: share * stats.rows };
}
