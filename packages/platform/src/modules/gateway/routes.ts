import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Kernel } from '../../kernel/module.js';
import { auditActor, ctxOf } from '../settings/context.js';
import type { ClientRow } from './schema.js';
import { API_SCOPES, assertActive, checkScopes, clientView, loadClient, newKey } from './service.js';

const Strict = { additionalProperties: false } as const;
const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) }, Strict);
const Scopes = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 20, uniqueItems: true });
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    scopes: Scopes,
  },
  Strict,
);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    scopes: Type.Optional(Scopes),
  },
  Strict,
);
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  Strict,
);

const RESOURCE = 'gateway.client';

/** 接口客户端管理 (admin): create, edit, rotate, revoke. Every write audited. */
export async function gatewayRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const guard = app.requirePermission('api-client:manage');
  const tags = ['gateway'];

  app.get('/api/gateway/scopes', { preHandler: guard, schema: { tags } }, async () => ({ items: API_SCOPES }));

  app.get('/api/gateway/clients', { preHandler: guard, schema: { tags, querystring: ListQuery } }, async (request) => {
    const { q, page = 1, pageSize = 20 } = request.query as { q?: string; page?: number; pageSize?: number };
    let base = kernel.db.selectFrom('gateway_clients');
    if (q) base = base.where('name', 'ilike', `%${q.replace(/[\\%_]/g, '\\$&')}%`);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute(),
      base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: (rows as ClientRow[]).map(clientView), total: Number(count.n) };
  });

  app.get('/api/gateway/clients/:id', { preHandler: guard, schema: { tags, params: IdParam } }, async (request) =>
    clientView(await loadClient(kernel, (request.params as { id: string }).id)),
  );

  app.post(
    '/api/gateway/clients',
    { preHandler: guard, schema: { tags, body: CreateBody } },
    async (request, reply) => {
      const body = request.body as { name: string; description?: string; scopes: string[] };
      checkScopes(body.scopes);
      const ctx = ctxOf(request);
      const { key, prefix, hash } = newKey(kernel);
      const row = await kernel.db.transaction().execute(async (tx) => {
        const actor = auditActor(ctx);
        const created = (await tx
          .insertInto('gateway_clients')
          .values({
            name: body.name,
            description: body.description ?? '',
            scopes: body.scopes,
            key_prefix: prefix,
            key_hash: hash,
            created_by: actor.actorId,
            created_by_name: actor.actorName,
          })
          .returningAll()
          .executeTakeFirstOrThrow()) as ClientRow;
        await kernel.audit.record(tx, {
          ...actor,
          action: 'create',
          resource: RESOURCE,
          resourceId: created.id,
          summary: `新建接口客户端「${created.name}」`,
          detail: { scopes: body.scopes },
        });
        return created;
      });
      return reply.code(201).send({ client: clientView(row), key });
    },
  );

  app.patch(
    '/api/gateway/clients/:id',
    { preHandler: guard, schema: { tags, params: IdParam, body: PatchBody } },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { name?: string; description?: string; scopes?: string[] };
      if (body.scopes) checkScopes(body.scopes);
      const before = await loadClient(kernel, id);
      assertActive(before);
      const ctx = ctxOf(request);
      const row = await kernel.db.transaction().execute(async (tx) => {
        const updated = (await tx
          .updateTable('gateway_clients')
          .set(body)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()) as ClientRow;
        await kernel.audit.record(tx, {
          ...auditActor(ctx),
          action: 'update',
          resource: RESOURCE,
          resourceId: id,
          summary: `修改接口客户端「${updated.name}」`,
          detail: { before: { name: before.name, scopes: before.scopes }, after: body },
        });
        return updated;
      });
      return clientView(row);
    },
  );

  app.post(
    '/api/gateway/clients/:id/rotate',
    { preHandler: guard, schema: { tags, params: IdParam } },
    async (request) => {
      const { id } = request.params as { id: string };
      assertActive(await loadClient(kernel, id));
      const ctx = ctxOf(request);
      const { key, prefix, hash } = newKey(kernel);
      const row = await kernel.db.transaction().execute(async (tx) => {
        const updated = (await tx
          .updateTable('gateway_clients')
          .set({ key_prefix: prefix, key_hash: hash })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()) as ClientRow;
        await kernel.audit.record(tx, {
          ...auditActor(ctx),
          action: 'rotate',
          resource: RESOURCE,
          resourceId: id,
          summary: `更换接口客户端「${updated.name}」的密钥`,
        });
        return updated;
      });
      return { client: clientView(row), key };
    },
  );

  app.post(
    '/api/gateway/clients/:id/revoke',
    { preHandler: guard, schema: { tags, params: IdParam } },
    async (request) => {
      const { id } = request.params as { id: string };
      assertActive(await loadClient(kernel, id));
      const ctx = ctxOf(request);
      const row = await kernel.db.transaction().execute(async (tx) => {
        const updated = (await tx
          .updateTable('gateway_clients')
          .set({ status: 'revoked', revoked_at: sql`now()` })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()) as ClientRow;
        await kernel.audit.record(tx, {
          ...auditActor(ctx),
          action: 'revoke',
          resource: RESOURCE,
          resourceId: id,
          summary: `吊销接口客户端「${updated.name}」`,
        });
        return updated;
      });
      return clientView(row);
    },
  );
}
