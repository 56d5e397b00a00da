import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { assetsRoutes } from './assets.routes.js';
import { cacheRoutes } from './cache.routes.js';
import { releaseOrphanedJobs } from './jobs.js';
import { queueInitialRebuilds } from './seed.js';
import { serveRoutes } from './serve.js';
import { templatesRoutes } from './templates.routes.js';
import { topicsRoutes } from './topics.routes.js';

/** Every route of the publishing module: /api/publishing/* and the public /sites/:code/*. */
export async function publishingRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  await cacheRoutes(app, kernel);
  await templatesRoutes(app, kernel);
  await topicsRoutes(app, kernel);
  await assetsRoutes(app, kernel);
  await serveRoutes(app, kernel);
  // A rebuild this machine was running when it died continues now instead of after its lease.
  releaseOrphanedJobs(kernel)
    .then(() => queueInitialRebuilds(kernel))
    .catch((err) => kernel.log.warn({ err }, 'publishing start-up tasks failed'));
}
