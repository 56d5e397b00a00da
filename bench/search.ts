/**
 * Benchmark of the search module (issue #8).
 *
 * 1. Quality: the labelled query set (packages/platform/src/modules/search/fixtures.ts) over the
 *    demo content (`--quality-docs`, default 2000 generated documents) plus the well-known
 *    documents, created and published through the cms API → hit@1, hit@5, MRR (over the top 10),
 *    per query class.
 * 2. Scale (only with DATABASE_URL, i.e. on PostgreSQL): `--docs N` (default 1,000,000)
 *    generated documents indexed straight into search_documents in bulk (secondary indexes
 *    dropped during the load and built after, as an operator's first full build would), then
 *    1,000 mixed queries through the real search function → index time, p50/p95/p99.
 *
 * Prints progress lines, then one JSON object on its last line.
 * Run: npm run bench:search [-- --docs 100000] [--quality-docs 2000] [--queries 1000] [--skip-quality]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Segmenter } from '@jiyue/text';
import { sql } from 'kysely';
import { createTestApp } from '../packages/platform/src/kernel/testing.js';
import { cmsModule } from '../packages/platform/src/modules/cms/index.js';
import { random, writeDemoDocument } from '../packages/platform/src/modules/cms/seed-documents.js';
import { identityModule } from '../packages/platform/src/modules/identity/index.js';
import { DEMO_PASSWORD } from '../packages/platform/src/modules/identity/test-support.js';
import { analyze, type IndexRow } from '../packages/platform/src/modules/search/analyze.js';
import { publicSearch } from '../packages/platform/src/modules/search/engine.js';
import { LABELLED_QUERIES } from '../packages/platform/src/modules/search/fixtures.js';
import { searchModule } from '../packages/platform/src/modules/search/index.js';
import { writeRows } from '../packages/platform/src/modules/search/indexer.js';
import { indexSegmenter } from '../packages/platform/src/modules/search/lexicon.js';
import { rankOf, searchTestBed } from '../packages/platform/src/modules/search/test-support.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const has = (name: string) => process.argv.includes(`--${name}`);
const log = (message: string) => console.log(`[bench:search] ${message}`);

async function quality() {
  process.env.JIYUE_DEMO_DOCUMENTS = String(arg('quality-docs', 2000));
  const started = performance.now();
  const bed = await searchTestBed();
  log(`quality corpus ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const byClass: Record<string, { n: number; hit1: number; hit5: number; rr: number }> = {};
  const misses: string[] = [];
  let hit1 = 0;
  let hit5 = 0;
  let rr = 0;
  for (const [q, key, cls] of LABELLED_QUERIES) {
    const answer = await publicSearch(bed.t.kernel, { q, pageSize: 10 });
    const rank = rankOf(answer.items, bed.ids.get(key) as string);
    const c = (byClass[cls] ??= { n: 0, hit1: 0, hit5: 0, rr: 0 });
    c.n++;
    if (rank === 1) {
      hit1++;
      c.hit1++;
    }
    if (rank && rank <= 5) {
      hit5++;
      c.hit5++;
    } else misses.push(`${q} (${cls}) → ${answer.query}`);
    if (rank) {
      rr += 1 / rank;
      c.rr += 1 / rank;
    }
  }
  await bed.t.close();
  const n = LABELLED_QUERIES.length;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  if (misses.length) log(`missed the top 5: ${misses.join('; ')}`);
  return {
    queries: n,
    corpusDocuments: Number(process.env.JIYUE_DEMO_DOCUMENTS) + 40,
    hitAt1: round(hit1 / n),
    hitAt5: round(hit5 / n),
    mrr: round(rr / n),
    byClass: Object.fromEntries(
      Object.entries(byClass).map(([k, c]) => [
        k,
        { n: c.n, hitAt1: round(c.hit1 / c.n), hitAt5: round(c.hit5 / c.n), mrr: round(c.rr / c.n) },
      ]),
    ),
  };
}

/** Generated documents repeat their sentences; segmentation is memoized per sentence (see docs/search.md). */
function memoSegmenter(base: Segmenter): Pick<Segmenter, 'cutForSearch' | 'words'> {
  const cache = new Map<string, string[]>();
  const cut = (text: string) =>
    text.split(/(?<=[。；！？])/).flatMap((sentence) => {
      let tokens = cache.get(sentence);
      if (!tokens) {
        tokens = base.cutForSearch(sentence);
        if (cache.size > 400_000) cache.clear();
        cache.set(sentence, tokens);
      }
      return tokens;
    });
  return { cutForSearch: cut, words: (text: string) => base.words(text) };
}

const CATEGORIES = ['news', 'notice', 'policy', 'personnel', 'planning', 'finance', 'consultation'] as const;
const CHANNEL_NAME: Record<string, string> = {
  news: '工作动态',
  notice: '通知公告',
  policy: '政策文件',
  personnel: '人事信息',
  planning: '规划计划',
  finance: '财政信息',
  consultation: '政务咨询',
};

