import type { JiyueModule } from '../../kernel/module.js';
import type { PermissionDef } from '../../kernel/permissions.js';
import { rebuildIndex, reindexSite, syncDocument } from './indexer.js';
import { searchRoutes } from './routes.js';
import { searchMigrations } from './schema.js';
import { seedSearch } from './seed.js';

const group = '智能检索';

export const SEARCH_PERMISSIONS: PermissionDef[] = [
  { code: 'search:global', name: '全局搜索（含未发布信息）', group },
  { code: 'search:dictionary', name: '管理检索词典', group },
  { code: 'search:log', name: '查看检索日志与热词统计', group },
  { code: 'search:manage', name: '重建检索索引', group },
];

/** cms.document.* events: the payload names the document; its row is re-read and re-indexed. */
const onDocumentEvent: NonNullable<JiyueModule['events']>[string] = async (event, kernel) => {
  const { documentId } = event.payload as { documentId?: string };
  if (typeof documentId === 'string') await syncDocument(kernel, documentId);
};

/** Site fields that every index row of the site carries. */
const INDEXED_SITE_FIELDS = ['code', 'name', 'status'];

/**
 * cms.site.updated / cms.channel.updated: what every row of a site shows (site name and status,
 * channel names, result URLs) changed; the site's rows are rebuilt by a job, off the event path.
 */
const onSiteEvent: NonNullable<JiyueModule['events']>[string] = async (event, kernel) => {
  const { siteId, change, fields } = event.payload as { siteId?: string; change?: string; fields?: string[] };
  if (typeof siteId !== 'string' || change === 'created' || change === 'deleted') return;
  if (event.name === 'cms.site.updated' && !fields?.some((f) => INDEXED_SITE_FIELDS.includes(f))) return;
  await kernel.jobs.enqueue(kernel.db, 'search.reindex-site', { siteId });
};

/** 智能检索 and 全局搜索. List it after cmsModule. */
export const searchModule: JiyueModule = {
  name: 'search',
  migrations: searchMigrations,
  permissions: SEARCH_PERMISSIONS,
  routes: searchRoutes,
  jobs: { 'search.rebuild': rebuildIndex, 'search.reindex-site': reindexSite },
  events: {
    'cms.document.published': onDocumentEvent,
    'cms.document.withdrawn': onDocumentEvent,
    'cms.document.updated': onDocumentEvent,
    'cms.document.deleted': onDocumentEvent,
    'cms.site.updated': onSiteEvent,
    'cms.channel.updated': onSiteEvent,
  },
  seed: seedSearch,
};

export { publicSearch } from './engine.js';
export { syncDocument } from './indexer.js';
