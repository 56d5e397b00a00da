import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { channelRoutes } from './channels.routes.js';
import { documentRoutes } from './documents.routes.js';
import { fileRoutes } from './files.routes.js';
import { portalRoutes } from './portal.routes.js';
import { siteRoutes } from './sites.routes.js';

/** Every HTTP route of the cms module, all under `/api/cms`. */
export async function cmsRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  await siteRoutes(app, kernel);
  await channelRoutes(app, kernel);
  await documentRoutes(app, kernel);
  await fileRoutes(app, kernel);
  await portalRoutes(app, kernel);
}
