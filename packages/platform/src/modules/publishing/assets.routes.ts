import fastifyMultipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, validationFailed } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { checkContent, extensionOf, normaliseName, ruleFor, uploadLimit } from '../cms/files.js';
import { ctxOf } from '../settings/context.js';
import {
  ASSET_EXTENSIONS,
  type AssetQuery,
  assertAssetTarget,
  assetNotImage,
  deleteAsset,
  listAssets,
  listAssetTags,
  loadAsset,
  type NewAsset,
  normaliseTags,
  recordAssets,
  updateAsset,
} from './assets.js';
import { TOPIC_PERMISSION } from './topics.js';

/* 素材库 over HTTP: upload (multipart), search, tags, rename, delete, and the image itself. */

const Strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IdParam = Type.Object({ id: Uuid }, Strict);
const ListQuery = Type.Object(
  {
    siteId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    tag: Type.Optional(Type.String({ maxLength: 20 })),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  Strict,
);
const TagsQuery = Type.Object({ siteId: Type.Optional(Uuid) }, Strict);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 20 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/**
 * Reads `siteId`, `tags` and one or more `file` parts. The target is checked before any byte is
 * stored, each image is size-limited while it streams and sniffed; one bad part discards them all.
 */
async function readUpload(kernel: Kernel, request: FastifyRequest) {
  const files: NewAsset[] = [];
  let siteId: string | null = null;
  let tags: string[] = [];
  let checked = false;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (files.length) throw validationFailed([{ field: part.fieldname, message: '字段须在文件之前' }]);
        const value = String(part.value);
        if (part.fieldname === 'siteId') {
          if (!UUID.test(value)) throw validationFailed([{ field: 'siteId', message: '格式不正确（uuid）' }]);
          siteId = value;
        } else if (part.fieldname === 'tags') tags = normaliseTags(value);
        else throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
        continue;
      }
      if (part.fieldname !== 'file') throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
      if (!checked) {
        await assertAssetTarget(kernel.db, request.principal, siteId);
        checked = true;
      }
      const name = normaliseName(part.filename ?? '');
      const ext = extensionOf(name);
      if (!ASSET_EXTENSIONS.includes(ext)) throw assetNotImage(ext);
      const { rule } = ruleFor(name);
      const staged = await kernel.files.storage.stage(part.file, { maxBytes: await uploadLimit(kernel.db, 'image') });
      files.push({ staged, name, ext, mime: rule.mime });
      if (staged.size === 0) throw badRequest('file_empty', '文件为空', { detail: name });
      await checkContent(ext, rule, staged.head);
    }
    if (!files.length) throw validationFailed([{ field: 'file', message: '必填' }]);
    return { siteId, tags, files };
  } catch (err) {
    request.raw.unpipe();
    request.raw.resume();
    await Promise.all(files.map((f) => f.staged.discard()));
    throw err;
  }
}

export async function assetsRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const tags = ['publishing-assets'];
  const guard = app.requirePermission(TOPIC_PERMISSION);

  await app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 20, fields: 5, fieldSize: 500, parts: 25 },
    });
    scoped.post(
      '/api/publishing/assets',
      {
        preHandler: guard,
        schema: {
          tags,
          summary: '上传素材（multipart：siteId、tags 可选，file 可多个）',
          consumes: ['multipart/form-data'],
        },
      },
      async (request, reply) => {
        const { siteId, tags: assetTags, files } = await readUpload(kernel, request);
        return reply.code(201).send(await recordAssets(kernel, ctxOf(request), siteId, assetTags, files));
      },
    );
  });

  app.get(
    '/api/publishing/assets',
    { preHandler: guard, schema: { tags, summary: '素材检索（名称、标签）', querystring: ListQuery } },
    async (request) => listAssets(kernel.db, request.principal, request.query as AssetQuery),
  );

  app.get(
    '/api/publishing/assets/tags',
    { preHandler: guard, schema: { tags, summary: '素材标签', querystring: TagsQuery } },
    async (request) => listAssetTags(kernel.db, request.principal, (request.query as { siteId?: string }).siteId),
  );

  app.patch(
    '/api/publishing/assets/:id',
    { preHandler: guard, schema: { tags, summary: '修改素材名称、标签', params: IdParam, body: PatchBody } },
    async (request) =>
      updateAsset(
        kernel,
        ctxOf(request),
        (request.params as { id: string }).id,
        request.body as { name?: string; tags?: string[] },
      ),
  );

  app.delete(
    '/api/publishing/assets/:id',
    { preHandler: guard, schema: { tags, summary: '删除素材（被专题使用时拒绝）', params: IdParam } },
    async (request) => deleteAsset(kernel, ctxOf(request), (request.params as { id: string }).id),
  );

  app.get(
    '/api/publishing/assets/:id/content',
    { preHandler: guard, schema: { tags, summary: '素材图片', params: IdParam } },
    async (request, reply) => {
      const asset = await loadAsset(kernel.db, request.principal, (request.params as { id: string }).id);
      const etag = `"${asset.sha256}"`;
      reply
        .header('etag', etag)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-cache')
        .header('content-security-policy', "default-src 'none'; img-src 'self'; sandbox");
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply
        .type(asset.mime)
        .header('content-length', String(asset.size))
        .send(await kernel.files.storage.get(asset.sha256));
    },
  );
}
