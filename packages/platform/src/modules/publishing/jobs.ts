import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import type { Job, JobContext } from '../../kernel/jobs.js';
import type { Kernel } from '../../kernel/module.js';
import { eachLimit, removePages, siteDir, writePages } from './output.js';
import { lastPublishOf } from './priority.js';
import { offlineIfClosed, REBUILD_JOB, rebuildJob, renderInBatches } from './rebuild.js';
import { PageRenderer, type PageSpec, type RenderedPage, RenderFailure } from './render.js';
import type { SiteData } from './site-data.js';
import { sitePathOf, treePath } from './urls.js';

/*
 * Jobs of the engine: `publishing.render` renders a list of pages of one site (the deeper list
 * pages after a publish, a 高速缓存 refresh of a page, a channel or a batch); `publishing.rebuild`
 * is the full rebuild (rebuild.ts).
 */

export const RENDER_JOB = 'publishing.render';
export const REBUILD_JOB_TYPE = REBUILD_JOB;

export interface RenderPayload {
  siteId: string;
  /** Output paths (`care/…` for the care tree); a channel's whole list with `channelIds`. */
  paths?: string[];
  channelIds?: string[];
  /** Render the channels' pages from page 2 on (page 1 was rendered at the publish). */
  deepOnly?: boolean;
  /**
   * A settling job (沉淀): the deeper list pages of large channels and the sitemap after
   * publishes. It waits until the site's publishes pause for SETTLE_QUIET_MS (at most
   * SETTLE_MAX_WAIT_MS after the first change), so a burst of publishes costs one pass instead
   * of one per publish, and that pass does not compete with the publishes themselves.
   */
  settle?: boolean;
  /** Settling jobs: when the first and the last change they carry happened (ms since epoch). */
  firstChange?: number;
  lastChange?: number;
}

/** A settling job starts once the site had no publish for this long… */
export const SETTLE_QUIET_MS = Number(process.env.JIYUE_PUBLISH_SETTLE_QUIET_MS ?? 3000);
/** …or once its first change is this old, whichever comes first. */
export const SETTLE_MAX_WAIT_MS = Number(process.env.JIYUE_PUBLISH_SETTLE_MAX_WAIT_MS ?? 60_000);
/** Render passes with at least this many pages read the site's lists into memory first. */
const BULK_MIN_PAGES = 300;

/** The page an output path stands for, or null when the path means nothing on this site now. */
export function specFromPath(data: SiteData, outputPath: string): PageSpec | null {
  const { path, care } = sitePathOf(outputPath);
  if (path === 'index.html') return { kind: 'index', path, care };
  if (path === '404.html') return { kind: '404', path, care };
  if (!care && path === 'sitemap.xml') return { kind: 'sitemap', path, care, page: 0 };
  let m = /^sitemap_(\d+)\.xml$/.exec(path);
  if (m && !care) return { kind: 'sitemap', path, care, page: Number(m[1]) };
  m = /^topics\/([^/]+)\/index\.html$/.exec(path);
  if (m) {
    const topic = data.topics.find((t) => t.slug === m?.[1]);
    return topic ? { kind: 'topic', path, care, topicId: topic.id } : null;
  }
  const byDir = (dir: string) => [...data.channels.values()].find((c) => c.dir === dir);
  m = /^(.+)\/rss\.xml$/.exec(path);
  if (m) {
    const c = byDir(m[1]);
    return c && !care ? { kind: 'rss', path, care, channelId: c.id } : null;
  }
  m = /^(.+)\/index(?:_(\d+))?\.html$/.exec(path);
  if (m) {
    const c = byDir(m[1]);
    return c ? { kind: 'channel', path, care, channelId: c.id, page: m[2] ? Number(m[2]) : 1 } : null;
  }
  m = /^(.+)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.html$/.exec(path);
  if (m) {
    const c = byDir(m[1]);
    return c ? { kind: 'article', path, care, documentId: m[2], channelId: c.id } : null;
  }
  return null;
}

/** Every list page of a channel (both trees), as far as it has documents now. */
export async function channelSpecs(renderer: PageRenderer, channelId: string, fromPage = 1): Promise<PageSpec[]> {
  const channel = renderer.data.channels.get(channelId);
  if (!channel || channel.type === 'link') return [];
  const pages = await renderer.channelPages(channel);
  const out: PageSpec[] = [];
  for (let n = fromPage; n <= pages; n++) {
    const s = renderer.data.channelUrl(channel, n).path as string;
    out.push(
      { kind: 'channel', path: s, care: false, channelId, page: n },
      { kind: 'channel', path: s, care: true, channelId, page: n },
    );
  }
  return out;
}