async function scale() {
  const total = arg('docs', 1_000_000);
  process.env.JIYUE_DEMO_DOCUMENTS = '0';
  const t = await createTestApp({
    modules: [settingsModule, identityModule, cmsModule, searchModule],
    config: { adminPassword: DEMO_PASSWORD },
  });
  const db = t.kernel.db;
  const sites = await db.selectFrom('cms_sites').select(['id', 'code', 'name']).orderBy('sort_order').execute();
  const channels = await db
    .selectFrom('cms_channels')
    .select(['id', 'site_id', 'category'])
    .where('category', 'in', [...CATEGORIES])
    .execute();
  const channelOf = new Map(channels.map((c) => [`${c.site_id}/${c.category}`, c.id as string]));
  const segmenter = memoSegmenter(await indexSegmenter(t.kernel));
  // The load: secondary indexes go, rows come in 500 at a time, indexes come back.
  const indexes = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes where tablename = 'search_documents' and indexname <> 'search_documents_pkey'`.execute(
    db,
  );
  for (const ix of indexes.rows) await sql.raw(`drop index ${ix.indexname}`).execute(db);
  const rng = random(8);
  const now = Date.now();
  const started = performance.now();
  let analyzeMs = 0;
  let rows: IndexRow[] = [];
  const words: string[] = [];
  for (let i = 0; i < total; i++) {
    const site = sites[i % sites.length];
    const category = CATEGORIES[Math.floor(rng.next() * CATEGORIES.length)];
    const at = new Date(now - Math.floor(rng.next() * 3 * 365 * 86_400_000));
    const text = writeDemoDocument(
      rng,
      category as any,
      { short: site.name.replace('新乡市', '市'), full: site.name },
      at,
    );
    const a0 = performance.now();
    const { row, words: titleWords } = analyze(
      {
        id: randomUUID(),
        siteId: site.id,
        siteCode: site.code,
        siteName: site.name,
        siteStatus: 'running',
        channelId: channelOf.get(`${site.id}/${category}`) ?? channels[0].id,
        channelName: CHANNEL_NAME[category],
        channelCode: category,
        channelCategory: category,
        type: text.type,
        title: text.title,
        subtitle: null,
        summary: text.summary,
        keywords: text.keywords,
        source: site.name,
        bodyHtml: text.body,
        linkUrl: null,
        tags: [],
        custom: {},
        coverFileId: null,
        state: rng.next() < 0.92 ? 'published' : 'draft',
        publishAt: at,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      },
      segmenter,
    );
    analyzeMs += performance.now() - a0;
    rows.push(row);
    if (i % 50 === 0) words.push(...titleWords);
    if (rows.length === 500) {
      await writeRows(db, rows, []);
      rows = [];
    }
    if ((i + 1) % 100_000 === 0)
      log(`indexed ${i + 1} of ${total} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  await writeRows(db, rows, words);
  const loadedMs = performance.now() - started;
  for (const ix of indexes.rows) await sql.raw(ix.indexdef).execute(db);
  await sql`analyze search_documents`.execute(db);
  const indexMs = performance.now() - started;
  log(`rows in ${(loadedMs / 1000).toFixed(0)} s, indexes built, total ${(indexMs / 1000).toFixed(0)} s`);

  // 1,000 mixed queries: the labelled set (typos, pinyin, colloquial, …), topics of the
  // generated content, issuing bodies, and the same with filters, newest-first and page 2.
  const topics = [
    '安全生产',
    '优化营商环境',
    '乡村振兴',
    '部门预算',
    '公开招聘',
    '政府采购',
    '“三公”经费',
    '防汛',
    '信访稳定',
    '子女入学',
    '公积金提取',
    '人事任免',
    '工作要点',
    '重点项目建设',
    '数字政府',
    '教育局 通知',
    '生态环境保护',
    '2026年 部门决算',
    '民生实事',
    '作风建设',
  ];
  const pool = [...LABELLED_QUERIES.map(([q]) => q), ...topics, ...sites.slice(0, 20).map((s) => s.name)];
  const qrng = random(99);
  const queries = Array.from({ length: arg('queries', 1000) }, () => {
    const q = pool[Math.floor(qrng.next() * pool.length)];
    const r = qrng.next();
    if (r < 0.1) return { q, site: sites[Math.floor(qrng.next() * sites.length)].code };
    if (r < 0.2) return { q, sort: 'newest' as const };
    if (r < 0.25) return { q, page: 2 };
    if (r < 0.3) return { q, range: 'year' as const };
    return { q };
  });
  for (const q of queries.slice(0, 20)) await publicSearch(t.kernel, q); // warm-up
  const times: number[] = [];
  const slowest: Array<[number, string]> = [];
  let zero = 0;
  for (const q of queries) {
    const s = performance.now();
    const answer = await publicSearch(t.kernel, q);
    const ms = performance.now() - s;
    times.push(ms);
    slowest.push([ms, `${JSON.stringify(q)} total=${answer.total}${answer.relaxed ? ' relaxed' : ''}`]);
    if (answer.total === 0) zero++;
  }
  slowest.sort((a, b) => b[0] - a[0]);
  log(
    `slowest: ${slowest
      .slice(0, 8)
      .map(([ms, q]) => `${Math.round(ms)} ms ${q}`)
      .join('; ')}`,
  );
  times.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] * 10) / 10;
  const tableSize = await sql<{
    size: string;
  }>`select pg_size_pretty(pg_total_relation_size('search_documents')) as size`.execute(db);
  await t.close();
  return {
    documents: total,
    indexSeconds: Math.round(indexMs / 100) / 10,
    loadSeconds: Math.round(loadedMs / 100) / 10,
    analyzeSeconds: Math.round(analyzeMs / 100) / 10,
    docsPerSecond: Math.round(total / (indexMs / 1000)),
    tableSize: tableSize.rows[0].size,
    queries: times.length,
    zeroResultQueries: zero,
    p50Ms: pct(50),
    p95Ms: pct(95),
    p99Ms: pct(99),
    maxMs: Math.round(times[times.length - 1]),
  };
}

const result: Record<string, unknown> = { bench: 'search' };
if (!has('skip-quality')) {
  result.quality = await quality();
  log(`quality ${JSON.stringify(result.quality)}`);
}
if (process.env.DATABASE_URL) result.scale = await scale();
else result.scale = 'skipped: set DATABASE_URL to a PostgreSQL server for the 1,000,000-document run';
console.log(JSON.stringify(result));
process.exit(0);
