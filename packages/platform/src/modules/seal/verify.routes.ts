import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { Strict } from './http.js';
import { imagePng } from './images.js';
import { readMultipart, requireFile } from './upload.js';
import { publicRecord, verifyDocument } from './verify.js';
import { errorPage, formPage, recordPage, reportPage } from './verify.page.js';

const CodeParam = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }, Strict);
const rateLimit = { max: 30, timeWindow: '1 minute' };

function html(reply: FastifyReply, body: string, status = 200) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header(
      'content-security-policy',
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'",
    )
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

/** 签章验证: public JSON API and the public HTML pages (no login). */
export function verifyRoutes(app: FastifyInstance, kernel: Kernel, maxFileBytes: number): void {
  const tags = ['seal-verify'];
  const form = { fileFields: ['file'], textFields: [], maxFiles: 1, maxFileBytes };

  app.post(
    '/api/seal/verify',
    { config: { rateLimit }, schema: { tags, summary: '验证 PDF/OFD 的电子签章（multipart：file），公开接口' } },
    async (request) => {
      const file = requireFile(await readMultipart(request, form));
      return verifyDocument(kernel, file.buf, file.name);
    },
  );

  app.get('/api/seal/verify/:code', { config: { rateLimit }, schema: { tags, params: CodeParam } }, async (request) => {
    const { imageSha256: _img, ...rest } = await publicRecord(kernel, (request.params as { code: string }).code);
    return rest;
  });

  app.get('/verify', { schema: { hide: true } }, async (_request, reply) => html(reply, formPage()));

  app.post('/verify', { config: { rateLimit }, schema: { hide: true } }, async (request, reply) => {
    try {
      const file = requireFile(await readMultipart(request, form));
      return html(reply, reportPage(await verifyDocument(kernel, file.buf, file.name)));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return html(reply, errorPage(err.title, err.detail), err.status);
    }
  });

  app.get(
    '/verify/:code',
    { config: { rateLimit }, schema: { hide: true, params: CodeParam } },
    async (request, reply) => {
      try {
        const record = await publicRecord(kernel, (request.params as { code: string }).code);
        const png = await imagePng(kernel, { sha256: record.imageSha256 });
        return html(reply, recordPage(record, `data:image/png;base64,${png.toString('base64')}`));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return html(reply, errorPage(err.title, err.detail), err.status);
      }
    },
  );
}
