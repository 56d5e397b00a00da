import type { JiyueModule } from '../../kernel/module.js';
import type { PermissionDef } from '../../kernel/permissions.js';
import { documentCron, documentJobs } from './documents.js';
import { cmsRoutes } from './routes.js';
import { cmsMigrations } from './schema.js';
import { seedCms } from './seed.js';

export { type BatchAction, type BatchResult, batchDocuments } from './documents.js';
export { accessibleSiteIds, assertSiteAccess, canOnSite, loadSiteFor } from './scope.js';
export { type SearchFeedDocument, searchFeedCount, searchFeedDocument, searchFeedPage } from './search-feed.js';
export { COUNTY_SITE_CODES, PORTAL } from './seed-data.js';

const group = '网站群管理';

export const CMS_PERMISSIONS: PermissionDef[] = [
  { code: 'site:read', name: '查看网站', group },
  { code: 'site:manage', name: '新建、修改、关闭网站', group },
  { code: 'channel:manage', name: '管理栏目', group },
  { code: 'document:read', name: '查看信息', group },
  { code: 'document:write', name: '编辑信息（新建、修改、复制、移动、删除）', group },
  { code: 'document:publish', name: '直接发布、撤稿信息', group },
  { code: 'document:review', name: '审核信息', group },
  { code: 'file:read', name: '查看文件资源', group },
  { code: 'file:upload', name: '上传文件', group },
  { code: 'file:manage', name: '删除、清除文件', group },
];

/** 网站群内容管理 (sites, channels, documents, review, files). List it after identityModule. */
export const cmsModule: JiyueModule = {
  name: 'cms',
  migrations: cmsMigrations,
  permissions: CMS_PERMISSIONS,
  routes: cmsRoutes,
  // 定时发布/撤稿: a cron tick every minute enqueues the scheduler job.
  jobs: { ...documentJobs },
  cron: [...documentCron],
  seed: seedCms,
};
