import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import type { Job, JobContext } from '../../kernel/jobs.js';
import type { Kernel } from '../../kernel/module.js';
import { removePages, siteDir, writePages } from './output.js';
import { REBUILD_JOB, rebuildJob } from './rebuild.js';
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
}

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
  const pages: RenderedPage[] = [];
  const gone = new Set(stalePaths);
  const seen = new Set<string>();
  for (const spec of specs) {
    const out = treePath(spec.path, spec.care);
    if (seen.has(out)) continue;
    seen.add(out);
    const page = await renderer.render(spec);
    if (page) pages.push(page);
    else gone.add(out);
  }
  for (const p of pages) gone.delete(p.outputPath);
  await writePages(kernel, siteId, root, pages);
  await removePages(kernel, siteId, root, [...gone]);
  return { written: pages.map((p) => p.outputPath), removed: [...gone] };
}

export async function renderJob(job: Job<RenderPayload>, ctx: JobContext): Promise<unknown> {
  const kernel = ctx.kernel;
  const { siteId } = job.payload ?? ({} as RenderPayload);
  // Publishes in a burst queue one job each, mostly for the same deeper list pages: this job takes
  // over every such job of the site still waiting (not the ones a user started in 高速缓存, whose
  // progress the console follows), so each page is rendered once per burst.
  const merged = await sql<{ payload: RenderPayload }>`
    update jobs set status = 'succeeded', finished_at = now(), locked_by = null, locked_until = null,
      result = ${JSON.stringify({ mergedInto: job.id })}::jsonb
    where type = ${RENDER_JOB} and status = 'queued' and created_by is null and id <> ${job.id}::uuid
      and payload->>'siteId' = ${siteId}
    returning payload`.execute(kernel.db);
  const paths = [...new Set([...(job.payload?.paths ?? []), ...merged.rows.flatMap((r) => r.payload?.paths ?? [])])];
  const channelIds = [
    ...new Set([...(job.payload?.channelIds ?? []), ...merged.rows.flatMap((r) => r.payload?.channelIds ?? [])]),
  ];
  const renderer = await PageRenderer.create(kernel, siteId);
  if (!renderer) return { written: 0, removed: 0 };
  const specs: PageSpec[] = [];
  const unknown: string[] = [];
  for (const p of paths) {
    const spec = specFromPath(renderer.data, p);
    if (spec) specs.push(spec);
    else unknown.push(p);
  }
  for (const id of channelIds) specs.push(...(await channelSpecs(renderer, id)));
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
  try {
    for (let i = 0; i < specs.length; i += 200) {
      const r = await renderAndWrite(
        kernel,
        renderer,
        specs.slice(i, i + 200),
        i === 0 ? known.map((k) => k.path) : [],
      );
      written += r.written.length;
      removed += r.removed.length;
      await ctx.progress(Math.min(i + 200, total), total);
    }
    if (specs.length === 0 && known.length) {
      await removePages(
        kernel,
        siteId,
        siteDir(kernel, renderer.data.site.code),
        known.map((k) => k.path),
      );
      removed += known.length;
    }
  } catch (err) {
    if (err instanceof RenderFailure) {
      // Retrying does not mend a template: this attempt is the last.
      job.maxAttempts = job.attempts;
      await kernel.db.updateTable('jobs').set({ max_attempts: sql`attempts` }).where('id', '=', job.id).execute();
    }
    throw err;
  }
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
): Promise<string> {
  return kernel.jobs.enqueue(db, RENDER_JOB, payload, { createdBy, maxAttempts: 3 });
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
    .set({ locked_until: sql`now()` })
    .where(
      'id',
      'in',
      dead.map((r) => r.id),
    )
    .execute();
  return dead.length;
}
