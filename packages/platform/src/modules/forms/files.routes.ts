import fastifyMultipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, badRequest, validationFailed } from '../../kernel/errors.js';
import type { StagedBlob } from '../../kernel/files.js';
import type { Kernel } from '../../kernel/module.js';
// Upload checks are the cms file rules; imported from their file, not cms/index.js, which would
// form an import cycle (cms review → workflow → forms → cms).
import { checkContent, normaliseName, ruleFor } from '../cms/files.js';

/*
 * 附件上传 for file fields of forms. Files go into the kernel's store (one `files` row each) and a
 * form field holds their ids; the field's own limits (types, size, count) are checked when the
 * form data is validated (references.ts), because only the form knows them. Here every upload is
 * bounded by a hard ceiling and sniffed (content must match the extension; cms's rules).
 */

/** Largest attachment accepted at all; a field may allow less. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function readOne(kernel: Kernel, request: FastifyRequest) {
  let staged: StagedBlob | null = null;
  try {
    const part = await request.file();
    if (part?.fieldname !== 'file') throw validationFailed([{ field: 'file', message: '必填' }]);
    const name = normaliseName(part.filename ?? '');
    const { ext, rule } = ruleFor(name);
    if (rule.category !== 'document' && rule.category !== 'image') {
      throw new AppError(415, 'file_type_not_allowed', '表单附件只接受文档和图片');
    }
    staged = await kernel.files.storage.stage(part.file, { maxBytes: MAX_ATTACHMENT_BYTES });
    if (staged.size === 0) throw badRequest('file_empty', '文件为空', { detail: name });
    await checkContent(ext, rule, staged.head);
    return { staged, name, ext, mime: rule.mime };
  } catch (err) {
    request.raw.unpipe();
    request.raw.resume();
    await staged?.discard();
    throw err;
  }
}

export async function filesRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  await app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 1, fields: 0, parts: 1 },
    });
    scoped.post(
      '/api/forms/files',
      {
        preHandler: scoped.requireAuth,
        config: { rateLimit: { max: 60, timeWindow: 60_000 } },
        schema: {
          tags: ['统一表单'],
          summary: '上传表单附件（multipart，字段 file）',
          consumes: ['multipart/form-data'],
        },
      },
      async (request, reply) => {
        const f = await readOne(kernel, request);
        const row = await kernel.db.transaction().execute(async (tx) => {
          await f.staged.commit();
          const inserted = await tx
            .insertInto('files')
            .values({
              sha256: f.staged.sha256,
              size: f.staged.size,
              mime: f.mime,
              ext: f.ext,
              name: f.name,
              uploader_id: request.principal?.userId ?? null,
              uploader_ip: request.ip,
            })
            .returning(['id', 'name', 'size', 'ext'])
            .executeTakeFirstOrThrow();
          await kernel.audit.record(tx, {
            ...kernel.audit.actorOf(request),
            action: 'upload',
            resource: 'form-file',
            resourceId: inserted.id,
            summary: `上传表单附件「${f.name}」`,
          });
          return inserted;
        });
        return reply.code(201).send({ id: row.id, name: row.name, size: Number(row.size), ext: row.ext });
      },
    );
  });

  /** Names and sizes of attachments, for showing a submitted form (ids come from the form data). */
  app.get(
    '/api/forms/files',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['统一表单'],
        summary: '附件信息（按 id 列表）',
        querystring: Type.Object(
          { ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 50 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const ids = (request.query as { ids: string[] }).ids.filter((id) => UUID.test(id));
      const rows = await kernel.db
        .selectFrom('files')
        .select(['id', 'name', 'size', 'ext'])
        .where('id', 'in', ids)
        .where('deleted_at', 'is', null)
        .execute();
      return { items: rows.map((r) => ({ id: r.id, name: r.name, size: Number(r.size), ext: r.ext })) };
    },
  );
}
