import { sql } from 'kysely';
import type { OutboxEvent } from '../../kernel/events.js';
import type { Kernel } from '../../kernel/module.js';
import { depKey, pagesDependingOn } from './deps.js';
import { withDocIndex } from './doc-index.js';
import {
  channelSpecs,
  enqueueRebuild,
  enqueueRender,
  REBUILD_JOB_TYPE,
  renderAndWrite,
  SETTLE_QUIET_MS,
} from './jobs.js';
import { publishAssets, publishAssetsOnce, removeSiteOutput, siteDir } from './output.js';
import { asPublish } from './priority.js';
import { forgetEngines, PageRenderer, type PageSpec, RenderFailure } from './render.js';
import type { DocMeta, MemoryDocSource } from './site-data.js';
import { topicPath, treePath } from './urls.js';

/*
 * Incremental publishing (增量发布): a cms event names a document; the pages that showed it or
 * a list it is in are found by their dependency keys and rendered again. What a visitor looks
 * at first — the article, page 1 of its channel (and of the parent channels listing it), the
 * home page — is rendered in the handler, within milliseconds of the commit; the deeper list
 * pages, sitemap, RSS and neighbouring articles follow in a `publishing.render` job.
 *
 * Article pages are found by `doc:` keys only: a sidebar list on 100 000 article pages is not
 * re-rendered on every publish (those lists refresh with the next full rebuild).
 */

/** More deeper list pages than this after a publish settle in one later pass (see below). */
export const SETTLE_MIN_PAGES = 200;

export interface DocumentEvent {
  documentId: string;
  siteId: string;
  channelId: string;
  version?: number;
}

/** The engine's reaction to one document change; returns the paths written synchronously. */
export async function refreshForDocument(kernel: Kernel, ev: DocumentEvent) {
  const nothing = { written: [] as string[], removed: [] as string[], queued: 0 };
  const renderer = await PageRenderer.create(kernel, ev.siteId);
  if (renderer?.data.site.status !== 'running') return nothing;
  const visible = [...renderer.data.channels.keys()];
  return withDocIndex(kernel.db, ev.siteId, visible, [ev.documentId], async ({ source, versions, before }) => {
    // A later change of the document has its own event (saved then published in a row, a batch):
    // that one renders the pages; this one would render the same pages once more.
    // (Only when it left no list: a move's withdrawal names the channel the document left.)
    const current = versions.get(ev.documentId);
    const now = source.get(ev.documentId);
    const superseded = ev.version !== undefined && current !== undefined && current > ev.version;
    if (superseded && now?.channelId === ev.channelId) return nothing;
    renderer.data.docs = source;
    return refreshWithIndex(kernel, renderer, ev, before.get(ev.documentId) ?? null);
  });
}

