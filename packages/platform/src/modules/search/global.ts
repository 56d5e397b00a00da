import { sql } from 'kysely';
import { forbidden } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { accessibleSiteIds, type BatchAction, batchDocuments } from '../cms/index.js';
import { type Ctx, pageBounds } from '../settings/context.js';
import { KINDS, type Kind, stripControls } from './analyze.js';
import { Highlighter } from './highlight.js';
import { syncDocuments } from './indexer.js';
import { lexiconOf } from './lexicon.js';
import { planQuery, tsqueryOf } from './query.js';

/*
 * 全局搜索 (运维工具): every site's documents the user may read, published or not, by title (or
 * title and text) and 信息添加时间, with batch operations that go through the cms services.
 */

const STATE_NAMES: Record<string, string> = {
  draft: '草稿',
  pending: '待审核',
  published: '已发布',
  withdrawn: '已撤稿',
};

export interface GlobalQuery {
  q?: string;
  siteId?: string;
  channelId?: string;
  state?: string;
  kind?: string;
  /** channel category (栏目分类 code, e.g. notice) */
  category?: string;
  field?: 'title' | 'all';
  /** relevance (default when there is a query) or newest (信息添加时间) */
  sort?: 'relevance' | 'newest';
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export async function globalSearch(kernel: Kernel, ctx: Ctx, input: GlobalQuery) {
  const siteIds = await accessibleSiteIds(kernel.db, ctx.principal, 'document:read');
  if (siteIds && siteIds.length === 0) return { items: [], total: 0 };
  if (input.siteId && siteIds && !siteIds.includes(input.siteId)) {
    throw forbidden('site_forbidden', '无权管理该网站', { detail: '该网站不在您的信息查看范围内' });
  }
  const { limit, offset } = pageBounds({ page: input.page, pageSize: Math.min(100, input.pageSize ?? 20) });
  const q = stripControls(input.q ?? '')
    .trim()
    .slice(0, 100);
  const lexicon = await lexiconOf(kernel);
  const plan = q ? planQuery(q, lexicon) : null;
  const titleOnly = (input.field ?? 'title') === 'title';
  let query = kernel.db.selectFrom('search_documents');
  if (siteIds) query = query.where('site_id', 'in', siteIds);
  if (input.siteId) query = query.where('site_id', '=', input.siteId);
  if (input.channelId) query = query.where('channel_id', '=', input.channelId);
  if (input.state) query = query.where('state', '=', input.state);
  if (input.kind) query = query.where('kind', '=', input.kind);
  if (input.category) query = query.where('category', '=', input.category);
  if (input.from) query = query.where('created_at', '>=', new Date(`${input.from}T00:00:00+08:00`));
  if (input.to) query = query.where('created_at', '<', new Date(Date.parse(`${input.to}T00:00:00+08:00`) + 86_400_000));
  const literal = q.toLowerCase();
  const tsquery = plan && !plan.empty && !plan.blocked ? tsqueryOf(plan.groups, false, titleOnly ? 'A' : '') : null;
  if (tsquery) {
    // Staff type exact titles more often than citizens: the literal text also matches.
    const words = sql<boolean>`tsv @@ ${tsquery}::tsquery`;
    query = query.where((eb) => eb.or([words, sql<boolean>`strpos(lower(title), ${literal}) > 0`]));
  } else if (q) {
    query = query.where(sql<boolean>`strpos(lower(title), ${q.toLowerCase()}) > 0`);
  }
  const [rows, count] = await Promise.all([
    query
      .select([
        'id',
        'title',
        'state',
        'site_id',
        'site_name',
        'site_code',
        'channel_id',
        'channel_name',
        'kind',
        'category',
        'doc_type',
        'publish_at',
        'created_at',
        'updated_at',
        'url',
        ...(titleOnly ? [] : [sql<string>`left(content, 1500)`.as('content')]),
      ])
      .$if(Boolean(q) && input.sort !== 'newest', (qb) =>
        // Relevance: a title holding the typed text first, then the words' weight (title A ≫ body).
        qb
          .orderBy(sql`(strpos(lower(title), ${literal}) > 0)`, 'desc')
          .$if(Boolean(tsquery), (qb2) =>
            qb2.orderBy(sql`ts_rank('{0.1, 0.2, 0.4, 1.0}', tsv, ${tsquery}::tsquery)`, 'desc'),
          ),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute(),
    query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const highlighter = new Highlighter(plan?.highlights.length ? plan.highlights : q ? [q] : []);
  return {
    items: rows.map((r: any) => ({
      id: r.id,
      title: r.title,
      titleHtml: highlighter.mark(r.title),
      state: r.state,
      stateName: STATE_NAMES[r.state] ?? r.state,
      siteId: r.site_id,
      siteName: r.site_name,
      siteCode: r.site_code,
      channelId: r.channel_id,
      channelName: r.channel_name,
      kind: r.kind,
      kindName: KINDS[r.kind as Kind] ?? r.kind,
      category: r.category,
      docType: r.doc_type,
      publishAt: r.publish_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      url: r.url,
      ...(titleOnly ? {} : { snippet: highlighter.snippet(r.content ?? '') }),
    })),
    total: Number(count.n),
    ...(plan?.correction ? { correction: plan.correction } : {}),
  };
}

export async function globalBatch(
  kernel: Kernel,
  ctx: Ctx,
  input: {
    action: Extract<BatchAction, 'withdraw' | 'publish' | 'move' | 'delete'>;
    ids: string[];
    targetChannelId?: string;
  },
) {
  const result = await batchDocuments(kernel, ctx, input);
  await syncDocuments(kernel, input.ids);
  return result;
}
