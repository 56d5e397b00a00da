import { hostname } from 'node:os';
import { Cron } from 'croner';
import { sql } from 'kysely';
import { randomToken } from './crypto.js';
import type { Db, Tx } from './db.js';
import type { Kernel } from './kernel.js';
import type { Migration } from './migrations.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job<P = any> {
  id: string;
  type: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
  createdBy: string | null;
}

export interface JobContext {
  /** Records progress that the console shows live (e.g. 120 of 3000 pages rendered). */
  progress(done: number, total: number, message?: string): Promise<void>;
  kernel: Kernel;
}

/** Returns an optional JSON result stored with the job. Throwing schedules a retry. */
export type JobHandler<P = any> = (job: Job<P>, ctx: JobContext) => Promise<unknown>;

export interface CronDef {
  /** Unique schedule name, e.g. 'diagnostics.nightly-scan'. */
  name: string;
  /** Cron expression (5 or 6 fields), evaluated in `timezone`. */
  schedule: string;
  /** Job type to enqueue at each tick. */
  job: string;
  payload?: unknown;
  timezone?: string;
}

export interface EnqueueOptions {
  runAt?: Date;
  maxAttempts?: number;
  createdBy?: string | null;
}

export interface JobView {
  id: string;
  type: string;
  status: JobStatus;
  done: number;
  total: number;
  message: string | null;
  error: string | null;
  attempts: number;
  maxAttempts: number;
  result: unknown;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const jobMigrations: Migration[] = [
  {
    name: '003_jobs',
    async up(db) {
      await sql`
        create table jobs (
          id uuid primary key default gen_random_uuid(),
          type text not null,
          payload jsonb not null default 'null',
          status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
          attempts int not null default 0,
          max_attempts int not null default 5,
          run_at timestamptz not null default now(),
          locked_by text,
          locked_until timestamptz,
          done int not null default 0,
          total int not null default 0,
          message text,
          error text,
          result jsonb,
          created_by text,
          created_at timestamptz not null default now(),
          started_at timestamptz,
          finished_at timestamptz
        );
        create index jobs_due on jobs (run_at) where status in ('queued', 'running');
        create table kernel_cron (
          name text primary key,
          next_run_at timestamptz not null,
          last_run_at timestamptz
        );
      `.execute(db);
    },
  },
];

export interface JobQueueOptions {
  /** Delay before the first retry; doubles each attempt, capped at one hour. */
  backoffBaseMs?: number;
  /** A worker that dies keeps its job this long before another worker may take it over. */
  leaseMs?: number;
  pollMs?: number;
  workerId?: string;
}

function viewOf(r: any): JobView {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    done: r.done,
    total: r.total,
    message: r.message,
    error: r.error,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    result: r.result ?? null,
    createdBy: r.created_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

const interval = (ms: number) => sql`${`${Math.round(ms)} milliseconds`}::interval`;

export class JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly crons: CronDef[] = [];
  private readonly opts: Required<JobQueueOptions>;
  private kernel!: Kernel;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private wake: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    options: JobQueueOptions = {},
  ) {
    this.opts = {
      backoffBaseMs: 5000,
      leaseMs: 10 * 60_000,
      pollMs: 1000,
      workerId: `${hostname()}:${process.pid}:${randomToken(4)}`,
      ...options,
    };
  }

  bind(kernel: Kernel): void {
    this.kernel = kernel;
  }

  register(type: string, handler: JobHandler): void {
    if (this.handlers.has(type)) throw new Error(`job type ${type} registered twice`);
    this.handlers.set(type, handler);
  }

  schedule(def: CronDef): void {
    if (this.crons.some((c) => c.name === def.name)) throw new Error(`cron ${def.name} registered twice`);
    // Parse now so that a bad expression fails at start-up.
    new Cron(def.schedule, { timezone: def.timezone ?? 'Asia/Shanghai', paused: true }).stop();
    this.crons.push(def);
  }

  /** Fails start-up when a cron schedule names a job type no module handles. */
  checkSchedules(): void {
    for (const def of this.crons) {
      if (!this.handlers.has(def.job)) throw new Error(`cron ${def.name}: no handler for job type "${def.job}"`);
    }
  }

  /** Inserts a job with the caller's transaction (or the plain db); returns its id. */
  async enqueue(txOrDb: Tx | Db, type: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    if (!this.handlers.has(type)) throw new Error(`enqueue: no handler registered for job type "${type}"`);
    const row = await txOrDb
      .insertInto('jobs')
      .values({
        type,
        payload: JSON.stringify(payload ?? null),
        max_attempts: options.maxAttempts ?? 5,
        run_at: options.runAt ?? sql`now()`,
        created_by: options.createdBy ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const w of this.wake.splice(0)) w();
    return row.id as string;
  }

  async get(id: string): Promise<JobView | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? viewOf(row) : null;
  }

