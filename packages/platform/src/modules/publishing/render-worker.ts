import { parentPort } from 'node:worker_threads';
import { writeRenderedSync } from './output.js';
import { buildEngine, PageRenderer, type PageSpec, RenderFailure } from './render.js';
import type { WorkerRequest, WorkerSession } from './render-pool.js';
import { type DocFull, MemoryDocSource, SiteData } from './site-data.js';

/*
 * A render worker (worker_threads, started by render-pool.ts through render-worker.mjs): holds
 * a copy of a site's list data and a LiquidJS engine over the site's templates per open
 * session, and renders the batches of pages the main thread sends (with the bodies of the
 * batch's articles). It reads no database and writes no file: pages go back to the main
 * thread, which writes them atomically and records them.
 */

const sessions = new Map<string, PageRenderer>();

function open(s: WorkerSession): void {
  const data = new SiteData(s.site, s.channelRows, s.friendLinks, s.topics, MemoryDocSource.fromMetas(s.metas));
  const engine = buildEngine(s.theme, s.key, { name: s.theme, templates: s.templates, assets: [] });
  // Topic pages (the only ones that query) stay on the main thread: no database here.
  const kernel = { db: null, config: { publicUrl: s.publicUrl } } as unknown as ConstructorParameters<
    typeof PageRenderer
  >[0];
  sessions.set(
    s.session,
    new PageRenderer(kernel, data, engine, {
      pageSize: s.pageSize,
      publicUrl: s.publicUrl,
      generatedAt: s.generatedAt,
    }),
  );
}

async function render(session: string, specs: PageSpec[], bodies: DocFull[], writeTo?: string) {
  const renderer = sessions.get(session);
  if (!renderer) throw new Error(`render session ${session} is not open in this worker`);
  (renderer.data.docs as MemoryDocSource).setBodies(bodies);
  const pages = [];
  for (const spec of specs) pages.push(await renderer.render(spec));
  // Written only once every page of the batch rendered: a template error replaces nothing.
  if (writeTo) writeRenderedSync(writeTo, pages);
  return pages;
}

parentPort?.on('message', async (msg: WorkerRequest) => {
  try {
    if (msg.type === 'open') {
      open(msg.session);
      parentPort?.postMessage({ id: msg.id, ok: true });
    } else if (msg.type === 'close') {
      sessions.delete(msg.session);
      parentPort?.postMessage({ id: msg.id, ok: true });
    } else {
      const pages = await render(msg.session, msg.specs, msg.bodies, msg.writeTo);
      parentPort?.postMessage({ id: msg.id, pages });
    }
  } catch (err) {
    if (err instanceof RenderFailure) parentPort?.postMessage({ id: msg.id, failure: err.toJSON() });
    else parentPort?.postMessage({ id: msg.id, error: (err as Error)?.stack ?? String(err) });
  }
});
