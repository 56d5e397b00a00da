import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { channelPath, documentPath, fileName, topicPath } from './urls.js';

/*
 * The site-data API (站点数据接口): read-only views of the published content of one site, which
 * is all a template can see. Only rows with state 'published' and no deleted_at count, plus
 * references (引用) placed into the site whose source is published; disabled channels and their
 * documents are invisible. Two sources of lists: `MemoryDocSource` (every published document's
 * list fields in memory: the site's resident index, doc-index.ts, for publishes and passes over
 * many pages) and `DbDocSource` (small queries, for previews and the search page's layout).
 */

export interface SiteInfo {
  id: string;
  code: string;
  name: string;
  siteCode: string | null;
  icp: string | null;
  policeRecord: string | null;
  domains: string[];
  theme: string;
  status: string;
  ownerOrgId: string;
}

export interface ChannelNode {
  id: string;
  parentId: string | null;
  name: string;
  code: string;
  type: 'list' | 'page' | 'link';
  linkUrl: string | null;
  category: string | null;
  /** `zwgk/tzgg`: the folder of the channel in the output tree. */
  dir: string;
  children: ChannelNode[];
  /** This channel and every enabled channel below it. */
  subtreeIds: string[];
  parent: ChannelNode | null;
  /** Per-channel template names (cms_channels.templates). */
  templates: { list?: string; article?: string };
}

export interface FileRef {
  sha256: string;
  ext: string;
}

/** A document as lists show it (no body). */
export interface DocMeta {
  id: string;
  channelId: string;
  type: string;
  title: string;
  shortTitle: string | null;
  summary: string | null;
  source: string | null;
  publishAt: Date;
  pinned: boolean;
  isNew: boolean;
  linkUrl: string | null;
  cover: FileRef | null;
}

export interface Attachment extends FileRef {
  name: string;
  size: number;
}

export interface DocFull extends DocMeta {
  subtitle: string | null;
  author: string | null;
  bodyHtml: string;
  attachments: Attachment[];
  /** File ids referenced by /api/cms/files/<id>/content in the body → where they are published. */
  bodyFiles: Map<string, FileRef>;
}

export interface TopicInfo {
  id: string;
  slug: string;
  title: string;
  background: Record<string, unknown>;
  modules: { type: string; props: Record<string, unknown> }[];
  publishedAt: Date | null;
}

export interface FriendLink {
  group: string;
  name: string;
  url: string;
}

export interface ListOptions {
  offset?: number;
  limit: number;
  withImage?: boolean;
}

export type MaybePromise<T> = T | Promise<T>;

export interface Around {
  prev: DocMeta | null;
  next: DocMeta | null;
  related: DocMeta[];
}

/**
 * The memory source answers synchronously, so a full rebuild renders with LiquidJS's synchronous
 * renderer (several times faster than the promise-driven one); the DB source answers promises.
 */
export interface DocSource {
  /** Published documents of these channels (null = whole site), pinned first, newest first. */
  list(channelIds: string[] | null, options: ListOptions): MaybePromise<DocMeta[]>;
  count(channelIds: string[] | null, withImage?: boolean): MaybePromise<number>;
  /** Older/newer neighbour in the document's own channel, and up to `limit` older documents. */
  around(doc: DocMeta, limit: number): MaybePromise<Around>;
  full(ids: string[]): Promise<Map<string, DocFull>>;
}

export function mapMaybe<T, R>(value: MaybePromise<T>, fn: (v: T) => R): MaybePromise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

const FILE_URL = /\/api\/cms\/files\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/content/gi;
const NEW_FOR_MS = 3 * 24 * 3600_000;

/** Columns of a published document, its reference's source filling in the content. */
const META_SELECT = sql`
  d.id, d.channel_id,
  coalesce(s.type, d.type) as type,
  coalesce(s.title, d.title) as title,
  coalesce(s.short_title, d.short_title) as short_title,
  coalesce(s.summary, d.summary) as summary,
  coalesce(s.source, d.source) as source,
  coalesce(d.publish_at, d.created_at) as publish_at,
  coalesce(d.pinned_until > now(), false) as pinned,
  d.new_until,
  coalesce(s.link_url, d.link_url) as link_url,
  f.sha256 as cover_sha256, f.ext as cover_ext`;

