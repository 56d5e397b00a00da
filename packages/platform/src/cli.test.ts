import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './kernel/audit.js';
import { type Database, openPglite } from './kernel/db.js';
import { createTestDatabase, type TestDatabase } from './kernel/testing.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/jiyue.mjs');

/**
 * Runs the real CLI against a private database: a fresh PGlite data dir, or a fresh PostgreSQL
 * database when DATABASE_URL is set.
 */
// Each command is a fresh process that boots tsx, PGlite and every module: slow on a busy machine.
describe('jiyue CLI', { timeout: 240_000 }, () => {
  let dataDir: string;
  let pgDatabase: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'jiyue-cli-'));
    // A fixed demo password means one password hash at seed time instead of one per demo account.
    env = { ...process.env, JIYUE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', JIYUE_ADMIN_PASSWORD: 'Cli#Test2024pw' };
    if (process.env.DATABASE_URL) {
      pgDatabase = await createTestDatabase();
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${pgDatabase.name}`;
      env.DATABASE_URL = url.toString();
    } else {
      delete env.DATABASE_URL;
    }
  });
  afterAll(async () => {
    await pgDatabase?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });
  }

  /** The database the CLI uses, opened here only while no CLI process runs (PGlite is single-process). */
  async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    if (pgDatabase) return fn(pgDatabase);
    const database = await openPglite(path.join(dataDir, 'pg'));
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  }

  it('migrates, and is idempotent', async () => {
    const first = await run(['migrate']);
    expect(first.code).toBe(0);
    expect(first.out).toContain('已应用迁移 kernel/001_audit_log');
    const again = await run(['migrate']);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain('数据库已是最新');
  });

  it('audit:check exits 0 on an intact chain and non-zero once a row is tampered with', async () => {
    await withDatabase(async ({ db }) => {
      const audit = new AuditLog(db);
      for (const n of [1, 2, 3]) {
        await db
          .transaction()
          .execute((tx) =>
            audit.record(tx, { action: 'create', resource: 'user', resourceId: String(n), summary: `新建用户 ${n}` }),
          );
      }
    });
    const ok = await run(['audit:check']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('共校验 3 条记录');

    await withDatabase(async ({ db }) => {
      await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db);
      await sql`update audit_log set summary = '篡改' where seq = 2`.execute(db);
      await sql`alter table audit_log enable trigger audit_log_no_update`.execute(db);
    });
    const broken = await run(['audit:check']);
    expect(broken.code).toBe(3);
    expect(broken.out).toContain('第 2 条记录处断裂');
  });

  it('rejects unknown commands and bad configuration', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    const bad = await run(['migrate'], { PORT: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('PORT');
  });

  it('starts a server that answers /healthz and stops cleanly on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child: ChildProcess = spawn(process.execPath, [bin, 'start'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await expect
        .poll(
          async () => {
            try {
              return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
            } catch {
              return 0;
            }
          },
          { timeout: 200_000, interval: 250 },
        )
        .toBe(200);
      const body = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      expect(body).toEqual({ status: 'ok', db: pgDatabase ? 'postgres' : 'pglite' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
  });

  // Runs after `start`, which seeded the demo users.
  it('appoints a built-in administrator, refusing a second admin role for one person (三权分立)', async () => {
    const appointed = await run(['appoint', 'jyj_editor', 'auditor']);
    expect(appointed.out).toContain('已任命 jyj_editor 为 auditor');
    expect(appointed.code).toBe(0);
    const refused = await run(['appoint', 'jyj_editor', 'secadmin']);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('三权分立');
    expect((await run(['appoint', 'jyj_editor'])).code).toBe(2);
    await withDatabase(async ({ db }) => {
      const { rows } = await sql<{ action: string; summary: string }>`
        select action, summary from audit_log order by seq desc limit 1`.execute(db);
      expect(rows[0]).toMatchObject({ action: 'grant' });
      expect(rows[0]?.summary).toContain('任命');
    });
  });
});
