import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePrepared } from './db.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

describe('database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await sql`create table items (id serial primary key, name text not null unique, day date, big bigint, n numeric)`.execute(
      database.db,
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('returns the same JavaScript types on both back ends', async () => {
    await database.db.insertInto('items').values({ name: 'types', day: '2024-02-29', big: 42, n: '1.50' }).execute();
    const row = await database.db.selectFrom('items').selectAll().where('name', '=', 'types').executeTakeFirstOrThrow();
    expect(row.day).toBe('2024-02-29');
    expect(row.big).toBe(42);
    expect(row.n).toBe('1.50');
    const { count } = await database.db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toBe(1);
    const now = await sql<{ t: Date; j: unknown }>`select now() as t, '{"a":[1]}'::jsonb as j`.execute(database.db);
    expect(now.rows[0].t).toBeInstanceOf(Date);
    expect(now.rows[0].j).toEqual({ a: [1] });
  });

  it('runs several statements in one unparameterized query, as migrations do', async () => {
    await sql`create table multi_a (id int); create table multi_b (id int); insert into multi_a values (1), (2)`.execute(
      database.db,
    );
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from multi_a`.execute(database.db);
    expect(rows[0].n).toBe(2);
  });

  it('reports affected rows', async () => {
    const result = await database.db
      .updateTable('items')
      .set({ big: 7 })
      .where('name', '=', 'types')
      .executeTakeFirst();
    expect(result.numUpdatedRows).toBe(1n);
  });

  it('rolls a failing transaction back completely', async () => {
    await expect(
      database.db.transaction().execute(async (tx) => {
        await tx.insertInto('items').values({ name: 'tx-1' }).execute();
        await tx.insertInto('items').values({ name: 'tx-1' }).execute(); // unique violation
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const rows = await database.db.selectFrom('items').select('name').where('name', '=', 'tx-1').execute();
    expect(rows).toEqual([]);
  });

  it('does not report success for a transaction whose failed statement was caught', async () => {
    await expect(
      database.db.transaction().execute(async (tx) => {
        await tx.insertInto('items').values({ name: 'aborted-1' }).execute();
        await tx
          .insertInto('items')
          .values({ name: 'aborted-1' })
          .execute()
          .catch(() => {});
      }),
    ).rejects.toThrow(/abort|rolled back/i);
    const rows = await database.db.selectFrom('items').select('name').where('name', '=', 'aborted-1').execute();
    expect(rows).toEqual([]);
  });

  it('keeps concurrent transactions isolated from each other', async () => {
    // On PGlite (one session) the driver must serialize whole transactions; if it interleaved
    // statements, the second transaction's rollback would also undo the first one's insert.
    const slowCommit = database.db.transaction().execute(async (tx) => {
      await tx.insertInto('items').values({ name: 'kept' }).execute();
      await new Promise((r) => setTimeout(r, 50));
      await tx.insertInto('items').values({ name: 'kept-2' }).execute();
    });
    const failing = database.db.transaction().execute(async (tx) => {
      await tx.insertInto('items').values({ name: 'dropped' }).execute();
      throw new Error('abort');
    });
    const plain = database.db.insertInto('items').values({ name: 'plain' }).execute();
    await expect(failing).rejects.toThrow('abort');
    await slowCommit;
    await plain;
    const names = (await database.db.selectFrom('items').select('name').orderBy('name').execute()).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['kept', 'kept-2', 'plain']));
    expect(names).not.toContain('dropped');
  });

  it('supports savepoints (nested transactions)', async () => {
    const tx = await database.db.startTransaction().execute();
    await tx.insertInto('items').values({ name: 'outer' }).execute();
    const sp = await tx.savepoint('inner').execute();
    await sp.insertInto('items').values({ name: 'inner' }).execute();
    await sp.rollbackToSavepoint('inner').execute();
    await tx.commit().execute();
    const names = (await database.db.selectFrom('items').select('name').execute()).map((r) => r.name);
    expect(names).toContain('outer');
    expect(names).not.toContain('inner');
  });

  it('runs hot statements as named prepared statements on PostgreSQL, with the same results', async () => {
    const query = (name: string) => database.db.selectFrom('items').select(['id', 'name']).where('name', '=', name);
    await database.db.insertInto('items').values({ name: 'prepared' }).execute();
    await database.db.transaction().execute(async (tx) => {
      // One connection: the second run reuses the statement the first one prepared.
      for (let k = 0; k < 2; k++) {
        const { rows } = await executePrepared(tx, query('prepared'));
        expect(rows.map((r) => r.name)).toEqual(['prepared']);
      }
      const raw = await executePrepared(tx, sql<{ n: number }>`select ${41}::int + 1 as n`);
      expect(raw.rows[0].n).toBe(42);
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(tx);
      const mine = rows.filter((r) => r.statement.startsWith('/* prepared */'));
      // PGlite runs them as ordinary statements; PostgreSQL keeps one prepared statement per text.
      expect(mine.length).toBe(database.kind === 'postgres' ? 2 : 0);
    });
  });
});
