import fastifyMultipart from '@fastify/multipart';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../kernel/auth.js';
import { AppError, badRequest, forbidden, validationFailed } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { chromiumAvailable, closeRenderer, DEFAULT_PAGE } from './chromium.js';
import { MAX_XML_CHARS } from './data.js';
import { MAX_DOCX_BYTES, sniffWord, unpackDocx } from './docx.js';
import { type ImageFit, type ImageInput, imagesToPdf, MAX_IMAGE_BYTES, MAX_IMAGES } from './images.js';
import { libreOfficeAvailable, libreOfficeUnavailable, officeToPdf } from './office.js';
import { renderContent, renderTemplate } from './render.js';
import {
  createTemplate,
  deleteTemplate,
  fieldsOfDocx,
  fileBytes,
  listTemplates,
  listVersions,
  loadTemplate,
  loadVersion,
  rollbackTemplate,
  saveVersion,
  storeDocx,
  type TemplateKind,
  updateTemplate,
} from './templates.js';

const Strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A JSON object of any shape (business data, JSON Schema). */
const AnyObject = Type.Object({}, { additionalProperties: true });
const Kind = Type.Union([Type.Literal('html'), Type.Literal('docx')]);
const Code = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{1,63}$', description: '小写字母、数字、-、_，2–64 位' });
const Millimetres = Type.Number({ minimum: 0, maximum: 100 });

const PageSchema = Type.Object(
  {
    size: Type.Optional(Type.Union(['A4', 'A3', 'A5', 'Letter', 'Legal'].map((s) => Type.Literal(s)))),
    landscape: Type.Optional(Type.Boolean()),
    margin: Type.Optional(
      Type.Object({ top: Millimetres, right: Millimetres, bottom: Millimetres, left: Millimetres }, Strict),
    ),
    header: Type.Optional(Type.String({ maxLength: 20_000 })),
    footer: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  Strict,
);

const ContentSchema = Type.Object(
  {
    body: Type.Optional(Nullable(Type.String({ maxLength: 500_000 }))),
    docxFileId: Type.Optional(Nullable(Uuid)),
    page: Type.Optional(PageSchema),
    dataSchema: Type.Optional(Nullable(AnyObject)),
    sampleData: Type.Optional(Nullable(AnyObject)),
  },
  Strict,
);

const CreateBody = Type.Object(
  {
    code: Code,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Kind,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    content: ContentSchema,
    comment: Type.Optional(Type.String({ maxLength: 200 })),
  },
  Strict,
);

const PatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

const SaveBody = Type.Object(
  {
    baseVersion: Type.Integer({ minimum: 1 }),
    content: ContentSchema,
    comment: Type.Optional(Type.String({ maxLength: 200 })),
  },
  Strict,
);

const RollbackBody = Type.Object(
  { version: Type.Integer({ minimum: 1 }), baseVersion: Type.Integer({ minimum: 1 }) },
  Strict,
);

const DataFields = {
  data: Type.Optional(AnyObject),
  xml: Type.Optional(Type.String({ maxLength: MAX_XML_CHARS })),
};

const PreviewBody = Type.Object({ kind: Kind, content: ContentSchema, ...DataFields }, Strict);

const RenderBody = Type.Object(
  {
    template: Type.String({ minLength: 1, maxLength: 64, description: '模板 id 或编码' }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    ...DataFields,
  },
  Strict,
);

const IdParam = Type.Object({ id: Uuid }, Strict);
const VersionParams = Type.Object({ id: Uuid, version: Type.Integer({ minimum: 1 }) }, Strict);
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict);
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    kind: Type.Optional(Kind),
    status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  Strict,
);
const XmlQuery = Type.Object(
  {
    template: Type.String({ minLength: 1, maxLength: 64 }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  Strict,
);

/** JSON bodies carrying business data: the data limit plus room for the template itself. */
const DATA_BODY_LIMIT = 4 * 1024 * 1024;

/** RFC 6266: an ASCII fallback for old clients plus the exact UTF-8 name. */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function sendPdf(reply: FastifyReply, pdf: Buffer, name: string, download = false) {
  const file = name.toLowerCase().endsWith('.pdf') ? name : `${name}.pdf`;
  return reply
    .type('application/pdf')
    .header('content-disposition', disposition(download ? 'attachment' : 'inline', file))
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(pdf);
}

interface UploadedFile {
  name: string;
  bytes: Buffer;
}

/**
 * Reads a multipart form into memory: `file` parts (at most `maxFiles`, each at most `maxBytes`)
 * and the listed text fields; anything else → 400. On failure the rest of the body is drained so
 * the client reads the error instead of hanging.
 */
async function readForm(
  request: FastifyRequest,
  options: { maxFiles: number; maxBytes: number; fields?: string[] },
): Promise<{ files: UploadedFile[]; fields: Record<string, string> }> {
  const files: UploadedFile[] = [];
  const fields: Record<string, string> = {};
  if (!request.isMultipart()) {
    throw new AppError(415, 'unsupported_media_type', '请以 multipart/form-data 上传文件');
  }
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!options.fields?.includes(part.fieldname)) {
          throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
        }
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file') throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
      if (files.length >= options.maxFiles) {
        throw badRequest('too_many_files', `一次最多上传 ${options.maxFiles} 个文件`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file) {
        size += (chunk as Buffer).length;
        if (size > options.maxBytes) {
          throw new AppError(413, 'file_too_large', '文件超过大小限制', {
            detail: `${part.filename}：最大允许 ${Math.round(options.maxBytes / 1024 / 1024)} MB`,
          });
        }
        chunks.push(chunk as Buffer);
      }
      if (size === 0) throw badRequest('file_empty', '文件为空', { detail: part.filename });
      files.push({ name: (part.filename || 'file').slice(0, 200), bytes: Buffer.concat(chunks) });
    }
  } catch (err) {
    request.raw.unpipe();
    request.raw.resume();
    if (err instanceof AppError) throw err;
    const e = err as { statusCode?: number; code?: string };
    if (e.statusCode === 413) throw new AppError(413, 'upload_too_large', '上传内容超过限制', { detail: e.code });
    throw err;
  }
  if (!files.length) throw validationFailed([{ field: 'file', message: '必填' }]);
  return { files, fields };
}

