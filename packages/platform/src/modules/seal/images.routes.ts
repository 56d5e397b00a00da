import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { validationFailed } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { countAll, IdParam, likePattern, Paging, paging, Strict } from './http.js';
import {
  deleteImage,
  type GenerateSpec,
  generate,
  IMAGE_MAX_BYTES,
  type ImageRow,
  imagePng,
  imageUsage,
  imageView,
  loadImage,
  prepareUpload,
  renameImage,
  saveImage,
} from './images.js';
import { readMultipart, requireFile } from './upload.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });
const GenerateBody = Type.Object(
  {
    name: Name,
    shape: Type.Union([Type.Literal('round'), Type.Literal('oval'), Type.Literal('square')]),
    text: Type.String({ minLength: 1, maxLength: 40 }),
    bottomText: Type.Optional(Type.String({ maxLength: 20 })),
    code: Type.Optional(Type.String({ pattern: '^[0-9]{13}$' })),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    sizeMm: Type.Optional(Type.Number({ minimum: 15, maximum: 80 })),
    widthMm: Type.Optional(Type.Number({ minimum: 15, maximum: 80 })),
    heightMm: Type.Optional(Type.Number({ minimum: 10, maximum: 80 })),
  },
  Strict,
);
const ListQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })), ...Paging }, Strict);

export function imageRoutes(app: FastifyInstance, kernel: Kernel): void {
  const tags = ['seal-images'];
  const read = app.requirePermission('seal-image:read');
  const manage = app.requirePermission('seal-image:manage');

  const view = async (row: ImageRow) => imageView(row, (await imageUsage(kernel.db, [row.id])).get(row.id) ?? 0);

  app.get('/api/seal/images', { preHandler: read, schema: { tags, querystring: ListQuery } }, async (request) => {
    const query = request.query as { q?: string; page?: number; pageSize?: number };
    let base = kernel.db.selectFrom('seal_images');
    if (query.q) base = base.where('name', 'ilike', likePattern(query.q));
    const { limit, offset } = paging(query);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at', 'desc').limit(limit).offset(offset).execute(),
      base.select(countAll).executeTakeFirstOrThrow(),
    ]);
    const usage = await imageUsage(
      kernel.db,
      rows.map((r) => r.id as string),
    );
    return { items: (rows as ImageRow[]).map((r) => imageView(r, usage.get(r.id) ?? 0)), total: Number(count.n) };
  });

  app.get('/api/seal/images/:id', { preHandler: read, schema: { tags, params: IdParam } }, async (request) =>
    view(await loadImage(kernel.db, (request.params as { id: string }).id)),
  );

  app.get(
    '/api/seal/images/:id/png',
    { preHandler: read, schema: { tags, params: IdParam } },
    async (request, reply) => {
      const row = await loadImage(kernel.db, (request.params as { id: string }).id);
      return reply
        .type('image/png')
        .header('cache-control', 'private, max-age=86400')
        .header('x-seal-width-mm', String(row.width_mm))
        .header('x-seal-height-mm', String(row.height_mm))
        .send(await imagePng(kernel, row));
    },
  );

  app.post(
    '/api/seal/images/generate',
    { preHandler: manage, schema: { tags, body: GenerateBody } },
    async (request, reply) => {
      const spec = request.body as GenerateSpec;
      const prepared = await generate(spec);
      const row = await saveImage(kernel, ctxOf(request), { name: spec.name, source: 'generated', spec, prepared });
      return reply.code(201).send(await view(row));
    },
  );

  // Preview of a generated image while the form is being filled in: nothing is stored.
  app.post(
    '/api/seal/images/preview',
    {
      preHandler: manage,
      schema: { tags, body: GenerateBody },
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const prepared = await generate(request.body as GenerateSpec);
      return reply
        .type('image/png')
        .header('x-seal-width-mm', String(prepared.widthMm))
        .header('x-seal-height-mm', String(prepared.heightMm))
        .send(prepared.png);
    },
  );

  app.post(
    '/api/seal/images',
    {
      preHandler: manage,
      schema: { tags, summary: '上传印模（multipart：file, name?, removeWhiteBackground?, widthMm?）' },
    },
    async (request, reply) => {
      const upload = await readMultipart(request, {
        maxFileBytes: IMAGE_MAX_BYTES,
        maxFiles: 1,
        fileFields: ['file'],
        textFields: ['name', 'removeWhiteBackground', 'widthMm'],
      });
      const file = requireFile(upload);
      const { name: rawName, removeWhiteBackground, widthMm } = upload.fields;
      const width = widthMm === undefined ? undefined : Number(widthMm);
      if (width !== undefined && !(width >= 10 && width <= 80)) {
        throw validationFailed([{ field: 'widthMm', message: '须为 10–80 之间的数字（毫米）' }]);
      }
      const name =
        (
          rawName ??
          file.name
            .split(/[\\/]/)
            .pop()
            ?.replace(/\.[^.]*$/, '') ??
          ''
        )
          .trim()
          .slice(0, 100) || '印模';
      const prepared = await prepareUpload(file.buf, {
        removeWhiteBackground: removeWhiteBackground === 'true',
        widthMm: width,
      });
      const row = await saveImage(kernel, ctxOf(request), { name, source: 'upload', spec: null, prepared });
      return reply.code(201).send(await view(row));
    },
  );

  app.patch(
    '/api/seal/images/:id',
    { preHandler: manage, schema: { tags, params: IdParam, body: Type.Object({ name: Name }, Strict) } },
    async (request) => {
      const { id } = request.params as { id: string };
      return view(await renameImage(kernel, ctxOf(request), id, (request.body as { name: string }).name));
    },
  );

  app.delete(
    '/api/seal/images/:id',
    { preHandler: manage, schema: { tags, params: IdParam } },
    async (request, reply) => {
      await deleteImage(kernel, ctxOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );
}
