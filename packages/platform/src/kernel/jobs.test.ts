import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from './auth.js';
import { JobQueue } from './jobs.js';
import type { JiyueModule } from './module.js';
import { createTestApp, type TestApp } from './testing.js';

const ran: string[] = [];
const attemptTimes: number[] = [];

const worker: JiyueModule = {
  name: 'worker',
  jobs: {
    'worker.echo': async (job) => {
      ran.push(job.id);
      return { echoed: job.payload };
    },
    'worker.fail': async () => {
      attemptTimes.push(Date.now());
      throw new Error('upstream timeout');
    },
    'worker.progress': async (_job, { progress }) => {
      await progress(1, 3, '第 1 页');
      await progress(3, 3, '完成');
      return { pages: 3 };
    },
  },
  cron: [{ name: 'worker.minutely', schedule: '* * * * *', job: 'worker.echo', payload: { cron: true } }],
};

describe('jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ modules: [worker], jobs: { backoffBaseMs: 100 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A second node's queue on the same database, with the same handlers. */
  function otherNode(): JobQueue {
    const q = new JobQueue(t.kernel.db, { backoffBaseMs: 100, workerId: 'node-b' });
    q.bind(t.kernel);
    for (const [type, handler] of Object.entries(worker.jobs ?? {})) q.register(type, handler);
    for (const def of worker.cron ?? []) q.schedule(def);
    return q;
  }

  it('gives each job to exactly one of two racing workers', async () => {
    ran.length = 0;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await t.kernel.jobs.enqueue(t.kernel.db, 'worker.echo', { i }));
    const b = otherNode();
    const [na, nb] = await Promise.all([t.kernel.jobs.runUntilIdle(), b.runUntilIdle()]);
    expect(na + nb).toBe(20);
    expect([...ran].sort()).toEqual([...ids].sort());
    const job = await t.kernel.jobs.get(ids[0]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { echoed: { i: 0 } } });
  });

  it('retries a failing job with exponential back-off, then marks it failed', async () => {
    attemptTimes.length = 0;
    const id = await t.kernel.jobs.enqueue(t.kernel.db, 'worker.fail', {}, { maxAttempts: 3 });
    await t.kernel.jobs.runUntilIdle();
    expect(await t.kernel.jobs.get(id)).toMatchObject({ status: 'queued', attempts: 1, error: 'upstream timeout' });
    // Not due again before its back-off has passed.
    expect(await t.kernel.jobs.runUntilIdle()).toBe(0);
    const statusAfterRunning = async () => {
      await t.kernel.jobs.runUntilIdle();
      return (await t.kernel.jobs.get(id))?.status;
    };
    await expect.poll(statusAfterRunning, { timeout: 5000, interval: 20 }).toBe('failed');
    const job = await t.kernel.jobs.get(id);
    expect(job).toMatchObject({ attempts: 3, error: 'upstream timeout' });
    expect(job?.finishedAt).toBeInstanceOf(Date);
    expect(attemptTimes).toHaveLength(3);
    const gaps = [attemptTimes[1] - attemptTimes[0], attemptTimes[2] - attemptTimes[1]];
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
  });

  it('takes over a job whose worker died, and fences the old worker out', async () => {
    const id = await t.kernel.jobs.enqueue(t.kernel.db, 'worker.echo', { crashed: true });
    const first = await t.kernel.jobs.claim();
    expect(first?.id).toBe(id);
    // The first worker "dies": its lease runs out.
    await t.kernel.db
      .updateTable('jobs')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    const b = otherNode();
    const second = await b.claim();
    expect(second).toMatchObject({ id, attempts: 2 });
    if (!first || !second) throw new Error('unreachable');
    await b.run(second);
    // The zombie finishing late must not overwrite the new owner's outcome.
    await t.kernel.db.updateTable('jobs').set({ message: 'owner result' }).where('id', '=', id).execute();
    await t.kernel.jobs.run({ ...first, type: 'worker.fail' });
    expect(await t.kernel.jobs.get(id)).toMatchObject({ status: 'succeeded', message: 'owner result', error: null });
  });

  it('records progress and serves it to the job owner only', async () => {
    const owner: Principal = {
      userId: 'owner',
      username: 'owner',
      displayName: '所有者',
      orgId: null,
      roles: [],
      via: 'apiKey',
      permissions: new Map(),
    };
    t.kernel.auth.setResolver(async (req) =>
      req.headers['x-test-user'] ? { ...owner, userId: String(req.headers['x-test-user']) } : null,
    );
    const id = await t.kernel.jobs.enqueue(t.kernel.db, 'worker.progress', {}, { createdBy: 'owner' });
    await t.kernel.jobs.runUntilIdle();
    const res = await t.app.inject({ url: `/api/jobs/${id}`, headers: { 'x-test-user': 'owner' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      type: 'worker.progress',
      status: 'succeeded',
      done: 3,
      total: 3,
      message: '完成',
      error: null,
    });
    const other = await t.app.inject({ url: `/api/jobs/${id}`, headers: { 'x-test-user': 'someone-else' } });
    expect(other.statusCode).toBe(404);
    expect((await t.app.inject(`/api/jobs/${id}`)).statusCode).toBe(401);
    const bogus = await t.app.inject({ url: '/api/jobs/not-a-uuid', headers: { 'x-test-user': 'owner' } });
    expect(bogus.json().code).toBe('job_not_found');
  });

  it('fires each cron tick on exactly one node', async () => {
    const t0 = new Date('2030-01-01T00:00:30+08:00');
    expect(await t.kernel.jobs.fireDueCrons(t0)).toEqual([]);
    const later = new Date(t0.getTime() + 60_000);
    const b = otherNode();
    const [a, bb] = await Promise.all([t.kernel.jobs.fireDueCrons(later), b.fireDueCrons(later)]);
    expect([...a, ...bb]).toEqual(['worker.minutely']);
    // The same tick again fires nothing; the next minute fires once more.
    expect(await t.kernel.jobs.fireDueCrons(later)).toEqual([]);
    expect(await t.kernel.jobs.fireDueCrons(new Date(later.getTime() + 60_000))).toEqual(['worker.minutely']);
    const cronJobs = await t.kernel.db
      .selectFrom('jobs')
      .select('id')
      .where('payload', '=', JSON.stringify({ cron: true }) as any)
      .execute();
    expect(cronJobs).toHaveLength(2);
  });

  it('refuses a cron schedule for a job type nobody handles, or a bad expression', async () => {
    const q = new JobQueue(t.kernel.db);
    q.schedule({ name: 'x', schedule: '0 3 * * *', job: 'nobody.handles' });
    expect(() => q.checkSchedules()).toThrow(/no handler/);
    expect(() => q.schedule({ name: 'y', schedule: 'every full moon', job: 'worker.echo' })).toThrow();
  });

  it('refuses to enqueue a type nobody handles', async () => {
    await expect(t.kernel.jobs.enqueue(t.kernel.db, 'worker.nope', {})).rejects.toThrow(/no handler/);
  });

  it('runs queued jobs in the background once started', async () => {
    ran.length = 0;
    t.kernel.jobs.start(2, 60_000);
    try {
      const id = await t.kernel.jobs.enqueue(t.kernel.db, 'worker.echo', { bg: true });
      await expect.poll(() => ran.includes(id), { timeout: 5000 }).toBe(true);
      // The handler has returned; the worker records the outcome right after it.
      await expect.poll(async () => (await t.kernel.jobs.get(id))?.status, { timeout: 5000 }).toBe('succeeded');
    } finally {
      await t.kernel.jobs.stop();
    }
  });
});
