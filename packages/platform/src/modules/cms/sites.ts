import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { findOrg } from '../identity/orgs.js';
import {
  type Ctx,
  definedOnly,
  likePattern,
  pageBounds,
  uniqueViolationAs,
  writeCommand,
} from '../settings/context.js';
import type { SiteRow, SiteStatus } from './schema.js';
import { accessibleSiteIds, assertSiteAccess, loadSiteFor } from './scope.js';

/*
 * 站点管理: the sites of the 网站群 and their groups (站点集合). A site is owned by an org; who may
 * read or manage it follows from the scope of `site:read` / `site:manage` over that org.
 */

export const SITE_STATUS_NAMES: Record<SiteStatus, string> = {
  building: '建设中',
  running: '运行',
  closed: '关闭',
};

export interface SiteInput {
  code: string;
  name: string;
  domains?: string[];
  theme?: string;
  ownerOrgId: string;
  status?: SiteStatus;
  /** 网站标识码 */
  siteCode?: string | null;
  /** ICP 备案号 */
  icp?: string | null;
  /** 公安机关备案号 */
  policeRecord?: string | null;
  order?: number;
}

export function siteView(row: SiteRow, ownerOrgName: string | null = null) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    domains: row.domains,
    theme: row.theme,
    ownerOrgId: row.owner_org_id,
    ownerOrgName,
    status: row.status,
    statusName: SITE_STATUS_NAMES[row.status],
    siteCode: row.site_code,
    icp: row.icp,
    policeRecord: row.police_record,
    order: row.sort_order,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
export type SiteView = ReturnType<typeof siteView>;

/** Views with the owner org's name, which the console shows next to every site. */
async function siteViews(db: Db | Tx, rows: SiteRow[]): Promise<SiteView[]> {
  const ids = [...new Set(rows.map((r) => r.owner_org_id))];
  const orgs = ids.length
    ? await db.selectFrom('identity_orgs').select(['id', 'name']).where('id', 'in', ids).execute()
    : [];
  const names = new Map(orgs.map((o) => [o.id as string, o.name as string]));
  return rows.map((r) => siteView(r, names.get(r.owner_org_id) ?? null));
}

// Domains are compared case-insensitively, so they are stored lower-cased.
const normalizeDomains = (domains: string[]) => [...new Set(domains.map((d) => d.trim().toLowerCase()))];

/* One lock for every site write that changes domains: "no two sites share a domain" spans rows, so
   no unique index can enforce it and two concurrent checks would otherwise both pass. */
const DOMAIN_LOCK_KEY = 7_346_301;

async function assertDomainsFree(tx: Tx, domains: string[], exceptId?: string): Promise<void> {
  if (domains.length === 0) return;
  await sql`select pg_advisory_xact_lock(${DOMAIN_LOCK_KEY})`.execute(tx);
  let q = tx
    .selectFrom('cms_sites')
    .select(['name', 'domains'])
    .where(sql<boolean>`domains && ${sql.val(domains)}::text[]`);
  if (exceptId) q = q.where('id', '<>', exceptId);
  const clash = await q.executeTakeFirst();
  if (clash) {
    const taken = domains.filter((d) => (clash.domains as string[]).includes(d));
    throw conflict('site_domain_taken', '域名已被其他网站使用', {
      detail: `${taken.join('、')} 已绑定到网站「${clash.name}」`,
      errors: [{ field: 'domains', message: `${taken.join('、')} 已被网站「${clash.name}」使用` }],
    });
  }
}

async function assertCodeFree(tx: Tx, code: string | undefined, exceptId?: string): Promise<void> {
  if (!code) return;
  let q = tx.selectFrom('cms_sites').select('id').where('code', '=', code);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) throw codeTaken();
}

const codeTaken = () =>
  conflict('site_code_taken', '网站代码已存在', { errors: [{ field: 'code', message: '网站代码已被其他网站使用' }] });

/** The owner org must exist; a missing one is a mistake in the form, not a missing resource. */
async function assertOwnerOrg(tx: Tx, orgId: string): Promise<void> {
  try {
    await findOrg(tx, orgId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'org_not_found') {
      throw badRequest('owner_org_not_found', '主办单位不存在', {
        errors: [{ field: 'ownerOrgId', message: '组织机构不存在' }],
      });
    }
    throw err;
  }
}

