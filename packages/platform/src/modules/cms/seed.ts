import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';
import { grantToRoles } from '../identity/index.js';
import { COUNTIES, DEPARTMENTS } from '../identity/seed-data.js';
import type { Ctx } from '../settings/context.js';
import { ensureModuleMenus, type ModuleMenu } from '../settings/index.js';
import { createChannelCategory, createMenu, listChannelCategories, menuTree } from '../settings/service.js';
import {
  CHANNEL_TREE,
  COUNTY_SITE_CODES,
  DEPARTMENT_SITE_CODES,
  EXTRA_CATEGORIES,
  MENU_GROUP,
  MENUS,
  PORTAL,
  ROLE_GRANTS,
  type SeedChannel,
  SITE_GROUPS,
} from './seed-data.js';
import { seedDocuments } from './seed-documents.js';

/*
 * First start of the cms module: grants for identity's demo roles, the console menu, and the demo
 * 网站群 (portal + 41 department sites + 12 county sites, each with the standard channel tree),
 * then the demo documents (seed-documents.ts).
 * Sites and channels go in as a few multi-row inserts so that the whole seed stays well under a
 * second on PGlite.
 */

const SYSTEM: Ctx = { principal: null, ip: null };

/** Through the settings service (audited), and only what is missing, so operators' edits stay. */
async function seedSettings(kernel: Kernel): Promise<void> {
  const categories = new Set((await listChannelCategories(kernel.db)).map((c) => c.code));
  for (const [i, c] of EXTRA_CATEGORIES.entries()) {
    if (!categories.has(c.code)) await createChannelCategory(kernel, SYSTEM, { ...c, order: 100 + i });
  }
  const paths = new Set<string>();
  const walk = (nodes: Awaited<ReturnType<typeof menuTree>>) => {
    for (const n of nodes) {
      if (n.path) paths.add(n.path);
      walk(n.children);
    }
  };
  walk(await menuTree(kernel.db));
  const missing = MENUS.filter((m) => !paths.has(m.path));
  if (missing.length === 0) return;
  const group = await createMenu(kernel, SYSTEM, { ...MENU_GROUP, parentId: null, order: 10 });
  for (const [order, m] of missing.entries()) await createMenu(kernel, SYSTEM, { ...m, parentId: group.id, order });
}

interface DemoSite {
  id: string;
  code: string;
  name: string;
  domains: string[];
  owner_org_id: string;
  status: 'running';
  site_code: string;
  icp: string;
  police_record: string;
  sort_order: number;
}

/** Demo sites for the orgs identity seeded; an org renamed or removed since is skipped. */
async function demoSites(tx: Tx): Promise<{ sites: DemoSite[]; departments: string[]; counties: string[] }> {
  const orgs = await tx.selectFrom('identity_orgs').select(['id', 'parent_id', 'name', 'short_name']).execute();
  const byShort = new Map(orgs.map((o) => [o.short_name as string, o]));
  const root = orgs.find((o) => o.parent_id === null);
  const sites: DemoSite[] = [];
  const add = (code: string, name: string, orgId: string, domains: string[], siteCode: string) => {
    sites.push({
      id: randomUUID(),
      code,
      name,
      domains,
      owner_org_id: orgId,
      status: 'running',
      site_code: siteCode,
      icp: '豫ICP备05006969号',
      police_record: `豫公网安备 ${siteCode}${String(sites.length + 1).padStart(4, '0')}号`,
      sort_order: sites.length,
    });
    return sites[sites.length - 1].id;
  };
  if (root) add(PORTAL.code, PORTAL.name, root.id as string, PORTAL.domains, '4107000001');
  const departments: string[] = [];
  for (const [name, shortName] of DEPARTMENTS) {
    const org = byShort.get(shortName);
    const code = DEPARTMENT_SITE_CODES[shortName];
    if (!org || !code) continue;
    const serial = String(departments.length + 2).padStart(4, '0');
    departments.push(add(code, name, org.id as string, [`${code}.xinxiang.gov.cn`], `410700${serial}`));
  }
  const counties: string[] = [];
  for (const [name, shortName, region] of COUNTIES) {
    const org = byShort.get(shortName);
    const code = COUNTY_SITE_CODES[shortName];
    if (!org || !code) continue;
    counties.push(add(code, name, org.id as string, [`www.${code}.gov.cn`], `${region}0001`));
  }
  return { sites, departments, counties };
}