/** refreshForDocument with the site's resident index (doc-index.ts) as the renderer's source. */
async function refreshWithIndex(kernel: Kernel, renderer: PageRenderer, ev: DocumentEvent, previous: DocMeta | null) {
  const { data } = renderer;
  const docs = data.docs as MemoryDocSource;
  const root = siteDir(kernel, data.site.code);
  const meta = docs.get(ev.documentId) ?? null;
  const byDoc = await pagesDependingOn(kernel.db, [depKey.doc(ev.documentId)], data.site.id);
  const sync: PageSpec[] = [];
  const deferred = new Set<string>();
  const stale: string[] = [];
  // A draft saved, a document never published deleted: no page showed it, nothing to do.
  if (!meta && !previous && byDoc.length === 0) return { written: [], removed: [], queued: 0 };

  // The lists the document is in now and was in before (a move leaves its old channel's lists).
  const chain = (id: string | undefined) => {
    const ids: string[] = [];
    for (let c = id ? data.channels.get(id) : undefined; c; c = c.parent ?? undefined) ids.push(c.id);
    return ids;
  };
  const listChannels = new Set([ev.channelId, meta?.channelId, previous?.channelId].flatMap(chain));
  const leftChannels = new Set([previous?.channelId, ev.channelId].flatMap(chain));
  for (const id of chain(meta?.channelId)) leftChannels.delete(id);
  // Pages that read one of these lists besides the channels' own list pages (which are counted
  // below and do not record their own lists, see render.ts): the home page, other channels'
  // blocks, RSS, the sitemap, topics.
  const listKeys = [...listChannels].map((id) => depKey.list(id));
  listKeys.push(depKey.siteList(data.site.id));
  const [dependents, channelPages] = await Promise.all([
    pagesDependingOn(kernel.db, listKeys, data.site.id),
    Promise.all([...listChannels].map(async (id) => [id, await channelSpecs(renderer, id)] as const)),
    meta ? publishAssetsOnce(root, renderer.engine.files) : null,
  ]);
  const around = meta ? docs.around(meta, 1) : null;

  // The article itself, and its pages at a previous place (moved, withdrawn, deleted).
  const articlePath = meta ? data.documentUrl(meta).path : null;
  const oldArticles = byDoc.filter((p) => p.kind === 'article' && p.source.documentId === ev.documentId);
  for (const r of oldArticles) {
    if (!articlePath || (r.path !== articlePath && r.path !== treePath(articlePath, true))) stale.push(r.path);
  }
  if (meta && articlePath) {
    sync.push(
      { kind: 'article', path: articlePath, care: false, documentId: meta.id, channelId: meta.channelId },
      { kind: 'article', path: articlePath, care: true, documentId: meta.id, channelId: meta.channelId },
    );
    // The neighbours' 上一篇/下一篇 now point at this document.
    for (const n of [around?.prev, around?.next]) {
      const p = n ? data.documentUrl(n).path : null;
      if (p) {
        deferred.add(p);
        deferred.add(treePath(p, true));
      }
    }
  }

  const byList = dependents.filter((p) => p.kind !== 'article');
  // List pages of the channel and of every parent channel (their lists include sub-channels):
  // page 1 now, the deeper ones after: in the job when there are a few, in a settling job
  // (below) when the channels are large. A list that lost the document may have lost its last
  // page: that page goes.
  const deep: string[] = [];
  for (const [id, specs] of channelPages) {
    for (const s of specs) {
      if (s.page === 1) sync.push(s);
      else deep.push(treePath(s.path, s.care));
    }
    const channel = data.channels.get(id);
    if (channel && (!meta || leftChannels.has(id))) {
      const past = data.channelUrl(channel, specs.length / 2 + 1).path as string;
      stale.push(treePath(past, false), treePath(past, true));
    }
  }
  // A 9,000-document channel has some 900 deeper pages (both trees), and its parent's list
  // several times that; every publish moves each of them by one document. Rendering them per
  // publish made the next publishes wait behind that work, so large channels settle instead:
  // one pass after the publishes pause (SETTLE_QUIET_MS), with the sitemap (a site with such
  // channels has a large one).
  const settleDeep = deep.length > SETTLE_MIN_PAGES;
  if (!settleDeep) for (const p of deep) deferred.add(p);

  // Every other page that read the document or one of its lists. With large channels, the
  // sitemap (its index and every part: a site with such channels has tens of thousands of URLs,
  // each part a 50,000-row read) settles with the deep pages instead of following every publish.
  const syncPaths = new Set(sync.map((s) => treePath(s.path, s.care)));
  const settling = new Set<string>(['sitemap.xml']);
  for (const p of [...byDoc, ...byList]) {
    if (syncPaths.has(p.path) || stale.includes(p.path)) continue;
    if (settleDeep && p.kind === 'channel' && listChannels.has(p.source.channelId as string)) continue;
    if (settleDeep && p.kind === 'sitemap') {
      settling.add(p.path);
      continue;
    }
    if (p.kind === 'index') {
      sync.push(PageRenderer.specOf(p.path, p.care, p.kind, p.source));
      syncPaths.add(p.path);
    } else deferred.add(p.path);
  }
  // A site never rendered before gets its home page with the first publish.
  if (!syncPaths.has('index.html')) {
    sync.push({ kind: 'index', path: 'index.html', care: false }, { kind: 'index', path: 'index.html', care: true });
  }
  for (const p of syncPaths) deferred.delete(p);
  for (const p of stale) deferred.delete(p);
  if (settleDeep) for (const p of settling) deferred.delete(p);
  else deferred.add('sitemap.xml');

  const result = await renderAndWrite(kernel, renderer, sync, stale);
  let queued = 0;
  if (deferred.size > 0) {
    await enqueueRender(kernel, kernel.db, { siteId: data.site.id, paths: [...deferred].sort() });
    queued = deferred.size;
  }
  if (settleDeep) {
    const now = Date.now();
    await enqueueRender(
      kernel,
      kernel.db,
      {
        siteId: data.site.id,
        channelIds: [...listChannels],
        deepOnly: true,
        paths: [...settling].sort(),
        settle: true,
        firstChange: now,
        lastChange: now,
      },
      null,
      new Date(now + SETTLE_QUIET_MS),
    );
    queued += deep.length + 1;
  }
  return { written: result.written, removed: result.removed, queued };
}

async function guarded(kernel: Kernel, event: OutboxEvent, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    // A broken template does not get better by retrying the event: the old pages stay live,
    // and publishing the fixed template renders them again.
    if (err instanceof RenderFailure) {
      kernel.log.warn({ failure: err.toJSON(), event: event.name, id: event.id }, 'publishing render failed');
      return;
    }
    throw err;
  }
}

export async function onDocumentEvent(event: OutboxEvent<DocumentEvent>, kernel: Kernel): Promise<void> {
  const p = event.payload;
  if (!p || typeof p.documentId !== 'string' || typeof p.siteId !== 'string') return;
  await guarded(kernel, event, () => asPublish(p.siteId, () => refreshForDocument(kernel, p)));
}