export interface SiteQuery {
  q?: string;
  status?: SiteStatus;
  groupId?: string;
  ownerOrgId?: string;
  page?: number;
  pageSize?: number;
}

export async function listSites(kernel: Kernel, ctx: Ctx, query: SiteQuery) {
  const visible = await accessibleSiteIds(kernel.db, ctx.principal, 'site:read');
  if (visible?.length === 0) return { items: [], total: 0 };
  let q = kernel.db.selectFrom('cms_sites');
  if (visible) q = q.where('id', 'in', visible);
  if (query.q) {
    const like = likePattern(query.q);
    q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('code', 'ilike', like)]));
  }
  if (query.status) q = q.where('status', '=', query.status);
  if (query.ownerOrgId) q = q.where('owner_org_id', '=', query.ownerOrgId);
  if (query.groupId) {
    const groupId = query.groupId;
    q = q.where(
      'id',
      'in',
      kernel.db.selectFrom('cms_site_group_members').select('site_id').where('group_id', '=', groupId),
    );
  }
  const { limit, offset } = pageBounds(query);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('sort_order').orderBy('code').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: await siteViews(kernel.db, rows as SiteRow[]), total: Number(count.n) };
}

export async function getSite(kernel: Kernel, ctx: Ctx, id: string) {
  const site = await loadSiteFor(kernel.db, ctx.principal, 'site:read', id);
  const groups = await kernel.db
    .selectFrom('cms_site_group_members as m')
    .innerJoin('cms_site_groups as g', 'g.id', 'm.group_id')
    .select(['g.id', 'g.name'])
    .where('m.site_id', '=', id)
    .orderBy('g.name')
    .execute();
  const [view] = await siteViews(kernel.db, [site]);
  return { ...view, groups };
}

/**
 * `cms.site.updated`: the site's name, code, domains, theme, status or footer data changed (or the
 * site came or went); `fields` names what the command set, so a subscriber can skip what it does not
 * show. `code` is the site's code (of a deleted site: the one it had), `previousCode` the code it had
 * before a change of code: the static site's folder is named by it.
 */
function siteChanged(
  kernel: Kernel,
  tx: Tx,
  siteId: string,
  change: 'created' | 'updated' | 'deleted',
  fields: string[],
  codes: { code: string; previousCode?: string },
) {
  return kernel.events.emit(tx, 'cms.site.updated', { siteId, change, fields, ...codes });
}

export function createSite(kernel: Kernel, ctx: Ctx, input: SiteInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    assertSiteAccess(ctx.principal, 'site:manage', { owner_org_id: input.ownerOrgId, name: input.name });
    await assertOwnerOrg(tx, input.ownerOrgId);
    await assertCodeFree(tx, input.code);
    const domains = normalizeDomains(input.domains ?? []);
    await assertDomainsFree(tx, domains);
    const row = (await tx
      .insertInto('cms_sites')
      .values({
        code: input.code,
        name: input.name,
        domains: sql`${sql.val(domains)}::text[]`,
        theme: input.theme ?? 'default',
        owner_org_id: input.ownerOrgId,
        status: input.status ?? 'building',
        site_code: input.siteCode ?? null,
        icp: input.icp ?? null,
        police_record: input.policeRecord ?? null,
        sort_order: input.order ?? 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueViolationAs(codeTaken()))) as SiteRow;
    await siteChanged(kernel, tx, row.id, 'created', Object.keys(definedOnly({ ...input })), { code: row.code });
    const [view] = await siteViews(tx, [row]);
    return {
      result: view,
      audit: {
        action: 'create',
        resource: 'cms.site',
        resourceId: row.id,
        summary: `新建网站「${row.name}」`,
        detail: input,
      },
    };
  });
}

