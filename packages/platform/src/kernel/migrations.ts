import { type Kysely, sql } from 'kysely';
import type { Db } from './db.js';

export interface Migration {
  /** Unique within the module and never renamed once released, e.g. '001_users'. */
  name: string;
  up(db: Kysely<any>): Promise<void>;
}

export interface ModuleMigrations {
  module: string;
  migrations: Migration[];
}

export interface AppliedMigration {
  module: string;
  name: string;
}

/* Serializes migrators of several nodes starting at once on one PostgreSQL (any constant works). */
const MIGRATION_LOCK_KEY = 7_346_201;

async function ensureTable(db: Db): Promise<void> {
  // Under the lock: two nodes running `create table if not exists` at once can still collide.
  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(tx);
    await sql`
      create table if not exists kernel_migrations (
        module text not null,
        name text not null,
        applied_at timestamptz not null default now(),
        primary key (module, name)
      )`.execute(tx);
  });
}

function checkNames(list: ModuleMigrations): void {
  const seen = new Set<string>();
  for (const m of list.migrations) {
    if (seen.has(m.name)) throw new Error(`module ${list.module}: duplicate migration name "${m.name}"`);
    seen.add(m.name);
  }
}

/**
 * Applies, in list order, every migration not yet recorded. Each migration and its record are one
 * transaction, so a failing migration leaves neither half its tables nor a record behind.
 */
export async function migrate(db: Db, modules: ModuleMigrations[]): Promise<AppliedMigration[]> {
  for (const m of modules) checkNames(m);
  await ensureTable(db);
  const applied: AppliedMigration[] = [];
  for (const { module, migrations } of modules) {
    for (const migration of migrations) {
      const done = await db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(tx);
        const existing = await tx
          .selectFrom('kernel_migrations')
          .select('name')
          .where('module', '=', module)
          .where('name', '=', migration.name)
          .executeTakeFirst();
        if (existing) return false;
        try {
          await migration.up(tx);
        } catch (err) {
          throw new Error(`migration ${module}/${migration.name} failed: ${(err as Error).message}`, { cause: err });
        }
        await tx.insertInto('kernel_migrations').values({ module, name: migration.name }).execute();
        return true;
      });
      if (done) applied.push({ module, name: migration.name });
    }
  }
  return applied;
}

export async function appliedMigrations(db: Db): Promise<AppliedMigration[]> {
  await ensureTable(db);
  return db.selectFrom('kernel_migrations').select(['module', 'name']).orderBy('applied_at').orderBy('name').execute();
}
