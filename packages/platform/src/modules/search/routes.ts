import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { conflict } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { type PublicSearchInput, publicSearch } from './engine.js';
import { globalBatch, globalSearch } from './global.js';
import { searchHome } from './home.js';
import { renderSearchPage } from './page.js';
import { listQueries, queryStats } from './querylog.js';
import type { TermKind } from './schema.js';
import { suggest } from './suggest.js';
import { createTerm, deleteTerm, listTerms, updateTerm } from './terms.js';

const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const PAGE = Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 }));
const KIND = Type.Union(['plain', 'blocked', 'synonym', 'user'].map((k) => Type.Literal(k)));
const TERM_TEXT = Type.String({ minLength: 1, maxLength: 30 });

/** Query parameters of the public search (API and page); extra parameters are ignored. */
export const PUBLIC_QUERY = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 2000 })),
  within: Type.Optional(Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 5 })),
  mode: Type.Optional(Type.Union([Type.Literal('smart'), Type.Literal('exact')])),
  site: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,40}$' })),
  type: Type.Optional(Type.String({ pattern: '^[a-z]{1,20}$' })),
  category: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
  range: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month'), Type.Literal('year')])),
  from: Type.Optional(DATE),
  to: Type.Optional(DATE),
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('newest')])),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
});

const SEARCH_LIMIT = { max: 60, timeWindow: 60_000 };
const SUGGEST_LIMIT = { max: 120, timeWindow: 60_000 };