export function updateSite(kernel: Kernel, ctx: Ctx, id: string, patch: Partial<SiteInput>) {
  return writeCommand(kernel, ctx, async (tx) => {
    const site = await loadSiteFor(tx, ctx.principal, 'site:manage', id, { forUpdate: true });
    if (patch.ownerOrgId !== undefined && patch.ownerOrgId !== site.owner_org_id) {
      // Handing a site to another org needs the scope over both the old and the new owner.
      assertSiteAccess(ctx.principal, 'site:manage', { owner_org_id: patch.ownerOrgId, name: site.name });
      await assertOwnerOrg(tx, patch.ownerOrgId);
    }
    await assertCodeFree(tx, patch.code, id);
    const domains = patch.domains ? normalizeDomains(patch.domains) : undefined;
    if (domains) await assertDomainsFree(tx, domains, id);
    const row = (await tx
      .updateTable('cms_sites')
      .set({
        ...definedOnly({
          code: patch.code,
          name: patch.name,
          theme: patch.theme,
          owner_org_id: patch.ownerOrgId,
          status: patch.status,
          site_code: patch.siteCode,
          icp: patch.icp,
          police_record: patch.policeRecord,
          sort_order: patch.order,
        }),
        ...(domains ? { domains: sql`${sql.val(domains)}::text[]` } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueViolationAs(codeTaken()))) as SiteRow;
    const statusChange =
      patch.status && patch.status !== site.status
        ? `，状态由「${SITE_STATUS_NAMES[site.status]}」改为「${SITE_STATUS_NAMES[patch.status]}」`
        : '';
    await siteChanged(kernel, tx, id, 'updated', Object.keys(definedOnly({ ...patch })), {
      code: row.code,
      ...(row.code !== site.code ? { previousCode: site.code } : {}),
    });
    const [view] = await siteViews(tx, [row]);
    return {
      result: view,
      audit: {
        action: 'update',
        resource: 'cms.site',
        resourceId: id,
        summary: `修改网站「${row.name}」${statusChange}`,
        detail: { before: siteView(site), patch },
      },
    };
  });
}

/** Only an empty site (no channel left) can be deleted; otherwise close it. */
export function deleteSite(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const site = await loadSiteFor(tx, ctx.principal, 'site:manage', id, { forUpdate: true });
    const channel = await tx.selectFrom('cms_channels').select('id').where('site_id', '=', id).executeTakeFirst();
    if (channel) {
      throw conflict('site_not_empty', '网站下还有栏目，不能删除', {
        detail: `请先删除「${site.name}」的栏目，或将网站状态改为“关闭”`,
      });
    }
    await tx.deleteFrom('cms_sites').where('id', '=', id).execute();
    await siteChanged(kernel, tx, id, 'deleted', [], { code: site.code });
    return {
      result: undefined,
      audit: {
        action: 'delete',
        resource: 'cms.site',
        resourceId: id,
        summary: `删除网站「${site.name}」`,
        detail: siteView(site),
      },
    };
  });
}

// ───────────────────────── 站点集合 site groups ─────────────────────────

export interface SiteGroupInput {
  name: string;
  siteIds?: string[];
}

interface GroupRow {
  id: string;
  name: string;
}

async function groupsWithMembers(db: Db | Tx, groups: GroupRow[], visible: string[] | null) {
  if (groups.length === 0) return [];
  let q = db
    .selectFrom('cms_site_group_members')
    .select(['group_id', 'site_id'])
    .where(
      'group_id',
      'in',
      groups.map((g) => g.id),
    );
  if (visible) q = q.where('site_id', 'in', visible);
  const members = visible?.length === 0 ? [] : await q.execute();
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    siteIds: members.filter((m) => m.group_id === g.id).map((m) => m.site_id as string),
  }));
}

/** Every group, listing only the member sites the principal can see. */
export async function listSiteGroups(kernel: Kernel, ctx: Ctx) {
  const visible = await accessibleSiteIds(kernel.db, ctx.principal, 'site:read');
  const groups = (await kernel.db
    .selectFrom('cms_site_groups')
    .select(['id', 'name'])
    .orderBy('name')
    .execute()) as GroupRow[];
  return { items: await groupsWithMembers(kernel.db, groups, visible) };
}

async function assertGroupNameFree(tx: Tx, name: string | undefined, exceptId?: string) {
  if (!name) return;
  let q = tx.selectFrom('cms_site_groups').select('id').where('name', '=', name);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) throw groupNameTaken();
}

