import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PageRenderer, PageSpec, RenderedPage } from './render.js';
import { RenderFailure } from './render.js';
import type { DocFull, DocMeta, FriendLink, MemoryDocSource, SiteInfo, TopicInfo } from './site-data.js';

/*
 * 多线程生成: LiquidJS renders synchronously and that is most of a full rebuild's time, so big
 * render passes (a rebuild, the deeper list pages of a large channel) hand their pages to
 * worker threads, one per core. The main thread keeps reading the database (the bodies of the
 * next batch) and writing the previous batch while the workers render. A session ships the
 * site's list data and templates to every worker once; each batch then carries only its specs
 * and the bodies of its articles.
 *
 * JIYUE_RENDER_WORKERS sets the number of workers (default: the number of cores; 0 = render in
 * the main thread). Small passes stay in the main thread: starting a worker costs about a second
 * (tsx compiles the module graph), which a few hundred pages do not win back.
 */

/** Passes smaller than this render in the main thread. */
export const POOL_MIN_PAGES = Number(process.env.JIYUE_RENDER_POOL_MIN_PAGES ?? 2000);
/** Workers end after this long without a session (they hold a site's list data). */
const IDLE_MS = 60_000;

export interface WorkerSession {
  session: string;
  site: SiteInfo;
  channelRows: unknown[];
  friendLinks: FriendLink[];
  topics: TopicInfo[];
  metas: DocMeta[];
  theme: string;
  key: string;
  templates: Record<string, string>;
  pageSize: number;
  publicUrl: string;
  generatedAt: Date;
}

export type WorkerRequest =
  | { type: 'open'; id: number; session: WorkerSession }
  | { type: 'close'; id: number; session: string }
  | { type: 'render'; id: number; session: string; specs: PageSpec[]; bodies: DocFull[]; writeTo?: string };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type WorkerReply = {
  id: number;
  ok?: boolean;
  pages?: (RenderedPage | null)[];
  failure?: { template: string; line: number | null; reason: string; path: string | null };
  error?: string;
};

/** Page kinds a worker renders (topics query the database; sitemap and RSS are cheap). */
export const WORKER_KINDS = new Set(['index', '404', 'channel', 'article']);

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>;
  dead: Error | null;
}

let sequence = 0;

