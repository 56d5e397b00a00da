import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, migrate } from './migrations.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const first = {
    name: '001_a',
    up: async (db: any) => {
      await sql`create table mig_a (id int)`.execute(db);
    },
  };

  it('applies each migration once and records it per module', async () => {
    const applied = await migrate(database.db, [
      { module: 'alpha', migrations: [first] },
      {
        module: 'beta',
        migrations: [{ name: '001_a', up: async (db) => void (await sql`create table mig_b (id int)`.execute(db)) }],
      },
    ]);
    expect(applied).toEqual([
      { module: 'alpha', name: '001_a' },
      { module: 'beta', name: '001_a' },
    ]);
    const again = await migrate(database.db, [{ module: 'alpha', migrations: [first] }]);
    expect(again).toEqual([]);
    expect(await appliedMigrations(database.db)).toHaveLength(2);
  });

  it('leaves nothing behind when a migration fails half-way, and stops there', async () => {
    const failing = {
      name: '002_broken',
      up: async (db: any) => {
        await sql`create table mig_half (id int)`.execute(db);
        await sql`select * from no_such_table`.execute(db);
      },
    };
    const after = {
      name: '003_after',
      up: async (db: any) => void (await sql`create table mig_after (id int)`.execute(db)),
    };
    await expect(migrate(database.db, [{ module: 'alpha', migrations: [first, failing, after] }])).rejects.toThrow(
      /migration alpha\/002_broken failed/,
    );
    const tables = await sql<{
      tablename: string;
    }>`select tablename from pg_tables where tablename like 'mig_%'`.execute(database.db);
    expect(tables.rows.map((r) => r.tablename).sort()).toEqual(['mig_a', 'mig_b']);
    const names = (await appliedMigrations(database.db)).map((m) => `${m.module}/${m.name}`);
    expect(names).not.toContain('alpha/002_broken');
    expect(names).not.toContain('alpha/003_after');
  });

  it('applies a migration once when two nodes migrate at the same time', async () => {
    let runs = 0;
    const counted = {
      name: '001_counted',
      up: async (db: any) => {
        runs += 1;
        await sql`create table mig_counted (id int)`.execute(db);
      },
    };
    const plan = [{ module: 'delta', migrations: [counted] }];
    const [a, b] = await Promise.all([migrate(database.db, plan), migrate(database.db, plan)]);
    expect(runs).toBe(1);
    expect([...a, ...b]).toEqual([{ module: 'delta', name: '001_counted' }]);
  });

  it('refuses duplicate names within a module', async () => {
    await expect(migrate(database.db, [{ module: 'gamma', migrations: [first, first] }])).rejects.toThrow(/duplicate/);
  });
});
