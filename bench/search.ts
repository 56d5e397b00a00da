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
 *
 * Two phases (indexing 1,000,000 documents takes long; the latency figures want a quiet machine):
 *   --keep-db <name>   index into the database <name> on the server of DATABASE_URL (dropped and
 *                      made afresh if this bench made it before) and keep it at the end; the index
 *                      figures are stored in its bench_search_meta table.
 *   --queries-only     with --keep-db: no quality run, no indexing — the queries run against the
 *                      kept documents; the index figures are read back from bench_search_meta
 *                      and marked with when they were measured (indexMeasuredAt).
 * See docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Segmenter } from '@jiyue/text';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../packages/platform/src/kernel/app.js';
import { openPostgres } from '../packages/platform/src/kernel/db.js';
import { createTestApp, type TestApp, testConfig } from '../packages/platform/src/kernel/testing.js';
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
function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const log = (message: string) => console.log(`[bench:search] ${message}`);
/** 1-, 5- and 15-minute load averages: the figures mean little without them. */
const load = () => loadavg().map((x) => Math.round(x * 10) / 10);

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

const MODULES = [settingsModule, identityModule, cmsModule, searchModule];
const KEPT_DB = /^[a-z_][a-z0-9_]{0,62}$/;

function databaseUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL as string);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The app on the named database of `--keep-db`. createTestApp always makes a throw-away database
 * and drops it on close, so this builds the app the same way (same config, migrations, seeds) on
 * a database that outlives the process. `fresh`: the index phase starts from an empty database —
 * a rerun after a crash must not inherit half a load with its secondary indexes dropped.
 */