const baseName = (name: string) => name.replace(/\.[^.]*$/, '') || 'document';

export async function pdfgenRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  app.addHook('onClose', async () => closeRenderer(kernel));
  await app.register(fastifyMultipart, {
    limits: { fileSize: MAX_DOCX_BYTES, files: MAX_IMAGES + 1, fields: 5, fieldSize: 200, parts: MAX_IMAGES + 6 },
  });
  app.addContentTypeParser(
    ['application/xml', 'text/xml'],
    { parseAs: 'string', bodyLimit: MAX_XML_CHARS * 3 },
    (_request, body, done) => done(null, body),
  );

  const tags = ['pdfgen'];
  const manage = app.requirePermission('pdfgen:template');
  const render = app.requirePermission('pdfgen:render');
  /** Listing templates: those who manage them and those who render with them. */
  const readTemplates = [
    app.requireAuth,
    async (request: FastifyRequest) => {
      if (!can(request.principal, 'pdfgen:template') && !can(request.principal, 'pdfgen:render')) {
        throw forbidden('forbidden', '没有权限执行此操作', { detail: '需要权限 pdfgen:template 或 pdfgen:render' });
      }
    },
  ];

  app.get(
    '/api/pdfgen/capabilities',
    {
      preHandler: app.requireAuth,
      schema: { tags, summary: '本服务器能生成哪些 PDF（Chromium、LibreOffice 是否已安装）' },
    },
    async () => ({ chromium: chromiumAvailable(), libreoffice: libreOfficeAvailable() }),
  );

  app.get(
    '/api/pdfgen/templates',
    { preHandler: readTemplates, schema: { tags, summary: '文书模板列表', querystring: ListQuery } },
    async (request) => listTemplates(kernel.db, request.query as any),
  );

  app.post(
    '/api/pdfgen/templates',
    { preHandler: manage, schema: { tags, summary: '新建文书模板（第 1 版）', body: CreateBody } },
    async (request, reply) => {
      const template = await createTemplate(kernel, ctxOf(request), request.body as any);
      return reply.code(201).send(template);
    },
  );

  app.get(
    '/api/pdfgen/templates/:id',
    { preHandler: readTemplates, schema: { tags, summary: '文书模板及其当前版本', params: IdParam } },
    async (request) => {
      const template = await loadTemplate(kernel.db, (request.params as { id: string }).id);
      const content = await loadVersion(kernel.db, template.id, template.currentVersion);
      if (content.docx) content.docx.fields = await fieldsOfDocx(kernel, content.docx.fileId).catch(() => []);
      return { ...template, content };
    },
  );

  app.patch(
    '/api/pdfgen/templates/:id',
    { preHandler: manage, schema: { tags, summary: '修改名称、说明或启用/停用', params: IdParam, body: PatchBody } },
    async (request) =>
      updateTemplate(kernel, ctxOf(request), (request.params as { id: string }).id, request.body as any),
  );

  app.delete(
    '/api/pdfgen/templates/:id',
    { preHandler: manage, schema: { tags, summary: '删除文书模板（连同全部版本）', params: IdParam } },
    async (request, reply) => {
      await deleteTemplate(kernel, ctxOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/pdfgen/templates/:id/versions',
    { preHandler: manage, schema: { tags, summary: '版本列表（新的在前）', params: IdParam } },
    async (request) => {
      const template = await loadTemplate(kernel.db, (request.params as { id: string }).id);
      return { items: await listVersions(kernel.db, template.id), currentVersion: template.currentVersion };
    },
  );

  app.get(
    '/api/pdfgen/templates/:id/versions/:version',
    { preHandler: manage, schema: { tags, summary: '某一版本的内容', params: VersionParams } },
    async (request) => {
      const { id, version } = request.params as { id: string; version: number };
      return loadVersion(kernel.db, id, version);
    },
  );

  app.post(
    '/api/pdfgen/templates/:id/versions',
    {
      preHandler: manage,
      bodyLimit: DATA_BODY_LIMIT,
      schema: {
        tags,
        summary: '保存为新版本（baseVersion 过期时 409 template_conflict）',
        params: IdParam,
        body: SaveBody,
      },
    },
    async (request, reply) => {
      const result = await saveVersion(
        kernel,
        ctxOf(request),
        (request.params as { id: string }).id,
        request.body as any,
      );
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/api/pdfgen/templates/:id/rollback',
    {
      preHandler: manage,
      schema: { tags, summary: '回滚：把旧版本的内容存为新版本', params: IdParam, body: RollbackBody },
    },
    async (request, reply) => {
      const { version, baseVersion } = request.body as { version: number; baseVersion: number };
      const result = await rollbackTemplate(
        kernel,
        ctxOf(request),
        (request.params as { id: string }).id,
        version,
        baseVersion,
      );
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/api/pdfgen/templates/:id/preview',
    {
      preHandler: manage,
      schema: { tags, summary: '用示例数据预览已保存的版本（PDF）', params: IdParam, querystring: VersionQuery },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const template = await loadTemplate(kernel.db, id);
      const version = (request.query as { version?: number }).version ?? template.currentVersion;
      const content = await loadVersion(kernel.db, template.id, version);
      const pdf = await renderContent(kernel, template.kind, content, content.sampleData);
      return sendPdf(reply, pdf, `${template.name}-预览-第${version}版`);
    },
  );

  app.get(
    '/api/pdfgen/templates/:id/docx',
    {
      preHandler: manage,
      schema: { tags, summary: '下载 Word 模板文件', params: IdParam, querystring: VersionQuery },
    },
    async (request, reply) => {
      const template = await loadTemplate(kernel.db, (request.params as { id: string }).id);
      const version = (request.query as { version?: number }).version ?? template.currentVersion;
      const content = await loadVersion(kernel.db, template.id, version);
      if (!content.docxFileId) throw badRequest('template_not_docx', '该模板不是 Word 模板');
      const { bytes, name } = await fileBytes(kernel, content.docxFileId);
      return reply
        .type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
        .header('content-disposition', disposition('attachment', name))
        .send(bytes);
    },
  );

  app.post(
    '/api/pdfgen/preview',
    {
      preHandler: manage,
      bodyLimit: DATA_BODY_LIMIT,
      schema: { tags, summary: '预览尚未保存的模板内容（PDF）', body: PreviewBody },
    },
    async (request, reply) => {
      const body = request.body as { kind: TemplateKind; content: any; data?: object; xml?: string };
      const content = {
        body: body.content.body ?? null,
        docxFileId: body.content.docxFileId ?? null,
        page: { ...DEFAULT_PAGE, ...body.content.page },
        dataSchema: body.content.dataSchema ?? null,
      };
      const data = body.xml ?? body.data ?? body.content.sampleData ?? {};
      const pdf = await renderContent(kernel, body.kind, content, data as any);
      return sendPdf(reply, pdf, '预览');
    },
  );

  app.post(
    '/api/pdfgen/render',
    {
      preHandler: render,
      bodyLimit: DATA_BODY_LIMIT,
      schema: { tags, summary: '模板 + 业务数据（JSON 或 XML 文本）生成 PDF', body: RenderBody },
    },
    async (request, reply) => {
      const body = request.body as {
        template: string;
        version?: number;
        fileName?: string;
        data?: object;
        xml?: string;
      };
      if (body.data && body.xml !== undefined) {
        throw validationFailed([{ field: 'xml', message: 'data 与 xml 只能提供一个' }]);
      }
      const result = await renderTemplate(kernel, body.template, (body.xml ?? body.data ?? {}) as any, {
        version: body.version,
      });
      reply.header('x-template-version', String(result.template.version));
      return sendPdf(reply, result.pdf, body.fileName ?? result.template.name);
    },
  );

  app.post(
    '/api/pdfgen/render/xml',
    {
      preHandler: render,
      bodyLimit: MAX_XML_CHARS * 3,
      schema: {
        tags,
        summary: '业务系统提交 XML（Content-Type: application/xml）生成 PDF',
        querystring: XmlQuery,
        consumes: ['application/xml', 'text/xml'],
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string') {
        throw new AppError(415, 'unsupported_media_type', '请以 application/xml 提交 XML 数据');
      }
      const { template, version } = request.query as { template: string; version?: number };
      const result = await renderTemplate(kernel, template, request.body, { version });
      reply.header('x-template-version', String(result.template.version));
      return sendPdf(reply, result.pdf, result.template.name);
    },
  );

  app.post(
    '/api/pdfgen/uploads',
    {
      preHandler: manage,
      schema: { tags, summary: '上传 Word（.docx）模板文件（multipart：file）', consumes: ['multipart/form-data'] },
    },
    async (request, reply) => {
      const { files } = await readForm(request, { maxFiles: 1, maxBytes: MAX_DOCX_BYTES });
      const file = files[0] as UploadedFile;
      if (sniffWord(file.bytes) !== 'docx') {
        throw new AppError(415, 'docx_required', '模板必须是 Word 2007 及以上格式（.docx）', { detail: file.name });
      }
      unpackDocx(file.bytes);
      const name = file.name.toLowerCase().endsWith('.docx') ? file.name : `${baseName(file.name)}.docx`;
      return reply.code(201).send(await storeDocx(kernel, ctxOf(request), name, file.bytes));
    },
  );

  app.post(
    '/api/pdfgen/convert',
    {
      preHandler: render,
      schema: { tags, summary: 'Word（.docx/.doc）转 PDF（multipart：file）', consumes: ['multipart/form-data'] },
    },
    async (request, reply) => {
      const { files } = await readForm(request, { maxFiles: 1, maxBytes: MAX_DOCX_BYTES });
      const file = files[0] as UploadedFile;
      const kind = sniffWord(file.bytes);
      if (!kind) throw new AppError(415, 'word_required', '只能转换 Word 文档（.docx 或 .doc）', { detail: file.name });
      if (kind === 'docx') unpackDocx(file.bytes);
      if (!libreOfficeAvailable()) throw libreOfficeUnavailable();
      return sendPdf(reply, await officeToPdf(file.bytes, kind), baseName(file.name));
    },
  );

  app.post(
    '/api/pdfgen/images',
    {
      preHandler: render,
      schema: {
        tags,
        summary: '多张图片（PNG/JPEG）合并为一个 PDF（multipart：file 多个，fit=a4|image，margin 毫米）',
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const { files, fields } = await readForm(request, {
        maxFiles: MAX_IMAGES,
        maxBytes: MAX_IMAGE_BYTES,
        fields: ['fit', 'margin'],
      });
      const fit = (fields.fit ?? 'a4') as ImageFit;
      if (fit !== 'a4' && fit !== 'image') throw validationFailed([{ field: 'fit', message: '取值应为：a4、image' }]);
      const margin = fields.margin === undefined ? 10 : Number(fields.margin);
      if (!Number.isFinite(margin) || margin < 0 || margin > 50) {
        throw validationFailed([{ field: 'margin', message: '应为 0–50 之间的毫米数' }]);
      }
      const pdf = await imagesToPdf(files as ImageInput[], fit, margin);
      return sendPdf(reply, pdf, files.length === 1 ? baseName((files[0] as UploadedFile).name) : '图片合并');
    },
  );
}
