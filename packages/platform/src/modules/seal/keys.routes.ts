import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { countAll, IdParam, likePattern, Paging, paging, Strict } from './http.js';
import {
  deleteKey,
  EXPIRY_WARNING_DAYS,
  generateKey,
  type IssueSpec,
  importKey,
  issueCertificate,
  type KeyRow,
  keyUsage,
  keyView,
  listCas,
  loadKey,
  renameKey,
} from './keys.js';
import { fileOrText, readMultipart } from './upload.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });
const Algorithm = Type.Union([Type.Literal('sm2'), Type.Literal('rsa')]);
const Issue = Type.Object(
  {
    subject: Type.Object(
      {
        CN: Type.String({ minLength: 1, maxLength: 64 }),
        O: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        OU: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        L: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        ST: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        C: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
      },
      Strict,
    ),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  Strict,
);
const CreateBody = Type.Object(
  {
    name: Name,
    algorithm: Algorithm,
    rsaBits: Type.Optional(Type.Union([Type.Literal(2048), Type.Literal(3072), Type.Literal(4096)])),
    issue: Type.Optional(Issue),
  },
  Strict,
);
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    expiryStatus: Type.Optional(
      Type.Union(['no_certificate', 'valid', 'expiring', 'expired'].map((s) => Type.Literal(s))),
    ),
    ...Paging,
  },
  Strict,
);
const ExpiringQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) }, Strict);
const AlgParam = Type.Object({ algorithm: Algorithm }, Strict);
const PEM_MAX = 64 * 1024;

export function keyRoutes(app: FastifyInstance, kernel: Kernel): void {
  const tags = ['seal-keys'];
  const read = app.requirePermission('seal-key:read');
  const manage = app.requirePermission('seal-key:manage');

  const views = async (rows: KeyRow[]) => {
    const usage = await keyUsage(
      kernel.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => keyView(r, usage.get(r.id) ?? 0));
  };
  const one = async (row: KeyRow) => (await views([row]))[0];

  app.get('/api/seal/keys', { preHandler: read, schema: { tags, querystring: ListQuery } }, async (request) => {
    const query = request.query as { q?: string; expiryStatus?: string; page?: number; pageSize?: number };
    let base = kernel.db.selectFrom('seal_keys');
    if (query.q) base = base.where('name', 'ilike', likePattern(query.q));
    if (query.expiryStatus) {
      const soon = new Date(Date.now() + EXPIRY_WARNING_DAYS * 86_400_000);
      const now = new Date();
      base =
        query.expiryStatus === 'no_certificate'
          ? base.where('not_after', 'is', null)
          : query.expiryStatus === 'expired'
            ? base.where('not_after', '<=', now)
            : query.expiryStatus === 'expiring'
              ? base.where('not_after', '>', now).where('not_after', '<', soon)
              : base.where('not_after', '>=', soon);
    }
    const { limit, offset } = paging(query);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at', 'desc').limit(limit).offset(offset).execute(),
      base.select(countAll).executeTakeFirstOrThrow(),
    ]);
    return { items: await views(rows as KeyRow[]), total: Number(count.n) };
  });

  app.get(
    '/api/seal/keys/expiring',
    { preHandler: read, schema: { tags, querystring: ExpiringQuery } },
    async (request) => {
      const days = (request.query as { days?: number }).days ?? EXPIRY_WARNING_DAYS;
      const rows = await kernel.db
        .selectFrom('seal_keys')
        .selectAll()
        .where('not_after', 'is not', null)
        .where('not_after', '<', new Date(Date.now() + days * 86_400_000))
        .orderBy('not_after')
        .execute();
      return { days, items: await views(rows as KeyRow[]) };
    },
  );

  app.get('/api/seal/keys/:id', { preHandler: read, schema: { tags, params: IdParam } }, async (request) =>
    one(await loadKey(kernel.db, (request.params as { id: string }).id)),
  );

  app.get(
    '/api/seal/keys/:id/certificate',
    { preHandler: read, schema: { tags, params: IdParam } },
    async (request, reply) => {
      const row = await loadKey(kernel.db, (request.params as { id: string }).id);
      if (!row.cert_pem) throw notFound('certificate_not_found', '密钥尚未签发证书');
      return reply
        .type('application/x-pem-file')
        .header('content-disposition', 'attachment; filename="certificate.pem"')
        .send(row.cert_pem + (row.chain_pem ?? ''));
    },
  );

  app.post('/api/seal/keys', { preHandler: manage, schema: { tags, body: CreateBody } }, async (request, reply) => {
    const body = request.body as {
      name: string;
      algorithm: 'sm2' | 'rsa';
      rsaBits?: 2048 | 3072 | 4096;
      issue?: IssueSpec;
    };
    return reply.code(201).send(await one(await generateKey(kernel, ctxOf(request), body)));
  });

  app.post(
    '/api/seal/keys/:id/issue',
    { preHandler: manage, schema: { tags, params: IdParam, body: Issue } },
    async (request) =>
      one(
        await issueCertificate(
          kernel,
          ctxOf(request),
          (request.params as { id: string }).id,
          request.body as IssueSpec,
        ),
      ),
  );

  app.post(
    '/api/seal/keys/import',
    {
      preHandler: manage,
      schema: { tags, summary: '导入密钥与证书（multipart：name, p12+password 或 key+cert[+chain]）' },
    },
    async (request, reply) => {
      const upload = await readMultipart(request, {
        maxFileBytes: PEM_MAX,
        maxFiles: 4,
        fileFields: ['p12', 'key', 'cert', 'chain'],
        textFields: ['name', 'password', 'key', 'cert', 'chain'],
      });
      const name = (upload.fields.name ?? '').trim().slice(0, 100) || '导入的密钥';
      const row = await importKey(kernel, ctxOf(request), {
        name,
        p12: upload.files.find((f) => f.field === 'p12')?.buf,
        password: upload.fields.password,
        keyPem: fileOrText(upload, 'key')?.toString('utf8'),
        certPem: fileOrText(upload, 'cert')?.toString('utf8'),
        chainPem: fileOrText(upload, 'chain')?.toString('utf8'),
      });
      return reply.code(201).send(await one(row));
    },
  );

  app.patch(
    '/api/seal/keys/:id',
    { preHandler: manage, schema: { tags, params: IdParam, body: Type.Object({ name: Name }, Strict) } },
    async (request) =>
      one(
        await renameKey(
          kernel,
          ctxOf(request),
          (request.params as { id: string }).id,
          (request.body as { name: string }).name,
        ),
      ),
  );

  app.delete(
    '/api/seal/keys/:id',
    { preHandler: manage, schema: { tags, params: IdParam } },
    async (request, reply) => {
      await deleteKey(kernel, ctxOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.get('/api/seal/ca', { preHandler: read, schema: { tags } }, async () => ({
    items: (await listCas(kernel)).map(({ certPem: _pem, ...rest }) => rest),
  }));

  // Public on purpose: whoever verifies a signed document may want to trust the issuing CA.
  app.get('/api/seal/ca/:algorithm/certificate', { schema: { tags, params: AlgParam } }, async (request, reply) => {
    const { algorithm } = request.params as { algorithm: 'sm2' | 'rsa' };
    const ca = (await listCas(kernel)).find((c) => c.algorithm === algorithm)!;
    return reply
      .type('application/x-pem-file')
      .header('content-disposition', `attachment; filename="jiyue-dev-ca-${algorithm}.pem"`)
      .send(ca.certPem);
  });
}
