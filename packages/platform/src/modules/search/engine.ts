import { sql } from 'kysely';
import type { Db } from '../../kernel/db.js';
import { badRequest } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { KINDS, type Kind, siteLexeme, stripControls } from './analyze.js';
import { escapeHtml, Highlighter } from './highlight.js';
import { lexiconOf } from './lexicon.js';
import { type Correction, MAX_QUERY_LENGTH, planQuery, type QueryPlan, tsqueryOf } from './query.js';
import { logQuery } from './querylog.js';
import { cutoffFor, dateShareOf, dateWindow, estimateMatches, statsOf } from './selectivity.js';

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
  /** more matches than were counted: total and facets are a sample's (or estimated from it) */
  capped: boolean;
  /**
   * `total` and the facet counts are estimated from a window of the newest documents (a query
   * matching many; shown as 约 N 条); false when they were counted.
   */
  totalIsEstimate: boolean;
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

/**
 * The user's filters (site, class, category, time), applied to the candidates. The site and the
 * time are also in the tsquery as lexemes (filterLexemes), so these conditions only recheck them:
 * written so that the planner cannot read the date or site indexes for them (a B-tree bitmap of a
 * year's documents costs more than the whole GIN scan).
 */
function filterConditions(input: PublicSearchInput) {
  const conditions = [sql`true`];
  if (input.site) conditions.push(sql`(site_code = ${input.site}) is true`);
  if (input.type) conditions.push(sql`kind = ${input.type}`);
  if (input.category) conditions.push(sql`category = ${input.category}`);
  const { from, to } = timeWindow(input);
  if (from) conditions.push(sql`(publish_at >= ${from}) is true`);
  if (to) conditions.push(sql`(publish_at < ${to}) is true`);
  return sql.join(conditions, sql` and `);
}

/**
 * The site and time filters as lexemes ANDed into the tsquery (analyze.ts siteLexeme,
 * dateLexemes): the GIN index intersects them with the words. `window` (the engine's own date
 * window) replaces the time filter's start when it is later.
 */
async function filterLexemes(db: Db, input: PublicSearchInput, window: { tsquery: string } | null): Promise<string> {
  const parts: string[] = [];
  if (input.site) {
    const siteId = await siteIdOf(db, input.site);
    if (siteId) parts.push(`'${siteLexeme(siteId)}'`);
  }
  const { from } = timeWindow(input);
  if (window) parts.push(`(${window.tsquery})`);
  else if (from) parts.push(`(${dateWindow(from.getTime()).tsquery})`);
  return parts.map((p) => ` & ${p}`).join('');
}