const META_FROM = sql`
  from cms_documents d
  left join cms_documents s on s.id = d.reference_of
  left join files f on f.id = coalesce(s.cover_file_id, d.cover_file_id)`;

const PUBLISHED = sql`d.state = 'published' and d.deleted_at is null
  and (d.reference_of is null or (s.state = 'published' and s.deleted_at is null))`;

/** Newest first; the key is a published document's own date (publishing sets it on references too). */
const BY_DATE = sql`order by coalesce(d.publish_at, d.created_at) desc, d.id desc`;
const PINNED = sql`d.pinned_until > now()`;
const NOT_PINNED = sql`(d.pinned_until is null or d.pinned_until <= now())`;

/** When a document stops being marked new (新): its own new_until, else three days after publishing. */
function newEndOf(publishAt: Date, newUntil: unknown): number {
  return newUntil ? new Date(newUntil as string).getTime() : publishAt.getTime() + NEW_FOR_MS;
}

function metaOf(r: any, now = Date.now()): DocMeta {
  const publishAt = new Date(r.publish_at);
  return {
    id: r.id,
    channelId: r.channel_id,
    type: r.type,
    title: r.title,
    shortTitle: r.short_title ?? null,
    summary: r.summary ?? null,
    source: r.source ?? null,
    publishAt,
    pinned: r.pinned === true,
    isNew: newEndOf(publishAt, r.new_until) > now,
    linkUrl: r.link_url ?? null,
    cover: r.cover_sha256 ? { sha256: r.cover_sha256, ext: r.cover_ext ?? '' } : null,
  };
}

/** Bodies, attachments and body images of `ids` (published or not: the caller chose the ids). */
async function loadFull(db: Db | Tx, metas: Map<string, DocMeta>, ids: string[]): Promise<Map<string, DocFull>> {
  const out = new Map<string, DocFull>();
  if (ids.length === 0) return out;
  const rows = (
    await sql<any>`
      select d.id, coalesce(s.subtitle, d.subtitle) as subtitle, coalesce(s.author, d.author) as author,
        coalesce(s.body_html, d.body_html) as body_html,
        case when d.reference_of is null then d.attachments else s.attachments end as attachments
      from cms_documents d left join cms_documents s on s.id = d.reference_of
      where d.id = any(${sql.val(ids)}::uuid[])`.execute(db)
  ).rows;
  const fileIds = new Set<string>();
  for (const r of rows) {
    for (const id of r.attachments ?? []) fileIds.add(id);
    for (const m of (r.body_html as string).matchAll(FILE_URL)) fileIds.add(m[1].toLowerCase());
  }
  const files = new Map<string, { sha256: string; ext: string; name: string; size: number }>();
  if (fileIds.size > 0) {
    const fileRows = await db
      .selectFrom('files')
      .select(['id', 'sha256', 'ext', 'name', 'size'])
      .where('id', 'in', [...fileIds])
      .execute();
    for (const f of fileRows) files.set(f.id, { sha256: f.sha256, ext: f.ext, name: f.name, size: Number(f.size) });
  }
  for (const r of rows) {
    const meta = metas.get(r.id);
    if (!meta) continue;
    const bodyFiles = new Map<string, FileRef>();
    for (const m of (r.body_html as string).matchAll(FILE_URL)) {
      const f = files.get(m[1].toLowerCase());
      if (f) bodyFiles.set(m[1].toLowerCase(), { sha256: f.sha256, ext: f.ext });
    }
    out.set(r.id, {
      ...meta,
      subtitle: r.subtitle ?? null,
      author: r.author ?? null,
      bodyHtml: r.body_html ?? '',
      attachments: ((r.attachments ?? []) as string[])
        .map((id) => files.get(id))
        .filter((f): f is NonNullable<typeof f> => Boolean(f))
        .map((f) => ({ name: f.name, size: f.size, sha256: f.sha256, ext: f.ext })),
      bodyFiles,
    });
  }
  return out;
}

