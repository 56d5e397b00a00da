import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEvent } from './events.js';
import type { JiyueModule } from './module.js';
import { createTestApp, type TestApp } from './testing.js';

const received: { handler: string; event: OutboxEvent }[] = [];
let flakyFailuresLeft = 0;

const listener: JiyueModule = {
  name: 'listener',
  events: {
    'doc.published': async (event) => {
      received.push({ handler: 'listener', event });
    },
    'doc.flaky': async (event) => {
      if (flakyFailuresLeft > 0) {
        flakyFailuresLeft -= 1;
        throw new Error('downstream unavailable');
      }
      received.push({ handler: 'listener', event });
    },
  },
};
const auditor: JiyueModule = {
  name: 'auditor',
  events: {
    'doc.flaky': async (event) => {
      received.push({ handler: 'auditor', event });
    },
    'doc.doomed': async () => {
      throw new Error('always fails');
    },
  },
};

describe('events (transactional outbox)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ modules: [listener, auditor], events: { retryBaseMs: 150, maxAttempts: 3 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const emit = (name: string, payload: unknown) =>
    t.kernel.db.transaction().execute((tx) => t.kernel.events.emit(tx, name, payload));

  it('delivers a committed event to its handler after commit', async () => {
    received.length = 0;
    const id = await emit('doc.published', { docId: 'd1', title: '通知' });
    expect(received).toEqual([]);
    await t.kernel.events.deliverDue();
    expect(received).toHaveLength(1);
    expect(received[0].event).toMatchObject({ id, name: 'doc.published', payload: { docId: 'd1', title: '通知' } });
    await t.kernel.events.deliverDue();
    expect(received).toHaveLength(1);
  });

  it('emitMany writes several events in one statement and they are delivered in order', async () => {
    received.length = 0;
    await t.kernel.db.transaction().execute((tx) =>
      t.kernel.events.emitMany(tx, [
        ['doc.published', { docId: 'm1' }],
        ['doc.published', { docId: 'm2' }],
        ['doc.published', { docId: 'm3' }],
      ]),
    );
    await t.kernel.events.deliverDue();
    expect(received.map((r) => (r.event.payload as { docId: string }).docId)).toEqual(['m1', 'm2', 'm3']);
  });

  it('never delivers an event emitted in a rolled-back transaction', async () => {
    received.length = 0;
    await expect(
      t.kernel.db.transaction().execute(async (tx) => {
        await t.kernel.events.emit(tx, 'doc.published', { docId: 'ghost' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await t.kernel.events.deliverDue();
    expect(received).toEqual([]);
    const rows = await t.kernel.db
      .selectFrom('event_outbox')
      .select('id')
      .where('payload', '@>', JSON.stringify({ docId: 'ghost' }) as any)
      .execute();
    expect(rows).toEqual([]);
  });

  it('retries only the failed handler, with back-off, until it succeeds', async () => {
    received.length = 0;
    flakyFailuresLeft = 1;
    await emit('doc.flaky', { n: 1 });
    await t.kernel.events.deliverDue();
    expect(received.map((r) => r.handler)).toEqual(['auditor']);
    const pending = await t.kernel.db
      .selectFrom('event_outbox')
      .selectAll()
      .where('name', '=', 'doc.flaky')
      .executeTakeFirstOrThrow();
    expect(pending).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'listener:doc.flaky: downstream unavailable',
    });
    // Not due yet: the back-off keeps it waiting.
    await t.kernel.events.deliverDue();
    expect(received).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    await t.kernel.events.deliverDue();
    expect(received.map((r) => r.handler)).toEqual(['auditor', 'listener']);
    const done = await t.kernel.db
      .selectFrom('event_outbox')
      .select('status')
      .where('name', '=', 'doc.flaky')
      .executeTakeFirstOrThrow();
    expect(done.status).toBe('done');
  });

  it('gives up after maxAttempts and keeps the error', async () => {
    await emit('doc.doomed', {});
    for (let i = 0; i < 3; i++) {
      await t.kernel.events.deliverDue();
      await new Promise((r) => setTimeout(r, 150 * 2 ** i + 50));
    }
    const row = await t.kernel.db
      .selectFrom('event_outbox')
      .selectAll()
      .where('name', '=', 'doc.doomed')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row.last_error).toContain('always fails');
  });

  it('delivers in the background once started', async () => {
    received.length = 0;
    t.kernel.events.start(20);
    try {
      await emit('doc.published', { docId: 'bg' });
      await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
    } finally {
      await t.kernel.events.stop();
    }
  });
});

describe('events: kick after a write request', () => {
  let t: TestApp;
  const seen: string[] = [];
  const writer: JiyueModule = {
    name: 'writer',
    async routes(app, kernel) {
      app.post('/api/writer/emit', async () => {
        await kernel.db.transaction().execute((tx) => kernel.events.emit(tx, 'writer.done', { at: 'post' }));
        return { ok: true };
      });
    },
    events: {
      'writer.done': async (event) => {
        seen.push((event.payload as { at: string }).at);
      },
    },
  };
  beforeAll(async () => {
    t = await createTestApp({ modules: [writer] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does nothing before start (tests deliver by hand)', async () => {
    await t.kernel.db.transaction().execute((tx) => t.kernel.events.emit(tx, 'writer.done', { at: 'manual' }));
    t.kernel.events.kick();
    expect(seen).toEqual([]);
    await t.kernel.events.deliverDue();
    expect(seen).toEqual(['manual']);
  });

  it('delivers the events of a POST right after its response, long before the next poll', async () => {
    seen.length = 0;
    // A poll interval no test waits for: only the kick can deliver in time.
    t.kernel.events.start(3_600_000);
    try {
      const res = await t.app.inject({ method: 'POST', url: '/api/writer/emit' });
      expect(res.statusCode).toBe(200);
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['post']);
    } finally {
      await t.kernel.events.stop();
    }
  });
});