const siteIds = new Map<string, { at: number; id: string | null }>();
/** The site id of a site code, from the index itself (cached a minute). */
async function siteIdOf(db: Db, code: string): Promise<string | null> {
  const hit = siteIds.get(code);
  if (hit && Date.now() - hit.at < 60_000) return hit.id;
  const row = await db
    .selectFrom('search_documents')
    .select('site_id')
    .where('site_code', '=', code)
    .limit(1)
    .executeTakeFirst();
  if (siteIds.size > 1000) siteIds.clear();
  siteIds.set(code, { at: Date.now(), id: (row?.site_id as string | undefined) ?? null });
  return (row?.site_id as string | undefined) ?? null;
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
 * How many matches are counted for the total and the facets by the exact plan. Counting reads
 * only small columns of the rows the GIN index finds; beyond this the counts are those of a
 * sample of FACET_SAMPLE newest matches and the answer says `capped`.
 */
export const FACET_SAMPLE = 10_000;

/**
 * The date order: an expression on purpose, so the planner finds the matches through the GIN
 * index (ANDed with the date index when a window applies) instead of walking the date index until
 * enough rows match — that walk reads every walked row's tsvector and, for a query matching
 * little, the whole table.
 */
const DATE = sql`coalesce(publish_at, 'epoch'::timestamptz)`;

/**
 * Queries expected to match at least this many documents take the window plan (see runSearch);
 * below it every match is read, which costs less than a second round would.
 */
export const WINDOW_MIN_MATCHES = 3_000;
/**
 * A window is sized to hold this many times the matches the page needs (RANKED, or the page).
 * Every match in the window is read from the table and counted, so the margin is what a windowed
 * query pays beyond its page. The page is the same whatever the margin, as long as the window
 * holds the page's candidates; a window found too small costs a second round. On the 1M-document
 * bench 2 (not 3) brought p95 from 51-88 to 44-61 ms in alternating runs; 1.5 measured slower.
 */
const WINDOW_MARGIN = 2;
/** …and at least this many, so the estimated total and facets rest on a sample worth the name. */
const WINDOW_MIN_SAMPLE = 600;
/** A lexeme in at least this share of the documents is left out of multi-word alternatives. */
const COMMON_LEXEME = 0.5;
/** A window wider than this share of the documents is not worth it: the plain plan answers. */
const WINDOW_MAX_SHARE = 0.25;
/** The thresholds in force; tests lower them to take the window plan on a small corpus. */
export const searchTuning = {
  windowMinMatches: WINDOW_MIN_MATCHES,
  windowMinSample: WINDOW_MIN_SAMPLE,
  windowMaxShare: WINDOW_MAX_SHARE,
};

interface Outcome {
  list: any[];
  facetRows: any[];
  total: number;
  capped: boolean;
  estimated: boolean;
  /** factor from the window's counts to the whole result's (1 when exact) */
  scale: number;
  /** the window's start (epoch ms), when the counts are of a window */
  cutoff: number | null;
  page: number;
  pageSize: number;
}

/**
 * One query round. The cost of the plain GIN plan grows with the number of matches: every match
 * is read from the table to be sorted by date and counted (tens of thousands of rows for 公积金提取
 * among a million documents). So a query the statistics expect to match many documents is asked
 * within a window of the newest documents, sized from the estimate to hold WINDOW_MARGIN times
 * the matches the page needs: the window is a set of date lexemes (analyze.ts dateLexemes) ANDed
 * into the tsquery, so the GIN index itself keeps only the window's matches and nothing else is
 * read. (ANDing `publish_at >= cutoff` instead made PostgreSQL read the date index for the whole
 * window, which cost as much as the rows it saved.) When the window holds the matches the page
 * needs, the page is exactly what the whole result would give (every newer document is in the
 * window); the total is then the window's count over its share of the documents
 * (`totalIsEstimate`, 约 N 条) and the facets are the window's counts scaled alike. A window too small is widened (to all
 * documents when it held none).
 */
async function runSearch(
  db: Db,
  plan: QueryPlan,
  input: PublicSearchInput,
  mode: 'all' | 'all-but-one' | 'any-title' = 'all',
): Promise<Outcome> {
  const tsquery =
    mode === 'any-title' ? tsqueryOf(plan.groups, false, 'A', true) : tsqueryOf(plan.groups, mode === 'all-but-one');
  // What the index is asked: the same without lexemes in most documents inside a multi-word
  // alternative (市 of 新乡 & 市, 局 of 民政 & 局). Dropping them lets a few more documents match
  // (those holding 新乡 but not 市: rare by definition), and spares the GIN scan their posting
  // lists of nearly every document. Ranking keeps the full tsquery.
  // A word in most documents altogether (新乡市 on a city's sites) is left out of the match when
  // other words remain: it filters little and its posting list is the scan's largest.
  const frequencies = (await statsOf(db)).frequencies;
  const common = (l: string) => (frequencies.get(l) ?? 0) >= COMMON_LEXEME;
  const pruned = plan.groups.map((alternatives) =>
    alternatives.map((lexemes) => {
      const kept = lexemes.filter((l) => !common(l));
      return kept.length ? kept : lexemes;
    }),
  );
  const selective = pruned.filter((alternatives) => !alternatives.every((lexemes) => lexemes.every(common)));
  const groups = selective.length ? selective : pruned;
  const matchQuery =
    mode === 'any-title' ? tsqueryOf(groups, false, 'A', true) : tsqueryOf(groups, mode === 'all-but-one');
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.min(50, Math.max(1, input.pageSize ?? 10));
  const candidates = input.sort === 'newest' ? page * pageSize : Math.max(RANKED, page * pageSize);
  let fraction = 1;
  let dates: number[] = [];
  const { from, to } = timeWindow(input);
  const estimate = await estimateMatches(
    db,
    plan.groups,
    mode === 'any-title' ? 'any' : mode === 'all-but-one' ? 'all-but-one' : 'all',
  );
  if (estimate.matches >= searchTuning.windowMinMatches) {
    dates = (await statsOf(db)).dates;
    // Filters narrow the matches by a share the word statistics do not give: the time filter's
    // share is read off the date statistics; a site holds about 1/50 of the documents, a class or
    // category about 1/8 (rough on purpose: a window too small is widened).
    const filtered =
      estimate.matches *
      dateShareOf(dates, from?.getTime(), to?.getTime()) *
      (input.site ? 1 / 50 : 1) *
      (input.type ? 1 / 8 : 1) *
      (input.category ? 1 / 8 : 1);
    fraction =
      (Math.max(candidates, searchTuning.windowMinSample / WINDOW_MARGIN) * WINDOW_MARGIN) / Math.max(1, filtered);
    // A window of most documents saves little, and its many date lexemes cost the GIN scan more
    // than that (公开招聘 within one site: the words and the site lexeme alone are cheaper).
    if (fraction > searchTuning.windowMaxShare) fraction = 1;
  }
  for (;;) {
    const cutoff = cutoffFor(dates, fraction, from?.getTime(), to?.getTime());
    const window = cutoff === null ? null : dateWindow(cutoff);
    // The window is a GIN condition (date lexemes ANDed into the tsquery), like the site and time
    // filters; the user's own "from" lies before the window and gives way to it.
    const lexemes = await filterLexemes(db, input, window);
    const conditions = sql`${matchConditions(`(${matchQuery})${lexemes}`, plan)} and ${filterConditions(input)}`;
    const { items, facetRows } = await pageAndCounts(db, plan, input, tsquery, conditions, {
      page,
      pageSize,
      candidates,
    });
    const counted = Number(facetRows.find((r) => Number(r.g) === 7)?.n ?? 0);
    if (window === null) {
      return {
        list: items,
        facetRows,
        total: Math.min(counted, FACET_SAMPLE),
        capped: counted > FACET_SAMPLE,
        estimated: false,
        scale: 1,
        cutoff: null,
        page,
        pageSize,
      };
    }
    // The share of the (time-filtered) documents the window really holds: it starts at a day.
    const share = dateShareOf(dates, window.start, to?.getTime()) / dateShareOf(dates, from?.getTime(), to?.getTime());
    if (counted >= candidates) {
      const raw = counted / Math.min(1, Math.max(share, fraction));
      // Two significant figures: 约 31000 条, never fewer than were counted.
      const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(raw)) - 1);
      const total = Math.max(counted, Math.round(raw / magnitude) * magnitude);
      return {
        list: items,
        facetRows,
        total,
        capped: true,
        estimated: true,
        scale: total / counted,
        cutoff: window.start,
        page,
        pageSize,
      };
    }
    // Too few in the window (the words meet less often than estimated): widen it by what it found.
    // None at all: the words seldom meet, so reading every match (the plain plan) is cheap.
    fraction = counted === 0 ? 1 : Math.max(fraction, share) * Math.max(3, (2 * candidates) / counted);
    if (fraction > searchTuning.windowMaxShare) fraction = 1;
  }
}

