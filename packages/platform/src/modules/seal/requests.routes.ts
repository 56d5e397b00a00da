import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { can } from '../../kernel/auth.js';
import { forbidden } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { countAll, IdParam, NullableDateTime, Paging, paging, Strict, Uuid } from './http.js';
import {
  createRequest,
  loadRequest,
  REQUEST_STATES,
  type RequestInput,
  requestView,
  selectRequests,
  withdrawRequest,
} from './requests.js';
import { type SealJoined, sealView, selectSeals } from './seals.js';

const State = Type.Union(Object.keys(REQUEST_STATES).map((s) => Type.Literal(s)));
const CreateBody = Type.Object(
  {
    sealId: Uuid,
    reason: Type.String({ minLength: 1, maxLength: 500, description: '用章事由' }),
    countLimit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Null()])),
    validFrom: Type.Optional(NullableDateTime),
    validTo: Type.Optional(NullableDateTime),
  },
  Strict,
);
const ListQuery = Type.Object(
  {
    mine: Type.Optional(Type.Union(['1', '0', 'true', 'false'].map((v) => Type.Literal(v)))),
    state: Type.Optional(State),
    sealId: Type.Optional(Uuid),
    ...Paging,
  },
  Strict,
);
const WithdrawBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, Strict);

/** 用章申请 (`/api/seal/requests`): any logged-in user applies; approval happens in the workflow inbox. */
export function requestRoutes(app: FastifyInstance, kernel: Kernel): void {
  const tags = ['seal-requests'];
  // Requests belong to people: API clients (principal `client:<id>`) neither apply nor list.
  const login: preHandlerAsyncHookHandler = async (request, reply) => {
    await app.requireAuth.call(app, request, reply);
    if (request.principal?.via === 'apiKey') throw forbidden('seal_request_user_only', '用章申请须由登录用户提出');
  };

  // Seals one may apply for: enabled seals requiring approval (applicants usually hold no seal:read).
  app.get('/api/seal/requestable-seals', { preHandler: login, schema: { tags } }, async () => {
    const rows = (await selectSeals(kernel.db)
      .where('s.requires_approval', '=', true)
      .where('s.status', '=', 'enabled')
      .orderBy('s.name')
      .execute()) as SealJoined[];
    const items = rows
      .map(sealView)
      .filter((s) => s.usable)
      .map((s) => ({ id: s.id, name: s.name, typeName: s.typeName, orgName: s.orgName, validTo: s.validTo }));
    return { items };
  });

  app.get('/api/seal/requests', { preHandler: login, schema: { tags, querystring: ListQuery } }, async (request) => {
    const query = request.query as { mine?: string; state?: string; sealId?: string; page?: number; pageSize?: number };
    const p = request.principal!;
    const mine = query.mine === '1' || query.mine === 'true' || !can(p, 'seal:read');
    let base = selectRequests(kernel.db);
    if (mine) base = base.where('r.applicant_id', '=', p.userId);
    if (query.state) base = base.where('r.state', '=', query.state);
    if (query.sealId) base = base.where('r.seal_id', '=', query.sealId);
    const { limit, offset } = paging(query);
    const [rows, count] = await Promise.all([
      base.orderBy('r.created_at', 'desc').limit(limit).offset(offset).execute(),
      base.clearSelect().select(countAll).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((r) => requestView(r as Parameters<typeof requestView>[0])), total: Number(count.n) };
  });

  app.get('/api/seal/requests/:id', { preHandler: login, schema: { tags, params: IdParam } }, async (request) => {
    const row = await loadRequest(kernel.db, (request.params as { id: string }).id);
    const p = request.principal!;
    if (row.applicant_id !== p.userId && !can(p, 'seal:read')) throw forbidden();
    return requestView(row);
  });

  app.post('/api/seal/requests', { preHandler: login, schema: { tags, body: CreateBody } }, async (request, reply) => {
    const id = await createRequest(kernel, ctxOf(request), request.body as RequestInput);
    return reply.code(201).send(requestView(await loadRequest(kernel.db, id)));
  });

  app.post(
    '/api/seal/requests/:id/withdraw',
    { preHandler: login, schema: { tags, params: IdParam, body: Type.Optional(WithdrawBody) } },
    async (request) => {
      const { id } = request.params as { id: string };
      await withdrawRequest(kernel, ctxOf(request), id, (request.body as { reason?: string } | undefined)?.reason);
      return requestView(await loadRequest(kernel.db, id));
    },
  );
}
