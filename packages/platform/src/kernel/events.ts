import { type QueryCreator, sql } from 'kysely';
import type { Db, Tx } from './db.js';
import type { Kernel } from './kernel.js';
import type { Migration } from './migrations.js';

export interface OutboxEvent<P = any> {
  id: number;
  name: string;
  payload: P;
  createdAt: Date;
}

export type EventHandler<P = any> = (event: OutboxEvent<P>, kernel: Kernel) => Promise<void>;

interface Subscription {
  /** Stable key recorded per delivery, so a retry re-runs only the handlers that failed. */
  key: string;
  handler: EventHandler;
}

export const eventMigrations: Migration[] = [
  {
    name: '002_event_outbox',
    async up(db) {
      await sql`
        create table event_outbox (
          id bigserial primary key,
          name text not null,
          payload jsonb not null,
          created_at timestamptz not null default now(),
          status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
          attempts int not null default 0,
          next_attempt_at timestamptz not null default now(),
          locked_until timestamptz,
          last_error text
        );
        create index event_outbox_due on event_outbox (next_attempt_at) where status = 'pending';
        create table event_deliveries (
          event_id bigint not null references event_outbox (id) on delete cascade,
          handler text not null,
          delivered_at timestamptz not null default now(),
          primary key (event_id, handler)
        );
      `.execute(db);
    },
  },
];

export interface EventBusOptions {
  maxAttempts?: number;
  /** First retry delay; doubles with each attempt, capped at one hour. */
  retryBaseMs?: number;
  /** How long a node may hold a claimed event before another node may take it over. */
  leaseMs?: number;
  batchSize?: number;
}

export class EventBus {
  private readonly subscriptions = new Map<string, Subscription[]>();
  private readonly opts: Required<EventBusOptions>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private kickedWhileRunning = false;
  private kernel!: Kernel;

  constructor(
    private readonly db: Db,
    options: EventBusOptions = {},
  ) {
    this.opts = { maxAttempts: 10, retryBaseMs: 2000, leaseMs: 60_000, batchSize: 50, ...options };
  }

  bind(kernel: Kernel): void {
    this.kernel = kernel;
  }

  on(name: string, key: string, handler: EventHandler): void {
    const list = this.subscriptions.get(name) ?? [];
    if (list.some((s) => s.key === key)) throw new Error(`event ${name}: handler ${key} registered twice`);
    list.push({ key, handler });
    this.subscriptions.set(name, list);
  }

  /** Writes the event in the caller's transaction; it is delivered only if that transaction commits. */
  async emit(tx: Tx, name: string, payload: unknown): Promise<number> {
    const row = await tx
      .insertInto('event_outbox')
      .values({ name, payload: JSON.stringify(payload ?? null) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Several events of one transaction in one statement, in order (a busy command saves round trips). */
  async emitMany(tx: Tx, events: ReadonlyArray<readonly [name: string, payload: unknown]>): Promise<void> {
    if (events.length === 0) return;
    await this.insertQuery(tx, events).execute();
  }

  /**
   * The outbox insert for these events, not yet run: a command that writes everything in one
   * statement puts it in as a CTE (the workflow engine's flush). Same rules as `emit`.
   */
  insertQuery(qc: QueryCreator<any>, events: ReadonlyArray<readonly [name: string, payload: unknown]>) {
    return qc
      .insertInto('event_outbox')
      .values(events.map(([name, payload]) => ({ name, payload: JSON.stringify(payload ?? null) })));
  }

  private async claim(): Promise<any[]> {
    const { leaseMs, batchSize } = this.opts;
    const result = await sql<any>`
      update event_outbox set locked_until = now() + ${`${leaseMs} milliseconds`}::interval
      where id in (
        select id from event_outbox
        where status = 'pending' and next_attempt_at <= now()
          and (locked_until is null or locked_until < now())
        order by id limit ${batchSize}
        for update skip locked)
      returning id, name, payload, created_at, attempts`.execute(this.db);
    return result.rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  private async deliverOne(row: any): Promise<void> {
    const event: OutboxEvent = { id: Number(row.id), name: row.name, payload: row.payload, createdAt: row.created_at };
    const subs = this.subscriptions.get(event.name) ?? [];
    const delivered = new Set(
      (await this.db.selectFrom('event_deliveries').select('handler').where('event_id', '=', event.id).execute()).map(
        (r) => r.handler as string,
      ),
    );
    const failures: string[] = [];
    for (const sub of subs) {
      if (delivered.has(sub.key)) continue;
      try {
        await sub.handler(event, this.kernel);
        await this.db
          .insertInto('event_deliveries')
          .values({ event_id: event.id, handler: sub.key })
          .onConflict((oc) => oc.doNothing())
          .execute();
      } catch (err) {
        failures.push(`${sub.key}: ${(err as Error).message}`);
        this.kernel?.log.warn({ err, event: event.name, id: event.id, handler: sub.key }, 'event handler failed');
      }
    }
    if (failures.length === 0) {
      await this.db
        .updateTable('event_outbox')
        .set({ status: 'done', locked_until: null, last_error: null })
        .where('id', '=', event.id)
        .execute();
      return;
    }
    const attempts = Number(row.attempts) + 1;
    const exhausted = attempts >= this.opts.maxAttempts;
    const delayMs = Math.min(this.opts.retryBaseMs * 2 ** (attempts - 1), 3_600_000);
    await this.db
      .updateTable('event_outbox')
      .set({
        status: exhausted ? 'failed' : 'pending',
        attempts,
        locked_until: null,
        last_error: failures.join('\n').slice(0, 4000),
        next_attempt_at: sql`now() + ${`${delayMs} milliseconds`}::interval`,
      })
      .where('id', '=', event.id)
      .execute();
  }

  /** Delivers every due event once; returns how many were processed. Safe to call concurrently. */
  deliverDue(): Promise<number> {
    if (!this.running) {
      this.running = (async () => {
        let total = 0;
        for (;;) {
          const rows = await this.claim();
          for (const row of rows) await this.deliverOne(row);
          total += rows.length;
          if (rows.length < this.opts.batchSize) return total;
        }
      })().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /**
   * Delivers due events now instead of at the next poll: the app calls it after every request
   * that may have committed events, so handlers on this node run within milliseconds of the
   * commit. A kick during a delivery round runs one more round after it (the round may have
   * claimed before the commit). Does nothing until `start`: tests drive delivery themselves.
   */
  kick(): void {
    if (!this.timer) return;
    if (this.running) {
      this.kickedWhileRunning = true;
      return;
    }
    this.deliverDue()
      .catch((err) => this.kernel?.log.error({ err }, 'event dispatch failed'))
      .finally(() => {
        if (this.kickedWhileRunning) {
          this.kickedWhileRunning = false;
          this.kick();
        }
      });
  }

  start(intervalMs = 500): void {
    if (this.timer) return;
    const tick = () => {
      this.deliverDue()
        .catch((err) => this.kernel?.log.error({ err }, 'event dispatch failed'))
        .finally(() => {
          if (!this.timer) return;
          this.timer = setTimeout(tick, intervalMs);
          // A kick that came while this poll was delivering gets its own round now.
          if (this.kickedWhileRunning) {
            this.kickedWhileRunning = false;
            this.kick();
          }
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}
