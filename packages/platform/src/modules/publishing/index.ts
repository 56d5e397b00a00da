import type { JiyueModule } from '../../kernel/module.js';
import type { PermissionDef } from '../../kernel/permissions.js';
import { onDocumentEvent, onSiteChanged, onTemplatePublished, onTopicChanged } from './events.js';
import { publishingJobs } from './jobs.js';
import { publishingRoutes } from './routes.js';
import { publishingMigrations } from './schema.js';
import { seedPublishing } from './seed.js';
import { serveByHost } from './serve.js';
import { TEMPLATE_EVENT } from './templates.js';
import { TOPIC_PUBLISHED, TOPIC_UNPUBLISHED } from './topics.js';

export { renderInSiteLayout } from './render.js';
export { publicDocumentUrl } from './urls.js';

const group = '网站发布';

export const PUBLISHING_PERMISSIONS: PermissionDef[] = [
  { code: 'publishing:read', name: '查看网站发布（站点、页面、任务）', group },
  { code: 'publishing:refresh', name: '生成静态页面、刷新高速缓存', group },
  { code: 'template:manage', name: '管理模板与主题', group },
  { code: 'topic:manage', name: '管理专题与素材', group },
];

/** 网站发布: themes, static generation, serving the public sites. List it after cmsModule. */
export const publishingModule: JiyueModule = {
  name: 'publishing',
  migrations: publishingMigrations,
  permissions: PUBLISHING_PERMISSIONS,
  routes: publishingRoutes,
  serverHooks: serveByHost,
  jobs: { ...publishingJobs },
  events: {
    'cms.document.published': onDocumentEvent,
    'cms.document.withdrawn': onDocumentEvent,
    'cms.document.updated': onDocumentEvent,
    'cms.document.deleted': onDocumentEvent,
    'cms.site.updated': onSiteChanged,
    'cms.channel.updated': onSiteChanged,
    [TEMPLATE_EVENT]: onTemplatePublished,
    [TOPIC_PUBLISHED]: onTopicChanged,
    [TOPIC_UNPUBLISHED]: onTopicChanged,
  },
  seed: seedPublishing,
};