/**
 * Renders `specs` and writes them; pages that are gone are removed; `stalePaths` (pages that
 * should not exist any more) too. Returns what was written.
 */
export async function renderAndWrite(
  kernel: Kernel,
  renderer: PageRenderer,
  specs: PageSpec[],
  stalePaths: string[] = [],
): Promise<{ written: string[]; removed: string[] }> {
  const siteId = renderer.data.site.id;
  const root = siteDir(kernel, renderer.data.site.code);
  const gone = new Set(stalePaths);
  const seen = new Set<string>();
  const unique = specs.filter((spec) => {
    const out = treePath(spec.path, spec.care);
    if (seen.has(out)) return false;
    seen.add(out);
    return true;
  });
  // Pages over the database source wait on their queries: rendered side by side, their queries
  // overlap (and the two trees of a page share theirs through the source's memo).
  const rendered: (RenderedPage | null)[] = new Array(unique.length).fill(null);
  await eachLimit(
    unique.map((spec, i) => ({ spec, i })),
    8,
    async ({ spec, i }) => {
      rendered[i] = await renderer.render(spec);
    },
  );
  const pages: RenderedPage[] = [];
  rendered.forEach((page, i) => {
    if (page) pages.push(page);
    else gone.add(treePath(unique[i].path, unique[i].care));
  });
  for (const p of pages) gone.delete(p.outputPath);
  await writePages(kernel, siteId, root, pages);
  await removePages(kernel, siteId, root, [...gone]);
  return { written: pages.map((p) => p.outputPath), removed: [...gone] };
}

