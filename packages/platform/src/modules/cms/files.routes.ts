import fastifyMultipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, badRequest, validationFailed } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import {
  CATEGORIES,
  categoryOf,
  checkContent,
  deleteFiles,
  type FileQuery,
  type FileRow,
  fileReferences,
  fileView,
  loadFileFor,
  type NewFile,
  normaliseName,
  purgeFile,
  recordFiles,
  ruleFor,
  searchFiles,
  uploadLimit,
} from './files.js';
import { editImage, type ImageEdit, requestTranscode, TRANSCODE_JOB, transcodeJob, zipStream } from './files.media.js';
import { loadSiteFor } from './scope.js';

const Strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IdParam = Type.Object({ id: Uuid }, Strict);
const Ids = Type.Array(Uuid, { minItems: 1, maxItems: 200, uniqueItems: true });

const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    referenced: Type.Optional(Type.Boolean()),
    minSize: Type.Optional(Type.Integer({ minimum: 0 })),
    maxSize: Type.Optional(Type.Integer({ minimum: 0 })),
    uploaderIp: Type.Optional(Type.String({ maxLength: 64 })),
    uploaderId: Type.Optional(Uuid),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    type: Type.Optional(Type.Union(CATEGORIES.map((c) => Type.Literal(c)))),
    ext: Type.Optional(Type.String({ maxLength: 10 })),
    siteId: Type.Optional(Uuid),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  Strict,
);

const BatchDelete = Type.Object({ ids: Ids, force: Type.Optional(Type.Boolean()) }, Strict);
const PurgeQuery = Type.Object({ force: Type.Optional(Type.Boolean()) }, Strict);
const ContentQuery = Type.Object({ download: Type.Optional(Type.Boolean()) }, Strict);
const ZipQuery = Type.Object({ ids: Ids }, Strict);
const Px = Type.Integer({ minimum: 1, maximum: 20000 });
const ImageBody = Type.Object(
  {
    crop: Type.Optional(
      Type.Object(
        { left: Type.Integer({ minimum: 0 }), top: Type.Integer({ minimum: 0 }), width: Px, height: Px },
        Strict,
      ),
    ),
    resize: Type.Optional(
      Type.Object(
        {
          width: Type.Optional(Px),
          height: Type.Optional(Px),
          fit: Type.Optional(Type.Union(['cover', 'contain', 'inside', 'fill'].map((f) => Type.Literal(f)))),
        },
        Strict,
      ),
    ),
    watermark: Type.Optional(
      Type.Object(
        {
          text: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
          fileId: Type.Optional(Uuid),
          position: Type.Optional(
            Type.Union(['northwest', 'northeast', 'southwest', 'southeast', 'centre'].map((p) => Type.Literal(p))),
          ),
          opacity: Type.Optional(Type.Number({ minimum: 0.05, maximum: 1 })),
        },
        Strict,
      ),
    ),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Categories a browser may show in place; everything else (and SVG, which can script) downloads. */
function servedInline(file: FileRow): boolean {
  if (file.ext === 'svg') return false;
  return ['image', 'video', 'audio'].includes(categoryOf(file.ext) ?? '') || file.ext === 'pdf';
}

/** RFC 6266: an ASCII fallback for old clients plus the exact UTF-8 name in filename*. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * One `bytes=` range (what video players send to seek); undefined to send the whole file, 'bad'
 * when it cannot be satisfied. Several ranges are answered with the whole file, which RFC 9110
 * allows.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined | 'bad' {
  const m = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (!m[1] && !m[2])) return undefined;
  let start: number;
  let end: number;
  if (!m[1]) {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  }
  return start > end || start >= size ? 'bad' : { start, end };
}

const FIELDS = new Set(['siteId']);

/**
 * Reads a multipart upload: fields (`siteId`) and one or more `file` parts, each streamed to a
 * staged blob under its type's size limit and sniffed. Nothing is recorded until every part has
 * passed, and every staged blob is thrown away when one fails.
 */
async function readUpload(kernel: Kernel, request: FastifyRequest): Promise<NewFile[]> {
  const files: NewFile[] = [];
  let siteId: string | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!FIELDS.has(part.fieldname)) throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
        const value = String(part.value);
        if (!UUID.test(value)) throw validationFailed([{ field: 'siteId', message: '格式不正确（uuid）' }]);
        await loadSiteFor(kernel.db, request.principal, 'file:upload', value);
        siteId = value;
        continue;
      }
      if (part.fieldname !== 'file') throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
      const name = normaliseName(part.filename ?? '');
      const { ext, rule } = ruleFor(name);
      const staged = await kernel.files.storage.stage(part.file, {
        maxBytes: await uploadLimit(kernel.db, rule.category),
      });
      files.push({ staged, name, ext, mime: rule.mime, siteId: null });
      if (staged.size === 0) throw badRequest('file_empty', '文件为空', { detail: name });
      await checkContent(ext, rule, staged.head);
    }
    if (!files.length) throw validationFailed([{ field: 'file', message: '必填' }]);
    for (const f of files) f.siteId = siteId;
    return files;
  } catch (err) {
    // Refused mid-body (too large, wrong type): read and drop the rest of the upload, or the client
    // never finishes sending, never reads the error and the connection stays open.
    request.raw.unpipe();
    request.raw.resume();
    await Promise.all(files.map((f) => f.staged.discard()));
    throw err;
  }
}

