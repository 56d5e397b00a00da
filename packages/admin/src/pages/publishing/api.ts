import { ApiError, api, buildUrl, csrfHeaders, problemOf } from '../../api/client';

/*
 * Shapes of the /api/publishing answers (docs/decisions/0006-publishing-contracts.md) as the
 * console uses them. Only the fields a page reads are listed; the server may send more.
 */

/** 站点发布: one site with its publishing state. */
export interface PublishingSite {
  id: string;
  code: string;
  name: string;
  theme: string;
  status?: string;
  pageCount?: number | null;
  lastRebuildAt?: string | null;
  outputBytes?: number | null;
  /** The public address of the site (`/sites/<code>/`), when the server sends it. */
  url?: string | null;
  /** A rebuild in progress, so a reopened page follows it. */
  job?: JobView | null;
}

export interface ThemeInfo {
  name: string;
  title?: string;
  kind?: 'portal' | 'department' | string;
  description?: string;
  imported?: boolean;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobView {
  id: string;
  type?: string;
  status: JobStatus;
  done: number;
  total: number;
  message?: string | null;
  error?: string | null;
  result?: unknown;
}

export type RefreshKind = 'page' | 'channel' | 'site' | 'batch';

export interface RenderedPage {
  path: string;
  kind: string;
  template?: string;
  care?: boolean;
  renderedAt?: string;
}

export type TemplateOrigin = 'site' | 'global' | 'theme';

export interface TemplateTreeItem {
  path: string;
  origin: TemplateOrigin;
  siteVersion: number | null;
  globalVersion: number | null;
}

export interface TemplateVersion {
  version: number;
  comment: string | null;
  createdBy: string | null;
  createdByName: string | null;
  createdAt: string;
  active: boolean;
}

export interface TemplateDetail {
  siteId: string | null;
  theme: string;
  path: string;
  source: string;
  origin: TemplateOrigin;
  activeVersion: number | null;
  inheritedSource: string | null;
  versions: TemplateVersion[];
}

export interface DiffChange {
  value: string;
  added: boolean;
  removed: boolean;
  count: number;
}

export interface Asset {
  id: string;
  siteId: string | null;
  siteName: string | null;
  fileId: string;
  name: string;
  tags: string[];
  size: number;
  mime: string;
  createdAt: string;
  usedBy: number;
  url: string;
}

export type ModuleType = 'banner' | 'news' | 'carousel' | 'links' | 'text';

export interface TopicModule {
  id?: string;
  type: ModuleType;
  props: Record<string, any>;
}

export interface TopicBackground {
  color?: string | null;
  imageUrl?: string | null;
}

export interface Topic {
  id: string;
  siteId: string;
  siteName: string | null;
  slug: string;
  title: string;
  background: TopicBackground;
  modules: TopicModule[];
  state: 'draft' | 'published';
  version: number;
  updatedAt: string;
  publishedAt: string | null;
  url: string | null;
}

/** `global` or the site id, as the template URLs want it. */
export const scopeOf = (siteId: string | null | undefined) => siteId ?? 'global';

/** The template's URL; the path's segments are encoded one by one so `/` stays a separator. */
export function templateUrl(siteId: string | null, theme: string, path: string): string {
  return `/publishing/templates/${scopeOf(siteId)}/${theme}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export const publishingApi = {
  sites: () => api.get<{ items: PublishingSite[] } | PublishingSite[]>('/publishing/sites'),
  themes: () => api.get<{ items: ThemeInfo[] } | ThemeInfo[]>('/publishing/themes'),
  setTheme: (siteId: string, theme: string) =>
    api.patch<{ jobId?: string }>(`/publishing/sites/${siteId}/theme`, { theme }),
  rebuild: (siteId: string) => api.post<{ jobId: string }>(`/publishing/sites/${siteId}/rebuild`),
  rebuildAll: () => api.post<{ jobId: string }>('/publishing/rebuild-all'),
  refresh: (body: { siteId: string; kind: RefreshKind; path?: string; channelId?: string; paths?: string[] }) =>
    api.post<{ jobId: string }>('/publishing/refresh', body),
  job: (id: string) => api.get<JobView>(`/jobs/${id}`),
  pages: (siteId: string, query: { q?: string; kind?: string; page?: number; pageSize?: number }) =>
    api.get<{ items: RenderedPage[]; total: number }>(`/publishing/sites/${siteId}/pages`, query),

  tree: (theme: string, siteId: string | null) =>
    api.get<{ items: TemplateTreeItem[] }>(`/publishing/themes/${theme}/templates`, { siteId: siteId ?? undefined }),
  template: (siteId: string | null, theme: string, path: string) =>
    api.get<TemplateDetail>(templateUrl(siteId, theme, path)),
  version: (siteId: string | null, theme: string, path: string, version: number) =>
    api.get<{ version: number; source: string }>(`${templateUrl(siteId, theme, path)}/versions/${version}`),
  diff: (siteId: string | null, theme: string, path: string, from: number, to: number) =>
    api.get<{ changes: DiffChange[] }>(`${templateUrl(siteId, theme, path)}/diff`, { from, to }),
  save: (siteId: string | null, theme: string, path: string, source: string, comment: string) =>
    api.put<TemplateVersion>(templateUrl(siteId, theme, path), { source, comment: comment || undefined }),
  preview: (
    siteId: string | null,
    theme: string,
    path: string,
    body: { source: string; documentId?: string; channelId?: string; siteId?: string },
  ) => api.post<{ html: string }>(`${templateUrl(siteId, theme, path)}/preview`, body),
  rollback: (siteId: string | null, theme: string, path: string, version: number) =>
    api.post<TemplateVersion>(`${templateUrl(siteId, theme, path)}/rollback`, { version }),

  assets: (query: { siteId?: string; q?: string; tag?: string; page?: number; pageSize?: number }) =>
    api.get<{ items: Asset[]; total: number }>('/publishing/assets', query),
  assetTags: (siteId?: string) =>
    api.get<{ items: { tag: string; count: number }[] }>('/publishing/assets/tags', { siteId }),
  updateAsset: (id: string, body: { name?: string; tags?: string[] }) =>
    api.patch<Asset>(`/publishing/assets/${id}`, body),
  deleteAsset: (id: string) => api.delete(`/publishing/assets/${id}`),

  topics: (query: { siteId?: string; q?: string; page?: number; pageSize?: number }) =>
    api.get<{ items: Topic[]; total: number }>('/publishing/topics', query),
  topic: (id: string) => api.get<Topic>(`/publishing/topics/${id}`),
  createTopic: (body: { siteId: string; slug: string; title: string }) => api.post<Topic>('/publishing/topics', body),
  updateTopic: (
    id: string,
    body: Partial<Pick<Topic, 'title' | 'slug' | 'background' | 'modules'>> & { version: number },
  ) => api.patch<Topic>(`/publishing/topics/${id}`, body),
  deleteTopic: (id: string, version: number) => api.delete(`/publishing/topics/${id}?version=${version}`),
  publishTopic: (id: string, version: number, publish: boolean) =>
    api.post<Topic>(`/publishing/topics/${id}/${publish ? 'publish' : 'unpublish'}`, { version }),
  previewTopic: (id: string, body: { title?: string; background?: TopicBackground; modules?: TopicModule[] }) =>
    api.post<{ html: string }>(`/publishing/topics/${id}/preview`, body),
};

/** Multipart upload (素材库 images, theme zips): fields first, then the files. */
export async function uploadForm<T>(path: string, files: File[], fields: Record<string, string> = {}): Promise<T> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) if (value) form.append(key, value);
  for (const file of files) form.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch(buildUrl(path), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...csrfHeaders() },
      body: form,
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', title: '无法连接服务器，请检查网络' });
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

export function items<T>(body: { items: T[] } | T[]): T[] {
  return Array.isArray(body) ? body : body.items;
}
