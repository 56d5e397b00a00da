import { sql } from 'kysely';
import type { Db } from '../../kernel/db.js';
import { badRequest } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { KINDS, type Kind, stripControls } from './analyze.js';
import { escapeHtml, Highlighter } from './highlight.js';
import { lexiconOf } from './lexicon.js';
import { type Correction, MAX_QUERY_LENGTH, planQuery, type QueryPlan, tsqueryOf } from './query.js';
import { logQuery } from './querylog.js';
import { estimateMatches } from './selectivity.js';

/*
 * The public search (智能检索): plan the query, ask the GIN index, rank (title matches weigh
 * most, a title holding the whole query wins), count facets over every match, highlight.
 * When every word together finds nothing, the words are tried one-or-more (模糊).
 */

export interface PublicSearchInput {
  q?: string;
  within?: string[];
  mode?: 'smart' | 'exact';
  site?: string;
  type?: string;
  category?: string;
  range?: 'week' | 'month' | 'year';
  from?: string;
  to?: string;
  sort?: 'relevance' | 'newest';
  page?: number;
  pageSize?: number;
}

export interface SearchItem {
  id: string;
  title: string;
  titleHtml: string;
  url: string;
  site: string;
  siteName: string;
  channel: string;
  category: string | null;
  kind: Kind;
  kindName: string;
  docType: string;
  date: string | null;
  snippet: string;
  fields: Record<string, unknown>;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

export interface SearchAnswer {
  q: string;
  query: string;
  total: number;
  page: number;
  pageSize: number;
  items: SearchItem[];
  correction?: Correction;
  expansions: Array<{ term: string; to: string[] }>;
  blocked: boolean;
  relaxed: boolean;
  /** more matches than were counted: total and facets are those of FACET_SAMPLE matches */
  capped: boolean;
  facets: { sites: FacetValue[]; types: FacetValue[]; categories: FacetValue[]; ranges: FacetValue[] };
  tookMs: number;
}

const RANGES = { week: ['一周内', 7], month: ['一月内', 31], year: ['一年内', 366] } as const;
const DAY_MS = 86_400_000;

function emptyFacets(): SearchAnswer['facets'] {
  return { sites: [], types: [], categories: [], ranges: [] };
}

/** YYYY-MM-DD in China time. */
export function dateOf(value: Date | null): string | null {
  if (!value) return null;
  return new Date(value.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** Start of a China-time day as an instant. */
function dayStart(date: string, plusDays = 0): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + plusDays * DAY_MS);
}

/** Conditions every public result meets: published, public site, the query, the phrases. */
function matchConditions(tsquery: string, plan: QueryPlan) {
  return sql.join(
    [
      sql`state = 'published'`,
      sql`site_public`,
      sql`tsv @@ ${tsquery}::tsquery`,
      ...plan.phrases.map((phrase) => sql`strpos(lower(title || ' ' || content), ${phrase.toLowerCase()}) > 0`),
    ],
    sql` and `,
  );
}

/** The user's filters (site, class, category, time), applied to the candidates. */
function filterConditions(input: PublicSearchInput) {
  const conditions = [sql`true`];
  if (input.site) conditions.push(sql`site_code = ${input.site}`);
  if (input.type) conditions.push(sql`kind = ${input.type}`);
  if (input.category) conditions.push(sql`category = ${input.category}`);
  const { from, to } = timeWindow(input);
  if (from) conditions.push(sql`publish_at >= ${from}`);
  if (to) conditions.push(sql`publish_at < ${to}`);
  return sql.join(conditions, sql` and `);
}

function timeWindow(input: PublicSearchInput): { from?: Date; to?: Date } {
  if (input.from || input.to) {
    return { from: input.from ? dayStart(input.from) : undefined, to: input.to ? dayStart(input.to, 1) : undefined };
  }
  if (input.range) return { from: new Date(Date.now() - RANGES[input.range][1] * DAY_MS) };
  return {};
}

/** Checks what a schema cannot: the custom range is in order. */
function checkInput(input: PublicSearchInput): void {
  if (input.from && input.to && input.from > input.to) {
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'to', message: '结束日期不能早于开始日期' }],
    });
  }
  if ((input.q ?? '').length > MAX_QUERY_LENGTH) {
    throw badRequest('query_too_long', '检索词过长', { detail: `检索词不能超过 ${MAX_QUERY_LENGTH} 个字符` });
  }
}

