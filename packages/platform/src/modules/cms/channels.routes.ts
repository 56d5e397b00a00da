import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import * as channels from './channels.js';
import { CustomFieldsSchema } from './custom-fields.js';
import { IdParam, Name, Nullable, Patch, Strict, Uuid } from './http.js';

const Template = Type.String({ maxLength: 100, pattern: '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*(\\.html)?$' });
const ChannelFields = {
  name: Name,
  code: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[a-z0-9][a-z0-9_-]*$',
    description: '栏目代码（网址路径）',
  }),
  type: Type.Union([Type.Literal('list'), Type.Literal('page'), Type.Literal('link')], {
    description: 'list 列表栏目 | page 单页栏目 | link 链接栏目',
  }),
  linkUrl: Nullable(Type.String({ maxLength: 500, pattern: '^(https?://|/)\\S+$' })),
  category: Nullable(Type.String({ minLength: 1, maxLength: 64, description: '栏目类别编码（统一平台配置）' })),
  updateCycleDays: Nullable(Type.Integer({ minimum: 1, maximum: 3650, description: '更新周期（天）' })),
  reviewMode: Type.Union([Type.Literal('none'), Type.Literal('one'), Type.Literal('two')], {
    description: 'none 无需审核 | one 一级审核 | two 二级审核',
  }),
  reviewProcess: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z_][\\w-]*$',
      description: '审核流程（流程定义标识，如 cms-review）',
    }),
  ),
  templates: Type.Object({ list: Type.Optional(Template), article: Type.Optional(Template) }, Strict),
  order: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  customFields: CustomFieldsSchema,
};
const ChannelCreate = Type.Object(
  {
    siteId: Uuid,
    parentId: Type.Optional(Nullable(Uuid)),
    name: ChannelFields.name,
    code: ChannelFields.code,
    type: ChannelFields.type,
    linkUrl: Type.Optional(ChannelFields.linkUrl),
    category: Type.Optional(ChannelFields.category),
    updateCycleDays: Type.Optional(ChannelFields.updateCycleDays),
    reviewMode: Type.Optional(ChannelFields.reviewMode),
    reviewProcess: Type.Optional(ChannelFields.reviewProcess),
    templates: Type.Optional(ChannelFields.templates),
    order: Type.Optional(ChannelFields.order),
    status: Type.Optional(ChannelFields.status),
    customFields: Type.Optional(ChannelFields.customFields),
  },
  Strict,
);
const ChannelPatch = Type.Partial(Type.Object(ChannelFields), Patch);
const MoveBody = Type.Object({ parentId: Nullable(Uuid), order: Type.Optional(ChannelFields.order) }, Strict);
const MergeBody = Type.Object({ targetId: Uuid }, Strict);
const SiteParam = Type.Object({ siteId: Uuid }, Strict);

export async function channelRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });
  const tags = ['栏目管理'];

  app.get<{ Params: Static<typeof SiteParam> }>(
    '/api/cms/sites/:siteId/channels/tree',
    { ...perm('site:read'), schema: { tags, params: SiteParam } },
    async (req) => channels.channelTree(kernel, ctxOf(req), req.params.siteId),
  );
  app.post<{ Body: Static<typeof ChannelCreate> }>(
    '/api/cms/channels',
    { ...perm('channel:manage'), schema: { tags, body: ChannelCreate } },
    async (req, reply) => reply.status(201).send(await channels.createChannel(kernel, ctxOf(req), req.body)),
  );
  app.get<{ Params: Static<typeof IdParam> }>(
    '/api/cms/channels/:id',
    { ...perm('site:read'), schema: { tags, params: IdParam } },
    async (req) => channels.getChannel(kernel, ctxOf(req), req.params.id),
  );
  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof ChannelPatch> }>(
    '/api/cms/channels/:id',
    { ...perm('channel:manage'), schema: { tags, params: IdParam, body: ChannelPatch } },
    async (req) => channels.updateChannel(kernel, ctxOf(req), req.params.id, req.body),
  );
  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof MoveBody> }>(
    '/api/cms/channels/:id/move',
    { ...perm('channel:manage'), schema: { tags, params: IdParam, body: MoveBody } },
    async (req) => channels.moveChannel(kernel, ctxOf(req), req.params.id, req.body),
  );
  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof MergeBody> }>(
    '/api/cms/channels/:id/merge',
    { ...perm('channel:manage'), schema: { tags, params: IdParam, body: MergeBody } },
    async (req) => channels.mergeChannel(kernel, ctxOf(req), req.params.id, req.body.targetId),
  );
  app.delete<{ Params: Static<typeof IdParam> }>(
    '/api/cms/channels/:id',
    { ...perm('channel:manage'), schema: { tags, params: IdParam } },
    async (req, reply) => {
      await channels.deleteChannel(kernel, ctxOf(req), req.params.id);
      return reply.status(204).send();
    },
  );
}
