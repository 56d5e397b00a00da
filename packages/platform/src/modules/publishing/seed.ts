import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Kernel } from '../../kernel/module.js';
import { PORTAL } from '../cms/index.js';
import { grantToRoles } from '../identity/index.js';
import { ensureModuleMenus } from '../settings/index.js';
import { enqueueRebuild, REBUILD_JOB_TYPE } from './jobs.js';
import { siteDir } from './output.js';

/*
 * First start of the publishing module: the 网站管理 menu entries of the console, grants for
 * identity's demo roles, and themes for the demo sites (the portal gets `portal`, the department
 * and county sites cycle through the six department themes) — only where a site still has the
 * 'default' theme, so an administrator's choice is never overwritten. The cms has no service that
 * a seed without a principal may call to set a theme, so this is a direct update of cms_sites.theme.
 */

export const DEPARTMENT_THEMES = ['dept-blue', 'dept-red', 'dept-green', 'dept-teal', 'dept-gold', 'dept-ink'];

const ROLE_GRANTS: Record<string, string[]> = {
  orgadmin: ['publishing:read', 'publishing:refresh', 'topic:manage'],
  editor: ['publishing:read'],
};

export async function assignDemoThemes(kernel: Kernel): Promise<number> {
  const sites = await kernel.db
    .selectFrom('cms_sites')
    .select(['id', 'code', 'theme'])
    .orderBy('sort_order')
    .orderBy('code')
    .execute();
  let i = 0;
  let changed = 0;
  for (const s of sites) {
    const theme = s.code === PORTAL.code ? 'portal' : DEPARTMENT_THEMES[i++ % DEPARTMENT_THEMES.length];
    if (s.theme !== 'default') continue;
    await kernel.db
      .updateTable('cms_sites')
      .set({ theme })
      .where('id', '=', s.id)
      .where('theme', '=', 'default')
      .execute();
    changed++;
  }
  return changed;
}

export async function seedPublishing(kernel: Kernel): Promise<void> {
  await ensureModuleMenus(kernel, {
    name: '网站管理',
    icon: 'GlobalOutlined',
    children: [
      { name: '站点发布', path: '/publishing/sites', icon: 'CloudUploadOutlined', permission: 'publishing:read' },
      { name: '高速缓存', path: '/publishing/cache', icon: 'ThunderboltOutlined', permission: 'publishing:refresh' },
      { name: '模板管理', path: '/publishing/templates', icon: 'LayoutOutlined', permission: 'template:manage' },
      { name: '素材库', path: '/publishing/assets', icon: 'PictureOutlined', permission: 'topic:manage' },
      { name: '专题', path: '/publishing/topics', icon: 'AppstoreOutlined', permission: 'topic:manage' },
    ],
  });
  await kernel.db.transaction().execute((tx) => grantToRoles(tx, ROLE_GRANTS));
  await assignDemoThemes(kernel);
}

/**
 * On a node that runs jobs: every running site without any output yet and without a rebuild
 * queued gets one (the portal first), so `npm start` shows the sites without a manual step.
 */
export async function queueInitialRebuilds(kernel: Kernel): Promise<string[]> {
  if (kernel.config.jobConcurrency <= 0) return [];
  const sites = await kernel.db
    .selectFrom('cms_sites as s')
    .leftJoin('publishing_sites as p', 'p.site_id', 's.id')
    .select(['s.id', 's.code'])
    .where('s.status', '=', 'running')
    .where('p.site_id', 'is', null)
    .orderBy(sql`s.code = ${PORTAL.code}`, 'desc')
    .orderBy('s.sort_order')
    .execute();
  const pending = await kernel.db
    .selectFrom('jobs')
    .select(sql<string>`payload->>'siteId'`.as('site_id'))
    .where('type', '=', REBUILD_JOB_TYPE)
    .where('status', 'in', ['queued', 'running'])
    .execute();
  const queued = new Set(pending.map((r) => r.site_id));
  const out: string[] = [];
  for (const s of sites) {
    if (queued.has(s.id) || queued.has('all')) continue;
    if (existsSync(path.join(siteDir(kernel, s.code), 'index.html'))) continue;
    await enqueueRebuild(kernel, kernel.db, s.id);
    out.push(s.code);
  }
  return out;
}