/**
 * How many matches are ranked: the RANKED newest matches that pass the filters (通知 matches
 * most of a large site). Ranking reads each candidate's tsvector, so this bound is what keeps a
 * broad query as fast as a narrow one; a citizen wants the recent ones of such a query anyway.
 */
export const RANKED = 500;

/**
 * How many matches are counted for the total and the facets. Counting reads only small columns
 * of the rows the GIN index finds; beyond this the counts are those of a sample of FACET_SAMPLE
 * newest matches and the answer says `capped`.
 */
export const FACET_SAMPLE = 10_000;

/**
 * The date order of the GIN plan: an expression on purpose, so the planner stays on the GIN index
 * (cost grows with the matches) instead of walking the date index until enough rows match (cost
 * grows with the table when a query matches little or nothing). The walk plan orders by the
 * column itself, which its subquery already delivers in order.
 */
const GIN_DATE = sql`coalesce(publish_at, 'epoch'::timestamptz)`;
const WALK_DATE = sql`publish_at`;

/** A broad query (see walkPlan) is estimated to match at least this many documents. */
const WALK_MIN_MATCHES = 20_000;
/** A broad query's total and facets count its newest WALK_FACET_SAMPLE matches (`capped`). */
const WALK_FACET_SAMPLE = 500;
/** The walked window is this many times what the estimated share says is needed. */
const WALK_MARGIN = 4;

interface RawResult {
  items: any[] | null;
}

/**
 * Two statements, run side by side: the page (rank the RANKED newest candidates in SQL, fetch
 * text only for the page's rows) and the counts (one grouping-sets aggregate over at most
 * FACET_SAMPLE matches). Both are driven by the GIN index.
 */
async function runSearch(
  db: Db,
  plan: QueryPlan,
  input: PublicSearchInput,
  mode: 'all' | 'all-but-one' | 'any-title' = 'all',
) {
  const tsquery =
    mode === 'any-title' ? tsqueryOf(plan.groups, false, 'A', true) : tsqueryOf(plan.groups, mode === 'all-but-one');
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.min(50, Math.max(1, input.pageSize ?? 10));
  const where = sql`${matchConditions(tsquery, plan)} and ${filterConditions(input)}`;
  const needed = Math.max(RANKED, page * pageSize);
  const walk =
    mode !== 'any-title' && needed <= WALK_FACET_SAMPLE
      ? await walkPlan(db, plan, input, mode === 'all-but-one')
      : null;
  if (walk) {
    // One window for the page's candidates and the counts' sample; when it holds more than the
    // sample's matches it also holds the `needed` newest ones, so the page is exact.
    const window = Math.ceil(((WALK_FACET_SAMPLE + 1) / walk.share) * WALK_MARGIN);
    const newest = sql`(select id, title, publish_at, tsv, site_public, site_code, site_name, kind, category
      from search_documents where state = 'published' and ${filterConditions(input)}
      order by publish_at desc limit ${window})`;
    const match = sql`site_public and tsv @@ ${tsquery}::tsquery`;
    const [items, facetRows] = await Promise.all([
      pageOf(db, plan, input, tsquery, match, page, pageSize, newest, WALK_DATE),
      countsOf(db, match, newest, WALK_FACET_SAMPLE, WALK_DATE),
    ]);
    const sampled = facetRows.find((r) => Number(r.g) === 7)?.n ?? 0;
    // Fewer: the estimate was too high for this query (its words seldom meet); the exact plan answers.
    if (sampled > WALK_FACET_SAMPLE) {
      const total = Math.max(WALK_FACET_SAMPLE, Math.round(walk.matches / 100) * 100);
      return { list: items, facetRows, total, capped: true, page, pageSize };
    }
  }
  const [items, facetRows] = await Promise.all([
    pageOf(db, plan, input, tsquery, where, page, pageSize),
    countsOf(db, where),
  ]);
  const all = facetRows.find((r) => Number(r.g) === 7)?.n ?? 0;
  return {
    list: items,
    facetRows,
    total: Math.min(Number(all), FACET_SAMPLE),
    capped: all > FACET_SAMPLE,
    page,
    pageSize,
  };
}