export class RenderPool {
  private static instance: RenderPool | null = null;
  private static failed = false;
  private readonly slots: Slot[] = [];
  private sessions = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  private constructor(size: number) {
    const entry = new URL('./render-worker.mjs', import.meta.url);
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: new Worker(entry, { execArgv: [] }), pending: new Map(), dead: null };
      slot.worker.on('message', (reply: WorkerReply) => {
        const waiting = slot.pending.get(reply.id);
        if (!waiting) return;
        slot.pending.delete(reply.id);
        this.refresh(slot);
        waiting.resolve(reply);
      });
      const fail = (err: Error) => {
        slot.dead = err;
        for (const w of slot.pending.values()) w.reject(err);
        slot.pending.clear();
        if (RenderPool.instance === this) RenderPool.instance = null;
      };
      slot.worker.on('error', fail);
      slot.worker.on('exit', (code) => fail(new Error(`render worker exited (${code})`)));
      slot.worker.unref();
      this.slots.push(slot);
    }
  }

  /** The process's pool, or null when workers are switched off or cannot start. */
  static get(): RenderPool | null {
    const size = Number(process.env.JIYUE_RENDER_WORKERS ?? availableParallelism());
    if (!Number.isInteger(size) || size < 1 || RenderPool.failed) return null;
    if (!RenderPool.instance) {
      try {
        RenderPool.instance = new RenderPool(size);
      } catch {
        RenderPool.failed = true;
        return null;
      }
    }
    return RenderPool.instance;
  }

  get size(): number {
    return this.slots.length;
  }

  /** A worker with a request outstanding keeps the process alive; an idle one does not. */
  private refresh(slot: Slot): void {
    if (slot.pending.size > 0) slot.worker.ref();
    else slot.worker.unref();
  }

  private request(slot: Slot, message: WithoutId<WorkerRequest>): Promise<WorkerReply> {
    if (slot.dead) return Promise.reject(slot.dead);
    const id = ++sequence;
    return new Promise<WorkerReply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      this.refresh(slot);
      slot.worker.postMessage({ ...message, id });
    }).then((reply) => {
      if (reply.failure) {
        const f = reply.failure;
        throw new RenderFailure(f.template, f.line, f.reason, f.path ?? undefined);
      }
      if (reply.error) throw new Error(`render worker: ${reply.error}`);
      return reply;
    });
  }

  /** Ships the renderer's site data and templates to every worker. */
  async open(renderer: PageRenderer): Promise<RenderSession> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.sessions++;
    const { data, engine, options } = renderer;
    const session: WorkerSession = {
      session: `s${++sequence}`,
      site: data.site,
      channelRows: data.channelRows,
      friendLinks: data.friendLinks,
      topics: data.topics,
      metas: (data.docs as MemoryDocSource).all,
      theme: engine.theme,
      key: engine.key,
      templates: engine.files.templates,
      pageSize: options.pageSize,
      publicUrl: options.publicUrl,
      generatedAt: renderer.generatedAt,
    };
    try {
      await Promise.all(this.slots.map((s) => this.request(s, { type: 'open', session })));
    } catch (err) {
      this.release();
      throw err;
    }
    return new RenderSession(this, session.session, renderer);
  }

  /** @internal */
  async renderOn(index: number, session: string, specs: PageSpec[], bodies: DocFull[], writeTo?: string) {
    const reply = await this.request(this.slots[index], { type: 'render', session, specs, bodies, writeTo });
    return reply.pages ?? [];
  }

  /** @internal */
  async close(session: string): Promise<void> {
    await Promise.all(
      this.slots.map((s) => (s.dead ? null : this.request(s, { type: 'close', session }).catch(() => null))),
    );
    this.release();
  }

  private release(): void {
    this.sessions--;
    if (this.sessions > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.sessions > 0) return;
      if (RenderPool.instance === this) RenderPool.instance = null;
      for (const s of this.slots) void s.worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

/** One render pass over the pool: pages of one site with one set of templates. */
export class RenderSession {
  constructor(
    private readonly pool: RenderPool,
    private readonly id: string,
    private readonly renderer: PageRenderer,
  ) {}

  /**
   * Renders `specs` (in order): the worker kinds split over the workers (at most `maxWorkers`),
   * the rest here, with the batch's article bodies read by the caller.
   */
  async render(
    specs: PageSpec[],
    maxWorkers = Number.POSITIVE_INFINITY,
    /** The site folder: workers write the pages they can (those showing no uploaded file). */
    writeTo: string,
    /** The batch's article bodies. */
    bodies: Map<string, DocFull>,
  ): Promise<(RenderedPage | null)[]> {
    const out: (RenderedPage | null)[] = new Array(specs.length).fill(null);
    const remote: number[] = [];
    const local: number[] = [];
    for (const [i, s] of specs.entries()) (WORKER_KINDS.has(s.kind) ? remote : local).push(i);
    const n = Math.max(1, Math.min(this.pool.size, maxWorkers));
    // Pairs of pages (a page's two trees are side by side in a plan: one body, shared partials)
    // dealt out in turn, so that every worker gets a like mix of list and article pages and none
    // waits for the other at the end of the batch.
    const chunks: number[][] = Array.from({ length: n }, () => []);
    remote.forEach((i, k) => {
      chunks[Math.floor(k / 2) % n].push(i);
    });
    const jobs: Promise<void>[] = [];
    for (const [w, idx] of chunks.entries()) {
      if (idx.length === 0) continue;
      const chunk = idx.map((i) => specs[i]);
      const ids = [...new Set(chunk.filter((s) => s.kind === 'article').map((s) => s.documentId as string))];
      const shipped = ids.flatMap((id) => bodies.get(id) ?? []);
      jobs.push(
        this.pool.renderOn(w, this.id, chunk, shipped, writeTo).then((pages) => {
          idx.forEach((i, k) => {
            out[i] = pages[k] ?? null;
          });
        }),
      );
    }
    // Topics, sitemap and RSS meanwhile in this thread.
    const here = (async () => {
      for (const i of local) out[i] = await this.renderer.render(specs[i]);
    })();
    jobs.push(here);
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return out;
  }

  close(): Promise<void> {
    return this.pool.close(this.id);
  }
}