/** Replaces cms file URLs in a body by the published copies (`<root>_files/<sha>.<ext>`). */
export function publishBody(doc: DocFull, root: string): string {
  if (doc.bodyFiles.size === 0) return doc.bodyHtml;
  return doc.bodyHtml.replace(FILE_URL, (whole, id: string) => {
    const f = doc.bodyFiles.get(id.toLowerCase());
    return f ? `${root}_files/${fileName(f.sha256, f.ext)}` : whole;
  });
}

/** A document as the resident index (doc-index.ts) reads it. */
export interface IndexRow {
  meta: DocMeta;
  /** Shown in the site's lists now (published, not deleted, its reference's source published). */
  listed: boolean;
  version: number;
  /** When `meta.pinned` turns false (ms), or null. */
  pinnedUntil: number | null;
  /** When `meta.isNew` turns false (ms). */
  newEnd: number;
}

function indexRowOf(r: any, now: number): IndexRow {
  const meta = metaOf(r, now);
  const pinned = r.pinned_until ? new Date(r.pinned_until).getTime() : null;
  return {
    meta,
    listed: r.listed !== false,
    version: Number(r.version),
    pinnedUntil: pinned && pinned > now ? pinned : null,
    newEnd: newEndOf(meta.publishAt, r.new_until),
  };
}

/**
 * Rows for the resident index: every published document of the site (`all`), or the documents
 * changed since `since` (saved, or moved to the recycle bin) plus `ids`, each with whether it is
 * listed now. Both partial indexes on (site_id, updated_at) and (site_id, deleted_at) answer it.
 */
export async function readIndexRows(
  db: Db | Tx,
  siteId: string,
  scope:
    | { all: true }
    | {
        since: Date;
        ids: string[];
        /** Whether the caller already has this version of the document, listed or not (then it is not read). */
        known?: (id: string, version: number, listed: boolean, channelId: string) => boolean;
      },
): Promise<IndexRow[]> {
  const now = Date.now();
  const extra = sql`, d.version, d.pinned_until`;
  if ('all' in scope) {
    const { rows } =
      await sql<any>`select ${META_SELECT} ${extra} ${META_FROM} where d.site_id = ${siteId} and ${PUBLISHED}`.execute(
        db,
      );
    return rows.map((r) => indexRowOf(r, now));
  }
  // What changed in the window, by version first: after a bulk change every sync within the
  // margin sees the same thousands of rows, and reading their list fields each time made the
  // first publishes after an import of 100,000 documents take seconds.
  const named = new Set(scope.ids);
  const { rows: candidates } = await sql<{ id: string; version: number; listed: boolean; channel_id: string }>`
    select d.id, d.version, d.channel_id, (${PUBLISHED}) as listed
    from cms_documents d left join cms_documents s on s.id = d.reference_of
    where d.site_id = ${siteId} and d.id in (
      select id from cms_documents where site_id = ${siteId} and deleted_at is null and updated_at >= ${scope.since}
      union all
      select id from cms_documents where site_id = ${siteId} and deleted_at >= ${scope.since}
      union all
      select unnest(${sql.val(scope.ids.length ? scope.ids : [])}::uuid[]))`.execute(db);
  const changed = candidates
    .filter((r) => named.has(r.id) || !scope.known?.(r.id, Number(r.version), r.listed, r.channel_id))
    .map((r) => r.id);
  if (changed.length === 0) return [];
  const { rows } = await sql<any>`select ${META_SELECT} ${extra}, (${PUBLISHED}) as listed ${META_FROM}
    where d.site_id = ${siteId} and d.id = any(${sql.val(changed)}::uuid[])`.execute(db);
  return rows.map((r) => indexRowOf(r, now));
}

