import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound, validationFailed } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { BATCH_MAX_FILES, batchView, batchZip, loadBatch, submitBatch } from './batch.js';
import { countAll, DateTime, IdParam, Paging, paging, Strict, Uuid } from './http.js';
import { signerGuard } from './seals.routes.js';
import {
  contentDisposition,
  MIME,
  parseSignOptions,
  recordsQuery,
  recordView,
  signDocument,
  signedName,
  sniffFormat,
} from './sign.js';
import { readMultipart, requireFile, type Upload } from './upload.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RecordQuery = Type.Object(
  {
    sealId: Type.Optional(Uuid),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    ...Paging,
  },
  Strict,
);
const BatchFileParams = Type.Object(
  { id: Uuid, index: Type.Integer({ minimum: 0, maximum: BATCH_MAX_FILES }) },
  Strict,
);

function sealIdOf(upload: Upload): string {
  const id = upload.fields.sealId;
  if (!id || !UUID.test(id)) throw validationFailed([{ field: 'sealId', message: '必填，格式为 uuid' }]);
  return id;
}

export function signRoutes(app: FastifyInstance, kernel: Kernel, maxFileBytes: number): void {
  const tags = ['seal-sign'];
  const guard = signerGuard(app);
  const form = { fileFields: ['file'], textFields: ['sealId', 'options'], maxFileBytes };

  app.post(
    '/api/seal/sign',
    { preHandler: guard, schema: { tags, summary: '签章（multipart：file, sealId, options JSON）→ 签章后的文件' } },
    async (request, reply) => {
      const upload = await readMultipart(request, { ...form, maxFiles: 1 });
      const file = requireFile(upload);
      const sealId = sealIdOf(upload);
      const options = parseSignOptions(upload.fields.options);
      const result = await signDocument(kernel, request.principal!, request.ip, {
        buf: file.buf,
        fileName: file.name,
        sealId,
        options,
      });
      return reply
        .type(MIME[result.format])
        .header('content-disposition', contentDisposition(signedName(result.fileName, result.format)))
        .header('x-seal-record-id', result.recordId)
        .header('x-seal-verify-code', result.verifyCode)
        .send(result.output);
    },
  );

  app.post(
    '/api/seal/sign/batch',
    { preHandler: guard, schema: { tags, summary: '批量签章（multipart：多个 file, sealId, options）→ 任务' } },
    async (request, reply) => {
      const upload = await readMultipart(request, { ...form, maxFiles: BATCH_MAX_FILES });
      requireFile(upload);
      const sealId = sealIdOf(upload);
      const options = parseSignOptions(upload.fields.options);
      const res = await submitBatch(kernel, request.principal!, request.ip, { sealId, options, files: upload.files });
      return reply.code(202).send(res);
    },
  );

  app.get('/api/seal/batches/:id', { preHandler: guard, schema: { tags, params: IdParam } }, async (request) => {
    const { batch, items } = await loadBatch(kernel, request.principal!, (request.params as { id: string }).id);
    return batchView(batch, items);
  });

  app.get(
    '/api/seal/batches/:id/files/:index',
    { preHandler: guard, schema: { tags, params: BatchFileParams } },
    async (request, reply) => {
      const { id, index } = request.params as { id: string; index: number };
      const { items } = await loadBatch(kernel, request.principal!, id);
      const item = items.find((i) => i.idx === index);
      if (!item) throw notFound('batch_item_not_found', '批量任务中没有这个文件');
      if (item.status !== 'signed') throw badRequest('batch_item_not_signed', '该文件尚未签章或签章失败');
      const chunks: Buffer[] = [];
      for await (const c of await kernel.files.storage.get(item.output_sha256 as string)) chunks.push(c as Buffer);
      const buf = Buffer.concat(chunks);
      const format = sniffFormat(buf);
      return reply
        .type(MIME[format])
        .header('content-disposition', contentDisposition(signedName(item.file_name as string, format)))
        .send(buf);
    },
  );

  app.get(
    '/api/seal/batches/:id/zip',
    { preHandler: guard, schema: { tags, params: IdParam } },
    async (request, reply) => {
      const { items } = await loadBatch(kernel, request.principal!, (request.params as { id: string }).id);
      const signed = items.filter((i) => i.status === 'signed') as { file_name: string; output_sha256: string }[];
      return reply
        .type('application/zip')
        .header('content-disposition', contentDisposition('signed.zip'))
        .send(batchZip(kernel, signed));
    },
  );

  app.get(
    '/api/seal/records',
    { preHandler: app.requireAuth, schema: { tags, querystring: RecordQuery } },
    async (request) => {
      const query = request.query as {
        sealId?: string;
        from?: string;
        to?: string;
        q?: string;
        page?: number;
        pageSize?: number;
      };
      const base = recordsQuery(kernel, request.principal!, query);
      const { limit, offset } = paging(query);
      const [rows, count] = await Promise.all([
        base
          .selectAll('r')
          .select('s.name as seal_name')
          .orderBy('r.created_at', 'desc')
          .limit(limit)
          .offset(offset)
          .execute(),
        base.select(countAll).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(recordView), total: Number(count.n) };
    },
  );

  app.get(
    '/api/seal/records/:id',
    { preHandler: app.requireAuth, schema: { tags, params: IdParam } },
    async (request) => {
      const row = await recordsQuery(kernel, request.principal!, {})
        .selectAll('r')
        .select('s.name as seal_name')
        .where('r.id', '=', (request.params as { id: string }).id)
        .executeTakeFirst();
      if (!row) throw notFound('record_not_found', '签章记录不存在');
      return recordView(row);
    },
  );
}