/** Rows of the standard channel tree for one site, parents before children. */
function channelRows(siteId: string, tree: SeedChannel[], parentId: string | null = null): Record<string, unknown>[] {
  return tree.flatMap((c, i) => {
    const id = randomUUID();
    const row = {
      id,
      site_id: siteId,
      parent_id: parentId,
      name: c.name,
      code: c.code,
      type: c.type ?? 'list',
      link_url: c.linkUrl ?? null,
      category: c.category ?? null,
      update_cycle_days: c.updateCycleDays ?? null,
      review_mode: c.reviewMode ?? 'one',
      templates: JSON.stringify({}),
      sort_order: i,
    };
    return [row, ...channelRows(siteId, c.children ?? [], id)];
  });
}

/** Inserts in chunks: one statement may carry at most 65 535 parameters. */
async function insertChunked(tx: Tx, table: string, rows: Record<string, unknown>[], size = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += size) {
    await tx
      .insertInto(table)
      .values(rows.slice(i, i + size))
      .execute();
  }
}

async function seedSites(tx: Tx): Promise<number> {
  if (await tx.selectFrom('cms_sites').select('id').limit(1).executeTakeFirst()) return 0;
  const { sites, departments, counties } = await demoSites(tx);
  if (sites.length === 0) return 0;
  await insertChunked(
    tx,
    'cms_sites',
    sites.map((s) => ({ ...s, domains: sql`${sql.val(s.domains)}::text[]` })),
  );
  await insertChunked(
    tx,
    'cms_channels',
    sites.flatMap((s) => channelRows(s.id, CHANNEL_TREE)),
  );
  for (const [name, members] of [
    [SITE_GROUPS.departments, departments],
    [SITE_GROUPS.counties, counties],
  ] as const) {
    const group = await tx.insertInto('cms_site_groups').values({ name }).returning('id').executeTakeFirstOrThrow();
    if (members.length) {
      await tx
        .insertInto('cms_site_group_members')
        .values(members.map((siteId) => ({ group_id: group.id, site_id: siteId })))
        .execute();
    }
  }
  return sites.length;
}

/** 网站管理 in the console menu (the paths of packages/admin/src/routes.tsx). */
const CMS_MENUS: ModuleMenu = {
  name: '网站管理',
  icon: 'GlobalOutlined',
  children: [
    { name: '工作门户', path: '/cms/portal', icon: 'HomeOutlined', permission: 'document:read' },
    { name: '站点管理', path: '/cms/sites', icon: 'GlobalOutlined', permission: 'site:read' },
    { name: '栏目管理', path: '/cms/channels', icon: 'MenuOutlined', permission: 'channel:manage' },
    { name: '信息管理', path: '/cms/documents', icon: 'FileTextOutlined', permission: 'document:read' },
    { name: '审核', path: '/cms/review', icon: 'AuditOutlined', permission: 'document:review' },
    { name: '文件资源', path: '/cms/files', icon: 'PictureOutlined', permission: 'file:read' },
    { name: '回收站', path: '/cms/recycle-bin', icon: 'DeleteOutlined', permission: 'document:write' },
  ],
};

export async function seedCms(kernel: Kernel): Promise<void> {
  await seedSettings(kernel);
  await ensureModuleMenus(kernel, CMS_MENUS);
  const sites = await kernel.db.transaction().execute(async (tx) => {
    // The cms permissions for identity's custom demo roles (editor, reviewer, orgadmin).
    await grantToRoles(tx, ROLE_GRANTS);
    return seedSites(tx);
  });
  // Demo documents only into freshly created demo sites, never into an operator's own sites.
  if (sites > 0) await seedDocuments(kernel);
}
