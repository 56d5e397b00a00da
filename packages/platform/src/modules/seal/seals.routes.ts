import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { assertCan, can } from '../../kernel/auth.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import {
  type AuthorizationInput,
  type AuthorizationRow,
  assertMayUse,
  authorizationView,
  candidateAuthorizations,
  createAuthorization,
  revokeAuthorization,
  selectAuthorizations,
} from './authorizations.js';
import { countAll, IdParam, likePattern, NullableDateTime, Paging, paging, Strict, Uuid } from './http.js';
import { imagePng } from './images.js';
import {
  changeStatus,
  createSeal,
  deleteSeal,
  loadSeal,
  SEAL_TYPES,
  type SealInput,
  type SealJoined,
  sealView,
  selectSeals,
  updateSeal,
} from './seals.js';

const SealType = Type.Union(Object.keys(SEAL_TYPES).map((t) => Type.Literal(t)));
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Code = Type.Union([Type.String({ minLength: 1, maxLength: 40, pattern: '^[0-9A-Za-z-]+$' }), Type.Null()]);
const Description = Type.String({ maxLength: 500 });
const CreateBody = Type.Object(
  {
    name: Name,
    type: SealType,
    imageId: Uuid,
    keyId: Uuid,
    code: Type.Optional(Code),
    orgId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    validFrom: Type.Optional(NullableDateTime),
    validTo: Type.Optional(NullableDateTime),
    description: Type.Optional(Description),
    requiresApproval: Type.Optional(Type.Boolean()),
  },
  Strict,
);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    code: Type.Optional(Code),
    orgId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    validFrom: Type.Optional(NullableDateTime),
    validTo: Type.Optional(NullableDateTime),
    description: Type.Optional(Description),
    requiresApproval: Type.Optional(Type.Boolean()),
  },
  Strict,
);
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    type: Type.Optional(SealType),
    status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled'), Type.Literal('retired')])),
    ...Paging,
  },
  Strict,
);
const SubjectType = Type.Union([Type.Literal('user'), Type.Literal('org'), Type.Literal('client')]);
const AuthBody = Type.Object(
  {
    sealId: Uuid,
    subjectType: SubjectType,
    subjectId: Type.String({ minLength: 1, maxLength: 64 }),
    maxUses: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()])),
    validFrom: Type.Optional(NullableDateTime),
    validTo: Type.Optional(NullableDateTime),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  Strict,
);
const AuthQuery = Type.Object(
  {
    sealId: Type.Optional(Uuid),
    subjectType: Type.Optional(SubjectType),
    subjectId: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Type.Union(['active', 'revoked'].map((s) => Type.Literal(s)))),
    ...Paging,
  },
  Strict,
);

/** Logged-in users (their authorizations decide) or API clients holding the `seal:sign` scope. */
export function signerGuard(app: FastifyInstance): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    await app.requireAuth.call(app, request, reply);
    if (request.principal?.via === 'apiKey') assertCan(request.principal, 'seal:sign');
  };
}

