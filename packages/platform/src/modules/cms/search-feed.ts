import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';

/*
 * What the search module reads of the cms: documents with their site and channel, one at a time
 * (for the cms.document.* events) or paged by id (for the index rebuild). The search module owns
 * its index tables and never reads cms tables itself (ARCHITECTURE: modules talk through exported
 * functions and events).
 */

/** One document as the search index needs it. */
export interface SearchFeedDocument {
  id: string;
  siteId: string;
  siteCode: string;
  siteName: string;
  siteStatus: string;
  channelId: string;
  channelName: string;
  channelCode: string;
  /** Codes of the channel and its ancestors from the root, joined by `/` (`zwgk/tzgg`): the page's folder. */
  channelPath: string;
  /** settings channel category (news, notice, policy, …) or null */
  channelCategory: string | null;
  type: 'text' | 'gallery' | 'video' | 'link';
  title: string;
  subtitle: string | null;
  summary: string | null;
  keywords: string | null;
  source: string | null;
  bodyHtml: string;
  linkUrl: string | null;
  tags: string[];
  custom: Record<string, unknown>;
  coverFileId: string | null;
  state: 'draft' | 'pending' | 'published' | 'withdrawn';
  publishAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** set when the document is in the recycle bin */
  deletedAt: Date | null;
}

function baseQuery(db: Db | Tx) {
  return db
    .selectFrom('cms_documents as d')
    .innerJoin('cms_sites as s', 's.id', 'd.site_id')
    .innerJoin('cms_channels as c', 'c.id', 'd.channel_id')
    .select([
      'd.id',
      'd.site_id as siteId',
      's.code as siteCode',
      's.name as siteName',
      's.status as siteStatus',
      'd.channel_id as channelId',
      'c.name as channelName',
      'c.code as channelCode',
      'c.category as channelCategory',
      sql<string>`(
        with recursive up(id, parent_id, code, depth) as (
          select u.id, u.parent_id, u.code, 0 from cms_channels u where u.id = d.channel_id
          union all
          select u.id, u.parent_id, u.code, up.depth + 1 from cms_channels u join up on u.id = up.parent_id
        )
        select string_agg(code, '/' order by depth desc) from up)`.as('channelPath'),
      'd.type',
      'd.title',
      'd.subtitle',
      'd.summary',
      'd.keywords',
      'd.source',
      'd.body_html as bodyHtml',
      'd.link_url as linkUrl',
      'd.tags',
      'd.custom',
      'd.cover_file_id as coverFileId',
      'd.state',
      'd.publish_at as publishAt',
      'd.created_at as createdAt',
      'd.updated_at as updatedAt',
      'd.deleted_at as deletedAt',
    ]);
}

/** One document (recycle-bin ones included, with `deletedAt`), or null when it no longer exists. */
export async function searchFeedDocument(db: Db | Tx, id: string): Promise<SearchFeedDocument | null> {
  const row = await baseQuery(db).where('d.id', '=', id).executeTakeFirst();
  return (row as SearchFeedDocument | undefined) ?? null;
}

/**
 * The next `limit` documents not in the recycle bin with an id greater than `after` (keyset
 * paging), of one site when `siteId` is given.
 */
export async function searchFeedPage(
  db: Db | Tx,
  options: { after?: string | null; limit: number; siteId?: string },
): Promise<SearchFeedDocument[]> {
  let query = baseQuery(db).where('d.deleted_at', 'is', null);
  if (options.siteId) query = query.where('d.site_id', '=', options.siteId);
  if (options.after) query = query.where('d.id', '>', options.after);
  const rows = await query.orderBy('d.id').limit(options.limit).execute();
  return rows as SearchFeedDocument[];
}

/** How many documents the rebuild will page through (for its progress bar). */
export async function searchFeedCount(db: Db | Tx, siteId?: string): Promise<number> {
  let query = db
    .selectFrom('cms_documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null);
  if (siteId) query = query.where('site_id', '=', siteId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}