const groupNameTaken = () =>
  conflict('site_group_name_taken', '站点集合名称已存在', { errors: [{ field: 'name', message: '名称已存在' }] });

/** Every listed site must exist and be manageable by the principal. */
async function setMembers(tx: Tx, ctx: Ctx, groupId: string, siteIds: string[]) {
  const unique = [...new Set(siteIds)];
  const sites = unique.length
    ? ((await tx.selectFrom('cms_sites').selectAll().where('id', 'in', unique).execute()) as SiteRow[])
    : [];
  const missing = unique.filter((id) => !sites.some((s) => s.id === id));
  if (missing.length) {
    throw badRequest('site_not_found', '网站不存在', {
      errors: missing.map((id) => ({ field: `siteIds.${siteIds.indexOf(id)}`, message: '网站不存在' })),
    });
  }
  for (const site of sites) assertSiteAccess(ctx.principal, 'site:manage', site);
  await tx.deleteFrom('cms_site_group_members').where('group_id', '=', groupId).execute();
  if (unique.length) {
    await tx
      .insertInto('cms_site_group_members')
      .values(unique.map((siteId) => ({ group_id: groupId, site_id: siteId })))
      .execute();
  }
}

async function findGroup(db: Db | Tx, id: string): Promise<GroupRow> {
  const row = await db.selectFrom('cms_site_groups').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('site_group_not_found', '站点集合不存在');
  return row as GroupRow;
}

export function createSiteGroup(kernel: Kernel, ctx: Ctx, input: SiteGroupInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    await assertGroupNameFree(tx, input.name);
    const row = (await tx
      .insertInto('cms_site_groups')
      .values({ name: input.name })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow()
      .catch(uniqueViolationAs(groupNameTaken()))) as GroupRow;
    await setMembers(tx, ctx, row.id, input.siteIds ?? []);
    const [view] = await groupsWithMembers(tx, [row], null);
    return {
      result: view,
      audit: {
        action: 'create',
        resource: 'cms.site-group',
        resourceId: row.id,
        summary: `新建站点集合「${row.name}」`,
        detail: input,
      },
    };
  });
}

export function updateSiteGroup(kernel: Kernel, ctx: Ctx, id: string, patch: Partial<SiteGroupInput>) {
  return writeCommand(kernel, ctx, async (tx) => {
    const before = await findGroup(tx, id);
    await assertGroupNameFree(tx, patch.name, id);
    if (patch.name) {
      await tx
        .updateTable('cms_site_groups')
        .set({ name: patch.name })
        .where('id', '=', id)
        .execute()
        .catch(uniqueViolationAs(groupNameTaken()));
    }
    if (patch.siteIds) {
      // Sites the principal cannot manage keep their membership untouched, so check the removed ones too.
      const current = await tx
        .selectFrom('cms_site_group_members')
        .select('site_id')
        .where('group_id', '=', id)
        .execute();
      const removed = current.map((m) => m.site_id as string).filter((s) => !patch.siteIds?.includes(s));
      if (removed.length) {
        const sites = (await tx.selectFrom('cms_sites').selectAll().where('id', 'in', removed).execute()) as SiteRow[];
        for (const site of sites) assertSiteAccess(ctx.principal, 'site:manage', site);
      }
      await setMembers(tx, ctx, id, patch.siteIds);
    }
    const [view] = await groupsWithMembers(tx, [{ id, name: patch.name ?? before.name }], null);
    return {
      result: view,
      audit: {
        action: 'update',
        resource: 'cms.site-group',
        resourceId: id,
        summary: `修改站点集合「${view.name}」`,
        detail: { before, patch },
      },
    };
  });
}

export function deleteSiteGroup(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const group = await findGroup(tx, id);
    const [view] = await groupsWithMembers(tx, [group], null);
    for (const siteId of view.siteIds) await loadSiteFor(tx, ctx.principal, 'site:manage', siteId);
    await tx.deleteFrom('cms_site_groups').where('id', '=', id).execute();
    return {
      result: undefined,
      audit: {
        action: 'delete',
        resource: 'cms.site-group',
        resourceId: id,
        summary: `删除站点集合「${group.name}」`,
        detail: view,
      },
    };
  });
}
