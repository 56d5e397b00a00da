import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { type DocMeta, type IndexRow, MemoryDocSource, readIndexRows } from './site-data.js';

/*
 * 常驻文档索引 (resident document index): the list fields of every published document of a site,
 * kept in memory between publishes. Reading them costs about a second on a site of 100,000
 * documents; a publish needs them for the home page's blocks, page 1 of the channels, the
 * neighbours of the article and the channels' page counts. With the index those are slices of
 * arrays, so the pages a visitor waits for render without a query each.
 *
 * Before every use the index is brought up to date: the documents saved or recycled since the
 * last sync (or since the oldest transaction then open began: it may commit later with older
 * timestamps), read by version first and in full only where the version is new, and the documents
 * the caller names (an event's document is always read again). Other nodes' publishes reach it
 * that way; a reference whose source changed on another node, or a
 * transaction that took longer than the margin, is caught by the reload every MAX_AGE_MS.
 * Time changes lists too: a pin that expires reorders them (the index reloads), a "new" mark
 * that expires is recomputed in place.
 *
 * Users: the publish handler works on the live index under the site's lock; background passes
 * (settling, 高速缓存) take a copy; a full rebuild reads everything afresh and leaves its reading
 * as the new index.
 */

/**
 * Changes saved this long before the last sync are read again (late commits) when the database
 * cannot say which transactions are still open (see syncPoint).
 */
const MARGIN_MS = 120_000;
/** The index is read afresh at least this often. */
const MAX_AGE_MS = Number(process.env.JIYUE_DOC_INDEX_MAX_AGE_MS ?? 600_000);

interface Entry {
  source: MemoryDocSource;
  /** The visible channels it was read for: another set (a channel disabled…) reads afresh. */
  visibleKey: string;
  loadedAt: number;
  /** Database time of the last sync. */
  syncedAt: Date;
  /** Version of every document seen, listed or not (skips rows that did not change). */
  versions: Map<string, { version: number; listed: boolean }>;
  newEnds: Map<string, number>;
  /** The next moment a pin expires (→ reload) or a "new" mark does (→ recompute). */
  pinFlipAt: number;
  newFlipAt: number;
}

/** Per database (each test app has its own), per site. */
const indexes = new WeakMap<object, Map<string, Entry>>();
const locks = new WeakMap<object, Map<string, Promise<unknown>>>();

function entriesOf(db: object): Map<string, Entry> {
  let m = indexes.get(db);
  if (!m) indexes.set(db, (m = new Map()));
  return m;
}

/** Runs `fn` after every earlier holder of the site's index lock. */
function locked<T>(db: object, siteId: string, fn: () => Promise<T>): Promise<T> {
  let m = locks.get(db);
  if (!m) locks.set(db, (m = new Map()));
  const prev = m.get(siteId) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  m.set(
    siteId,
    run.catch(() => undefined),
  );
  return run;
}

const keyOf = (visible: string[]) => [...visible].sort().join(',');

/**
 * The moment from which the next sync must look for changes: a transaction still open now may
 * commit rows stamped with its start (`updated_at = now()`), so the earlier of now and the start
 * of the oldest open transaction. Without a view of the other sessions (another role's sessions
 * are hidden; an embedded database may not have the view), now less MARGIN_MS. A fixed margin
 * alone made every sync within two minutes of a bulk change read all of its rows again.
 */
async function syncPoint(db: Db | Tx): Promise<Date> {
  try {
    const { rows } = await sql<{ now: Date; oldest: Date | null; hidden: boolean | null }>`
      select now() as now, min(xact_start) as oldest, bool_or(state is null) as hidden
      from pg_stat_activity
      where backend_type = 'client backend' and datname = current_database() and pid <> pg_backend_pid()`.execute(db);
    const row = rows[0];
    const now = new Date(row.now).getTime();
    // Never further back than the margin: older late commits are the reload's (MAX_AGE_MS) to find.
    const floor = now - MARGIN_MS;
    if (row.hidden) return new Date(floor);
    const oldest = row.oldest ? new Date(row.oldest).getTime() : now;
    return new Date(Math.max(floor, Math.min(now, oldest)));
  } catch {
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
    return new Date(new Date(rows[0].now).getTime() - MARGIN_MS);
  }
}

function earliest(values: Iterable<number>, after: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (const v of values) if (v > after && v < min) min = v;
  return min;
}

async function load(db: Db | Tx, siteId: string, visible: string[]): Promise<Entry> {
  const [syncedAt, rows] = await Promise.all([syncPoint(db), readIndexRows(db, siteId, { all: true })]);
  const shown = new Set(visible);
  const listed = rows.filter((r) => shown.has(r.meta.channelId));
  const now = Date.now();
  const entry: Entry = {
    source: MemoryDocSource.over(
      db,
      listed.map((r) => r.meta),
    ),
    visibleKey: keyOf(visible),
    loadedAt: now,
    syncedAt,
    versions: new Map(rows.map((r) => [r.meta.id, { version: r.version, listed: shown.has(r.meta.channelId) }])),
    newEnds: new Map(listed.map((r) => [r.meta.id, r.newEnd])),
    pinFlipAt: earliest(
      rows.map((r) => r.pinnedUntil ?? 0),
      now,
    ),
    newFlipAt: 0,
  };
  entry.newFlipAt = earliest(entry.newEnds.values(), now);
  return entry;
}

