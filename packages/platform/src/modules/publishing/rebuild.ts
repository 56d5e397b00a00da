import { sql } from 'kysely';
import type { Job, JobContext } from '../../kernel/jobs.js';
import type { Kernel } from '../../kernel/module.js';
import { folderSize, publishAssets, removePages, removeSiteOutput, siteDir, writePages } from './output.js';
import { publishesIdle } from './priority.js';
import { PageRenderer, type PageSpec, type RenderedPage, RenderFailure } from './render.js';
import { POOL_MIN_PAGES, RenderPool } from './render-pool.js';
import type { RebuildRow } from './schema.js';
import type { DocFull, MemoryDocSource } from './site-data.js';
import { treePath } from './urls.js';

/*
 * 生成全站: a full rebuild of one site or of every running site, as the job `publishing.rebuild`.
 * The site's page plan is deterministic (both trees, channels, articles in list order…); the job
 * renders it in batches (one query for the bodies of a batch), writes each batch atomically and
 * records in `publishing_rebuilds` how far it got, so a job taken over after a crash continues
 * from there. At the end, pages of the site not rendered in this pass (their document was
 * withdrawn or deleted meanwhile) are removed.
 */

export const REBUILD_JOB = 'publishing.rebuild';
export const BATCH = 400;
/** Batches queued at the workers beyond the one they render (their bodies read meanwhile). */
const AHEAD = 1;

export interface RebuildPayload {
  siteId: string | 'all';
}

/** Test hook: called after each written batch (the crash test kills the process there). */
export const rebuildHooks: { afterBatch?: (info: { siteId: string; position: number; total: number }) => void } = {};

/** A template error will not go away by retrying: mark the job's last attempt. */
export async function failForGood(kernel: Kernel, job: Job, failure: RenderFailure): Promise<never> {
  // The queue decides on a retry from the claimed job object: this attempt is the last.
  job.maxAttempts = job.attempts;
  await kernel.db.updateTable('jobs').set({ max_attempts: sql`attempts` }).where('id', '=', job.id).execute();
  await kernel.db
    .updateTable('publishing_rebuilds')
    .set({ error: JSON.stringify(failure.toJSON()), updated_at: sql`now()` })
    .where('job_id', '=', job.id)
    .execute();
  throw failure;
}

async function runningSites(kernel: Kernel): Promise<string[]> {
  const rows = await kernel.db
    .selectFrom('cms_sites')
    .select('id')
    .where('status', '=', 'running')
    .orderBy('sort_order')
    .orderBy('code')
    .execute();
  return rows.map((r) => r.id);
}

async function stateOf(kernel: Kernel, job: Job<RebuildPayload>): Promise<RebuildRow> {
  const existing = await kernel.db
    .selectFrom('publishing_rebuilds')
    .selectAll()
    .where('job_id', '=', job.id)
    .executeTakeFirst();
  if (existing) return existing as RebuildRow;
  const target = job.payload?.siteId ?? 'all';
  const sites = target === 'all' ? await runningSites(kernel) : [target];
  return (await kernel.db
    .insertInto('publishing_rebuilds')
    .values({ job_id: job.id, target, sites: sql`${sql.val(sites)}::text[]`, position: 0, done: 0 })
    .returningAll()
    .executeTakeFirstOrThrow()) as RebuildRow;
}

