import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { IdParam, Name, Nullable, Paging, Patch, Strict, Uuid } from './http.js';
import * as sites from './sites.js';

const SiteStatus = Type.Union([Type.Literal('building'), Type.Literal('running'), Type.Literal('closed')], {
  description: 'building 建设中 | running 运行 | closed 关闭',
});
const Domain = Type.String({
  maxLength: 253,
  pattern: '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$',
  description: '域名，如 www.xinxiang.gov.cn',
});
const SiteFields = {
  code: Type.String({ minLength: 2, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$', description: '网站代码（小写英文）' }),
  name: Name,
  domains: Type.Array(Domain, { maxItems: 20 }),
  theme: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
  ownerOrgId: Uuid,
  status: SiteStatus,
  siteCode: Nullable(Type.String({ pattern: '^[0-9A-Za-z]{10}$', description: '网站标识码（10 位）' })),
  icp: Nullable(
    Type.String({
      maxLength: 40,
      pattern: '^[\\u4e00-\\u9fa5]ICP备\\d{4,12}号(-\\d{1,4})?$',
      description: 'ICP 备案号',
    }),
  ),
  policeRecord: Nullable(
    Type.String({
      maxLength: 40,
      pattern: '^[\\u4e00-\\u9fa5]公网安备 ?\\d{14}号$',
      description: '公安机关备案号，如 豫公网安备 41070202000001号',
    }),
  ),
  order: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
};
const SiteCreate = Type.Object(
  {
    code: SiteFields.code,
    name: SiteFields.name,
    ownerOrgId: SiteFields.ownerOrgId,
    domains: Type.Optional(SiteFields.domains),
    theme: Type.Optional(SiteFields.theme),
    status: Type.Optional(SiteFields.status),
    siteCode: Type.Optional(SiteFields.siteCode),
    icp: Type.Optional(SiteFields.icp),
    policeRecord: Type.Optional(SiteFields.policeRecord),
    order: Type.Optional(SiteFields.order),
  },
  Strict,
);
const SitePatch = Type.Partial(Type.Object(SiteFields), Patch);
const SiteQuery = Type.Object(
  { ...Paging, status: Type.Optional(SiteStatus), groupId: Type.Optional(Uuid), ownerOrgId: Type.Optional(Uuid) },
  Strict,
);
const GroupCreate = Type.Object({ name: Name, siteIds: Type.Optional(Type.Array(Uuid, { maxItems: 1000 })) }, Strict);
const GroupPatch = Type.Partial(GroupCreate, Patch);

export async function siteRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });

  // 站点管理
  {
    const tags = ['站点管理'];
    app.get<{ Querystring: Static<typeof SiteQuery> }>(
      '/api/cms/sites',
      { ...perm('site:read'), schema: { tags, querystring: SiteQuery } },
      async (req) => sites.listSites(kernel, ctxOf(req), req.query),
    );
    app.post<{ Body: Static<typeof SiteCreate> }>(
      '/api/cms/sites',
      { ...perm('site:manage'), schema: { tags, body: SiteCreate } },
      async (req, reply) => reply.status(201).send(await sites.createSite(kernel, ctxOf(req), req.body)),
    );
    app.get<{ Params: Static<typeof IdParam> }>(
      '/api/cms/sites/:id',
      { ...perm('site:read'), schema: { tags, params: IdParam } },
      async (req) => sites.getSite(kernel, ctxOf(req), req.params.id),
    );
    app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof SitePatch> }>(
      '/api/cms/sites/:id',
      { ...perm('site:manage'), schema: { tags, params: IdParam, body: SitePatch } },
      async (req) => sites.updateSite(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.delete<{ Params: Static<typeof IdParam> }>(
      '/api/cms/sites/:id',
      { ...perm('site:manage'), schema: { tags, params: IdParam } },
      async (req, reply) => {
        await sites.deleteSite(kernel, ctxOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
  }

  // 站点集合
  {
    const tags = ['站点集合'];
    app.get('/api/cms/site-groups', { ...perm('site:read'), schema: { tags } }, async (req) =>
      sites.listSiteGroups(kernel, ctxOf(req)),
    );
    app.post<{ Body: Static<typeof GroupCreate> }>(
      '/api/cms/site-groups',
      { ...perm('site:manage'), schema: { tags, body: GroupCreate } },
      async (req, reply) => reply.status(201).send(await sites.createSiteGroup(kernel, ctxOf(req), req.body)),
    );
    app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof GroupPatch> }>(
      '/api/cms/site-groups/:id',
      { ...perm('site:manage'), schema: { tags, params: IdParam, body: GroupPatch } },
      async (req) => sites.updateSiteGroup(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.delete<{ Params: Static<typeof IdParam> }>(
      '/api/cms/site-groups/:id',
      { ...perm('site:manage'), schema: { tags, params: IdParam } },
      async (req, reply) => {
        await sites.deleteSiteGroup(kernel, ctxOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
  }
}
