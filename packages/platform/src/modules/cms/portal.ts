import { sql } from 'kysely';
import { unauthorized } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, likePattern, type Page, pageBounds } from '../settings/context.js';
import { reviewProviderOf } from './review.js';
import { accessibleSiteIds } from './scope.js';

/*
 * 工作门户: what an editor or reviewer sees first — their drafts and submissions, what waits for
 * their review, what was published lately on their sites and which channels are overdue for an
 * update (栏目更新周期). Everything is limited to the sites their `document:read` scope reaches.
 */

const LIST_SIZE = 10;

/** The documents a principal may see: not in the recycle bin, on one of their sites. */
function visibleDocuments(kernel: Kernel, siteIds: string[] | null) {
  let q = kernel.db
    .selectFrom('cms_documents as d')
    .innerJoin('cms_sites as s', 's.id', 'd.site_id')
    .innerJoin('cms_channels as c', 'c.id', 'd.channel_id')
    .where('d.deleted_at', 'is', null);
  if (siteIds) q = q.where('d.site_id', 'in', siteIds);
  return q;
}

const ITEM_COLUMNS = [
  'd.id',
  'd.title',
  'd.state',
  'd.site_id',
  's.name as site_name',
  'd.channel_id',
  'c.name as channel_name',
  'd.publish_at',
  'd.updated_at',
] as const;

interface ItemRow {
  id: string;
  title: string;
  state: string;
  site_id: string;
  site_name: string;
  channel_id: string;
  channel_name: string;
  publish_at: Date | null;
  updated_at: Date;
}

function itemView(r: ItemRow) {
  return {
    id: r.id,
    title: r.title,
    state: r.state,
    siteId: r.site_id,
    siteName: r.site_name,
    channelId: r.channel_id,
    channelName: r.channel_name,
    publishAt: r.publish_at,
    updatedAt: r.updated_at,
  };
}

/** Channels on the principal's sites whose last publication is older than their update cycle. */
async function overdueChannels(kernel: Kernel, siteIds: string[] | null) {
  const siteFilter = siteIds ? sql`and c.site_id in (${sql.join(siteIds)})` : sql``;
  const rows = await sql<{
    id: string;
    name: string;
    site_id: string;
    site_name: string;
    update_cycle_days: number;
    last_published_at: Date | null;
  }>`
    select c.id, c.name, c.site_id, s.name as site_name, c.update_cycle_days, p.last_published_at
    from cms_channels c
    join cms_sites s on s.id = c.site_id and s.status <> 'closed'
    left join lateral (
      select max(d.publish_at) as last_published_at from cms_documents d
      where d.channel_id = c.id and d.state = 'published' and d.deleted_at is null
    ) p on true
    where c.type = 'list' and c.status = 'enabled' and c.update_cycle_days is not null ${siteFilter}
      and (p.last_published_at is null
           or p.last_published_at < now() - make_interval(days => c.update_cycle_days))
    order by p.last_published_at nulls first, s.sort_order, c.sort_order`.execute(kernel.db);
  return {
    total: rows.rows.length,
    items: rows.rows.slice(0, LIST_SIZE).map((r) => ({
      id: r.id,
      name: r.name,
      siteId: r.site_id,
      siteName: r.site_name,
      updateCycleDays: r.update_cycle_days,
      lastPublishedAt: r.last_published_at,
    })),
  };
}

async function countOf(q: ReturnType<typeof visibleDocuments>): Promise<number> {
  const row = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function portalSummary(kernel: Kernel, ctx: Ctx) {
  const principal = ctx.principal;
  if (!principal) throw unauthorized();
  const siteIds = await accessibleSiteIds(kernel.db, principal, 'document:read');
  const empty = siteIds?.length === 0;
  const docs = () => visibleDocuments(kernel, siteIds);
  const mine = (state: string) => docs().where('d.created_by', '=', principal.userId).where('d.state', '=', state);
  const latest = (q: ReturnType<typeof visibleDocuments>, order: 'd.updated_at' | 'd.publish_at') =>
    q.select(ITEM_COLUMNS).orderBy(order, 'desc').limit(LIST_SIZE).execute() as Promise<ItemRow[]>;
  const weekAgo = new Date(Date.now() - 7 * 86_400_000);
  const published = () => docs().where('d.state', '=', 'published');

  const [drafts, draftCount, pending, pendingCount, recent, recentCount, overdue, inbox, sites] = await Promise.all([
    empty ? [] : latest(mine('draft'), 'd.updated_at'),
    empty ? 0 : countOf(mine('draft')),
    empty ? [] : latest(mine('pending'), 'd.updated_at'),
    empty ? 0 : countOf(mine('pending')),
    empty ? [] : latest(published(), 'd.publish_at'),
    empty ? 0 : countOf(published().where('d.publish_at', '>=', weekAgo)),
    empty ? { total: 0, items: [] } : overdueChannels(kernel, siteIds),
    principal.permissions.has('document:review')
      ? reviewProviderOf(kernel).inbox(principal, { pageSize: LIST_SIZE })
      : { total: 0, items: [] },
    empty
      ? []
      : (siteIds ? kernel.db.selectFrom('cms_sites').where('id', 'in', siteIds) : kernel.db.selectFrom('cms_sites'))
          .select(['id', 'code', 'name', 'status'])
          .orderBy('sort_order')
          .orderBy('code')
          .execute(),
  ]);
  return {
    counts: {
      sites: sites.length,
      myDrafts: draftCount,
      mySubmissions: pendingCount,
      reviewInbox: inbox.total,
      publishedThisWeek: recentCount,
      overdueChannels: overdue.total,
    },
    sites,
    myDrafts: drafts.map(itemView),
    mySubmissions: pending.map(itemView),
    reviewInbox: inbox.items,
    recentPublications: recent.map(itemView),
    overdueChannels: overdue.items,
  };
}

/** 信息检索: title search over the documents of the principal's sites (recycle bin excluded). */
export async function searchDocuments(kernel: Kernel, ctx: Ctx, query: Page & { q: string }) {
  const siteIds = await accessibleSiteIds(kernel.db, ctx.principal, 'document:read');
  if (siteIds?.length === 0) return { items: [], total: 0 };
  const q = visibleDocuments(kernel, siteIds).where('d.title', 'ilike', likePattern(query.q.trim()));
  const { limit, offset } = pageBounds(query);
  const [rows, total] = await Promise.all([
    q.select(ITEM_COLUMNS).orderBy('d.updated_at', 'desc').limit(limit).offset(offset).execute(),
    countOf(q),
  ]);
  return { items: (rows as ItemRow[]).map(itemView), total };
}
