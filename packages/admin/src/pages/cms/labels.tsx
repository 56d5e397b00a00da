import { Tag } from 'antd';
import './cms.css';
import type { ChannelType, DocumentState, DocumentType, ReviewMode, SiteStatus } from './api';

/** Chinese names of the CMS's stored codes, in one place so every page says the same thing. */

export const SITE_STATUS: Record<SiteStatus, { text: string; color: string }> = {
  building: { text: '建设中', color: 'processing' },
  running: { text: '运行', color: 'success' },
  closed: { text: '关闭', color: 'default' },
};

export const DOCUMENT_STATE: Record<DocumentState, { text: string; color: string }> = {
  draft: { text: '草稿', color: 'default' },
  pending: { text: '待审核', color: 'warning' },
  published: { text: '已发布', color: 'success' },
  withdrawn: { text: '已撤稿', color: 'error' },
};

export const DOCUMENT_TYPE: Record<DocumentType, string> = {
  text: '文字',
  gallery: '图文',
  video: '视频',
  link: '链接',
};

export const CHANNEL_TYPE: Record<ChannelType, string> = {
  list: '列表栏目',
  page: '单页栏目',
  link: '外链栏目',
};

export const REVIEW_MODE: Record<ReviewMode, string> = {
  none: '无需审核',
  one: '一级审核',
  two: '二级审核',
};

export const optionsOf = (labels: Record<string, string | { text: string }>) =>
  Object.entries(labels).map(([value, label]) => ({ value, label: typeof label === 'string' ? label : label.text }));

export function SiteStatusTag({ status }: { status: SiteStatus }) {
  const s = SITE_STATUS[status] ?? { text: status, color: 'default' };
  return <Tag color={s.color}>{s.text}</Tag>;
}

export function DocumentStateTag({ state }: { state: DocumentState }) {
  const s = DOCUMENT_STATE[state] ?? { text: state, color: 'default' };
  return <Tag color={s.color}>{s.text}</Tag>;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
