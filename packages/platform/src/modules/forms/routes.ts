import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemSchema } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import type { JsonSchema, UiSchema } from './core/types.js';
import { filesRoutes } from './files.routes.js';
import { regionChildren } from './regions.js';
import * as svc from './service.js';

const Strict = { additionalProperties: false } as const;
const tags = ['统一表单'];
const Key = Type.String({ pattern: svc.KEY_PATTERN, description: '表单标识：小写字母开头，字母、数字、-、_' });
const KeyParam = Type.Object({ key: Key }, Strict);
const Document = Type.Record(Type.String(), Type.Unknown());

const actor = (kernel: Kernel, request: FastifyRequest) => kernel.audit.actorOf(request);

export async function formsRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const read = app.requirePermission('form:read');
  const manage = app.requirePermission('form:manage');

  app.get(
    '/api/forms/definitions',
    {
      preHandler: read,
      schema: {
        tags,
        summary: '表单列表',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            page: Type.Optional(Type.Integer({ minimum: 1 })),
            pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          },
          Strict,
        ),
      },
    },
    async (request) =>
      svc.listDefinitions(kernel.db, request.query as { q?: string; page?: number; pageSize?: number }),
  );

  app.post(
    '/api/forms/definitions',
    {
      preHandler: manage,
      schema: {
        tags,
        summary: '新建表单（可带 schema 与 uiSchema，否则为空表单）',
        body: Type.Object(
          {
            key: Key,
            name: Type.String({ minLength: 1, maxLength: 100 }),
            description: Type.Optional(Type.String({ maxLength: 500 })),
            schema: Type.Optional(Document),
            uiSchema: Type.Optional(Document),
          },
          Strict,
        ),
      },
    },
    async (request, reply) => {
      const body = request.body as svc.DefinitionInput;
      reply.status(201);
      return svc.createDefinition(kernel, actor(kernel, request), body);
    },
  );

  app.get(
    '/api/forms/definitions/:key',
    { preHandler: read, schema: { tags, summary: '表单详情（草稿与版本列表）', params: KeyParam } },
    async (request) => svc.getDefinition(kernel.db, (request.params as { key: string }).key),
  );

  app.put(
    '/api/forms/definitions/:key',
    {
      preHandler: manage,
      schema: {
        tags,
        summary: '保存草稿（revision 为载入时的稿次，他人已保存则 409）',
        params: KeyParam,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            description: Type.Optional(Type.String({ maxLength: 500 })),
            schema: Type.Optional(Document),
            uiSchema: Type.Optional(Document),
            revision: Type.Integer({ minimum: 1 }),
          },
          Strict,
        ),
      },
    },
    async (request) =>
      svc.updateDefinition(
        kernel,
        actor(kernel, request),
        (request.params as { key: string }).key,
        request.body as svc.DefinitionPatch,
      ),
  );

  app.delete(
    '/api/forms/definitions/:key',
    { preHandler: manage, schema: { tags, summary: '删除未发布过的表单', params: KeyParam } },
    async (request, reply) => {
      await svc.deleteDefinition(kernel, actor(kernel, request), (request.params as { key: string }).key);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/forms/definitions/:key/publish',
    {
      preHandler: manage,
      schema: {
        tags,
        summary: '发布：把草稿存为新的不可修改版本',
        params: KeyParam,
        body: Type.Object({ revision: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict),
      },
    },
    async (request) =>
      svc.publishDefinition(
        kernel,
        actor(kernel, request),
        (request.params as { key: string }).key,
        (request.body as { revision?: number }).revision,
      ),
  );

  // Any signed-in user may read a published version: task pages render the form for approvers
  // who do not manage forms.
  app.get(
    '/api/forms/definitions/:key/versions/:version',
    {
      preHandler: app.requireAuth,
      schema: {
        tags,
        summary: '已发布版本（version 为数字或 latest）',
        params: Type.Object(
          { key: Key, version: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('latest')]) },
          Strict,
        ),
      },
    },
    async (request) => {
      const { key, version } = request.params as { key: string; version: number | 'latest' };
      return svc.getFormDefinition(kernel, key, version === 'latest' ? undefined : version);
    },
  );

  app.post(
    '/api/forms/:key/validate',
    {
      preHandler: read,
      schema: {
        tags,
        summary: '校验表单数据（设计器预览）：默认按草稿，给 version 则按该发布版本',
        params: KeyParam,
        body: Type.Object({ data: Type.Unknown(), version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict),
        response: { 400: ProblemSchema },
      },
    },
    async (request) => {
      const { key } = request.params as { key: string };
      const { data, version } = request.body as { data: unknown; version?: number };
      return version ? svc.validateFormData(kernel, key, version, data) : svc.validateDraft(kernel, key, data);
    },
  );

  /** A definition checked without saving (the designer's JSON view). */
  app.post(
    '/api/forms/check',
    {
      preHandler: read,
      schema: { tags, summary: '检查表单定义', body: Type.Object({ schema: Document, uiSchema: Document }, Strict) },
    },
    async (request) => {
      const { schema, uiSchema } = request.body as { schema: JsonSchema; uiSchema: UiSchema };
      const { checkDefinition } = await import('./core/engine.js');
      const errors = checkDefinition({ schema, uiSchema });
      return { ok: errors.length === 0, errors };
    },
  );

  app.get(
    '/api/forms/regions',
    {
      preHandler: app.requireAuth,
      schema: {
        tags,
        summary: '行政区划（省/市/县/乡，逐级加载）',
        querystring: Type.Object(
          { parent: Type.Optional(Type.String({ pattern: '^(\\d{2}|\\d{4}|\\d{6})?$' })) },
          Strict,
        ),
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, max-age=86400');
      return { items: regionChildren((request.query as { parent?: string }).parent ?? '') };
    },
  );

  await filesRoutes(app, kernel);
}
