import { sql } from 'kysely';
import type { Kernel } from '../../kernel/module.js';
import type { Page } from '../settings/context.js';
import { likePattern, pageBounds } from '../settings/context.js';

/*
 * 检索日志: every public query (blocked ones included, which is how 敏感词屏蔽 is "logged"), and
 * the aggregations the console charts: daily volume, hot words, zero-result queries.
 */

export interface LoggedQuery {
  query: string;
  searched: string | null;
  correction: string | null;
  total: number;
  blocked: boolean;
  site: string | null;
  ms: number;
}

export async function logQuery(kernel: Kernel, entry: LoggedQuery): Promise<void> {
  await kernel.db
    .insertInto('search_queries')
    .values({ ...entry, query: entry.query.slice(0, 100) })
    .execute();
}

export interface QueryLogFilter extends Page {
  q?: string;
  zero?: boolean;
  blocked?: boolean;
  from?: string;
  to?: string;
}

export async function listQueries(kernel: Kernel, filter: QueryLogFilter) {
  const { limit, offset } = pageBounds(filter);
  let query = kernel.db.selectFrom('search_queries');
  if (filter.q) query = query.where('query', 'like', likePattern(filter.q));
  if (filter.zero) query = query.where('total', '=', 0).where('blocked', '=', false);
  if (filter.blocked) query = query.where('blocked', '=', true);
  if (filter.from) query = query.where('at', '>=', new Date(`${filter.from}T00:00:00+08:00`));
  if (filter.to) query = query.where('at', '<', new Date(Date.parse(`${filter.to}T00:00:00+08:00`) + 86_400_000));
  const [items, count] = await Promise.all([
    query
      .select(['id', 'query', 'searched', 'correction', 'total', 'blocked', 'site', 'ms', 'at'])
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}

/** Totals, per-day counts, top queries and top zero-result queries over the last `days` days. */
export async function queryStats(kernel: Kernel, days: number) {
  const since = new Date(Date.now() - days * 86_400_000);
  const db = kernel.db;
  const totals = await db
    .selectFrom('search_queries')
    .select([
      sql<number>`count(*)::int`.as('queries'),
      sql<number>`count(distinct query)::int`.as('distinct'),
      sql<number>`count(*) filter (where total = 0 and not blocked)::int`.as('zeroResult'),
      sql<number>`count(*) filter (where blocked)::int`.as('blocked'),
    ])
    .where('at', '>=', since)
    .executeTakeFirstOrThrow();
  const day = sql<string>`to_char(at at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;
  const daily = await db
    .selectFrom('search_queries')
    .select([
      day.as('date'),
      sql<number>`count(*)::int`.as('queries'),
      sql<number>`count(*) filter (where total = 0 and not blocked)::int`.as('zeroResult'),
    ])
    .where('at', '>=', since)
    .groupBy(day)
    .orderBy(day)
    .execute();
  const hot = await db
    .selectFrom('search_queries')
    .select(['query', sql<number>`count(*)::int`.as('count')])
    .where('at', '>=', since)
    .where('blocked', '=', false)
    .groupBy('query')
    .orderBy('count', 'desc')
    .orderBy('query')
    .limit(20)
    .execute();
  const zeroResults = await db
    .selectFrom('search_queries')
    .select(['query', sql<number>`count(*)::int`.as('count'), sql<Date>`max(at)`.as('lastAt')])
    .where('at', '>=', since)
    .where('total', '=', 0)
    .where('blocked', '=', false)
    .groupBy('query')
    .orderBy('count', 'desc')
    .orderBy('query')
    .limit(20)
    .execute();
  return { totals, daily, hot, zeroResults };
}

/** Hot queries that found something, for 智能提示 (cached by the caller). */
export async function hotQueries(kernel: Kernel, limit = 500): Promise<Array<{ query: string; count: number }>> {
  return kernel.db
    .selectFrom('search_queries')
    .select(['query', sql<number>`count(*)::int`.as('count')])
    .where('at', '>=', new Date(Date.now() - 90 * 86_400_000))
    .where('total', '>', 0)
    .where('blocked', '=', false)
    .groupBy('query')
    .orderBy('count', 'desc')
    .limit(limit)
    .execute() as Promise<Array<{ query: string; count: number }>>;
}
