import type { JSONContent } from '@tiptap/react';
import { ApiError, buildUrl, csrfHeaders, problemOf } from '../../api/client';

/*
 * Shapes of the /api/cms answers (docs/decisions/0002-cms-contracts.md) as the console uses them.
 * Only the fields a page reads are listed; the server may send more.
 */

export type SiteStatus = 'building' | 'running' | 'closed';

export interface Site {
  id: string;
  code: string;
  name: string;
  domains: string[];
  theme?: string | null;
  ownerOrgId: string;
  ownerOrgName?: string | null;
  status: SiteStatus;
  siteCode?: string | null;
  icp?: string | null;
  policeRecord?: string | null;
}

export type ChannelType = 'list' | 'page' | 'link';
export type ReviewMode = 'none' | 'one' | 'two';

export interface Channel {
  id: string;
  siteId: string;
  parentId: string | null;
  name: string;
  code: string;
  type: ChannelType;
  linkUrl?: string | null;
  category?: string | null;
  updateCycleDays?: number | null;
  reviewMode: ReviewMode;
  /** A 流程中心 process key (e.g. `cms-review`) that runs this channel's review; null = the built-in review. */
  reviewProcess?: string | null;
  templates?: { list?: string | null; article?: string | null } | null;
  /** 自定义字段: extra metadata every document of the channel carries in `custom`. */
  customFields?: CustomFieldDef[];
  sortOrder?: number;
  status?: string;
  children?: Channel[];
}

export type CustomFieldType = 'text' | 'textarea' | 'number' | 'date' | 'select';

/** One per-channel custom field (contract: .tmp/custom-fields.md); dates are YYYY-MM-DD strings. */
export interface CustomFieldDef {
  key: string;
  label: string;
  type: CustomFieldType;
  options?: string[];
  required?: boolean;
}

export type DocumentState = 'draft' | 'pending' | 'published' | 'withdrawn';
export type DocumentType = 'text' | 'gallery' | 'video' | 'link';

export interface CmsDocument {
  id: string;
  siteId: string;
  channelId: string;
  channelName?: string | null;
  siteName?: string | null;
  type: DocumentType;
  title: string;
  subtitle?: string | null;
  shortTitle?: string | null;
  source?: string | null;
  author?: string | null;
  publishAt?: string | null;
  summary?: string | null;
  keywords?: string | null;
  coverFileId?: string | null;
  bodyJson?: JSONContent | null;
  bodyHtml?: string | null;
  linkUrl?: string | null;
  tags?: string[];
  custom?: Record<string, unknown> | null;
  attachments?: Attachment[];
  state: DocumentState;
  reviewStep?: number | null;
  pinnedUntil?: string | null;
  pinned?: boolean;
  isNew?: boolean;
  newUntil?: string | null;
  scheduledPublishAt?: string | null;
  scheduledWithdrawAt?: string | null;
  referenceOf?: string | null;
  deletedAt?: string | null;
  version: number;
  createdBy?: string | null;
  createdByName?: string | null;
  updatedBy?: string | null;
  updatedByName?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

/** An attachment of a document: a file id plus the name shown to readers. */
export interface Attachment {
  fileId: string;
  name: string;
  size?: number;
}

export interface DocumentVersion {
  version: number;
  savedBy?: string | null;
  savedByName?: string | null;
  savedAt: string;
}

export interface StoredFile {
  id: string;
  sha256?: string;
  size: number;
  mime: string;
  ext?: string;
  category?: 'image' | 'document' | 'video' | 'audio' | null;
  name: string;
  uploaderId?: string | null;
  uploaderName?: string | null;
  uploaderIp?: string | null;
  createdAt: string;
  referenceCount?: number;
  url?: string;
}

export const fileUrl = (id: string) => buildUrl(`/cms/files/${id}/content`);

/**
 * Uploads one file as multipart/form-data. XMLHttpRequest rather than fetch because only it reports
 * upload progress, which the file manager shows as a bar.
 */
export function uploadFile(
  file: File,
  options: { siteId?: string; onProgress?: (percent: number) => void } = {},
): Promise<StoredFile> {
  const { siteId, onProgress } = options;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', buildUrl('/cms/files'));
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network_error', title: '无法连接服务器，请检查网络' }));
    xhr.onload = async () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' },
      });
      if (!response.ok) return reject(await problemOf(response));
      const body = (await response.json()) as StoredFile | { file: StoredFile } | { items: StoredFile[] };
      if ('items' in body) resolve(body.items[0] as StoredFile);
      else resolve('file' in body ? body.file : body);
    };
    const form = new FormData();
    // Fields before the file: the server reads the stream in order and files it under the site.
    if (siteId) form.append('siteId', siteId);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** The zip of the given files (GET, so the browser downloads it as it streams). */
export function zipUrl(ids: string[]): string {
  const query = new URLSearchParams();
  for (const id of ids) query.append('ids', id);
  return `${buildUrl('/cms/files/zip')}?${query}`;
}
