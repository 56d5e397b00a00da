import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { imageRoutes } from './images.routes.js';
import { keyRoutes } from './keys.routes.js';
import { requestRoutes } from './requests.routes.js';
import { sealRoutes } from './seals.routes.js';
import { signRoutes } from './sign.routes.js';
import { verifyRoutes } from './verify.routes.js';

export interface SealServiceOptions {
  /** Largest document accepted for signing or verification (bytes). */
  maxFileBytes: number;
}

export async function registerSealRoutes(app: FastifyInstance, kernel: Kernel, options: SealServiceOptions) {
  // Own encapsulated scope: the multipart parser serves the seal routes only. Limits per form are
  // enforced while reading (upload.ts); these only bound the form itself.
  await app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 100, fields: 10, fieldSize: 64 * 1024, parts: 120 },
    });
    imageRoutes(scoped, kernel);
    keyRoutes(scoped, kernel);
    sealRoutes(scoped, kernel);
    requestRoutes(scoped, kernel);
    signRoutes(scoped, kernel, options.maxFileBytes);
    verifyRoutes(scoped, kernel, options.maxFileBytes);
  });
}