export async function searchRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  // ---- public --------------------------------------------------------------------------------
  app.get(
    '/api/search',
    {
      config: { rateLimit: SEARCH_LIMIT },
      schema: { tags: ['search'], summary: '智能检索', querystring: PUBLIC_QUERY },
    },
    async (request) => publicSearch(kernel, request.query as PublicSearchInput),
  );
  app.get(
    '/api/search/suggest',
    {
      config: { rateLimit: SUGGEST_LIMIT },
      schema: {
        tags: ['search'],
        summary: '智能提示',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 2000 })),
          site: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,40}$' })),
        }),
      },
    },
    async (request) => {
      const { q, site } = request.query as { q?: string; site?: string };
      return suggest(kernel, q ?? '', site);
    },
  );
  app.get(
    '/api/search/home',
    {
      config: { rateLimit: SEARCH_LIMIT },
      schema: {
        tags: ['search'],
        summary: '信息资源聚合',
        querystring: Type.Object({ site: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,40}$' })) }),
      },
    },
    async (request) => searchHome(kernel, { site: (request.query as { site?: string }).site }),
  );
  for (const url of ['/search', '/sites/:code/search']) {
    app.get(
      url,
      {
        config: { rateLimit: SEARCH_LIMIT },
        schema: {
          hide: true,
          params: Type.Object({ code: Type.Optional(Type.String({ maxLength: 40 })) }),
          querystring: Type.Composite([PUBLIC_QUERY, Type.Object({ care: Type.Optional(Type.Literal('1')) })]),
        },
      },
      async (request, reply) => {
        const { code } = request.params as { code?: string };
        const { care, ...query } = request.query as PublicSearchInput & { care?: '1' };
        const page = await renderSearchPage(kernel, query, code, { care: care === '1' });
        return reply.code(page.status).type('text/html; charset=utf-8').send(page.html);
      },
    );
  }

  // ---- console: 全局搜索 -----------------------------------------------------------------------
  app.get(
    '/api/search/global',
    {
      preHandler: app.requirePermission('search:global'),
      schema: {
        tags: ['search'],
        summary: '全局搜索',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            siteId: Type.Optional(Type.String({ format: 'uuid' })),
            channelId: Type.Optional(Type.String({ format: 'uuid' })),
            state: Type.Optional(
              Type.Union(['draft', 'pending', 'published', 'withdrawn'].map((s) => Type.Literal(s))),
            ),
            kind: Type.Optional(Type.String({ pattern: '^[a-z]{1,20}$' })),
            category: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
            field: Type.Optional(Type.Union([Type.Literal('title'), Type.Literal('all')])),
            sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('newest')])),
            from: Type.Optional(DATE),
            to: Type.Optional(DATE),
            page: PAGE,
            pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => globalSearch(kernel, ctxOf(request), request.query as any),
  );
  app.post(
    '/api/search/global/batch',
    {
      preHandler: app.requirePermission('search:global'),
      schema: {
        tags: ['search'],
        summary: '全局搜索结果批量操作',
        body: Type.Object(
          {
            action: Type.Union(['withdraw', 'publish', 'move', 'delete'].map((a) => Type.Literal(a))),
            ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 200 }),
            targetChannelId: Type.Optional(Type.String({ format: 'uuid' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => globalBatch(kernel, ctxOf(request), request.body as any),
  );

  // ---- console: 检索词典 -----------------------------------------------------------------------
  const kindParams = Type.Object({ kind: KIND });
  const termBody = (required: boolean) => {
    const props = {
      term: TERM_TEXT,
      targets: Type.Optional(Type.Array(TERM_TEXT, { maxItems: 20 })),
      note: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
      enabled: Type.Optional(Type.Boolean()),
    };
    return Type.Object(required ? props : { ...props, term: Type.Optional(TERM_TEXT) }, {
      additionalProperties: false,
    });
  };
  const dictionary = { preHandler: app.requirePermission('search:dictionary') };
  app.get(
    '/api/search/dictionaries/:kind',
    {
      ...dictionary,
      schema: {
        tags: ['search'],
        params: kindParams,
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 30 })),
            page: PAGE,
            pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { kind } = request.params as { kind: TermKind };
      return listTerms(kernel, kind, request.query as any);
    },
  );
  app.post(
    '/api/search/dictionaries/:kind',
    { ...dictionary, schema: { tags: ['search'], params: kindParams, body: termBody(true) } },
    async (request, reply) => {
      const { kind } = request.params as { kind: TermKind };
      return reply.code(201).send(await createTerm(kernel, ctxOf(request), kind, request.body as any));
    },
  );
  const termParams = Type.Object({ kind: KIND, id: Type.String({ format: 'uuid' }) });
  app.patch(
    '/api/search/dictionaries/:kind/:id',
    { ...dictionary, schema: { tags: ['search'], params: termParams, body: termBody(false) } },
    async (request) => {
      const { kind, id } = request.params as { kind: TermKind; id: string };
      return updateTerm(kernel, ctxOf(request), kind, id, request.body as any);
    },
  );
  app.delete(
    '/api/search/dictionaries/:kind/:id',
    { ...dictionary, schema: { tags: ['search'], params: termParams } },
    async (request) => {
      const { kind, id } = request.params as { kind: TermKind; id: string };
      return deleteTerm(kernel, ctxOf(request), kind, id);
    },
  );

  // ---- console: 检索日志 -----------------------------------------------------------------------
  const log = { preHandler: app.requirePermission('search:log') };
  app.get(
    '/api/search/queries',
    {
      ...log,
      schema: {
        tags: ['search'],
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            zero: Type.Optional(Type.Boolean()),
            blocked: Type.Optional(Type.Boolean()),
            from: Type.Optional(DATE),
            to: Type.Optional(DATE),
            page: PAGE,
            pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => listQueries(kernel, request.query as any),
  );
  app.get(
    '/api/search/queries/stats',
    {
      ...log,
      schema: {
        tags: ['search'],
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => queryStats(kernel, (request.query as { days?: number }).days ?? 30),
  );

  // ---- console: index ------------------------------------------------------------------------
  const manage = { preHandler: app.requirePermission('search:manage') };
  app.get('/api/search/index', { ...manage, schema: { tags: ['search'] } }, async () => indexStatus(kernel));
  app.post('/api/search/index/rebuild', { ...manage, schema: { tags: ['search'] } }, async (request, reply) => {
    // Checked before the transaction: on PGlite nothing but `tx` may query inside it, and
    // kernel.jobs.get reads through the kernel's own handle. Two clicks in the same instant may
    // both pass; the job is idempotent, so the worst case is one rebuild too many.
    const previous = await rebuildJobId(kernel.db);
    const running = previous ? await kernel.jobs.get(previous) : null;
    if (running && (running.status === 'queued' || running.status === 'running')) {
      throw conflict('search_rebuild_running', '索引正在重建', { extra: { jobId: running.id } });
    }
    const jobId = await kernel.db.transaction().execute(async (tx) => {
      const id = await kernel.jobs.enqueue(tx, 'search.rebuild', {}, { createdBy: request.principal?.userId });
      await kernel.audit.record(tx, {
        ...kernel.audit.actorOf(request),
        action: 'search.rebuild',
        resource: 'search.index',
        resourceId: String(id),
        summary: '重建检索索引',
      });
      await tx
        .insertInto('search_state')
        .values({ key: 'rebuild_job', value: JSON.stringify({ id }) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`excluded.value`, updated_at: sql`now()` }))
        .execute();
      return id;
    });
    return reply.code(202).send({ jobId });
  });
}

async function indexStatus(kernel: Kernel) {
  const counts = await kernel.db
    .selectFrom('search_documents')
    .select([
      sql<number>`count(*)::int`.as('documents'),
      sql<number>`count(*) filter (where state = 'published')::int`.as('published'),
    ])
    .executeTakeFirstOrThrow();
  const last = await kernel.db
    .selectFrom('search_state')
    .select('value')
    .where('key', '=', 'last_rebuild')
    .executeTakeFirst();
  const jobId = await rebuildJobId(kernel.db);
  const job = jobId ? await kernel.jobs.get(jobId) : null;
  return {
    documents: counts.documents,
    published: counts.published,
    lastBuiltAt: (last?.value as { at?: string } | undefined)?.at ?? null,
    job: job ? { id: job.id, status: job.status, done: job.done, total: job.total, message: job.message } : null,
  };
}

async function rebuildJobId(db: Db | Tx): Promise<string | null> {
  const row = await db.selectFrom('search_state').select('value').where('key', '=', 'rebuild_job').executeTakeFirst();
  return (row?.value as { id?: string } | undefined)?.id ?? null;
}