/** Whether the index has this version of a document, listed as it is now (then it is not read again). */
function isKnown(entry: Entry, visible: Set<string>, id: string, version: number, listed: boolean, channelId: string) {
  const k = entry.versions.get(id);
  return !!k && k.version === version && k.listed === (listed && visible.has(channelId));
}

/** Applies rows read again (changed ones and the caller's named ones: readIndexRows left out the rest). */
function apply(entry: Entry, rows: IndexRow[], visible: Set<string>): void {
  const now = Date.now();
  for (const r of rows) {
    const id = r.meta.id;
    const listed = r.listed && visible.has(r.meta.channelId);
    entry.versions.set(id, { version: r.version, listed });
    if (listed) {
      entry.source.upsert(r.meta);
      entry.newEnds.set(id, r.newEnd);
      if (r.newEnd > now && r.newEnd < entry.newFlipAt) entry.newFlipAt = r.newEnd;
      if (r.pinnedUntil && r.pinnedUntil < entry.pinFlipAt) entry.pinFlipAt = r.pinnedUntil;
    } else {
      entry.source.remove(id);
      entry.newEnds.delete(id);
    }
  }
}

/** "New" marks that expired since the last look: those metas are replaced. */
function expireNewMarks(entry: Entry): void {
  const now = Date.now();
  if (now < entry.newFlipAt) return;
  for (const [id, end] of entry.newEnds) {
    if (end > now) continue;
    const meta = entry.source.get(id);
    if (meta?.isNew) entry.source.upsert({ ...meta, isNew: false });
  }
  entry.newFlipAt = earliest(entry.newEnds.values(), now);
}

export interface IndexView {
  source: MemoryDocSource;
  /** The current version of each of the named documents (absent: not on this site). */
  versions: Map<string, number>;
  /** How the index listed each named document before this sync (absent: not listed, or not known). */
  before: Map<string, DocMeta>;
}

async function synced(
  db: Db | Tx,
  siteId: string,
  visible: string[],
  ids: string[],
  before = new Map<string, DocMeta>(),
): Promise<Entry> {
  const entries = entriesOf(db);
  let entry = entries.get(siteId);
  const now = Date.now();
  for (const id of ids) {
    const meta = entry?.source.get(id);
    if (meta) before.set(id, meta);
  }
  if (!entry || entry.visibleKey !== keyOf(visible) || now - entry.loadedAt > MAX_AGE_MS || now >= entry.pinFlipAt) {
    entry = await load(db, siteId, visible);
    entries.set(siteId, entry);
  }
  const since = entry.syncedAt;
  const shown = new Set(visible);
  const current = entry;
  const known = (id: string, version: number, listed: boolean, channelId: string) =>
    isKnown(current, shown, id, version, listed, channelId);
  const [at, rows] = await Promise.all([syncPoint(db), readIndexRows(db, siteId, { since, ids, known })]);
  apply(entry, rows, shown);
  for (const id of ids) if (!rows.some((r) => r.meta.id === id)) entry.source.remove(id);
  expireNewMarks(entry);
  entry.syncedAt = at;
  return entry;
}

/**
 * Runs `fn` with the site's live index, up to date and with `ids` read again, holding the site's
 * lock: nothing else changes the index meanwhile. `fn` must not keep the source after it returns.
 */
export function withDocIndex<T>(
  db: Db | Tx,
  siteId: string,
  visible: string[],
  ids: string[],
  fn: (view: IndexView) => Promise<T>,
): Promise<T> {
  return locked(db, siteId, async () => {
    const before = new Map<string, DocMeta>();
    const entry = await synced(db, siteId, visible, ids, before);
    const versions = new Map<string, number>();
    for (const id of ids) {
      const v = entry.versions.get(id);
      if (v) versions.set(id, v.version);
    }
    entry.source.clearBodies();
    return fn({ source: entry.source, versions, before });
  });
}

/** A copy of the site's index, up to date: for passes that run alongside publishes. */
export function docIndexCopy(db: Db | Tx, siteId: string, visible: string[]): Promise<MemoryDocSource> {
  return locked(db, siteId, async () => (await synced(db, siteId, visible, [])).source.clone());
}

/** Reads the site's documents afresh (a full rebuild), keeps that as the index, returns a copy. */
export function reloadDocIndex(db: Db | Tx, siteId: string, visible: string[]): Promise<MemoryDocSource> {
  return locked(db, siteId, async () => {
    const entry = await load(db, siteId, visible);
    entriesOf(db).set(siteId, entry);
    return entry.source.clone();
  });
}

/** Drops the indexes kept for a database (tests that change documents behind the module's back). */
export function forgetDocIndexes(db: object): void {
  indexes.delete(db);
}
