import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import * as docs from './documents.js';
import { IdParam, Nullable, Paging, Strict, Uuid } from './http.js';
import { reviewHistory, reviewProviderOf } from './review.js';

const Text = (maxLength: number) => Nullable(Type.String({ maxLength }));
const DateTime = Nullable(Type.String({ format: 'date-time' }));
/** List filters: a day (`2026-05-01`, from its start) or an exact time. */
const DayOrTime = Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })]);
const DocType = Type.Union(
  [Type.Literal('text'), Type.Literal('gallery'), Type.Literal('video'), Type.Literal('link')],
  {
    description: 'text 文字 | gallery 图文 | video 视频 | link 链接',
  },
);
const State = Type.Union([
  Type.Literal('draft'),
  Type.Literal('pending'),
  Type.Literal('published'),
  Type.Literal('withdrawn'),
]);

const ContentFields = {
  type: Type.Optional(DocType),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '标题' })),
  subtitle: Type.Optional(Text(200)),
  shortTitle: Type.Optional(Text(100)),
  source: Type.Optional(Text(100)),
  author: Type.Optional(Text(100)),
  publishAt: Type.Optional(DateTime),
  summary: Type.Optional(Text(1000)),
  keywords: Type.Optional(Text(200)),
  coverFileId: Type.Optional(Nullable(Uuid)),
  bodyJson: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  bodyHtml: Type.Optional(Type.String({ maxLength: 2_000_000, description: '正文 HTML，保存时按白名单清洗' })),
  linkUrl: Type.Optional(Text(1000)),
  attachments: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 })),
  custom: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
  pinnedUntil: Type.Optional(DateTime),
  newUntil: Type.Optional(DateTime),
  scheduledPublishAt: Type.Optional(DateTime),
  scheduledWithdrawAt: Type.Optional(DateTime),
};
const DocumentCreate = Type.Object(
  { ...ContentFields, channelId: Uuid, title: Type.String({ minLength: 1, maxLength: 200 }) },
  Strict,
);
const DocumentPatch = Type.Object(
  { ...ContentFields, version: Type.Integer({ minimum: 1, description: '编辑时读到的版本号（乐观锁）' }) },
  Strict,
);
const ListQuery = Type.Object(
  {
    ...Paging,
    siteId: Type.Optional(Uuid),
    channelId: Type.Optional(Uuid),
    state: Type.Optional(State),
    authorId: Type.Optional(Uuid),
    type: Type.Optional(DocType),
    from: Type.Optional(DayOrTime),
    to: Type.Optional(DayOrTime),
  },
  Strict,
);
const VersionParam = Type.Object({ id: Uuid, v: Type.Integer({ minimum: 1 }) }, Strict);
const DiffQuery = Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }, Strict);
const RestoreVersionBody = Type.Object(
  { restoreVersion: Type.Integer({ minimum: 1 }), version: Type.Integer({ minimum: 1 }) },
  Strict,
);
const TargetBody = Type.Object({ targetChannelId: Uuid }, Strict);
const PushBody = Type.Object({ targetChannelIds: Type.Array(Uuid, { minItems: 1, maxItems: 100 }) }, Strict);
const BatchBody = Type.Object(
  {
    action: Type.Union(
      ['submit', 'publish', 'withdraw', 'delete', 'restore', 'purge', 'copy', 'move'].map((a) => Type.Literal(a)),
    ),
    ids: Type.Array(Uuid, { minItems: 1, maxItems: 200 }),
    targetChannelId: Type.Optional(Uuid),
  },
  Strict,
);
const DocumentIdParam = Type.Object({ documentId: Uuid }, Strict);
const ApproveBody = Type.Object({ comment: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, Strict);
const RejectBody = Type.Object(
  { comment: Type.String({ minLength: 1, maxLength: 1000, description: '退回原因' }) },
  Strict,
);
const InboxQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  Strict,
);

type Id = { Params: Static<typeof IdParam> };