/**
 * Broad queries (their words in a large share of the documents) walk the date index: the newest
 * matches are near the top, so a window of the newest documents (sized from the share, with a
 * margin) holds enough of them. Only plain queries with at most one of site / class / category
 * (each has its date index) qualify.
 */
async function walkPlan(db: Db, plan: QueryPlan, input: PublicSearchInput, relaxed: boolean) {
  if (plan.phrases.length || [input.site, input.type, input.category].filter(Boolean).length > 1) return null;
  const estimate = await estimateMatches(db, plan.groups, relaxed);
  return estimate.matches >= WALK_MIN_MATCHES ? estimate : null;
}

/** The page: candidates by date, ranked in SQL; content and fields read for the page only. */
async function pageOf(
  db: Db,
  plan: QueryPlan,
  input: PublicSearchInput,
  tsquery: string,
  where: ReturnType<typeof sql>,
  page: number,
  pageSize: number,
  source = sql`search_documents`,
  date = GIN_DATE,
): Promise<any[]> {
  // A title holding the whole query (or an official term it stands for) wins; a shorter such
  // title more (住房公积金提取办事指南 before 关于公积金提取到账时间的咨询).
  const wholes = [plan.searched.replace(/["“”\s]/g, ''), ...plan.expansions.flatMap((e) => e.to)]
    .map((w) => w.toLowerCase())
    .filter((w, i, all) => w !== '' && all.indexOf(w) === i)
    .slice(0, 8);
  const boosts = wholes.map(
    (w) =>
      sql`case when strpos(lower(c.title), ${w}) > 0 then 1 + ${w.length}::float8 / greatest(char_length(c.title), 1) else 0 end`,
  );
  const boost = boosts.length ? sql`greatest(${sql.join(boosts)})` : sql`0`;
  const newest = input.sort === 'newest';
  const order = newest ? sql`p.at desc, p.id` : sql`p.score desc, p.at desc, p.id`;
  const score = newest ? sql`0::float8` : sql`ts_rank('{0.1, 0.2, 0.4, 1.0}', d.tsv, ${tsquery}::tsquery) + ${boost}`;
  const result = await sql<RawResult>`
    with c as materialized (
      select id, title, ${date} as at from ${source} s
      where ${where}
      order by ${date} desc
      limit ${Math.max(RANKED, page * pageSize)}
    ),
    p as materialized (
      select c.id, c.at, ${score} as score
      from c join search_documents d on d.id = c.id
      order by ${sql.raw(newest ? 'c.at desc, c.id' : 'score desc, c.at desc, c.id')}
      limit ${pageSize} offset ${(page - 1) * pageSize}
    )
    select json_agg(x) as items from (
      select d.id, d.title, d.url, d.site_code, d.site_name, d.channel_name, d.category, d.kind, d.doc_type,
             to_char(d.publish_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as date,
             left(d.content, 1500) as content, d.fields
      from p join search_documents d on d.id = p.id
      order by ${order}) x`.execute(db);
  return result.rows[0]?.items ?? [];
}

/** Total and facet counts over at most FACET_SAMPLE + 1 matches (small columns only). */
async function countsOf(
  db: Db,
  where: ReturnType<typeof sql>,
  source = sql`search_documents`,
  sample = FACET_SAMPLE,
  date = GIN_DATE,
): Promise<any[]> {
  const now = Date.now();
  const result = await sql<{ facets: any[] | null }>`
    select json_agg(fr) as facets from (
      select site_code, site_name, kind, category, grouping(site_code, kind, category) as g, count(*)::int as n,
             count(*) filter (where publish_at >= ${new Date(now - 7 * DAY_MS)})::int as week,
             count(*) filter (where publish_at >= ${new Date(now - 31 * DAY_MS)})::int as month,
             count(*) filter (where publish_at >= ${new Date(now - 366 * DAY_MS)})::int as year
      -- Ordered (by an expression, as in the page) so the sample is the newest matches and the
      -- planner reads them through the GIN index rather than a sequential scan that stops early
      -- but detoasts every tsvector on its way.
      from (select site_code, site_name, kind, category, publish_at from ${source} s
            where ${where} order by ${date} desc
            limit ${sample + 1}) s
      group by grouping sets ((site_code, site_name), (kind), (category), ())) fr`.execute(db);
  return result.rows[0]?.facets ?? [];
}

function facetsOf(rows: any[], categoryNames: Map<string, string>): SearchAnswer['facets'] {
  const facets = emptyFacets();
  // grouping(site_code, kind, category): a bit set for each column NOT grouped by (4, 2, 1).
  for (const r of rows) {
    const g = Number(r.g);
    if (g === 3) facets.sites.push({ value: r.site_code, label: r.site_name, count: r.n });
    else if (g === 5 && r.kind)
      facets.types.push({ value: r.kind, label: KINDS[r.kind as Kind] ?? r.kind, count: r.n });
    else if (g === 6 && r.category) {
      facets.categories.push({ value: r.category, label: categoryNames.get(r.category) ?? r.category, count: r.n });
    } else if (g === 7) {
      facets.ranges = (Object.keys(RANGES) as Array<keyof typeof RANGES>).map((key) => ({
        value: key,
        label: RANGES[key][0],
        count: r[key],
      }));
    }
  }
  for (const list of [facets.sites, facets.types, facets.categories]) list.sort((a, b) => b.count - a.count);
  return facets;
}

let categoryCache: { at: number; names: Map<string, string> } | undefined;
async function categoryNames(db: Db): Promise<Map<string, string>> {
  if (categoryCache && Date.now() - categoryCache.at < 60_000) return categoryCache.names;
  const rows = await db.selectFrom('settings_channel_categories').select(['code', 'name']).execute();
  categoryCache = { at: Date.now(), names: new Map(rows.map((r) => [r.code as string, r.name as string])) };
  return categoryCache.names;
}

/** 智能检索: the whole public search, logged. */
export async function publicSearch(kernel: Kernel, input: PublicSearchInput): Promise<SearchAnswer> {
  const started = performance.now();
  checkInput(input);
  const q = stripControls(input.q ?? '').trim();
  const within = input.within?.map(stripControls);
  const lexicon = await lexiconOf(kernel);
  const plan = planQuery(q, lexicon, { exact: input.mode === 'exact', within });
  const answer: SearchAnswer = {
    q,
    query: plan.searched,
    total: 0,
    page: Math.max(1, input.page ?? 1),
    pageSize: Math.min(50, Math.max(1, input.pageSize ?? 10)),
    items: [],
    expansions: plan.expansions,
    blocked: plan.blocked,
    relaxed: false,
    capped: false,
    facets: emptyFacets(),
    tookMs: 0,
  };
  if (plan.correction) answer.correction = plan.correction;
  if (!plan.blocked && !plan.empty) {
    let result = await runSearch(kernel.db, plan, input);
    // Nothing holds every word: all words but one, then any word in a title (模糊).
    const relax = plan.groups.length > 1 && plan.groups.length <= 6 && plan.phrases.length === 0;
    if (result.total === 0 && result.facetRows.length <= 1 && relax) {
      result = await runSearch(kernel.db, plan, input, 'all-but-one');
      if (result.total === 0 && plan.groups.length > 2) result = await runSearch(kernel.db, plan, input, 'any-title');
      answer.relaxed = true;
    }
    const highlighter = new Highlighter(plan.highlights);
    answer.total = result.total;
    answer.capped = result.capped;
    answer.items = result.list.map((r) => ({
      id: r.id,
      title: r.title,
      titleHtml: highlighter.mark(r.title),
      url: r.url,
      site: r.site_code,
      siteName: r.site_name,
      channel: r.channel_name,
      category: r.category,
      kind: r.kind as Kind,
      kindName: KINDS[r.kind as Kind] ?? r.kind,
      docType: r.doc_type,
      date: r.date ?? null,
      snippet: highlighter.snippet(r.content),
      fields: r.fields ?? {},
    }));
    answer.facets = facetsOf(result.facetRows, await categoryNames(kernel.db));
  }
  answer.tookMs = Math.round(performance.now() - started);
  if (q) {
    await logQuery(kernel, {
      query: q,
      searched: plan.searched,
      correction: plan.correction?.to ?? null,
      total: answer.total,
      blocked: plan.blocked,
      site: input.site ?? null,
      ms: answer.tookMs,
    });
  }
  return answer;
}

export { escapeHtml };
