import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { forbidden, notFound, unauthorized } from '../../kernel/errors.js';
import type { SiteRow } from './schema.js';

/*
 * Site data scope (网站数据权限). A site belongs to its owner org; a cms permission granted with the
 * scope of an org subtree reaches exactly the sites owned by orgs in that subtree. Every cms
 * service checks through here, so "an editor of 市教育局 cannot touch 市财政局's site" holds
 * everywhere.
 */

/** Ids of the sites `principal` may act on with `permission`, or null when it reaches every site. */
export async function accessibleSiteIds(
  db: Db | Tx,
  principal: Principal | null,
  permission: string,
): Promise<string[] | null> {
  const scope = principal?.permissions.get(permission);
  if (!scope) return [];
  if (scope.kind === 'all') return null;
  if (scope.orgIds.length === 0) return [];
  const rows = await db.selectFrom('cms_sites').select('id').where('owner_org_id', 'in', scope.orgIds).execute();
  return rows.map((r) => r.id as string);
}

/** True when `permission`'s scope covers the site's owner org. */
export function canOnSite(
  principal: Principal | null,
  permission: string,
  site: Pick<SiteRow, 'owner_org_id'>,
): boolean {
  const scope = principal?.permissions.get(permission);
  if (!scope) return false;
  return scope.kind === 'all' || scope.orgIds.includes(site.owner_org_id);
}

/** Throws 403 `site_forbidden` unless `principal` holds `permission` on `site`. */
export function assertSiteAccess(
  principal: Principal | null,
  permission: string,
  site: Pick<SiteRow, 'owner_org_id' | 'name'>,
): void {
  if (!principal) throw unauthorized();
  if (!canOnSite(principal, permission, site)) {
    throw forbidden('site_forbidden', '无权管理该网站', {
      detail: `需要权限 ${permission}，且网站「${site.name}」的主办单位在您的管理范围内`,
    });
  }
}

/** Loads a site (optionally locking it) and checks access; 404 `site_not_found` when absent. */
export async function loadSiteFor(
  db: Db | Tx,
  principal: Principal | null,
  permission: string,
  siteId: string,
  options: { forUpdate?: boolean } = {},
): Promise<SiteRow> {
  let query = db.selectFrom('cms_sites').selectAll().where('id', '=', siteId);
  if (options.forUpdate) query = query.forUpdate();
  const site = (await query.executeTakeFirst()) as SiteRow | undefined;
  if (!site) throw notFound('site_not_found', '网站不存在');
  assertSiteAccess(principal, permission, site);
  return site;
}