async function keptApp(name: string, fresh: boolean): Promise<TestApp> {
  if (!KEPT_DB.test(name)) throw new Error(`--keep-db: not a plain database name: ${name}`);
  const exists = await onServer('postgres', async (admin) => {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    return (found.rowCount ?? 0) > 0;
  });
  if (fresh) {
    if (exists) {
      // Only a database this bench made (it holds bench_search_meta) is dropped and made again.
      const ours = await onServer(name, async (c) => {
        const found = await c.query(`select to_regclass('bench_search_meta') is not null as ours`);
        return found.rows[0].ours as boolean;
      });
      if (!ours) throw new Error(`--keep-db ${name}: the database exists and was not made by this bench`);
      log(`dropping the earlier ${name}`);
      await onServer('postgres', (admin) => admin.query(`drop database ${name} with (force)`));
    }
    await onServer('postgres', (admin) => admin.query(`create database ${name}`));
    await onServer(name, (c) =>
      c.query(`create table bench_search_meta (
        id int primary key default 1 check (id = 1),
        documents int not null,
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        figures jsonb
      )`),
    );
  } else if (!exists) {
    throw new Error(`--keep-db ${name}: no such database; run the index phase first (without --queries-only)`);
  }
  const database = await openPostgres(databaseUrl(name), 5);
  const config = testConfig({ adminPassword: DEMO_PASSWORD });
  try {
    const { app, kernel } = await buildApp({
      config,
      modules: MODULES,
      database,
      jobs: { backoffBaseMs: 50, pollMs: 50 },
      events: { retryBaseMs: 50 },
    });
    return {
      app,
      kernel,
      async close() {
        await app.close();
        await database.close();
        rmSync(config.dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    rmSync(config.dataDir, { recursive: true, force: true });
    throw err;
  }
}

interface IndexFigures {
  documents: number;
  indexSeconds: number;
  loadSeconds: number;
  analyzeSeconds: number;
  docsPerSecond: number;
  indexMeasuredAt: string;
  indexLoadAverage: number[];
}

async function sitesOf(db: Kysely<any>) {
  return db.selectFrom('cms_sites').select(['id', 'code', 'name']).orderBy('sort_order').execute();
}

async function indexPhase(t: TestApp, total: number, kept: boolean): Promise<IndexFigures> {
  const db = t.kernel.db;
  if (kept) await sql`insert into bench_search_meta (documents) values (${total})`.execute(db);
  const sites = await sitesOf(db);
  const channels = await db
    .selectFrom('cms_channels')
    .select(['id', 'site_id', 'category'])
    .where('category', 'in', [...CATEGORIES])
    .execute();
  const channelOf = new Map(channels.map((c) => [`${c.site_id}/${c.category}`, c.id as string]));
  // The page's folder (cms search feed's channelPath): codes from the root channel down.
  const tree = new Map(
    (await db.selectFrom('cms_channels').select(['id', 'parent_id', 'code']).execute()).map((c) => [c.id, c]),
  );
  const pathOf = (id: string): string => {
    const c = tree.get(id);
    return c ? (c.parent_id ? `${pathOf(c.parent_id)}/${c.code}` : c.code) : '';
  };
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
    const channelId = channelOf.get(`${site.id}/${category}`) ?? channels[0].id;
    const a0 = performance.now();
    const { row, words: titleWords } = analyze(
      {
        id: randomUUID(),
        siteId: site.id,
        siteCode: site.code,
        siteName: site.name,
        siteStatus: 'running',
        channelId,
        channelName: CHANNEL_NAME[category],
        channelCode: category,
        channelPath: pathOf(channelId),
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
  log(`rows in ${(loadedMs / 1000).toFixed(0)} s; building ${indexes.rows.length} indexes`);
  for (const ix of indexes.rows) {
    await sql.raw(ix.indexdef).execute(db);
    log(`built ${ix.indexname} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  // VACUUM as well: autovacuum would do it after a bulk load (it may be off on a test server), and
  // without it the first queries pay for setting hint bits on every page they read.
  await sql`vacuum (analyze) search_documents`.execute(db);
  const indexMs = performance.now() - started;
  log(`indexes built, total ${(indexMs / 1000).toFixed(0)} s`);
  const figures: IndexFigures = {
    documents: total,
    indexSeconds: Math.round(indexMs / 100) / 10,
    loadSeconds: Math.round(loadedMs / 100) / 10,
    analyzeSeconds: Math.round(analyzeMs / 100) / 10,
    docsPerSecond: Math.round(total / (indexMs / 1000)),
    indexMeasuredAt: new Date().toISOString(),
    indexLoadAverage: load(),
  };
  if (kept) {
    await sql`update bench_search_meta set finished_at = now(), figures = ${JSON.stringify(figures)}::jsonb`.execute(
      db,
    );
  }
  return figures;
}

/** What the index phase stored; a load that never finished is no basis for latency figures. */
async function storedIndexFigures(db: Kysely<any>, name: string): Promise<IndexFigures> {
  const meta = await sql<{ figures: IndexFigures | null }>`select figures from bench_search_meta`
    .execute(db)
    .catch(() => ({ rows: [] as Array<{ figures: IndexFigures | null }> }));
  const f = meta.rows[0]?.figures;
  if (!f) throw new Error(`--keep-db ${name}: the index phase did not finish; run it again`);
  // jsonb keeps no key order; the printed object should read like the one-phase run's.
  return {
    documents: f.documents,
    indexSeconds: f.indexSeconds,
    loadSeconds: f.loadSeconds,
    analyzeSeconds: f.analyzeSeconds,
    docsPerSecond: f.docsPerSecond,
    indexMeasuredAt: f.indexMeasuredAt,
    indexLoadAverage: f.indexLoadAverage,
  };
}

async function queryPhase(t: TestApp) {
  const db = t.kernel.db;
  const sites = await sitesOf(db);

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
  let estimated = 0;
  const started = performance.now();
  for (const [i, q] of queries.entries()) {
    if (i > 0 && i % 100 === 0)
      log(`query ${i} of ${queries.length} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    const s = performance.now();
    const answer = await publicSearch(t.kernel, q);
    const ms = performance.now() - s;
    times.push(ms);
    slowest.push([
      ms,
      `${JSON.stringify(q)} total=${answer.totalIsEstimate ? '~' : ''}${answer.total}${answer.relaxed ? ' relaxed' : ''}`,
    ]);
    if (answer.total === 0) zero++;
    if (answer.totalIsEstimate) estimated++;
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
  return {
    tableSize: tableSize.rows[0].size,
    queries: times.length,
    zeroResultQueries: zero,
    /** answers whose total was estimated from a date window (a query matching many documents) */
    estimatedTotals: estimated,
    p50Ms: pct(50),
    p95Ms: pct(95),
    p99Ms: pct(99),
    maxMs: Math.round(times[times.length - 1]),
    queriesMeasuredAt: new Date().toISOString(),
    queriesLoadAverage: load(),
  };
}

async function scale() {
  const keep = option('keep-db');
  const queriesOnly = has('queries-only');
  if (queriesOnly && !keep) throw new Error('--queries-only needs --keep-db <name>');
  const total = arg('docs', 1_000_000);
  process.env.JIYUE_DEMO_DOCUMENTS = '0';
  const t = keep
    ? await keptApp(keep, !queriesOnly)
    : await createTestApp({ modules: MODULES, config: { adminPassword: DEMO_PASSWORD } });
  try {
    const index = queriesOnly
      ? await storedIndexFigures(t.kernel.db, keep as string)
      : await indexPhase(t, total, Boolean(keep));
    if (queriesOnly) log(`${keep}: ${index.documents} documents indexed at ${index.indexMeasuredAt}`);
    const queries = await queryPhase(t);
    return {
      ...index,
      ...queries,
      ...(keep ? { database: keep } : {}),
      ...(queriesOnly
        ? { indexFigures: `read back from ${keep}.bench_search_meta, measured ${index.indexMeasuredAt}` }
        : {}),
    };
  } finally {
    await t.close();
  }
}

const result: Record<string, unknown> = { bench: 'search' };
if (!has('skip-quality') && !has('queries-only')) {
  result.quality = await quality();
  log(`quality ${JSON.stringify(result.quality)}`);
}
if (process.env.DATABASE_URL) result.scale = await scale();
else result.scale = 'skipped: set DATABASE_URL to a PostgreSQL server for the 1,000,000-document run';
console.log(JSON.stringify(result));
process.exit(0);
