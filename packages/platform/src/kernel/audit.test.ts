import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from './auth.js';
import { createTestApp, type TestApp } from './testing.js';

const entry = (n: number) => ({
  actorId: 'u1',
  actorName: '张三',
  action: 'update',
  resource: 'user',
  resourceId: `r${n}`,
  summary: `修改用户 ${n}`,
  detail: { changed: { name: ['旧', '新'] }, n, z: null, a: [1, 'x'] },
  ip: '10.0.0.1',
});

describe('audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const record = (n: number) => t.kernel.db.transaction().execute((tx) => t.kernel.audit.record(tx, entry(n)));

  it('chains appended entries and verifies them', async () => {
    expect(await t.kernel.audit.verify()).toEqual({ ok: true, checked: 0 });
    await record(1);
    await record(2);
    expect(await t.kernel.audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    await Promise.all([3, 4, 5, 6, 7, 8].map(record));
    const result = await t.kernel.audit.verify();
    expect(result).toEqual({ ok: true, checked: 8 });
    const seqs = (await t.kernel.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) =>
      Number(r.seq),
    );
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('drops the entry with a rolled-back transaction', async () => {
    await expect(
      t.kernel.db.transaction().execute(async (tx) => {
        await t.kernel.audit.record(tx, entry(99));
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const found = await t.kernel.db.selectFrom('audit_log').select('seq').where('resource_id', '=', 'r99').execute();
    expect(found).toEqual([]);
    expect((await t.kernel.audit.verify()).ok).toBe(true);
  });

  it('refuses to record outside a transaction', async () => {
    await expect(t.kernel.audit.record(t.kernel.db as any, entry(50))).rejects.toThrow(/transaction/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    await expect(sql`update audit_log set summary = 'x' where seq = 1`.execute(t.kernel.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log where seq = 1`.execute(t.kernel.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`.execute(t.kernel.db)).rejects.toThrow(/append-only/);
  });

  it('serves the log and its verification only to holders of audit:read', async () => {
    const auditor: Principal = {
      userId: 'a1',
      username: 'auditor',
      displayName: '审计员',
      orgId: null,
      roles: ['auditor'],
      via: 'apiKey',
      permissions: new Map([['audit:read', { kind: 'all' }]]),
    };
    const clerk: Principal = { ...auditor, username: 'clerk', permissions: new Map() };
    t.kernel.auth.setResolver(async (req) => (req.headers['x-test-user'] === 'auditor' ? auditor : clerk));
    const denied = await t.app.inject({ url: '/api/audit', headers: { 'x-test-user': 'clerk' } });
    expect(denied.statusCode).toBe(403);
    const list = await t.app.inject({
      url: '/api/audit?pageSize=3&resourceId=r2',
      headers: { 'x-test-user': 'auditor' },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ total: 1, items: [{ seq: 2, summary: '修改用户 2', actorName: '张三' }] });
    const verify = await t.app.inject({ url: '/api/audit/verify', headers: { 'x-test-user': 'auditor' } });
    expect(verify.json()).toEqual({ ok: true, checked: 8 });
  });

  it('reports the first tampered row', async () => {
    // A DBA with owner rights can switch the trigger off; the hash chain still gives it away.
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(t.kernel.db);
    await sql`update audit_log set summary = '无害的修改' where seq = 5`.execute(t.kernel.db);
    expect(await t.kernel.audit.verify()).toMatchObject({ ok: false, checked: 4, brokenAt: 5 });
  });

  it('reports a deleted row', async () => {
    await sql`delete from audit_log where seq >= 5`.execute(t.kernel.db);
    expect(await t.kernel.audit.verify()).toEqual({ ok: true, checked: 4 });
    await sql`delete from audit_log where seq = 2`.execute(t.kernel.db);
    expect(await t.kernel.audit.verify()).toMatchObject({ ok: false, brokenAt: 2, checked: 1 });
  });
});
