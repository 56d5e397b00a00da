import type { FastifyInstance } from 'fastify';
import type { EventHandler } from './events.js';
import type { CronDef, JobHandler } from './jobs.js';
import type { Kernel } from './kernel.js';
import type { Migration } from './migrations.js';
import type { PermissionDef } from './permissions.js';

export type { CronDef, EventHandler, JobHandler, Kernel, Migration, PermissionDef };

/** A business module: owns its tables, routes, permissions, jobs and event handlers. */
export interface JiyueModule {
  /** Folder name, e.g. 'identity'; also the key of its migrations in kernel_migrations. */
  name: string;
  migrations?: Migration[];
  permissions?: PermissionDef[];
  /** Registers routes; paths are absolute (`/api/<module>/…`). */
  routes?: (app: FastifyInstance, kernel: Kernel) => Promise<void>;
  /**
   * Hooks that must see every request of the server, not only the module's own routes (those
   * live in an encapsulated context): installed on the root instance before any route.
   */
  serverHooks?: (app: FastifyInstance, kernel: Kernel) => void;
  /** Job handlers by job type; types should be prefixed with the module name (`cms.render`). */
  jobs?: Record<string, JobHandler>;
  cron?: CronDef[];
  /** Handlers by event name, run after commit by the outbox dispatcher. */
  events?: Record<string, EventHandler>;
  /** Runs on every start after migrations; must be idempotent (insert only what is missing). */
  seed?(kernel: Kernel): Promise<void>;
}
