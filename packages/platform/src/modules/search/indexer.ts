import type { Segmenter } from '@jiyue/text';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import type { JobContext } from '../../kernel/jobs.js';
import type { JobHandler, Kernel } from '../../kernel/module.js';
import { type SearchFeedDocument, searchFeedCount, searchFeedDocument, searchFeedPage } from '../cms/index.js';
import { analyze, type IndexRow } from './analyze.js';
import { indexSegmenter, invalidateLexicon, keysOf } from './lexicon.js';
import { invalidateSelectivity } from './selectivity.js';

/*
 * Keeping the index current: each cms.document.* event re-reads its document through the cms
 * feed and upserts (or removes) one row; the rebuild job pages through every document. Both are
 * idempotent, so at-least-once delivery and re-runs do no harm.
 */

const COLUMNS = [
  'id',
  'site_id',
  'site_code',
  'site_name',
  'site_public',
  'channel_id',
  'channel_name',
  'category',
  'kind',
  'doc_type',
  'state',
  'title',
  'content',
  'url',
  'fields',
  'pinyin',
  'initials',
  'tsv',
  'publish_at',
  'created_at',
  'updated_at',
] as const;

/** Writes index rows (insert or replace) and adds their title words to the vocabulary. */
export async function writeRows(db: Db | Tx, rows: IndexRow[], words: string[]): Promise<void> {
  if (rows.length > 0) {
    await db
      .insertInto('search_documents')
      .values(rows.map((r) => ({ ...r, tsv: sql`${r.tsv}::tsvector`, indexed_at: sql`now()` })))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => {
          const set: Record<string, unknown> = { indexed_at: sql`now()` };
          for (const c of COLUMNS) if (c !== 'id') set[c] = eb.ref(`excluded.${c}`);
          return set;
        }),
      )
      .execute();
  }
  await addWords(db, words);
}

/** Counts words into search_vocabulary (one statement per batch). */
export async function addWords(db: Db | Tx, words: string[]): Promise<void> {
  if (words.length === 0) return;
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const entries = [...counts];
  for (let i = 0; i < entries.length; i += 1000) {
    const chunk = entries.slice(i, i + 1000).map(([word, freq]) => ({ word, ...keysOf(word), freq }));
    await db
      .insertInto('search_vocabulary')
      .values(chunk)
      .onConflict((oc) => oc.column('word').doUpdateSet({ freq: sql`search_vocabulary.freq + excluded.freq` }))
      .execute();
  }
}

/** Analyzes and writes documents in one go. */
export async function indexDocuments(db: Db | Tx, docs: SearchFeedDocument[], segmenter: Segmenter): Promise<void> {
  const rows: IndexRow[] = [];
  const words: string[] = [];
  for (const doc of docs) {
    const analyzed = analyze(doc, segmenter);
    rows.push(analyzed.row);
    // Only published titles teach the vocabulary: drafts may hold typos.
    if (doc.state === 'published') words.push(...analyzed.words);
  }
  await writeRows(db, rows, words);
}

/** Brings one document's row up to date (or removes it when gone or in the recycle bin). */
export async function syncDocument(kernel: Kernel, documentId: string): Promise<void> {
  const doc = await searchFeedDocument(kernel.db, documentId);
  if (!doc || doc.deletedAt) {
    await kernel.db.deleteFrom('search_documents').where('id', '=', documentId).execute();
    return;
  }
  const segmenter = await indexSegmenter(kernel);
  await indexDocuments(kernel.db, [doc], segmenter);
  invalidateLexicon(kernel);
}

/** Re-reads several documents (after a console batch operation), so the next search shows the change. */
export async function syncDocuments(kernel: Kernel, ids: string[]): Promise<void> {
  for (const id of ids) await syncDocument(kernel, id);
}

const PAGE = 200;

/**
 * Re-indexes every document of the feed (one site's when `siteId` is given) in pages, reporting
 * progress; then removes the rows of that scope that this pass did not rewrite: documents that no
 * longer exist or are in the recycle bin.
 */
async function reindexFeed(kernel: Kernel, progress: JobContext['progress'], siteId?: string) {
  const clock = await sql<{ now: Date }>`select now() as now`.execute(kernel.db);
  const startedAt = clock.rows[0].now;
  const total = await searchFeedCount(kernel.db, siteId);
  await progress(0, total, '开始重建检索索引');
  const segmenter = await indexSegmenter(kernel);
  let after: string | null = null;
  let done = 0;
  for (;;) {
    const docs = await searchFeedPage(kernel.db, { after, limit: PAGE, siteId });
    if (docs.length === 0) break;
    await indexDocuments(kernel.db, docs, segmenter);
    done += docs.length;
    after = docs[docs.length - 1].id;
    await progress(Math.min(done, total), Math.max(total, done), `已索引 ${done} 条信息`);
  }
  let stale = kernel.db.deleteFrom('search_documents').where('indexed_at', '<', startedAt);
  if (siteId) stale = stale.where('site_id', '=', siteId);
  const removed = Number((await stale.executeTakeFirst()).numDeletedRows);
  invalidateLexicon(kernel);
  await progress(done, Math.max(total, done), `完成：索引 ${done} 条，移除 ${removed} 条`);
  return { indexed: done, removed };
}

/** 重建索引: every document through the cms feed. */
export const rebuildIndex: JobHandler = async (_job, { progress, kernel }) => {
  const result = await reindexFeed(kernel, progress);
  // Fresh word statistics for the choice between the GIN and the date-walk plans (selectivity.ts).
  await sql`analyze search_documents`.execute(kernel.db);
  invalidateSelectivity();
  await kernel.db
    .insertInto('search_state')
    .values({ key: 'last_rebuild', value: JSON.stringify({ at: new Date().toISOString(), documents: result.indexed }) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`excluded.value`, updated_at: sql`now()` }))
    .execute();
  return result;
};

/**
 * A site's rows again, after a change that every row of the site carries: the site's name or
 * status, a channel's name, code or place (result URLs and channel names).
 */
export const reindexSite: JobHandler<{ siteId: string }> = async (job, { progress, kernel }) =>
  reindexFeed(kernel, progress, job.payload.siteId);
