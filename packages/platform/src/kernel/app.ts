import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvCompiler from '@fastify/ajv-compiler';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { can } from './auth.js';
import type { Config } from './config.js';
import { type Database, openDatabase, pingDatabase } from './db.js';
import { AppError, notFound, ProblemSchema, registerErrorHandling, sendProblem, tooManyRequests } from './errors.js';
import type { EventBusOptions } from './events.js';
import type { JobQueueOptions } from './jobs.js';
import { createKernel, type Kernel, migrateAll, seedAll } from './kernel.js';
import { createMetrics } from './metrics.js';
import type { JiyueModule } from './module.js';

export interface BuildAppOptions {
  config: Config;
  modules: JiyueModule[];
  /** An already opened database (tests); otherwise opened from `config` and closed with the app. */
  database?: Database;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Run module seeds not yet run (default true). */
  seed?: boolean;
  /** Folder of the built console; default `packages/admin/dist`. Served at /admin when it exists. */
  adminDist?: string;
  logger?: FastifyServerOptions['logger'];
  jobs?: JobQueueOptions;
  events?: EventBusOptions;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_ADMIN_DIST = path.resolve(here, '../../../admin/dist');

/*
 * Bodies are validated strictly (no coercion, unknown fields rejected by the schemas'
 * additionalProperties: false); query strings, params and headers arrive as text, so only they
 * are coerced ("?page=2" → 2). allErrors so the client gets every bad field at once.
 */
const BASE_AJV = { removeAdditional: false, useDefaults: true, allErrors: true, strict: false } as const;

function buildValidator(externalSchemas: any, options: any) {
  const body = AjvCompiler()(externalSchemas, {
    ...options,
    customOptions: { ...BASE_AJV, coerceTypes: false },
  });
  const text = AjvCompiler()(externalSchemas, {
    ...options,
    customOptions: { ...BASE_AJV, coerceTypes: 'array' },
  });
  return (route: { httpPart?: string }) => (route.httpPart === 'body' ? body(route as any) : text(route as any));
}

export async function buildApp(options: BuildAppOptions): Promise<{ app: FastifyInstance; kernel: Kernel }> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy as any,
    bodyLimit: 10 * 1024 * 1024,
    schemaController: { compilersFactory: { buildValidator } },
    ajv: { customOptions: BASE_AJV },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  const database = options.database ?? (await openDatabase(config));
  const ownsDatabase = !options.database;
  try {
    const kernel = createKernel({
      config,
      db: database.db,
      dbKind: database.kind,
      log: app.log,
      modules: options.modules,
      jobs: options.jobs,
      events: options.events,
    });
    if (options.migrate !== false) {
      const applied = await migrateAll(database.db, options.modules);
      if (applied.length) app.log.info({ applied: applied.map((m) => `${m.module}/${m.name}`) }, 'migrations applied');
    }
    if (options.seed !== false) await seedAll(kernel);

    app.decorate('kernel', kernel);
    app.addHook('onClose', async () => {
      await kernel.jobs.stop();
      await kernel.events.stop();
      if (ownsDatabase) await database.close();
    });

    // A write may have committed outbox events: deliver them now rather than at the next poll.
    app.addHook('onResponse', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') kernel.events.kick();
    });
    registerErrorHandling(app);
    app.addSchema(ProblemSchema);
    await app.register(fastifyCookie);
    await app.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) => tooManyRequests(Math.max(1, Math.ceil(ctx.ttl / 1000))),
    });
    await registerDocs(app);
    kernel.auth.install(app);
    createMetrics(app, kernel);
    registerKernelRoutes(app, kernel);
    for (const m of options.modules) m.serverHooks?.(app, kernel);
    for (const m of options.modules) {
      if (m.routes) {
        const routes = m.routes;
        await app.register(async (scoped) => routes(scoped, kernel));
      }
    }
    await registerAdmin(app, options.adminDist ?? DEFAULT_ADMIN_DIST);
    await app.ready();
    return { app, kernel };
  } catch (err) {
    await app.close().catch(() => {});
    if (ownsDatabase) await database.close().catch(() => {});
    throw err;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    kernel: Kernel;
  }
}

async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Jiyue 集约 API',
        description: '政府网站集约化平台、一件事一次办与电子印章服务的接口。错误响应均为 application/problem+json。',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'jiyue_sid' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) || `def-${i}` },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
}

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  db: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
});

const JobViewSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.String({ enum: ['queued', 'running', 'succeeded', 'failed'] }),
  done: Type.Integer(),
  total: Type.Integer(),
  message: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  result: Type.Unknown(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const AuditQuerySchema = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    actorId: Type.Optional(Type.String()),
    action: Type.Optional(Type.String()),
    resource: Type.Optional(Type.String()),
    resourceId: Type.Optional(Type.String()),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const problemRef = { $ref: 'Problem#' };

function registerKernelRoutes(app: FastifyInstance, kernel: Kernel): void {
  app.get(
    '/healthz',
    { schema: { tags: ['system'], summary: '健康检查', response: { 200: HealthSchema, 503: problemRef } } },
    async (_request, reply) => {
      try {
        await pingDatabase(kernel.db);
      } catch (err) {
        return sendProblem(
          reply,
          new AppError(503, 'db_unavailable', '数据库不可用', {
            detail: (err as Error).message,
            extra: { db: kernel.dbKind },
          }),
        );
      }
      return { status: 'ok' as const, db: kernel.dbKind };
    },
  );

  app.get(
    '/api/jobs/:id',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['system'],
        summary: '查询后台任务进度',
        params: Type.Object({ id: Type.String() }),
        response: { 200: JobViewSchema, 404: problemRef },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const job = await kernel.jobs.get(id);
      // Someone else's job is reported as missing, not forbidden, so ids cannot be probed.
      if (!job || (job.createdBy !== request.principal?.userId && !can(request.principal, 'job:read'))) {
        throw notFound('job_not_found', '任务不存在');
      }
      return job;
    },
  );

  app.get(
    '/api/audit',
    {
      preHandler: app.requirePermission('audit:read'),
      schema: { tags: ['audit'], summary: '审计日志', querystring: AuditQuerySchema },
    },
    async (request) => kernel.audit.list(request.query as any),
  );

  app.get(
    '/api/audit/verify',
    { preHandler: app.requirePermission('audit:read'), schema: { tags: ['audit'], summary: '校验审计日志哈希链' } },
    async () => kernel.audit.verify(),
  );
}

async function registerAdmin(app: FastifyInstance, dist: string): Promise<void> {
  const index = path.join(dist, 'index.html');
  if (!existsSync(index)) {
    app.get('/admin', async () => {
      throw new AppError(503, 'console_not_built', '管理后台尚未构建', { detail: '请运行 npm run build:admin' });
    });
    return;
  }
  app.get('/admin', (_request, reply) => reply.redirect('/admin/'));
  app.get('/', (_request, reply) => reply.redirect('/admin/'));
  await app.register(
    async (scoped) => {
      await scoped.register(fastifyStatic, { root: dist, prefix: '/', index: ['index.html'] });
      // Client-side routes (/admin/users/42) have no file: hand the SPA its shell and let it route.
      scoped.setNotFoundHandler((request, reply) => {
        if (request.method !== 'GET' || path.extname(request.url.split('?')[0])) {
          return sendProblem(reply, notFound('route_not_found', '资源不存在', { detail: request.url }));
        }
        return reply.type('text/html; charset=utf-8').sendFile('index.html', dist);
      });
    },
    { prefix: '/admin' },
  );
}
