import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { Strict } from './http.js';
import { portalSummary, searchDocuments } from './portal.js';

const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  Strict,
);

export async function portalRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });
  const tags = ['工作门户'];
  app.get('/api/cms/portal', { ...perm('document:read'), schema: { tags } }, async (req) =>
    portalSummary(kernel, ctxOf(req)),
  );
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/cms/search',
    { ...perm('document:read'), schema: { tags, querystring: SearchQuery } },
    async (req) => searchDocuments(kernel, ctxOf(req), req.query),
  );
}