export async function fileRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  // Registered here (not in the module's jobs) so the files feature stays in its own files.
  kernel.jobs.register(TRANSCODE_JOB, transcodeJob);
  // Own encapsulated scope: the multipart parser serves the upload route only.
  await app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      // Per-type limits are enforced while streaming (files.ts); these only bound the form itself.
      limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 20, fields: 5, fieldSize: 200, parts: 25 },
    });
    registerRoutes(scoped, kernel);
  });
}

function registerRoutes(app: FastifyInstance, kernel: Kernel): void {
  const tags = ['cms-files'];

  app.post(
    '/api/cms/files',
    {
      preHandler: app.requirePermission('file:upload'),
      schema: { tags, summary: '上传文件（multipart：siteId 可选，file 可多个）', consumes: ['multipart/form-data'] },
    },
    async (request, reply) => {
      const files = await readUpload(kernel, request);
      const items = await recordFiles(kernel, ctxOf(request), files);
      return reply.code(201).send({ items });
    },
  );

  app.get(
    '/api/cms/files',
    { preHandler: app.requirePermission('file:read'), schema: { tags, summary: '文件检索', querystring: SearchQuery } },
    async (request) => searchFiles(kernel.db, request.principal, request.query as FileQuery),
  );

  app.get(
    '/api/cms/files/zip',
    { preHandler: app.requirePermission('file:read'), schema: { tags, summary: '打包下载', querystring: ZipQuery } },
    async (request, reply) => {
      const { ids } = request.query as { ids: string[] };
      const files: FileRow[] = [];
      for (const id of ids) files.push(await loadFileFor(kernel.db, request.principal, 'file:read', id));
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .type('application/zip')
        .header('content-disposition', contentDisposition('attachment', `文件-${stamp}.zip`))
        .header('x-content-type-options', 'nosniff')
        .send(zipStream(kernel, files));
    },
  );

  app.post(
    '/api/cms/files/batch-delete',
    {
      preHandler: app.requirePermission('file:upload'),
      schema: { tags, summary: '批量删除（被引用的文件需 force 且有 file:manage）', body: BatchDelete },
    },
    async (request) => {
      const { ids, force } = request.body as { ids: string[]; force?: boolean };
      return deleteFiles(kernel, ctxOf(request), ids, force ?? false);
    },
  );

  app.get(
    '/api/cms/files/:id',
    { preHandler: app.requirePermission('file:read'), schema: { tags, summary: '文件详情', params: IdParam } },
    async (request) => {
      const { id } = request.params as { id: string };
      return fileView(await loadFileFor(kernel.db, request.principal, 'file:read', id));
    },
  );

  app.delete(
    '/api/cms/files/:id',
    {
      preHandler: app.requirePermission('file:manage'),
      schema: { tags, summary: '彻底清除文件', params: IdParam, querystring: PurgeQuery },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { force } = request.query as { force?: boolean };
      return purgeFile(kernel, ctxOf(request), id, force ?? false);
    },
  );

  app.get(
    '/api/cms/files/:id/content',
    {
      preHandler: app.requirePermission('file:read'),
      schema: { tags, summary: '文件内容', params: IdParam, querystring: ContentQuery },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { download } = request.query as { download?: boolean };
      const file = await loadFileFor(kernel.db, request.principal, 'file:read', id);
      const etag = `"${file.sha256}"`;
      reply
        .header('etag', etag)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-cache')
        // Even a file a browser renders gets no scripts, no forms, no outside requests.
        .header('content-security-policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      const size = Number(file.size);
      const ifRange = request.headers['if-range'];
      const range = ifRange && ifRange !== etag ? undefined : parseRange(request.headers.range, size);
      if (range === 'bad') {
        throw new AppError(416, 'range_not_satisfiable', '请求的内容范围无效', {
          headers: { 'content-range': `bytes */${size}` },
        });
      }
      const kind = servedInline(file) && !download ? 'inline' : 'attachment';
      reply
        .type(file.mime)
        .header('accept-ranges', 'bytes')
        .header('content-disposition', contentDisposition(kind, file.name));
      if (range) {
        return reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', String(range.end - range.start + 1))
          .send(await kernel.files.storage.get(file.sha256, range));
      }
      return reply.header('content-length', String(size)).send(await kernel.files.storage.get(file.sha256));
    },
  );

  app.get(
    '/api/cms/files/:id/references',
    { preHandler: app.requirePermission('file:read'), schema: { tags, summary: '文件引用情况', params: IdParam } },
    async (request) => {
      const { id } = request.params as { id: string };
      return fileReferences(kernel, request.principal, id);
    },
  );

  app.post(
    '/api/cms/files/:id/image',
    {
      preHandler: app.requirePermission('file:upload'),
      schema: { tags, summary: '图片裁剪、缩放、水印（生成新文件）', params: IdParam, body: ImageBody },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      return reply.code(201).send(await editImage(kernel, ctxOf(request), id, request.body as ImageEdit));
    },
  );

  app.post(
    '/api/cms/files/:id/transcode',
    {
      preHandler: app.requirePermission('file:upload'),
      schema: { tags, summary: '视频转码为 H.264 MP4（后台任务）', params: IdParam },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      return reply.code(202).send(await requestTranscode(kernel, ctxOf(request), id));
    },
  );
}
