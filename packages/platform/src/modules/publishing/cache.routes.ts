import { listThemes } from '@jiyue/themes';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { badRequest, forbidden, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { accessibleSiteIds, assertSiteAccess, loadSiteFor } from '../cms/index.js';
import { auditActor, ctxOf, likePattern } from '../settings/context.js';
import { enqueueRebuild, enqueueRender, RENDER_JOB } from './jobs.js';
import { REBUILD_JOB, rebuildFailure } from './rebuild.js';
import { listImportedThemes, themeExists } from './templates.js';
import { channelPath, treePath } from './urls.js';

/*
 * 站点发布 and 高速缓存服务 (engine part of /api/publishing): sites with their output, full
 * rebuilds, refreshing a page / a channel / a site / a batch of pages, job progress, the rendered
 * pages, themes and a site's theme.
 */

const Strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const IdParam = Type.Object({ id: Uuid }, Strict);
const PagePath = Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_./-]+$' });

const RefreshBody = Type.Object(
  {
    siteId: Uuid,
    kind: Type.Union([Type.Literal('page'), Type.Literal('channel'), Type.Literal('site'), Type.Literal('batch')], {
      description: 'page 单个页面 | channel 整个栏目 | site 整个网站 | batch 选中的一批页面',
    }),
    path: Type.Optional(PagePath),
    channelId: Type.Optional(Uuid),
    paths: Type.Optional(Type.Array(PagePath, { minItems: 1, maxItems: 5000 })),
  },
  Strict,
);

const PagesQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Optional(
      Type.Union(['index', 'channel', 'article', 'topic', '404', 'sitemap', 'rss'].map((k) => Type.Literal(k))),
    ),
    care: Type.Optional(Type.Boolean()),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  Strict,
);

const ThemeBody = Type.Object(
  { theme: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }) },
  Strict,
);

const JobParam = Type.Object({ id: Type.String({ maxLength: 64 }) }, Strict);