  /**
   * Takes one due job: a queued one whose time has come, or a running one whose worker's lease
   * ran out. SKIP LOCKED lets many workers on many nodes claim concurrently without waiting on
   * each other, and the row lock guarantees each job goes to exactly one of them.
   */
  async claim(): Promise<(Job & { lockToken: string }) | null> {
    const types = [...this.handlers.keys()];
    if (types.length === 0) return null;
    const lockToken = `${this.opts.workerId}:${randomToken(6)}`;
    const result = await sql<any>`
      update jobs set status = 'running', attempts = attempts + 1, locked_by = ${lockToken},
        locked_until = now() + ${interval(this.opts.leaseMs)}, started_at = coalesce(started_at, now()),
        error = null
      where id = (
        select id from jobs
        where type = any(${types}::text[])
          and ((status = 'queued' and run_at <= now()) or (status = 'running' and locked_until < now()))
        order by run_at, created_at
        limit 1
        for update skip locked)
      returning *`.execute(this.db);
    const r = result.rows[0];
    if (!r) return null;
    return {
      id: r.id,
      type: r.type,
      payload: r.payload,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      createdBy: r.created_by,
      lockToken,
    };
  }

  backoffMs(attempts: number): number {
    return Math.min(this.opts.backoffBaseMs * 2 ** (attempts - 1), 3_600_000);
  }

  /** Runs one claimed job to its next state; every update is fenced by the lock token. */
  async run(job: Job & { lockToken: string }): Promise<void> {
    const mine = (q: any) => q.where('id', '=', job.id).where('locked_by', '=', job.lockToken);
    const ctx: JobContext = {
      kernel: this.kernel,
      progress: async (done, total, message) => {
        await mine(
          this.db
            .updateTable('jobs')
            .set({ done, total, message: message ?? null, locked_until: sql`now() + ${interval(this.opts.leaseMs)}` }),
        ).execute();
      },
    };
    const handler = this.handlers.get(job.type);
    try {
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      const result = await handler(job, ctx);
      await mine(
        this.db.updateTable('jobs').set({
          status: 'succeeded',
          result: result === undefined ? null : JSON.stringify(result),
          locked_by: null,
          locked_until: null,
          finished_at: sql`now()`,
        }),
      ).execute();
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      const exhausted = job.attempts >= job.maxAttempts;
      this.kernel?.log.warn({ err, job: job.id, type: job.type, attempt: job.attempts }, 'job attempt failed');
      await mine(
        this.db.updateTable('jobs').set({
          status: exhausted ? 'failed' : 'queued',
          error: message.slice(0, 4000),
          locked_by: null,
          locked_until: null,
          run_at: exhausted ? sql`run_at` : sql`now() + ${interval(this.backoffMs(job.attempts))}`,
          finished_at: exhausted ? sql`now()` : null,
        }),
      ).execute();
    }
  }

  /** Claims and runs due jobs until none is left; returns how many ran. For tests and the CLI. */
  async runUntilIdle(): Promise<number> {
    let count = 0;
    for (;;) {
      const job = await this.claim();
      if (!job) return count;
      await this.run(job);
      count += 1;
    }
  }

  /**
   * Fires due cron schedules. The row lock on kernel_cron plus moving next_run_at forward in the
   * same transaction as the enqueue means that exactly one node fires each tick.
   */
  async fireDueCrons(now = new Date()): Promise<string[]> {
    const fired: string[] = [];
    for (const def of this.crons) {
      const cron = new Cron(def.schedule, { timezone: def.timezone ?? 'Asia/Shanghai', paused: true });
      const next = (from: Date) => cron.nextRun(from) ?? new Date(8.64e15);
      await this.db
        .insertInto('kernel_cron')
        .values({ name: def.name, next_run_at: next(now) })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const jobId = await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('kernel_cron')
          .select('next_run_at')
          .where('name', '=', def.name)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row || new Date(row.next_run_at) > now) return null;
        // Ticks missed while every node was down fire once, not once per missed tick.
        await tx
          .updateTable('kernel_cron')
          .set({ next_run_at: next(now), last_run_at: now })
          .where('name', '=', def.name)
          .execute();
        return this.enqueue(tx, def.job, def.payload ?? null);
      });
      cron.stop();
      if (jobId) fired.push(def.name);
    }
    return fired;
  }

  private async workerLoop(): Promise<void> {
    while (!this.stopping) {
      let job: Awaited<ReturnType<JobQueue['claim']>> = null;
      try {
        job = await this.claim();
        if (job) await this.run(job);
      } catch (err) {
        this.kernel?.log.error({ err }, 'job worker error');
      }
      if (!job && !this.stopping) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.pollMs);
          this.wake.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
  }

  start(concurrency: number, cronIntervalMs = 15_000): void {
    this.stopping = false;
    for (let i = 0; i < concurrency; i++) this.loops.push(this.workerLoop());
    if (this.crons.length > 0) {
      const tick = () => {
        this.fireDueCrons()
          .catch((err) => this.kernel?.log.error({ err }, 'cron tick failed'))
          .finally(() => {
            if (!this.stopping) this.cronTimer = setTimeout(tick, cronIntervalMs);
          });
      };
      this.cronTimer = setTimeout(tick, 0);
    }
  }

  /** Lets running jobs finish their current attempt, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.cronTimer) clearTimeout(this.cronTimer);
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Counts by status for the metrics endpoint. */
  async countsByStatus(): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of rows) counts[r.status as JobStatus] = Number(r.n);
    return counts;
  }
}
