import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import { AuditLog, auditMigrations } from './audit.js';
import { AuthService } from './auth.js';
import type { Config } from './config.js';
import { createCrypto, type KernelCrypto } from './crypto.js';
import type { Db, DbKind } from './db.js';
import { EventBus, type EventBusOptions, eventMigrations } from './events.js';
import { createKernelFiles, fileMigrations, type KernelFiles } from './files.js';
import { JobQueue, type JobQueueOptions, jobMigrations } from './jobs.js';
import { type Migration, type ModuleMigrations, migrate } from './migrations.js';
import type { JiyueModule } from './module.js';
import { KERNEL_PERMISSIONS, PermissionRegistry } from './permissions.js';

/** Everything a module gets: the shared services of the platform. */
export interface Kernel {
  config: Config;
  db: Db;
  dbKind: DbKind;
  log: FastifyBaseLogger;
  permissions: PermissionRegistry;
  auth: AuthService;
  audit: AuditLog;
  events: EventBus;
  jobs: JobQueue;
  crypto: KernelCrypto;
  /** Content-addressed file store and file reference tracking (files.ts). */
  files: KernelFiles;
  modules: readonly JiyueModule[];
}

export interface KernelOptions {
  config: Config;
  db: Db;
  dbKind: DbKind;
  log: FastifyBaseLogger;
  modules: JiyueModule[];
  jobs?: JobQueueOptions;
  events?: EventBusOptions;
}

export const KERNEL_MODULE = 'kernel';

const seedsMigration: Migration = {
  name: '004_kernel_seeds',
  async up(db) {
    await sql`create table kernel_seeds (module text primary key, seeded_at timestamptz not null default now())`.execute(
      db,
    );
  },
};

/** Kernel tables first, then each module's list in module order. */
export function migrationPlan(modules: readonly JiyueModule[]): ModuleMigrations[] {
  return [
    {
      module: KERNEL_MODULE,
      migrations: [...auditMigrations, ...eventMigrations, ...jobMigrations, seedsMigration, ...fileMigrations],
    },
    ...modules.filter((m) => m.migrations?.length).map((m) => ({ module: m.name, migrations: m.migrations ?? [] })),
  ];
}

export async function migrateAll(db: Db, modules: readonly JiyueModule[]) {
  return migrate(db, migrationPlan(modules));
}

/** Wires permissions, job handlers, crons and event handlers of every module into one kernel. */
export function createKernel(options: KernelOptions): Kernel {
  const names = new Set<string>();
  for (const m of options.modules) {
    if (names.has(m.name)) throw new Error(`module ${m.name} listed twice`);
    names.add(m.name);
  }
  const permissions = new PermissionRegistry();
  permissions.register(KERNEL_PERMISSIONS);
  const kernel: Kernel = {
    config: options.config,
    db: options.db,
    dbKind: options.dbKind,
    log: options.log,
    permissions,
    auth: new AuthService(permissions),
    audit: new AuditLog(options.db),
    events: new EventBus(options.db, options.events),
    jobs: new JobQueue(options.db, options.jobs),
    crypto: createCrypto(options.config.secretKey),
    files: createKernelFiles(options.db, options.config.dataDir),
    modules: options.modules,
  };
  kernel.events.bind(kernel);
  kernel.jobs.bind(kernel);
  for (const m of options.modules) {
    permissions.register(m.permissions ?? []);
    for (const [type, handler] of Object.entries(m.jobs ?? {})) kernel.jobs.register(type, handler);
    for (const def of m.cron ?? []) kernel.jobs.schedule(def);
    for (const [name, handler] of Object.entries(m.events ?? {})) kernel.events.on(name, `${m.name}:${name}`, handler);
  }
  kernel.jobs.checkSchedules();
  return kernel;
}

/**
 * Runs, in module order, the seed of every module that has not been seeded yet (first start, or
 * the first start after the module was added), so data an administrator deleted is not re-created.
 */
export async function seedAll(kernel: Kernel): Promise<string[]> {
  const seeded: string[] = [];
  for (const m of kernel.modules) {
    if (!m.seed) continue;
    const done = await kernel.db
      .selectFrom('kernel_seeds')
      .select('module')
      .where('module', '=', m.name)
      .executeTakeFirst();
    if (done) continue;
    await m.seed(kernel);
    await kernel.db
      .insertInto('kernel_seeds')
      .values({ module: m.name })
      .onConflict((oc) => oc.doNothing())
      .execute();
    seeded.push(m.name);
  }
  return seeded;
}
