import type { JSONContent } from '@tiptap/react';
import dayjs, { type Dayjs } from 'dayjs';
import type { Attachment, Channel, CmsDocument } from './api';

/*
 * Pure translations between the CMS forms and the API bodies, kept apart from the pages so that
 * they can be tested without a browser (cms-logic.test.ts).
 */

/** What the rich-text editor hands back: TipTap's JSON and the HTML rendered from it. */
export interface EditorValue {
  json: JSONContent;
  html: string;
}

/** Where a dropped channel goes: under the node, or beside it at the drop position. */
export function channelMoveTarget(
  all: (Channel & { depth: number })[],
  dragId: string,
  dropId: string,
  toGap: boolean,
  after: boolean,
) {
  if (!toGap) return { parentId: dropId, order: 0 };
  const drop = all.find((c) => c.id === dropId);
  const parentId = drop?.parentId ?? null;
  const siblings = all.filter((c) => c.parentId === parentId && c.id !== dragId);
  return { parentId, order: siblings.findIndex((s) => s.id === dropId) + (after ? 1 : 0) };
}

export interface ChannelValues {
  name: string;
  code: string;
  type: Channel['type'];
  linkUrl?: string;
  category?: string;
  updateCycleDays?: number;
  reviewMode: Channel['reviewMode'];
  reviewProcess?: string | null;
  templates?: { list?: string; article?: string };
}

/** Cleared optional fields are sent as null (a PATCH must be able to empty them); blank templates mean the default. */
export function channelBody(values: ChannelValues) {
  const templates = Object.fromEntries(Object.entries(values.templates ?? {}).filter(([, v]) => v));
  return {
    ...values,
    linkUrl: values.type === 'link' ? values.linkUrl || null : null,
    category: values.category || null,
    updateCycleDays: values.updateCycleDays ?? null,
    reviewProcess: values.reviewProcess || null,
    templates,
  };
}

const DATE_FIELDS = ['publishAt', 'pinnedUntil', 'newUntil', 'scheduledPublishAt', 'scheduledWithdrawAt'] as const;
type DateField = (typeof DATE_FIELDS)[number];

export type MetaValues = Pick<
  CmsDocument,
  'channelId' | 'type' | 'title' | 'subtitle' | 'shortTitle' | 'source' | 'author' | 'summary' | 'keywords' | 'linkUrl'
> & { tags?: string[] } & Partial<Record<DateField, Dayjs | null>>;

export function toFormValues(doc: Partial<CmsDocument>): MetaValues {
  const values: Record<string, unknown> = { ...doc };
  for (const f of DATE_FIELDS) values[f] = doc[f] ? dayjs(doc[f] as string) : null;
  return values as MetaValues;
}

/** The save body: form fields, dates as ISO strings, the body in both forms, attachment ids. */
export function toBody(
  values: MetaValues,
  body: EditorValue | null,
  attachments: Attachment[],
  coverFileId: string | null,
) {
  const out: Record<string, unknown> = { ...values, attachments: attachments.map((a) => a.fileId), coverFileId };
  for (const f of DATE_FIELDS) out[f] = values[f] ? (values[f] as Dayjs).toISOString() : null;
  if (body) {
    out.bodyJson = body.json;
    out.bodyHtml = body.html;
  }
  return out;
}

export interface ImageValues {
  width?: number | null;
  height?: number | null;
  fit?: 'cover' | 'contain' | 'inside' | 'fill';
  watermark?: string;
  position?: 'northwest' | 'northeast' | 'southwest' | 'southeast' | 'centre';
  opacity?: number;
  name?: string;
}

/** The 图片处理 request: only the steps the user filled in. */
export function imageBody(v: ImageValues) {
  return {
    ...(v.width || v.height
      ? { resize: { width: v.width ?? undefined, height: v.height ?? undefined, fit: v.fit } }
      : {}),
    ...(v.watermark?.trim()
      ? { watermark: { text: v.watermark.trim(), position: v.position, opacity: v.opacity } }
      : {}),
    ...(v.name?.trim() ? { name: v.name.trim() } : {}),
  };
}