/** Renders one sample page of each kind without writing: a broken template fails before any file changes. */
async function preflight(renderer: PageRenderer, plan: PageSpec[]): Promise<void> {
  const seen = new Set<string>();
  for (const spec of plan) {
    const key = `${spec.kind}:${spec.care}:${renderer.templateFor(spec)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await renderer.render(spec);
  }
}

export interface SiteRebuildResult {
  siteId: string;
  pages: number;
  removed: number;
}

/**
 * Renders `specs` (from position `from`) of a renderer over a memory source in batches and
 * writes each batch atomically; `onBatch` runs after each batch is on disk, in order. Big passes
 * render on the worker threads (render-pool.ts) while this thread loads the next batch's bodies
 * and writes the previous batch: batch i+1 renders while batch i is written. Returns the number
 * of pages written; pages whose content is gone are removed.
 */
export async function renderInBatches(
  kernel: Kernel,
  renderer: PageRenderer,
  specs: PageSpec[],
  options: {
    from?: number;
    batch?: number;
    /** Background passes leave a core to the publishes: one worker. */
    maxWorkers?: number;
    onBatch?: (position: number, total: number, written: number) => Promise<void>;
  } = {},
): Promise<number> {
  const siteId = renderer.data.site.id;
  const root = siteDir(kernel, renderer.data.site.code);
  const docs = renderer.data.docs as MemoryDocSource;
  const from = options.from ?? 0;
  const size = options.batch ?? BATCH;
  const pool = specs.length - from >= POOL_MIN_PAGES ? RenderPool.get() : null;
  const session = pool ? await pool.open(renderer).catch(() => null) : null;
  let written = 0;
  let writing: Promise<void> = Promise.resolve();
  // With workers, AHEAD more batches are in flight: their bodies are read and they are queued at
  // the workers while the workers render this one, so that they never wait for the database.
  const start = (i: number) => {
    const run = (async () => {
      // A publish being rendered on this node goes first (priority.ts).
      await publishesIdle();
      const batch = specs.slice(i, i + size);
      const ids = [...new Set(batch.filter((s) => s.kind === 'article').map((s) => s.documentId as string))];
      const bodies = ids.length ? await docs.loadBodies(ids) : new Map<string, DocFull>();
      return { batch, rendered: renderBatch(batch, bodies) };
    })();
    // Awaited in order below; a rejection meanwhile is not "unhandled".
    run.catch(() => undefined);
    return run;
  };
  const renderBatch = async (batch: PageSpec[], bodies: Map<string, DocFull>) => {
    if (session) return session.render(batch, options.maxWorkers, root, bodies);
    docs.setBodies(bodies.values());
    const rendered: (RenderedPage | null)[] = [];
    for (const [k, spec] of batch.entries()) {
      rendered.push(await renderer.render(spec));
      // Rendering from memory is synchronous: let requests and events in now and then.
      if (k % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    return rendered;
  };
  // Without workers the main thread renders, one batch at a time; a background pass (one worker)
  // queues nothing ahead either: a publish arriving meanwhile waits for one batch at most.
  const ahead = session && options.maxWorkers === undefined ? AHEAD : 0;
  const queue: { i: number; run: ReturnType<typeof start> }[] = [];
  let nextStart = from;
  const fill = () => {
    for (; nextStart < specs.length && queue.length <= ahead; nextStart += size) {
      queue.push({ i: nextStart, run: start(nextStart) });
    }
  };
  try {
    fill();
    for (let head = queue.shift(); head; head = queue.shift()) {
      const { i } = head;
      const { batch, rendered: rendering } = await head.run;
      if (ahead === 0) await rendering.catch(() => undefined);
      fill();
      const rendered = await rendering;
      const pages: RenderedPage[] = [];
      const gone: string[] = [];
      rendered.forEach((page, k) => {
        if (page) pages.push(page);
        else gone.push(treePath(batch[k].path, batch[k].care));
      });
      await writing;
      const position = Math.min(i + size, specs.length);
      writing = (async () => {
        await writePages(kernel, siteId, root, pages);
        await removePages(kernel, siteId, root, gone);
        written += pages.length;
        await options.onBatch?.(position, specs.length, pages.length);
      })();
      // Awaited at the next batch or after the loop; a rejection meanwhile is not "unhandled".
      writing.catch(() => undefined);
    }
    await writing;
  } finally {
    await session?.close();
  }
  return written;
}

/** A site closed while a pass wrote to it: the pass's pages go too (the close's own removal ran before them). */
export async function offlineIfClosed(kernel: Kernel, siteId: string): Promise<void> {
  const site = await kernel.db
    .selectFrom('cms_sites')
    .select(['status', 'code'])
    .where('id', '=', siteId)
    .executeTakeFirst();
  if (site?.status === 'closed') await removeSiteOutput(kernel, site.code, siteId);
}

export async function rebuildSite(
  kernel: Kernel,
  siteId: string,
  options: {
    position: number;
    runStartedAt: Date;
    onBatch?: (position: number, total: number, written: number) => Promise<void>;
  },
): Promise<SiteRebuildResult> {
  const renderer = await PageRenderer.create(kernel, siteId, { memory: true, fresh: true });
  if (!renderer || renderer.data.site.status === 'closed') return { siteId, pages: 0, removed: 0 };
  const root = siteDir(kernel, renderer.data.site.code);
  const plan = await renderer.plan();
  if (options.position === 0) await preflight(renderer, plan);
  await publishAssets(root, renderer.engine.files);
  const written = await renderInBatches(kernel, renderer, plan, {
    from: options.position,
    onBatch: async (position, total, pages) => {
      await options.onBatch?.(position, total, pages);
      rebuildHooks.afterBatch?.({ siteId, position, total });
    },
  });
  // Pages this pass did not render are no longer backed by content (withdrawn, deleted, moved).
  const stale = await kernel.db
    .selectFrom('publishing_pages')
    .select('path')
    .where('site_id', '=', siteId)
    .where('rendered_at', '<', options.runStartedAt)
    .execute();
  await removePages(
    kernel,
    siteId,
    root,
    stale.map((r) => r.path),
  );
  await offlineIfClosed(kernel, siteId);
  return { siteId, pages: written, removed: stale.length };
}

/** The `publishing.rebuild` job handler. */
export async function rebuildJob(job: Job<RebuildPayload>, ctx: JobContext): Promise<unknown> {
  const kernel = ctx.kernel;
  let state = await stateOf(kernel, job);
  const results: SiteRebuildResult[] = [];
  const totalSites = state.target === 'all' ? state.sites.length + 0 : 1;
  while (state.sites.length > 0) {
    const siteId = state.sites[0];
    const siteNo = totalSites - state.sites.length + 1;
    const doneBefore = state.done;
    let pagesOfSite = 0;
    try {
      const result = await rebuildSite(kernel, siteId, {
        position: state.position,
        runStartedAt: state.run_started_at,
        onBatch: async (position, total, written) => {
          pagesOfSite += written;
          await kernel.db
            .updateTable('publishing_rebuilds')
            .set({ position, done: doneBefore + pagesOfSite, updated_at: sql`now()` })
            .where('job_id', '=', job.id)
            .execute();
          const message = totalSites > 1 ? `第 ${siteNo}/${totalSites} 个网站` : undefined;
          await ctx.progress(position, total, message);
        },
      });
      results.push(result);
      const size = await folderSize(
        siteDir(
          kernel,
          (await kernel.db.selectFrom('cms_sites').select('code').where('id', '=', siteId).executeTakeFirstOrThrow())
            .code,
        ),
      );
      await kernel.db
        .insertInto('publishing_sites')
        .values({
          site_id: siteId,
          last_rebuild_at: sql`now()`,
          last_rebuild_job: job.id,
          output_bytes: size.bytes,
          output_files: size.files,
        })
        .onConflict((oc) =>
          oc.column('site_id').doUpdateSet({
            last_rebuild_at: sql`now()`,
            last_rebuild_job: job.id,
            output_bytes: size.bytes,
            output_files: size.files,
          }),
        )
        .execute();
    } catch (err) {
      if (err instanceof RenderFailure) await failForGood(kernel, job, err);
      throw err;
    }
    state = (await kernel.db
      .updateTable('publishing_rebuilds')
      .set({
        sites: sql`${sql.val(state.sites.slice(1))}::text[]`,
        position: 0,
        done: doneBefore + pagesOfSite,
        run_started_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('job_id', '=', job.id)
      .returningAll()
      .executeTakeFirstOrThrow()) as RebuildRow;
  }
  await kernel.db.deleteFrom('publishing_rebuilds').where('job_id', '=', job.id).execute();
  return {
    sites: results.length,
    pages: results.reduce((n, r) => n + r.pages, 0),
    removed: results.reduce((n, r) => n + r.removed, 0),
  };
}

/** The stored failure of a rebuild job (`{ template, line, reason, path }`), for GET /jobs/:id. */
export async function rebuildFailure(kernel: Kernel, jobId: string): Promise<Record<string, unknown> | null> {
  if (!/^[0-9a-f-]{36}$/i.test(jobId)) return null;
  const row = await kernel.db
    .selectFrom('publishing_rebuilds')
    .select('error')
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return (row?.error as Record<string, unknown> | null) ?? null;
}