export async function cacheRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });
  const tags = ['站点发布'];

  app.get(
    '/api/publishing/sites',
    { ...perm('publishing:read'), schema: { tags, summary: '站点发布概况' } },
    async (req) => {
      const ids = await accessibleSiteIds(kernel.db, req.principal, 'publishing:read');
      if (ids && ids.length === 0) return { items: [] };
      let q = kernel.db
        .selectFrom('cms_sites as s')
        .leftJoin('publishing_sites as p', 'p.site_id', 's.id')
        .select([
          's.id',
          's.code',
          's.name',
          's.theme',
          's.status',
          's.domains',
          'p.last_rebuild_at',
          'p.last_rebuild_job',
          'p.output_bytes',
          'p.output_files',
          sql<number>`(select count(*)::int from publishing_pages pp where pp.site_id = s.id)`.as('page_count'),
        ])
        .orderBy('s.sort_order')
        .orderBy('s.code');
      if (ids) q = q.where('s.id', 'in', ids);
      const rows = await q.execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          code: r.code,
          name: r.name,
          theme: r.theme,
          status: r.status,
          domains: r.domains ?? [],
          pageCount: Number(r.page_count ?? 0),
          lastRebuildAt: r.last_rebuild_at ?? null,
          lastRebuildJobId: r.last_rebuild_job ?? null,
          outputBytes: Number(r.output_bytes ?? 0),
          outputFiles: Number(r.output_files ?? 0),
          url: `/sites/${r.code}/`,
        })),
      };
    },
  );

  app.post<{ Params: Static<typeof IdParam> }>(
    '/api/publishing/sites/:id/rebuild',
    { ...perm('publishing:refresh'), schema: { tags, summary: '生成整个网站', params: IdParam } },
    async (req, reply) => {
      const jobId = await kernel.db.transaction().execute(async (tx) => {
        const site = await loadSiteFor(tx, req.principal, 'publishing:refresh', req.params.id);
        const id = await enqueueRebuild(kernel, tx, site.id, req.principal?.userId ?? null);
        await kernel.audit.record(tx, {
          ...auditActor(ctxOf(req)),
          action: 'rebuild',
          resource: 'publishing.site',
          resourceId: site.id,
          summary: `生成网站「${site.name}」全部页面`,
          detail: { jobId: id },
        });
        return id;
      });
      return reply.code(202).send({ jobId });
    },
  );

  app.post(
    '/api/publishing/rebuild-all',
    { ...perm('publishing:refresh'), schema: { tags, summary: '生成全部网站' } },
    async (req, reply) => {
      if (req.principal?.permissions.get('publishing:refresh')?.kind !== 'all') {
        throw forbidden('site_forbidden', '无权生成全部网站', {
          detail: '需要范围为「全部」的 publishing:refresh 权限',
        });
      }
      const jobId = await kernel.db.transaction().execute(async (tx) => {
        const id = await enqueueRebuild(kernel, tx, 'all', req.principal?.userId ?? null);
        await kernel.audit.record(tx, {
          ...auditActor(ctxOf(req)),
          action: 'rebuild',
          resource: 'publishing.site',
          summary: '生成全部网站',
          detail: { jobId: id },
        });
        return id;
      });
      return reply.code(202).send({ jobId });
    },
  );

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/api/publishing/refresh',
    {
      ...perm('publishing:refresh'),
      schema: { tags, summary: '高速缓存：刷新页面、栏目、网站或一批页面', body: RefreshBody },
    },
    async (req, reply) => {
      const body = req.body;
      const jobId = await kernel.db.transaction().execute(async (tx) => {
        const site = await loadSiteFor(tx, req.principal, 'publishing:refresh', body.siteId);
        const by = req.principal?.userId ?? null;
        let id: string;
        let summary: string;
        if (body.kind === 'site') {
          id = await enqueueRebuild(kernel, tx, site.id, by);
          summary = `刷新网站「${site.name}」`;
        } else if (body.kind === 'channel') {
          if (!body.channelId)
            throw badRequest('validation_failed', '请求参数不合法', {
              errors: [{ field: 'channelId', message: '请选择栏目' }],
            });
          const channel = await tx
            .selectFrom('cms_channels')
            .select(['id', 'name'])
            .where('id', '=', body.channelId)
            .where('site_id', '=', site.id)
            .executeTakeFirst();
          if (!channel) throw notFound('channel_not_found', '栏目不存在');
          id = await enqueueRender(kernel, tx, { siteId: site.id, channelIds: [channel.id] }, by);
          summary = `刷新网站「${site.name}」栏目「${channel.name}」`;
        } else {
          const paths = body.kind === 'page' ? (body.path ? [body.path] : []) : (body.paths ?? []);
          if (paths.length === 0) {
            throw badRequest('validation_failed', '请求参数不合法', {
              errors: [{ field: body.kind === 'page' ? 'path' : 'paths', message: '请选择页面' }],
            });
          }
          id = await enqueueRender(kernel, tx, { siteId: site.id, paths: paths.map((p) => p.replace(/^\/+/, '')) }, by);
          summary = `刷新网站「${site.name}」${paths.length} 个页面`;
        }
        await kernel.audit.record(tx, {
          ...auditActor(ctxOf(req)),
          action: 'refresh',
          resource: 'publishing.site',
          resourceId: site.id,
          summary,
          detail: { ...body, jobId: id },
        });
        return id;
      });
      return reply.code(202).send({ jobId });
    },
  );

  app.get<{ Params: Static<typeof JobParam> }>(
    '/api/publishing/jobs/:id',
    { ...perm('publishing:read'), schema: { tags, summary: '发布任务进度', params: JobParam } },
    async (req) => {
      const job = await kernel.jobs.get(req.params.id);
      if (!job || (job.type !== REBUILD_JOB && job.type !== RENDER_JOB)) throw notFound('job_not_found', '任务不存在');
      const row = await kernel.db.selectFrom('jobs').select('payload').where('id', '=', job.id).executeTakeFirst();
      const siteId = (row?.payload as { siteId?: string } | null)?.siteId;
      if (siteId && siteId !== 'all') {
        const site = await kernel.db.selectFrom('cms_sites').selectAll().where('id', '=', siteId).executeTakeFirst();
        if (site) assertSiteAccess(req.principal, 'publishing:read', site as any);
      }
      return { ...job, siteId: siteId ?? null, failure: await rebuildFailure(kernel, job.id) };
    },
  );

  app.get<{ Params: Static<typeof IdParam>; Querystring: Static<typeof PagesQuery> }>(
    '/api/publishing/sites/:id/pages',
    { ...perm('publishing:read'), schema: { tags, summary: '已生成的页面', params: IdParam, querystring: PagesQuery } },
    async (req) => {
      const site = await loadSiteFor(kernel.db, req.principal, 'publishing:read', req.params.id);
      const { q, kind, care, page = 1, pageSize = 50 } = req.query;
      let base = kernel.db.selectFrom('publishing_pages').where('site_id', '=', site.id);
      if (q) base = base.where('path', 'like', likePattern(q));
      if (kind) base = base.where('kind', '=', kind);
      if (care !== undefined) base = base.where('care', '=', care);
      const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
      const rows = await base
        .select(['path', 'kind', 'template', 'care', 'rendered_at', 'etag'])
        .orderBy('path')
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute();
      return {
        total,
        items: rows.map((r) => ({
          path: r.path,
          kind: r.kind,
          template: r.template,
          care: r.care,
          renderedAt: r.rendered_at,
          etag: r.etag,
          url: `/sites/${site.code}/${r.path}`,
        })),
      };
    },
  );

  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof ThemeBody> }>(
    '/api/publishing/sites/:id/theme',
    { ...perm('template:manage'), schema: { tags, summary: '更换网站主题', params: IdParam, body: ThemeBody } },
    async (req) => {
      const theme = req.body.theme;
      if (!(await themeExists(kernel.db, theme))) {
        throw badRequest('theme_not_found', '主题不存在', { errors: [{ field: 'theme', message: '主题不存在' }] });
      }
      return kernel.db.transaction().execute(async (tx) => {
        const site = await loadSiteFor(tx, req.principal, 'template:manage', req.params.id, { forUpdate: true });
        await tx.updateTable('cms_sites').set({ theme, updated_at: sql`now()` }).where('id', '=', site.id).execute();
        const jobId = await enqueueRebuild(kernel, tx, site.id, req.principal?.userId ?? null);
        await kernel.audit.record(tx, {
          ...auditActor(ctxOf(req)),
          action: 'update',
          resource: 'publishing.site',
          resourceId: site.id,
          summary: `网站「${site.name}」主题由「${site.theme}」改为「${theme}」`,
          detail: { before: site.theme, theme, jobId },
        });
        return { id: site.id, theme, jobId };
      });
    },
  );

  app.get('/api/publishing/themes', { ...perm('publishing:read'), schema: { tags, summary: '可用主题' } }, async () => {
    const builtIn = listThemes().map((t) => ({ ...t, imported: false }));
    const imported = await listImportedThemes(kernel.db);
    return { items: [...builtIn, ...imported] };
  });
}

/** The `/sites/<code>/…` URL of a channel list page (console links). */
export function channelPageUrl(code: string, chain: string[], page = 1, care = false): string {
  return `/sites/${code}/${treePath(channelPath(chain, page), care)}`;
}