/** A template version was published: sites using the theme are rebuilt (every page reads templates). */
export async function onTemplatePublished(
  event: OutboxEvent<{ siteId: string | null; theme: string }>,
  kernel: Kernel,
): Promise<void> {
  forgetEngines();
  const { siteId, theme } = event.payload ?? ({} as any);
  let q = kernel.db.selectFrom('cms_sites').select('id').where('status', '=', 'running');
  if (siteId) q = q.where('id', '=', siteId);
  else if (theme) q = q.where('theme', '=', theme);
  const sites = await q.execute();
  for (const s of sites) await enqueueRebuild(kernel, kernel.db, s.id);
}

/** A topic was published (or taken down): its pages and the pages listing topics. */
export async function onTopicChanged(
  event: OutboxEvent<{ topicId: string; siteId: string }>,
  kernel: Kernel,
): Promise<void> {
  const { topicId, siteId } = event.payload ?? ({} as any);
  if (typeof siteId !== 'string') return;
  await guarded(kernel, event, async () => {
    const renderer = await PageRenderer.create(kernel, siteId);
    if (renderer?.data.site.status !== 'running') return;
    const root = siteDir(kernel, renderer.data.site.code);
    await publishAssets(root, renderer.engine.files);
    const topic = renderer.data.topics.find((t) => t.id === topicId);
    const old = await kernel.db
      .selectFrom('publishing_pages')
      .select('path')
      .where('site_id', '=', siteId)
      .where('kind', '=', 'topic')
      .where(sql<boolean>`source->>'topicId' = ${topicId}`)
      .execute();
    const sync: PageSpec[] = [];
    if (topic) {
      const p = topicPath(topic.slug);
      sync.push({ kind: 'topic', path: p, care: false, topicId }, { kind: 'topic', path: p, care: true, topicId });
    }
    const keep = new Set(sync.map((s) => treePath(s.path, s.care)));
    const stale = old.map((r) => r.path).filter((p) => !keep.has(p));
    const dependents = await pagesDependingOn(kernel.db, [depKey.topic(topicId), `topics:${siteId}`], siteId);
    const deferred: string[] = [];
    for (const d of dependents) {
      if (keep.has(d.path) || stale.includes(d.path)) continue;
      if (d.kind === 'index') sync.push(PageRenderer.specOf(d.path, d.care, d.kind, d.source));
      else deferred.push(d.path);
    }
    await renderAndWrite(kernel, renderer, sync, stale);
    deferred.push('sitemap.xml');
    await enqueueRender(kernel, kernel.db, { siteId, paths: deferred });
  });
}

/** Site fields that pages show (header, footer, canonical URLs, theme). */
const SHOWN_SITE_FIELDS = ['code', 'name', 'domains', 'theme', 'status', 'siteCode', 'icp', 'policeRecord'];

const isSiteCode = (code: unknown): code is string => typeof code === 'string' && /^[a-z][a-z0-9-]{0,63}$/.test(code);

/**
 * cms.site.updated / cms.channel.updated: every page of the site shows the site's name, footer and
 * navigation, and channel paths are URLs, so the site is rebuilt (a job; the old pages stay live
 * until each new one is written). A site closed or deleted goes offline: its output is removed
 * (a reopened site is rebuilt); a site whose code changed leaves its old folder.
 */
export async function onSiteChanged(
  event: OutboxEvent<{ siteId: string; change?: string; fields?: string[]; code?: string; previousCode?: string }>,
  kernel: Kernel,
): Promise<void> {
  const { siteId, change, fields, code, previousCode } = event.payload ?? ({} as any);
  if (typeof siteId !== 'string') return;
  if (change === 'deleted') {
    if (isSiteCode(code)) await removeSiteOutput(kernel, code);
    return;
  }
  if (event.name === 'cms.site.updated' && change === 'updated' && !fields?.some((f) => SHOWN_SITE_FIELDS.includes(f)))
    return;
  const site = await kernel.db
    .selectFrom('cms_sites')
    .select(['status', 'code'])
    .where('id', '=', siteId)
    .executeTakeFirst();
  if (!site) return;
  if (isSiteCode(previousCode) && previousCode !== site.code) await removeSiteOutput(kernel, previousCode);
  if (site.status === 'closed') {
    await removeSiteOutput(kernel, site.code, siteId);
    return;
  }
  if (site.status !== 'running') return;
  // Several channel edits in a row need one rebuild: one still waiting to start will see them all.
  const waiting = await kernel.db
    .selectFrom('jobs')
    .select('id')
    .where('type', '=', REBUILD_JOB_TYPE)
    .where('status', '=', 'queued')
    .where(sql<boolean>`payload->>'siteId' = ${siteId}`)
    .executeTakeFirst();
  if (!waiting) await enqueueRebuild(kernel, kernel.db, siteId);
}