export async function renderJob(job: Job<RenderPayload>, ctx: JobContext): Promise<unknown> {
  const kernel = ctx.kernel;
  const { siteId } = job.payload ?? ({} as RenderPayload);
  const settle = job.payload?.settle === true;
  // Publishes in a burst queue one job each, mostly for the same pages: this job takes over every
  // such job of the site still waiting (not the ones a user started in 高速缓存, whose progress
  // the console follows), so each page is rendered once per burst. Settling jobs merge only with
  // settling jobs (they may wait; the others may not).
  const merged = await sql<{ payload: RenderPayload }>`
    update jobs set status = 'succeeded', finished_at = now(), locked_by = null, locked_until = null,
      result = ${JSON.stringify({ mergedInto: job.id })}::jsonb
    where type = ${RENDER_JOB} and status = 'queued' and created_by is null and id <> ${job.id}::uuid
      and payload->>'siteId' = ${siteId}
      and coalesce(payload->>'settle', 'false') = ${settle ? 'true' : 'false'}
    returning payload`.execute(kernel.db);
  const all = [job.payload ?? ({} as RenderPayload), ...merged.rows.map((r) => r.payload ?? ({} as RenderPayload))];
  const paths = [...new Set(all.flatMap((p) => p.paths ?? []))];
  const channelIds = [...new Set(all.flatMap((p) => p.channelIds ?? []))];
  const deepOnly = all.every((p) => p.deepOnly === true);
  if (settle) {
    const now = Date.now();
    const firstChange = Math.min(...all.map((p) => p.firstChange ?? now));
    // This node's own latest publish of the site counts too: the next publish's settling job may
    // not be queued yet while its event is being handled.
    const lastChange = Math.max(lastPublishOf(siteId), ...all.map((p) => p.lastChange ?? 0));
    if (now - lastChange < SETTLE_QUIET_MS && now - firstChange < SETTLE_MAX_WAIT_MS) {
      // Publishes are still coming: wait for the pause, carrying everything merged so far.
      const wait = Math.min(SETTLE_QUIET_MS - (now - lastChange), SETTLE_MAX_WAIT_MS - (now - firstChange));
      await enqueueRender(
        kernel,
        kernel.db,
        { siteId, paths, channelIds, deepOnly, settle: true, firstChange, lastChange },
        null,
        new Date(now + Math.max(50, wait)),
      );
      return { postponed: true, merged: merged.rows.length };
    }
  }
  // Lists of many pages (a large channel's deeper pages) are rendered from one read of the site's
  // list fields, synchronously, on the worker threads when there are enough of them.
  const bulk = channelIds.length > 0 || paths.length >= BULK_MIN_PAGES;
  const renderer = await PageRenderer.create(kernel, siteId, { memory: bulk });
  if (!renderer || renderer.data.site.status === 'closed') return { written: 0, removed: 0 };
  const specs: PageSpec[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  const add = (spec: PageSpec) => {
    const out = treePath(spec.path, spec.care);
    if (seen.has(out)) return;
    seen.add(out);
    specs.push(spec);
  };
  for (const p of paths) {
    const spec = specFromPath(renderer.data, p);
    if (spec) add(spec);
    else unknown.push(p);
  }
  // The sitemap as a whole: its index and every part, including a part the site has just grown into.
  if (specs.some((s) => s.kind === 'sitemap')) for (const s of await renderer.sitemapSpecs()) add(s);
  for (const id of channelIds) for (const s of await channelSpecs(renderer, id, deepOnly ? 2 : 1)) add(s);
  // Paths that stand for nothing any more (a channel removed, a page past the last) are removed.
  const known = unknown.length
    ? await kernel.db
        .selectFrom('publishing_pages')
        .select('path')
        .where('site_id', '=', siteId)
        .where('path', 'in', unknown)
        .execute()
    : [];
  let written = 0;
  let removed = 0;
  const total = specs.length;
  const root = siteDir(kernel, renderer.data.site.code);
  try {
    if (known.length) {
      await removePages(
        kernel,
        siteId,
        root,
        known.map((k) => k.path),
      );
      removed += known.length;
    }
    if (bulk) {
      written = await renderInBatches(kernel, renderer, specs, {
        onBatch: (position) => ctx.progress(position, total),
        // Small batches: a publish arriving meanwhile shares the cores with one batch at most.
        batch: settle ? 100 : undefined,
        // …and one worker: the other core stays free for the publishes.
        maxWorkers: settle ? 1 : undefined,
      });
    } else {
      for (let i = 0; i < specs.length; i += 200) {
        const r = await renderAndWrite(kernel, renderer, specs.slice(i, i + 200));
        written += r.written.length;
        removed += r.removed.length;
        await ctx.progress(Math.min(i + 200, total), total);
      }
    }
  } catch (err) {
    if (err instanceof RenderFailure) {
      // Retrying does not mend a template: this attempt is the last.
      job.maxAttempts = job.attempts;
      await kernel.db.updateTable('jobs').set({ max_attempts: sql`attempts` }).where('id', '=', job.id).execute();
    }
    throw err;
  }
  await offlineIfClosed(kernel, siteId);
  return { written, removed, merged: merged.rows.length };
}

export const publishingJobs = {
  [RENDER_JOB]: renderJob,
  [REBUILD_JOB]: rebuildJob,
};

export function enqueueRender(
  kernel: Kernel,
  db: Db | Tx,
  payload: RenderPayload,
  createdBy: string | null = null,
  runAt?: Date,
): Promise<string> {
  return kernel.jobs.enqueue(db, RENDER_JOB, payload, { createdBy, maxAttempts: 3, runAt });
}

export function enqueueRebuild(
  kernel: Kernel,
  db: Db | Tx,
  siteId: string | 'all',
  createdBy: string | null = null,
): Promise<string> {
  return kernel.jobs.enqueue(db, REBUILD_JOB, { siteId }, { createdBy, maxAttempts: 5 });
}

/**
 * After a restart, a rebuild this machine was running when it died would wait for its lease (ten
 * minutes) to run out. Its worker id names host and pid: when that process is gone, the lease is
 * ended now, so the job continues from its recorded position right away.
 */
export async function releaseOrphanedJobs(kernel: Kernel): Promise<number> {
  const host = hostname();
  const rows = await kernel.db
    .selectFrom('jobs')
    .select(['id', 'locked_by'])
    .where('status', '=', 'running')
    .where('type', 'in', [REBUILD_JOB, RENDER_JOB])
    .execute();
  const dead = rows.filter((r) => {
    const [h, pid] = String(r.locked_by ?? '').split(':');
    if (h !== host || !/^\d+$/.test(pid ?? '') || Number(pid) === process.pid) return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  });
  if (dead.length === 0) return 0;
  await kernel.db
    .updateTable('jobs')
    // In the past, not now(): a claim in the same clock tick (PGlite's clock has millisecond
    // steps) would otherwise still see the lease as running and skip the job.
    .set({ locked_until: sql`now() - interval '1 second'` })
    .where(
      'id',
      'in',
      dead.map((r) => r.id),
    )
    .execute();
  return dead.length;
}