/**
 * The page and the counts in one statement, so the matches are read once: `m` the newest matches
 * (small columns only, at most FACET_SAMPLE + 1), the page's candidates the newest of them, ranked
 * in SQL; content and fields are read for the page's rows only.
 */
async function pageAndCounts(
  db: Db,
  plan: QueryPlan,
  input: PublicSearchInput,
  tsquery: string,
  where: ReturnType<typeof sql>,
  { page, pageSize, candidates }: { page: number; pageSize: number; candidates: number },
): Promise<{ items: any[]; facetRows: any[] }> {
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
  const now = Date.now();
  const result = await sql<{ items: any[] | null; facets: any[] | null }>`
    with m as materialized (
      select id, title, ${DATE} as at, publish_at, site_code, site_name, kind, category
      from search_documents s
      where ${where}
      order by ${DATE} desc
      limit ${FACET_SAMPLE + 1}
    ),
    c as materialized (
      select id, title, at from m order by at desc limit ${candidates}
    ),
    p as materialized (
      select c.id, c.at, ${score} as score
      from c join search_documents d on d.id = c.id
      order by ${sql.raw(newest ? 'c.at desc, c.id' : 'score desc, c.at desc, c.id')}
      limit ${pageSize} offset ${(page - 1) * pageSize}
    )
    select
      (select json_agg(x) from (
        select d.id, d.title, d.url, d.site_code, d.site_name, d.channel_name, d.category, d.kind, d.doc_type,
               to_char(d.publish_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as date,
               left(d.content, 1500) as content, d.fields
        from p join search_documents d on d.id = p.id
        order by ${order}) x) as items,
      (select json_agg(fr) from (
        select site_code, site_name, kind, category, grouping(site_code, kind, category) as g, count(*)::int as n,
               count(*) filter (where publish_at >= ${new Date(now - 7 * DAY_MS)})::int as week,
               count(*) filter (where publish_at >= ${new Date(now - 31 * DAY_MS)})::int as month,
               count(*) filter (where publish_at >= ${new Date(now - 366 * DAY_MS)})::int as year
        from m
        group by grouping sets ((site_code, site_name), (kind), (category), ())) fr) as facets`.execute(db);
  return { items: result.rows[0]?.items ?? [], facetRows: result.rows[0]?.facets ?? [] };
}