/** Lists within the newest HEAD documents of their channels are answered from one read (DbDocSource). */
const HEAD = 50;

/** Queries per call: what the handful of pages re-rendered after a publish need. */
export class DbDocSource implements DocSource {
  private readonly metas = new Map<string, DocMeta>();

  constructor(
    private readonly db: Db | Tx,
    private readonly siteId: string,
    private readonly visibleChannels: string[],
  ) {}

  private scope(channelIds: string[] | null) {
    const ids = channelIds ?? this.visibleChannels;
    return sql`d.site_id = ${this.siteId} and d.channel_id = any(${sql.val(ids.length ? ids : ['00000000-0000-0000-0000-000000000000'])}::uuid[])`;
  }

  /** One refresh renders both trees of a few pages: the same lists are asked for twice or more. */
  private readonly memo = new Map<string, Promise<unknown>>();

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.memo.set(key, p);
    }
    return p;
  }

  list(channelIds: string[] | null, options: ListOptions): Promise<DocMeta[]> {
    const key = `l:${channelIds ? [...channelIds].sort().join(',') : '*'}:${options.offset ?? 0}:${options.limit}:${options.withImage === true}`;
    return this.cached(key, async () => {
      const fromHeads = (options.offset ?? 0) + options.limit <= HEAD && !options.withImage;
      const answered = fromHeads ? await this.fromHeads(channelIds, options) : null;
      return answered ?? (await this.listNow(channelIds, options));
    });
  }

  /**
   * The lists a publish re-renders start at the top (home page blocks, page 1 of channels): the
   * newest HEAD documents of every channel (one query, an index walk per channel) plus the
   * site's pinned documents answer all of them, instead of two queries per list one after the
   * other while the page renders. Null when a channel is not among the heads.
   */
  private heads: Promise<{ pinned: DocMeta[]; byChannel: Map<string, DocMeta[]> }> | null = null;

  private async fromHeads(channelIds: string[] | null, options: ListOptions): Promise<DocMeta[] | null> {
    if (!this.heads) this.heads = this.loadHeads();
    const { pinned, byChannel } = await this.heads;
    const ids = channelIds ?? this.visibleChannels;
    const wanted = new Set(ids);
    const rest: DocMeta[] = [];
    for (const id of wanted) {
      const head = byChannel.get(id);
      if (!head) return null;
      rest.push(...head);
    }
    rest.sort(compareByDate);
    const all = [...pinned.filter((m) => wanted.has(m.channelId)), ...rest];
    const offset = options.offset ?? 0;
    return all.slice(offset, offset + options.limit);
  }

  private async loadHeads() {
    const now = Date.now();
    const visible = this.visibleChannels.length ? this.visibleChannels : ['00000000-0000-0000-0000-000000000000'];
    const [pinnedRows, headRows] = await Promise.all([
      sql<any>`select ${META_SELECT} ${META_FROM}
        where ${this.scope(null)} and ${PUBLISHED} and ${PINNED} ${BY_DATE}`.execute(this.db),
      sql<any>`select h.* from unnest(${sql.val(visible)}::uuid[]) as c(id)
        cross join lateral (
          select ${META_SELECT} ${META_FROM}
          where d.site_id = ${this.siteId} and d.channel_id = c.id and ${PUBLISHED} and ${NOT_PINNED}
          ${BY_DATE} limit ${HEAD}) h`.execute(this.db),
    ]);
    const byChannel = new Map<string, DocMeta[]>(this.visibleChannels.map((id) => [id, []]));
    for (const r of headRows.rows) byChannel.get(r.channel_id)?.push(this.remember(metaOf(r, now)));
    return { pinned: pinnedRows.rows.map((r) => this.remember(metaOf(r, now))), byChannel };
  }

  /**
   * Pinned documents first, then the rest newest first. Two queries, so that the second one walks
   * the (channel, date) index and stops after `limit` rows instead of sorting the whole channel.
   */
  private async listNow(channelIds: string[] | null, options: ListOptions): Promise<DocMeta[]> {
    const image = options.withImage ? sql`and f.sha256 is not null` : sql``;
    const offset = options.offset ?? 0;
    const now = Date.now();
    const pinned = (
      await sql<any>`select ${META_SELECT} ${META_FROM}
        where ${this.scope(channelIds)} and ${PUBLISHED} and ${PINNED} ${image} ${BY_DATE}`.execute(this.db)
    ).rows.map((r) => this.remember(metaOf(r, now)));
    const fromPinned = pinned.slice(offset, offset + options.limit);
    const rest = options.limit - fromPinned.length;
    if (rest <= 0) return fromPinned;
    const rows = (
      await sql<any>`select ${META_SELECT} ${META_FROM}
        where ${this.scope(channelIds)} and ${PUBLISHED} and ${NOT_PINNED} ${image}
        ${BY_DATE} limit ${rest} offset ${Math.max(0, offset - pinned.length)}`.execute(this.db)
    ).rows;
    return [...fromPinned, ...rows.map((r) => this.remember(metaOf(r, now)))];
  }

  private remember(meta: DocMeta): DocMeta {
    this.metas.set(meta.id, meta);
    return meta;
  }

  count(channelIds: string[] | null, withImage = false): Promise<number> {
    const key = `c:${channelIds ? [...channelIds].sort().join(',') : '*'}:${withImage}`;
    return this.cached(key, () => this.countNow(channelIds, withImage));
  }

  private async countNow(channelIds: string[] | null, withImage: boolean): Promise<number> {
    // Counting needs the cover's file only to filter on it; without, the join is left out.
    const query = withImage
      ? sql<{ n: number }>`select count(*)::int as n ${META_FROM}
          where ${this.scope(channelIds)} and ${PUBLISHED} and f.sha256 is not null`
      : // A reference's source checked per reference (EXISTS), not by a join: with the join,
        // PostgreSQL hashed the whole table to count a 36,000-document channel (170 ms); this
        // walks the channel's part of the published-list index.
        sql<{ n: number }>`select count(*)::int as n from cms_documents d
          where ${this.scope(channelIds)} and d.state = 'published' and d.deleted_at is null
            and (d.reference_of is null or exists (select 1 from cms_documents s
              where s.id = d.reference_of and s.state = 'published' and s.deleted_at is null))`;
    const row = (await query.execute(this.db)).rows[0];
    return Number(row?.n ?? 0);
  }

  /** One published document (null when it is not published on this site). */
  async one(id: string): Promise<DocMeta | null> {
    const rows = (
      await sql<any>`select ${META_SELECT} ${META_FROM}
        where ${this.scope(null)} and d.id = ${id} and ${PUBLISHED}`.execute(this.db)
    ).rows;
    return rows[0] ? this.remember(metaOf(rows[0])) : null;
  }

  async around(doc: DocMeta, limit: number) {
    const at = doc.publishAt;
    const older = (
      await sql<any>`select ${META_SELECT} ${META_FROM}
        where ${this.scope([doc.channelId])} and ${PUBLISHED}
          and (coalesce(d.publish_at, d.created_at), d.id) < (${at}, ${doc.id}::uuid)
        order by coalesce(d.publish_at, d.created_at) desc, d.id desc limit ${limit}`.execute(this.db)
    ).rows.map((r) => this.remember(metaOf(r)));
    const newer = (
      await sql<any>`select ${META_SELECT} ${META_FROM}
        where ${this.scope([doc.channelId])} and ${PUBLISHED}
          and (coalesce(d.publish_at, d.created_at), d.id) > (${at}, ${doc.id}::uuid)
        order by coalesce(d.publish_at, d.created_at) asc, d.id asc limit 1`.execute(this.db)
    ).rows.map((r) => this.remember(metaOf(r)));
    return { prev: older[0] ?? null, next: newer[0] ?? null, related: older };
  }

  full(ids: string[]): Promise<Map<string, DocFull>> {
    return loadFull(this.db, this.metas, ids);
  }
}