export function sealRoutes(app: FastifyInstance, kernel: Kernel): void {
  const tags = ['seal-seals'];
  const read = app.requirePermission('seal:read');
  const manage = app.requirePermission('seal:manage');
  const authorize = app.requirePermission('seal-authorization:manage');

  const one = async (id: string) => sealView(await loadSeal(kernel.db, id));

  app.get('/api/seal/seals', { preHandler: read, schema: { tags, querystring: ListQuery } }, async (request) => {
    const query = request.query as { q?: string; type?: string; status?: string; page?: number; pageSize?: number };
    let base = kernel.db.selectFrom('seal_seals as s');
    if (query.q) base = base.where('s.name', 'ilike', likePattern(query.q));
    if (query.type) base = base.where('s.type', '=', query.type);
    if (query.status) base = base.where('s.status', '=', query.status);
    const { limit, offset } = paging(query);
    const ids = (await base.select('s.id').orderBy('s.created_at', 'desc').limit(limit).offset(offset).execute()).map(
      (r) => r.id as string,
    );
    const [rows, count] = await Promise.all([
      ids.length ? selectSeals(kernel.db).where('s.id', 'in', ids).orderBy('s.created_at', 'desc').execute() : [],
      base.select(countAll).executeTakeFirstOrThrow(),
    ]);
    return { items: (rows as SealJoined[]).map(sealView), total: Number(count.n) };
  });

  app.get('/api/seal/seals/:id', { preHandler: read, schema: { tags, params: IdParam } }, async (request) =>
    one((request.params as { id: string }).id),
  );

  // The seal's picture for the workbench: open to holders of seal:read and to users authorized to use it.
  app.get(
    '/api/seal/seals/:id/image',
    { preHandler: signerGuard(app), schema: { tags, params: IdParam } },
    async (request, reply) => {
      const seal = await loadSeal(kernel.db, (request.params as { id: string }).id);
      if (!can(request.principal, 'seal:read')) await assertMayUse(kernel.db, request.principal!, seal.id);
      return reply
        .type('image/png')
        .header('cache-control', 'private, max-age=86400')
        .header('x-seal-width-mm', String(Number(seal.image_width_mm)))
        .header('x-seal-height-mm', String(Number(seal.image_height_mm)))
        .send(await imagePng(kernel, { sha256: seal.image_sha256 }));
    },
  );

  app.post('/api/seal/seals', { preHandler: manage, schema: { tags, body: CreateBody } }, async (request, reply) => {
    const id = await createSeal(kernel, ctxOf(request), request.body as SealInput);
    return reply.code(201).send(await one(id));
  });

  app.patch(
    '/api/seal/seals/:id',
    { preHandler: manage, schema: { tags, params: IdParam, body: PatchBody } },
    async (request) => {
      const { id } = request.params as { id: string };
      await updateSeal(kernel, ctxOf(request), id, request.body as Partial<SealInput>);
      return one(id);
    },
  );

  for (const action of ['enable', 'disable', 'retire'] as const) {
    app.post(
      `/api/seal/seals/:id/${action}`,
      { preHandler: manage, schema: { tags, params: IdParam } },
      async (request) => {
        const { id } = request.params as { id: string };
        await changeStatus(kernel, ctxOf(request), id, action);
        return one(id);
      },
    );
  }

  app.delete(
    '/api/seal/seals/:id',
    { preHandler: manage, schema: { tags, params: IdParam } },
    async (request, reply) => {
      await deleteSeal(kernel, ctxOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  // 用章授权
  app.get(
    '/api/seal/authorizations',
    { preHandler: read, schema: { tags, querystring: AuthQuery } },
    async (request) => {
      const query = request.query as {
        sealId?: string;
        subjectType?: string;
        subjectId?: string;
        status?: string;
        page?: number;
        pageSize?: number;
      };
      let base = selectAuthorizations(kernel.db);
      if (query.sealId) base = base.where('a.seal_id', '=', query.sealId);
      if (query.subjectType) base = base.where('a.subject_type', '=', query.subjectType);
      if (query.subjectId) base = base.where('a.subject_id', '=', query.subjectId);
      if (query.status === 'revoked') base = base.where('a.revoked_at', 'is not', null);
      if (query.status === 'active') base = base.where('a.revoked_at', 'is', null);
      const { limit, offset } = paging(query);
      const [rows, count] = await Promise.all([
        base.orderBy('a.created_at', 'desc').limit(limit).offset(offset).execute(),
        base.clearSelect().select(countAll).executeTakeFirstOrThrow(),
      ]);
      return {
        items: (rows as (AuthorizationRow & { seal_name: string })[]).map(authorizationView),
        total: Number(count.n),
      };
    },
  );

  app.post(
    '/api/seal/authorizations',
    { preHandler: authorize, schema: { tags, body: AuthBody } },
    async (request, reply) => {
      const id = await createAuthorization(kernel, ctxOf(request), request.body as AuthorizationInput);
      const row = await selectAuthorizations(kernel.db).where('a.id', '=', id).executeTakeFirstOrThrow();
      return reply.code(201).send(authorizationView(row as AuthorizationRow & { seal_name: string }));
    },
  );

  app.delete(
    '/api/seal/authorizations/:id',
    { preHandler: authorize, schema: { tags, params: IdParam } },
    async (request, reply) => {
      await revokeAuthorization(kernel, ctxOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.get('/api/seal/my-seals', { preHandler: signerGuard(app), schema: { tags } }, async (request) => {
    const candidates = await candidateAuthorizations(kernel.db, request.principal!);
    const usable = candidates.filter((c) => c.max_uses === null || c.used_count < c.max_uses);
    const ids = [...new Set(usable.map((c) => c.seal_id))];
    const seals = ids.length ? ((await selectSeals(kernel.db).where('s.id', 'in', ids).execute()) as SealJoined[]) : [];
    const items = seals
      .map(sealView)
      .filter((s) => s.usable)
      .map((seal) => {
        const auth = usable.find((c) => c.seal_id === seal.id)!;
        return {
          seal,
          authorizationId: auth.id,
          remaining: auth.max_uses === null ? null : auth.max_uses - auth.used_count,
          validTo: auth.valid_to,
        };
      })
      .sort((a, b) => a.seal.name.localeCompare(b.seal.name, 'zh-CN'));
    return { items };
  });
}