/**
 * Facet counts of an answer. Estimated answers scale the window's counts by the total's factor; a
 * 时间范围 that begins inside the window is counted exactly (the window holds every newer match).
 */
function facetsOf(outcome: Outcome, categoryNames: Map<string, string>): SearchAnswer['facets'] {
  const facets = emptyFacets();
  const { scale, cutoff } = outcome;
  const scaled = (n: number) => (scale === 1 || n === 0 ? n : Math.max(1, Math.round(n * scale)));
  const now = Date.now();
  // grouping(site_code, kind, category): a bit set for each column NOT grouped by (4, 2, 1).
  for (const r of outcome.facetRows) {
    const g = Number(r.g);
    const n = scaled(r.n);
    if (g === 3) facets.sites.push({ value: r.site_code, label: r.site_name, count: n });
    else if (g === 5 && r.kind) facets.types.push({ value: r.kind, label: KINDS[r.kind as Kind] ?? r.kind, count: n });
    else if (g === 6 && r.category) {
      facets.categories.push({ value: r.category, label: categoryNames.get(r.category) ?? r.category, count: n });
    } else if (g === 7) {
      facets.ranges = (Object.keys(RANGES) as Array<keyof typeof RANGES>).map((key) => ({
        value: key,
        label: RANGES[key][0],
        count: cutoff !== null && now - RANGES[key][1] * DAY_MS >= cutoff ? r[key] : scaled(r[key]),
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
    totalIsEstimate: false,
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
    answer.totalIsEstimate = result.estimated;
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
    answer.facets = facetsOf(result, await categoryNames(kernel.db));
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