function compareDocs(a: DocMeta, b: DocMeta): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  const t = b.publishAt.getTime() - a.publishAt.getTime();
  if (t !== 0) return t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Neighbour order ignores pinning: the channel's documents by date. */
function compareByDate(a: DocMeta, b: DocMeta): number {
  const t = b.publishAt.getTime() - a.publishAt.getTime();
  if (t !== 0) return t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Index of `meta` in `arr` (sorted by `compare`), or where it would go. */
function searchSorted(arr: DocMeta[], meta: DocMeta, compare: (a: DocMeta, b: DocMeta) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(arr[mid], meta) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function removeSorted(arr: DocMeta[], meta: DocMeta, compare: (a: DocMeta, b: DocMeta) => number): void {
  const i = searchSorted(arr, meta, compare);
  if (arr[i]?.id === meta.id) arr.splice(i, 1);
  else {
    // Not where its keys say (cannot happen while metas are replaced, never changed): by id.
    const j = arr.findIndex((m) => m.id === meta.id);
    if (j >= 0) arr.splice(j, 1);
  }
}

interface CachedList {
  /** null: the whole site. */
  channels: Set<string> | null;
  withImage: boolean;
  items: DocMeta[];
}

/**
 * Every published document's list fields in memory: one query, then lists are slices. The
 * publishing module keeps one per site between publishes (doc-index.ts) and changes it a document
 * at a time (`upsert`, `remove`); metas are replaced, never changed, so a `clone` shares them.
 */
export class MemoryDocSource implements DocSource {
  readonly all: DocMeta[];
  private readonly byId = new Map<string, DocMeta>();
  private readonly byChannelDate = new Map<string, DocMeta[]>();
  private readonly lists = new Map<string, CachedList>();
  private readonly bodies = new Map<string, DocFull>();

  private constructor(
    /** null in a render worker: every body arrives with the batch (`setBodies`). */
    private readonly db: Db | Tx | null,
    metas: DocMeta[],
  ) {
    this.all = metas.sort(compareDocs);
    for (const m of this.all) {
      this.byId.set(m.id, m);
      let arr = this.byChannelDate.get(m.channelId);
      if (!arr) this.byChannelDate.set(m.channelId, (arr = []));
      arr.push(m);
    }
    for (const arr of this.byChannelDate.values()) arr.sort(compareByDate);
  }

  /** A render worker's copy: the list fields the main thread loaded, no database. */
  static fromMetas(metas: DocMeta[]): MemoryDocSource {
    return new MemoryDocSource(null, metas);
  }

  /** Over metas read elsewhere (doc-index.ts); bodies are read from `db` when asked for. */
  static over(db: Db | Tx, metas: DocMeta[]): MemoryDocSource {
    return new MemoryDocSource(db, metas);
  }

  clearBodies(): void {
    this.bodies.clear();
  }

  /** A source over the same documents that later changes of this one do not reach. */
  clone(db: Db | Tx | null = this.db): MemoryDocSource {
    return new MemoryDocSource(db, this.all.slice());
  }

  get size(): number {
    return this.all.length;
  }

  get(id: string): DocMeta | undefined {
    return this.byId.get(id);
  }

  /** Puts a published document in (or in its new place: another date, channel, title…). */
  upsert(meta: DocMeta): void {
    this.remove(meta.id);
    this.all.splice(searchSorted(this.all, meta, compareDocs), 0, meta);
    this.byId.set(meta.id, meta);
    let arr = this.byChannelDate.get(meta.channelId);
    if (!arr) this.byChannelDate.set(meta.channelId, (arr = []));
    arr.splice(searchSorted(arr, meta, compareByDate), 0, meta);
    for (const list of this.lists.values()) {
      if (list.items === this.all || !this.inList(list, meta)) continue;
      list.items.splice(searchSorted(list.items, meta, compareDocs), 0, meta);
    }
  }

  /** Takes a document out of every list (withdrawn, deleted, moved to a hidden channel). */
  remove(id: string): boolean {
    const old = this.byId.get(id);
    if (!old) return false;
    this.byId.delete(id);
    this.bodies.delete(id);
    removeSorted(this.all, old, compareDocs);
    const arr = this.byChannelDate.get(old.channelId);
    if (arr) removeSorted(arr, old, compareByDate);
    for (const list of this.lists.values()) {
      if (list.items !== this.all && this.inList(list, old)) removeSorted(list.items, old, compareDocs);
    }
    return true;
  }

  private inList(list: CachedList, meta: DocMeta): boolean {
    return (!list.channels || list.channels.has(meta.channelId)) && (!list.withImage || meta.cover !== null);
  }

  /** Bodies loaded elsewhere (the main thread, for a worker's batch); replaces the previous batch's. */
  setBodies(docs: Iterable<DocFull>): void {
    this.bodies.clear();
    for (const d of docs) this.bodies.set(d.id, d);
  }

  private listOf(channelIds: string[] | null, withImage: boolean): DocMeta[] {
    const key = `${withImage ? 'i' : ''}:${channelIds ? [...channelIds].sort().join(',') : '*'}`;
    let list = this.lists.get(key);
    if (!list) {
      const channels = channelIds ? new Set(channelIds) : null;
      let items = channels ? this.all.filter((m) => channels.has(m.channelId)) : this.all;
      if (withImage) items = items.filter((m) => m.cover);
      list = { channels, withImage, items };
      this.lists.set(key, list);
    }
    return list.items;
  }

  list(channelIds: string[] | null, options: ListOptions): DocMeta[] {
    const offset = options.offset ?? 0;
    return this.listOf(channelIds, options.withImage === true).slice(offset, offset + options.limit);
  }

  count(channelIds: string[] | null, withImage = false): number {
    return this.listOf(channelIds, withImage).length;
  }

  around(doc: DocMeta, limit: number): Around {
    const arr = this.byChannelDate.get(doc.channelId) ?? [];
    const i = searchSorted(arr, doc, compareByDate);
    if (arr[i]?.id !== doc.id) return { prev: null, next: null, related: [] };
    return { prev: arr[i + 1] ?? null, next: i > 0 ? arr[i - 1] : null, related: arr.slice(i + 1, i + 1 + limit) };
  }

  /** The bodies of a batch in one query, for the caller to hand on (the source keeps nothing). */
  async loadBodies(ids: string[]): Promise<Map<string, DocFull>> {
    if (!this.db) return new Map();
    return loadFull(this.db, this.byId, ids);
  }

  async full(ids: string[]): Promise<Map<string, DocFull>> {
    const missing = ids.filter((id) => !this.bodies.has(id));
    if (missing.length && this.db) {
      const loaded = await loadFull(this.db, this.byId, missing);
      for (const [id, doc] of loaded) this.bodies.set(id, doc);
    }
    const out = new Map<string, DocFull>();
    for (const id of ids) {
      const d = this.bodies.get(id);
      if (d) out.set(id, d);
    }
    return out;
  }
}

/** Site, channel tree, friend links and topics: small, loaded once per render pass. */
export class SiteData {
  readonly channels = new Map<string, ChannelNode>();
  readonly channelsByCode = new Map<string, ChannelNode>();
  readonly top: ChannelNode[] = [];

  constructor(
    readonly site: SiteInfo,
    /** The enabled channels' rows as loaded (a render worker builds its copy from them). */
    readonly channelRows: any[],
    readonly friendLinks: FriendLink[],
    readonly topics: TopicInfo[],
    public docs: DocSource,
  ) {
    for (const r of channelRows) {
      const node: ChannelNode = {
        id: r.id,
        parentId: r.parent_id,
        name: r.name,
        code: r.code,
        type: r.type,
        linkUrl: r.link_url,
        category: r.category,
        dir: '',
        children: [],
        subtreeIds: [],
        parent: null,
        templates: r.templates ?? {},
      };
      this.channels.set(node.id, node);
    }
    for (const r of channelRows) {
      const node = this.channels.get(r.id) as ChannelNode;
      const parent = r.parent_id ? this.channels.get(r.parent_id) : undefined;
      if (r.parent_id && !parent) {
        // Under a disabled parent: invisible like its parent.
        this.channels.delete(r.id);
        continue;
      }
      node.parent = parent ?? null;
      if (parent) parent.children.push(node);
      else this.top.push(node);
    }
    const walk = (node: ChannelNode, prefix: string): string[] => {
      node.dir = prefix ? `${prefix}/${node.code}` : node.code;
      this.channelsByCode.set(node.code, node);
      node.subtreeIds = [node.id, ...node.children.flatMap((c) => walk(c, node.dir))];
      return node.subtreeIds;
    };
    for (const t of this.top) walk(t, '');
    // Orphans of a removed subtree stay out of every list.
    for (const [id, node] of this.channels) if (!node.dir) this.channels.delete(id);
  }

  /** The site with lists by query (DbDocSource); passes of many pages swap in the resident index. */
  static async load(db: Db | Tx, siteId: string): Promise<SiteData | null> {
    // Four small independent reads, side by side (every publish starts with them).
    const [s, channelRows, links, topics] = await Promise.all([
      db.selectFrom('cms_sites').selectAll().where('id', '=', siteId).executeTakeFirst(),
      db
        .selectFrom('cms_channels')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('status', '=', 'enabled')
        .orderBy('sort_order')
        .orderBy('created_at')
        .execute(),
      db
        .selectFrom('publishing_friend_links')
        .select(['group_name', 'name', 'url'])
        .where('site_id', '=', siteId)
        .orderBy('sort_order')
        .orderBy('name')
        .execute(),
      db
        .selectFrom('publishing_topics')
        .select(['id', 'slug', 'title', 'background', 'modules', 'published_at'])
        .where('site_id', '=', siteId)
        .where('state', '=', 'published')
        .orderBy('published_at', 'desc')
        .execute(),
    ]);
    if (!s) return null;
    const info: SiteInfo = {
      id: s.id,
      code: s.code,
      name: s.name,
      siteCode: s.site_code,
      icp: s.icp,
      policeRecord: s.police_record,
      domains: s.domains ?? [],
      theme: s.theme,
      status: s.status,
      ownerOrgId: s.owner_org_id,
    };
    const data = new SiteData(
      info,
      channelRows,
      links.map((l) => ({ group: l.group_name, name: l.name, url: l.url })),
      topics.map((t) => ({
        id: t.id,
        slug: t.slug,
        title: t.title,
        background: t.background ?? {},
        modules: t.modules ?? [],
        publishedAt: t.published_at,
      })),
      null as unknown as DocSource,
    );
    const visible = [...data.channels.keys()];
    data.docs = new DbDocSource(db, siteId, visible);
    return data;
  }

  /** Channels whose documents get list pages (a `link` channel is only a link). */
  listChannels(): ChannelNode[] {
    const out: ChannelNode[] = [];
    const walk = (n: ChannelNode) => {
      if (n.type !== 'link') out.push(n);
      n.children.forEach(walk);
    };
    this.top.forEach(walk);
    return out;
  }

  /** The site path of a document's page, or its link for `link` documents. */
  documentUrl(doc: DocMeta): { path: string | null; external: string | null } {
    if (doc.type === 'link' && doc.linkUrl) return { path: null, external: doc.linkUrl };
    const channel = this.channels.get(doc.channelId);
    if (!channel) return { path: null, external: null };
    return { path: documentPath(channel.dir, doc.id), external: null };
  }

  channelUrl(channel: ChannelNode, page = 1): { path: string | null; external: string | null } {
    if (channel.type === 'link') return { path: null, external: channel.linkUrl };
    return { path: channelPath(channel.dir, page), external: null };
  }

  topicUrl(topic: TopicInfo): string {
    return topicPath(topic.slug);
  }
}