export async function documentRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });
  const tags = ['信息管理'];
  const idOnly = { tags, params: IdParam };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/cms/documents',
    { ...perm('document:read'), schema: { tags, querystring: ListQuery } },
    async (req) => docs.listDocuments(kernel, ctxOf(req), req.query),
  );
  app.post<{ Body: Static<typeof DocumentCreate> }>(
    '/api/cms/documents',
    { ...perm('document:write'), schema: { tags, body: DocumentCreate } },
    async (req, reply) => reply.status(201).send(await docs.createDocument(kernel, ctxOf(req), req.body)),
  );
  app.get<Id>('/api/cms/documents/:id', { ...perm('document:read'), schema: idOnly }, async (req) =>
    docs.getDocument(kernel, ctxOf(req), req.params.id),
  );
  app.patch<Id & { Body: Static<typeof DocumentPatch> }>(
    '/api/cms/documents/:id',
    { ...perm('document:write'), schema: { ...idOnly, body: DocumentPatch } },
    async (req) => docs.updateDocument(kernel, ctxOf(req), req.params.id, req.body),
  );
  app.delete<Id>('/api/cms/documents/:id', { ...perm('document:write'), schema: idOnly }, async (req) =>
    docs.deleteDocument(kernel, ctxOf(req), req.params.id),
  );

  app.get<Id>('/api/cms/documents/:id/versions', { ...perm('document:read'), schema: idOnly }, async (req) =>
    docs.listVersions(kernel, ctxOf(req), req.params.id),
  );
  app.get<{ Params: Static<typeof VersionParam> }>(
    '/api/cms/documents/:id/versions/:v',
    { ...perm('document:read'), schema: { tags, params: VersionParam } },
    async (req) => docs.getVersion(kernel, ctxOf(req), req.params.id, req.params.v),
  );
  app.get<Id & { Querystring: Static<typeof DiffQuery> }>(
    '/api/cms/documents/:id/diff',
    { ...perm('document:read'), schema: { ...idOnly, querystring: DiffQuery } },
    async (req) => docs.diffVersions(kernel, ctxOf(req), req.params.id, req.query.from, req.query.to),
  );
  app.post<Id & { Body: Static<typeof RestoreVersionBody> }>(
    '/api/cms/documents/:id/restore-version',
    { ...perm('document:write'), schema: { ...idOnly, body: RestoreVersionBody } },
    async (req) => docs.restoreVersion(kernel, ctxOf(req), req.params.id, req.body),
  );

  app.post<Id>('/api/cms/documents/:id/submit', { ...perm('document:write'), schema: idOnly }, async (req) =>
    docs.submitDocument(kernel, ctxOf(req), req.params.id),
  );
  app.post<Id>('/api/cms/documents/:id/publish', { ...perm('document:publish'), schema: idOnly }, async (req) =>
    docs.publishDocument(kernel, ctxOf(req), req.params.id),
  );
  app.post<Id>('/api/cms/documents/:id/withdraw', { ...perm('document:publish'), schema: idOnly }, async (req) =>
    docs.withdrawDocument(kernel, ctxOf(req), req.params.id),
  );

  const target = { ...idOnly, body: TargetBody };
  app.post<Id & { Body: Static<typeof TargetBody> }>(
    '/api/cms/documents/:id/copy',
    { ...perm('document:write'), schema: target },
    async (req, reply) =>
      reply.status(201).send(await docs.copyDocument(kernel, ctxOf(req), req.params.id, req.body.targetChannelId)),
  );
  app.post<Id & { Body: Static<typeof TargetBody> }>(
    '/api/cms/documents/:id/move',
    { ...perm('document:write'), schema: target },
    async (req) => docs.moveDocument(kernel, ctxOf(req), req.params.id, req.body.targetChannelId),
  );
  app.post<Id & { Body: Static<typeof TargetBody> }>(
    '/api/cms/documents/:id/reference',
    { ...perm('document:write'), schema: target },
    async (req, reply) =>
      reply.status(201).send(await docs.referenceDocument(kernel, ctxOf(req), req.params.id, req.body.targetChannelId)),
  );
  app.post<Id & { Body: Static<typeof PushBody> }>(
    '/api/cms/documents/:id/push',
    { ...perm('document:write'), schema: { ...idOnly, body: PushBody } },
    async (req, reply) =>
      reply.status(201).send(await docs.pushDocument(kernel, ctxOf(req), req.params.id, req.body.targetChannelIds)),
  );
  app.post<{ Body: Static<typeof BatchBody> }>(
    '/api/cms/documents/batch',
    { ...perm('document:read'), schema: { tags, body: BatchBody } },
    async (req) => docs.batchDocuments(kernel, ctxOf(req), req.body as Parameters<typeof docs.batchDocuments>[2]),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/cms/recycle-bin',
    { ...perm('document:write'), schema: { tags, querystring: ListQuery } },
    async (req) => docs.listRecycleBin(kernel, ctxOf(req), req.query),
  );
  app.post<Id>('/api/cms/recycle-bin/:id/restore', { ...perm('document:write'), schema: idOnly }, async (req) =>
    docs.restoreDocument(kernel, ctxOf(req), req.params.id),
  );
  app.delete<Id>('/api/cms/recycle-bin/:id', { ...perm('document:write'), schema: idOnly }, async (req) =>
    docs.purgeDocument(kernel, ctxOf(req), req.params.id),
  );

  const reviewTags = ['信息审核'];
  app.get<{ Querystring: Static<typeof InboxQuery> }>(
    '/api/cms/review/inbox',
    { ...perm('document:review'), schema: { tags: reviewTags, querystring: InboxQuery } },
    async (req) => reviewProviderOf(kernel).inbox(req.principal!, req.query),
  );
  app.post<{ Params: Static<typeof DocumentIdParam>; Body: Static<typeof ApproveBody> }>(
    '/api/cms/review/:documentId/approve',
    {
      ...perm('document:review'),
      // 通过 needs no comment: a bodiless POST means an empty one.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: { tags: reviewTags, params: DocumentIdParam, body: ApproveBody },
    },
    async (req) =>
      docs.decideDocument(kernel, ctxOf(req), req.params.documentId, 'approve', req.body?.comment?.trim() || null),
  );
  app.post<{ Params: Static<typeof DocumentIdParam>; Body: Static<typeof RejectBody> }>(
    '/api/cms/review/:documentId/reject',
    { ...perm('document:review'), schema: { tags: reviewTags, params: DocumentIdParam, body: RejectBody } },
    async (req) => docs.decideDocument(kernel, ctxOf(req), req.params.documentId, 'reject', req.body.comment.trim()),
  );
  app.get<Id>(
    '/api/cms/documents/:id/review-history',
    { ...perm('document:read'), schema: { tags: reviewTags, params: IdParam } },
    async (req) => {
      await docs.assertDocumentReadable(kernel, ctxOf(req), req.params.id);
      return { items: await reviewHistory(kernel.db, req.params.id) };
    },
  );
}
