import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, conflict } from './errors.js';
import type { JiyueModule } from './module.js';
import { createTestApp, type TestApp } from './testing.js';

const echoModule: JiyueModule = {
  name: 'echo',
  permissions: [{ code: 'echo:write', name: '回声', group: '测试' }],
  migrations: [
    {
      name: '001_things',
      async up(db) {
        await db.schema
          .createTable('echo_things')
          .addColumn('id', 'serial', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .execute();
      },
    },
  ],
  async routes(app) {
    app.post(
      '/api/echo',
      {
        schema: {
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 5 }),
              count: Type.Integer({ minimum: 1 }),
              tags: Type.Optional(Type.Array(Type.String())),
            },
            { additionalProperties: false },
          ),
          querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1 })) }),
        },
      },
      async (request) => ({ body: request.body, query: request.query }),
    );
    app.post('/api/echo/things', async (request) => {
      const { name } = request.body as { name: string };
      return app.kernel.db.insertInto('echo_things').values({ name }).returning('id').executeTakeFirstOrThrow();
    });
    app.get('/api/echo/teapot', async () => {
      throw conflict('teapot_busy', '茶壶正忙', { detail: '稍后再试' });
    });
    app.get('/api/echo/boom', async () => {
      throw new Error('secret internals');
    });
    app.get('/api/echo/limited', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ ok: true }));
  },
};

describe('buildApp', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ modules: [echoModule] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers /healthz with the database kind after checking it', async () => {
    const res = await t.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', db: process.env.DATABASE_URL ? 'postgres' : 'pglite' });
  });

  it('validates bodies strictly and reports every bad field as problem+json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/echo',
      payload: { name: 'toolongname', count: '3', extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 400, code: 'validation_failed', title: '请求参数不合法' });
    const fields = Object.fromEntries(body.errors.map((e: any) => [e.field, e.message]));
    expect(fields).toEqual({
      name: '长度不能超过 5 个字符',
      count: '类型应为 integer',
      extra: '不允许的字段',
    });
  });

  it('reports missing required fields by name', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/echo', payload: {} });
    expect(res.json().errors).toEqual([
      { field: 'name', message: '必填' },
      { field: 'count', message: '必填' },
    ]);
  });

  it('coerces query strings but not bodies', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/api/echo?page=2', payload: { name: 'ab', count: 1 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ body: { name: 'ab', count: 1 }, query: { page: 2 } });
    const bad = await t.app.inject({ method: 'POST', url: '/api/echo?page=0', payload: { name: 'ab', count: 1 } });
    expect(bad.json().errors).toEqual([{ field: 'querystring.page', message: '不能小于 1' }]);
  });

  it('rejects malformed JSON with a clear code', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_json');
  });

  it('turns AppError into its problem body and hides unexpected errors', async () => {
    const teapot = await t.app.inject('/api/echo/teapot');
    expect(teapot.statusCode).toBe(409);
    expect(teapot.json()).toEqual({
      type: 'urn:jiyue:problem:teapot_busy',
      title: '茶壶正忙',
      status: 409,
      code: 'teapot_busy',
      detail: '稍后再试',
    });
    const boom = await t.app.inject('/api/echo/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.json().code).toBe('internal_error');
    expect(boom.body).not.toContain('secret internals');
    expect(new AppError(400, 'x', 'y').toProblem().status).toBe(400);
  });

  it('maps a unique violation from the database to 409 duplicate', async () => {
    const first = await t.app.inject({ method: 'POST', url: '/api/echo/things', payload: { name: 'a' } });
    expect(first.statusCode).toBe(200);
    const second = await t.app.inject({ method: 'POST', url: '/api/echo/things', payload: { name: 'a' } });
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('duplicate');
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const res = await t.app.inject('/api/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('route_not_found');
  });

  it('rate-limits only routes that opt in', async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await t.app.inject('/api/echo/limited')).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const limited = await t.app.inject('/api/echo/limited');
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect((await t.app.inject('/healthz')).statusCode).toBe(200);
  });

  it('publishes the OpenAPI document and the Swagger UI', async () => {
    const json = await t.app.inject('/api/docs/json');
    expect(json.statusCode).toBe(200);
    const doc = json.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/api/echo', '/api/jobs/{id}']));
    const ui = await t.app.inject('/api/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('exposes Prometheus metrics including request timings and job gauges', async () => {
    await t.app.inject('/healthz');
    const res = await t.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('jiyue_process_cpu_seconds_total');
    expect(res.body).toMatch(
      /jiyue_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+/,
    );
    expect(res.body).toContain('jiyue_jobs{status="queued"} 0');
  });

  it('records module migrations in kernel_migrations', async () => {
    const rows = await t.kernel.db
      .selectFrom('kernel_migrations')
      .select(['module', 'name'])
      .where('module', '=', 'echo')
      .execute();
    expect(rows).toEqual([{ module: 'echo', name: '001_things' }]);
  });
});

describe('/healthz with the database gone', () => {
  it('answers 503 db_unavailable instead of ok', async () => {
    const t = await createTestApp();
    try {
      await t.kernel.db.destroy();
      const res = await t.app.inject('/healthz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'db_unavailable', title: '数据库不可用' });
    } finally {
      await t.close();
    }
  });
});
