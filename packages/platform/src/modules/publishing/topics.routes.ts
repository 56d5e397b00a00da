import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { previewTemplate } from './templates.routes.js';
import {
  createTopic,
  deleteTopic,
  getTopic,
  listTopics,
  Slug,
  setTopicState,
  TOPIC_PERMISSION,
  TopicBackground,
  type TopicInput,
  TopicModules,
  type TopicPatch,
  type TopicQuery,
  topicForPreview,
  updateTopic,
} from './topics.js';

/* 专题 over HTTP: CRUD, 发布/撤销发布, 预览 (decision 0006, "Topics"). */

const Strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const IdParam = Type.Object({ id: Uuid }, Strict);
const Title = Type.String({ minLength: 1, maxLength: 100 });
const Version = Type.Integer({ minimum: 1 });

const ListQuery = Type.Object(
  {
    siteId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    state: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published')])),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  Strict,
);
const CreateBody = Type.Object(
  {
    siteId: Uuid,
    slug: Slug,
    title: Title,
    background: Type.Optional(TopicBackground),
    modules: Type.Optional(TopicModules),
  },
  Strict,
);
const PatchBody = Type.Object(
  {
    version: Version,
    slug: Type.Optional(Slug),
    title: Type.Optional(Title),
    background: Type.Optional(TopicBackground),
    modules: Type.Optional(TopicModules),
  },
  Strict,
);
const VersionBody = Type.Object({ version: Version }, Strict);
const VersionQuery = Type.Object({ version: Version }, Strict);
const PreviewBody = Type.Object(
  {
    title: Type.Optional(Title),
    background: Type.Optional(TopicBackground),
    modules: Type.Optional(TopicModules),
    care: Type.Optional(Type.Boolean()),
  },
  Strict,
);

export async function topicsRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const tags = ['publishing-topics'];
  const guard = app.requirePermission(TOPIC_PERMISSION);

  app.get(
    '/api/publishing/topics',
    { preHandler: guard, schema: { tags, summary: '专题列表', querystring: ListQuery } },
    async (request) => listTopics(kernel.db, request.principal, request.query as TopicQuery),
  );

  app.post(
    '/api/publishing/topics',
    { preHandler: guard, schema: { tags, summary: '新建专题', body: CreateBody } },
    async (request, reply) =>
      reply.code(201).send(await createTopic(kernel, ctxOf(request), request.body as TopicInput)),
  );

  app.get(
    '/api/publishing/topics/:id',
    { preHandler: guard, schema: { tags, summary: '专题详情', params: IdParam } },
    async (request) => getTopic(kernel.db, request.principal, (request.params as { id: string }).id),
  );

  app.patch(
    '/api/publishing/topics/:id',
    {
      preHandler: guard,
      schema: { tags, summary: '修改专题（带上所基于的 version，过期返回 409）', params: IdParam, body: PatchBody },
    },
    async (request) =>
      updateTopic(kernel, ctxOf(request), (request.params as { id: string }).id, request.body as TopicPatch),
  );

  app.delete(
    '/api/publishing/topics/:id',
    { preHandler: guard, schema: { tags, summary: '删除专题', params: IdParam, querystring: VersionQuery } },
    async (request) =>
      deleteTopic(
        kernel,
        ctxOf(request),
        (request.params as { id: string }).id,
        (request.query as { version: number }).version,
      ),
  );

  for (const [action, publish] of [
    ['publish', true],
    ['unpublish', false],
  ] as const) {
    app.post(
      `/api/publishing/topics/:id/${action}`,
      {
        preHandler: guard,
        schema: { tags, summary: publish ? '发布专题' : '撤销发布', params: IdParam, body: VersionBody },
      },
      async (request) =>
        setTopicState(
          kernel,
          ctxOf(request),
          (request.params as { id: string }).id,
          (request.body as { version: number }).version,
          publish,
        ),
    );
  }

  app.post(
    '/api/publishing/topics/:id/preview',
    {
      preHandler: guard,
      schema: { tags, summary: '预览专题（可带设计器中未保存的修改）', params: IdParam, body: PreviewBody },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as Parameters<typeof topicForPreview>[3] & { care?: boolean };
      const { row, topic } = await topicForPreview(kernel.db, request.principal, id, body);
      const html = await previewTemplate(kernel, {
        siteId: row.site_id,
        path: 'topic.liquid',
        topic: {
          id: row.id,
          title: topic.title,
          slug: topic.slug,
          background: topic.background,
          modules: topic.modules,
        },
        care: body.care ?? false,
      });
      return { html };
    },
  );
}
