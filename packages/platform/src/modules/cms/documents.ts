import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import {
  type AppError,
  badRequest,
  conflict,
  forbidden,
  notFound,
  toAppError,
  unauthorized,
} from '../../kernel/errors.js';
import type { CronDef, JobHandler, Kernel } from '../../kernel/module.js';
import { auditActor, type Ctx, likePattern, type Page, pageBounds } from '../settings/context.js';
import { type CustomField, validateCustomValues } from './custom-fields.js';
import type { DocumentRow, DocumentState, DocumentType } from './documents.schema.js';
import { type ReviewOutcome, reviewProviderOf } from './review.js';
import { fileIdsInBody, sanitizeBody, sanitizeTiptapJson } from './sanitize.js';
import type { SiteRow } from './schema.js';
import { accessibleSiteIds, assertSiteAccess, canOnSite } from './scope.js';
import { diffBodies, diffFields, recordVersion, type Snapshot, type VersionAction } from './versions.js';

/*
 * 信息管理: documents of the sites' channels. Every command is one transaction holding the row
 * change, a version snapshot, the audit entry, the file references and the outbox events, so a
 * refused command leaves nothing behind and publishing/search never miss a change.
 */

export const FILE_OWNER = 'cms.document';

/** Editable content of a document, as the API names it. */
export interface DocumentInput {
  type?: DocumentType;
  title?: string;
  subtitle?: string | null;
  shortTitle?: string | null;
  source?: string | null;
  author?: string | null;
  publishAt?: string | null;
  summary?: string | null;
  keywords?: string | null;
  coverFileId?: string | null;
  bodyJson?: unknown;
  bodyHtml?: string;
  linkUrl?: string | null;
  attachments?: string[];
  tags?: string[];
  custom?: Record<string, unknown>;
  pinnedUntil?: string | null;
  newUntil?: string | null;
  scheduledPublishAt?: string | null;
  scheduledWithdrawAt?: string | null;
}

const COLUMN_OF: Record<keyof DocumentInput, keyof DocumentRow> = {
  type: 'type',
  title: 'title',
  subtitle: 'subtitle',
  shortTitle: 'short_title',
  source: 'source',
  author: 'author',
  publishAt: 'publish_at',
  summary: 'summary',
  keywords: 'keywords',
  coverFileId: 'cover_file_id',
  bodyJson: 'body_json',
  bodyHtml: 'body_html',
  linkUrl: 'link_url',
  attachments: 'attachments',
  tags: 'tags',
  custom: 'custom',
  pinnedUntil: 'pinned_until',
  newUntil: 'new_until',
  scheduledPublishAt: 'scheduled_publish_at',
  scheduledWithdrawAt: 'scheduled_withdraw_at',
};

/** Content columns a reference shows from its source, and a copy takes over. */
const CONTENT_COLUMNS = [
  'type',
  'title',
  'subtitle',
  'short_title',
  'source',
  'author',
  'summary',
  'keywords',
  'cover_file_id',
  'body_json',
  'body_html',
  'link_url',
  'attachments',
  'tags',
  'custom',
] as const satisfies readonly (keyof DocumentRow)[];

/** What an absent field of an old snapshot means. */
const EMPTY_CONTENT: Partial<Record<(typeof CONTENT_COLUMNS)[number], unknown>> = {
  attachments: [],
  tags: [],
  custom: {},
  body_html: '',
};

const DATE_COLUMNS = new Set([
  'publish_at',
  'pinned_until',
  'new_until',
  'scheduled_publish_at',
  'scheduled_withdraw_at',
]);

export interface DocumentView {
  id: string;
  siteId: string;
  channelId: string;
  type: DocumentType;
  title: string;
  subtitle: string | null;
  shortTitle: string | null;
  source: string | null;
  author: string | null;
  publishAt: Date | null;
  summary: string | null;
  keywords: string | null;
  coverFileId: string | null;
  bodyJson: unknown;
  bodyHtml: string;
  linkUrl: string | null;
  attachments: string[];
  tags: string[];
  custom: Record<string, unknown>;
  state: DocumentState;
  reviewStep: number;
  pinnedUntil: Date | null;
  pinned: boolean;
  newUntil: Date | null;
  isNew: boolean;
  scheduledPublishAt: Date | null;
  scheduledWithdrawAt: Date | null;
  referenceOf: string | null;
  pushedFrom: string | null;
  deletedAt: Date | null;
  version: number;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const active = (until: Date | null) => until !== null && until.getTime() > Date.now();

/** A reference shows its source's current content under its own identity and place. */
export function viewOf(row: DocumentRow, source?: DocumentRow | null): DocumentView {
  const c = source ?? row;
  return {
    id: row.id,
    siteId: row.site_id,
    channelId: row.channel_id,
    type: c.type,
    title: c.title,
    subtitle: c.subtitle,
    shortTitle: c.short_title,
    source: c.source,
    author: c.author,
    publishAt: row.publish_at,
    summary: c.summary,
    keywords: c.keywords,
    coverFileId: c.cover_file_id,
    bodyJson: c.body_json,
    bodyHtml: c.body_html,
    linkUrl: c.link_url,
    attachments: c.attachments ?? [],
    tags: c.tags ?? [],
    custom: c.custom ?? {},
    state: row.state,
    reviewStep: row.review_step,
    pinnedUntil: row.pinned_until,
    pinned: active(row.pinned_until),
    newUntil: row.new_until,
    isNew: active(row.new_until),
    scheduledPublishAt: row.scheduled_publish_at,
    scheduledWithdrawAt: row.scheduled_withdraw_at,
    referenceOf: row.reference_of,
    pushedFrom: row.pushed_from,
    deletedAt: row.deleted_at,
    version: row.version,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function principalOf(ctx: Ctx): Principal {
  if (!ctx.principal) throw unauthorized();
  return ctx.principal;
}

async function loadRow(db: Db | Tx, id: string, options: { forUpdate?: boolean; deleted?: boolean } = {}) {
  let q = db.selectFrom('cms_documents').selectAll().where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  const row = (await q.executeTakeFirst()) as DocumentRow | undefined;
  const inBin = row?.deleted_at != null;
  if (!row || inBin !== (options.deleted ?? false)) {
    throw notFound(
      options.deleted ? 'document_not_in_bin' : 'document_not_found',
      options.deleted ? '回收站中没有该信息' : '信息不存在',
    );
  }
  return row;
}

async function loadSite(db: Db | Tx, siteId: string): Promise<SiteRow> {
  return (await db.selectFrom('cms_sites').selectAll().where('id', '=', siteId).executeTakeFirstOrThrow()) as SiteRow;
}

/** The row and its site, locked, after checking the principal's permission on that site. */
async function loadFor(tx: Tx, ctx: Ctx, id: string, permission: string, options: { deleted?: boolean } = {}) {
  const row = await loadRow(tx, id, { forUpdate: true, ...options });
  const site = await loadSite(tx, row.site_id);
  assertSiteAccess(principalOf(ctx), permission, site);
  return { row, site };
}

async function loadChannel(db: Db | Tx, ctx: Ctx, channelId: string, permission: string) {
  const channel = await db
    .selectFrom('cms_channels as c')
    .innerJoin('cms_sites as s', 's.id', 'c.site_id')
    .select(['c.id', 'c.site_id', 'c.name', 'c.type', 'c.custom_fields', 's.name as site_name', 's.owner_org_id'])
    .where('c.id', '=', channelId)
    .executeTakeFirst();
  if (!channel) throw notFound('channel_not_found', '栏目不存在');
  assertSiteAccess(principalOf(ctx), permission, { name: channel.site_name, owner_org_id: channel.owner_org_id });
  if (channel.type === 'link') throw badRequest('channel_is_link', '外链栏目不能存放信息');
  return channel;
}

async function channelFields(db: Db | Tx, channelId: string): Promise<CustomField[]> {
  const channel = await db
    .selectFrom('cms_channels')
    .select('custom_fields')
    .where('id', '=', channelId)
    .executeTakeFirstOrThrow();
  return channel.custom_fields ?? [];
}

async function sourceOf(db: Db | Tx, row: DocumentRow): Promise<DocumentRow | null> {
  if (!row.reference_of) return null;
  const source = await db.selectFrom('cms_documents').selectAll().where('id', '=', row.reference_of).executeTakeFirst();
  return (source as DocumentRow | undefined) ?? null;
}

/** Turns API input into columns: bodies sanitized, dates checked, link URLs checked. */
function columnsOf(input: DocumentInput): Partial<DocumentRow> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input) as [keyof DocumentInput, unknown][]) {
    if (value === undefined || !(key in COLUMN_OF)) continue;
    const column = COLUMN_OF[key];
    if (DATE_COLUMNS.has(column)) {
      out[column] = value === null ? null : new Date(value as string);
    } else if (column === 'body_html') {
      out[column] = sanitizeBody(value as string);
    } else if (column === 'body_json') {
      out[column] = value === null ? null : JSON.stringify(sanitizeTiptapJson(value));
    } else if (column === 'custom') {
      out[column] = JSON.stringify(value);
    } else {
      out[column] = typeof value === 'string' ? value.trim() : value;
    }
  }
  if (out.title === '') {
    throw badRequest('validation_failed', '请求参数不合法', { errors: [{ field: 'title', message: '不能为空' }] });
  }
  if (typeof out.link_url === 'string' && !/^https?:\/\//i.test(out.link_url)) {
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'linkUrl', message: '链接须以 http:// 或 https:// 开头' }],
    });
  }
  return out as Partial<DocumentRow>;
}

function checkDocument(row: DocumentRow): void {
  if (row.type === 'link' && !row.link_url) {
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'linkUrl', message: '链接型信息必须填写链接地址' }],
    });
  }
  if (row.scheduled_publish_at && row.scheduled_withdraw_at && row.scheduled_withdraw_at <= row.scheduled_publish_at) {
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'scheduledWithdrawAt', message: '定时撤稿时间须晚于定时发布时间' }],
    });
  }
}

/** Files a saved document uses: images/media in the body, its cover and its attachments. */
async function trackFiles(kernel: Kernel, tx: Tx, row: DocumentRow): Promise<void> {
  const refs = [
    ...fileIdsInBody(row.body_html).map((fileId) => ({ fileId, field: 'body' })),
    ...(row.cover_file_id ? [{ fileId: row.cover_file_id, field: 'cover' }] : []),
    ...(row.attachments ?? []).map((fileId) => ({ fileId, field: 'attachment' })),
  ];
  await kernel.files.setReferences(tx, FILE_OWNER, row.id, refs);
}

type EventName = 'published' | 'withdrawn' | 'updated' | 'deleted';

async function emit(kernel: Kernel, tx: Tx, name: EventName, row: DocumentRow): Promise<void> {
  await kernel.events.emit(tx, `cms.document.${name}`, {
    documentId: row.id,
    siteId: row.site_id,
    channelId: row.channel_id,
    version: row.version,
  });
}

/** Which event a change means to publishing, search and diagnostics. */
function eventFor(before: DocumentRow | null, after: DocumentRow): EventName {
  if (after.deleted_at && !before?.deleted_at) return 'deleted';
  if (after.state === 'published' && before?.state !== 'published') return 'published';
  if (before?.state === 'published' && after.state !== 'published') return 'withdrawn';
  return 'updated';
}

const ACTION_LABEL: Record<VersionAction, string> = {
  create: '新建',
  save: '修改',
  submit: '提交审核',
  approve: '审核通过',
  reject: '审核退回',
  publish: '发布',
  withdraw: '撤稿',
  move: '移动',
  restore: '从回收站恢复',
  'restore-version': '恢复历史版本',
  delete: '删除到回收站',
  schedule: '定时处理',
};

/**
 * Writes a change of an existing document: bumps its version, keeps a snapshot, tracks files,
 * records the audit entry and emits the event — all in `tx`.
 */
async function applyChange(
  kernel: Kernel,
  tx: Tx,
  ctx: Ctx,
  before: DocumentRow,
  patch: Partial<DocumentRow>,
  action: VersionAction,
  detail?: Record<string, unknown>,
): Promise<DocumentRow> {
  const actorId = ctx.principal?.userId ?? null;
  const after = (await tx
    .updateTable('cms_documents')
    .set({ ...patch, version: before.version + 1, updated_by: actorId, updated_at: sql`now()` })
    .where('id', '=', before.id)
    .returningAll()
    .executeTakeFirstOrThrow()) as DocumentRow;
  checkDocument(after);
  await recordVersion(tx, after, action, actorId);
  if (!after.reference_of) await trackFiles(kernel, tx, after);
  await kernel.audit.record(tx, {
    ...auditActor(ctx),
    action: `document.${action}`,
    resource: 'cms.document',
    resourceId: after.id,
    summary: `${ACTION_LABEL[action]}信息「${after.title}」`,
    detail,
  });
  await emit(kernel, tx, eventFor(before, after), after);
  if (!after.reference_of) await followSource(kernel, tx, ctx, before, after, patch);
  return after;
}

/**
 * References show their source's content: their pages change with it, and they leave the sites
 * when it does, so unpublished content never shows through a reference.
 */
async function followSource(
  kernel: Kernel,
  tx: Tx,
  ctx: Ctx,
  before: DocumentRow,
  after: DocumentRow,
  patch: Partial<DocumentRow>,
): Promise<void> {
  const leaves = before.state === 'published' && (after.state !== 'published' || after.deleted_at !== null);
  const changed = CONTENT_COLUMNS.some((column) => patch[column] !== undefined);
  if (!leaves && !changed) return;
  const refs = (await tx
    .selectFrom('cms_documents')
    .selectAll()
    .where('reference_of', '=', after.id)
    .where('state', '=', 'published')
    .where('deleted_at', 'is', null)
    .forUpdate()
    .execute()) as DocumentRow[];
  for (const ref of refs) {
    if (leaves && !after.deleted_at) await applyChange(kernel, tx, ctx, ref, { state: 'withdrawn' }, 'withdraw');
    else if (!leaves) await emit(kernel, tx, 'updated', ref);
  }
}

async function insertDocument(
  kernel: Kernel,
  tx: Tx,
  ctx: Ctx,
  values: Partial<DocumentRow>,
  action: VersionAction,
  detail?: Record<string, unknown>,
): Promise<DocumentRow> {
  const actorId = ctx.principal?.userId ?? null;
  const toInsert: Record<string, unknown> = { ...values, created_by: actorId, updated_by: actorId, version: 1 };
  for (const json of ['body_json', 'custom'] as const) {
    if (toInsert[json] !== undefined && typeof toInsert[json] !== 'string' && toInsert[json] !== null) {
      toInsert[json] = JSON.stringify(toInsert[json]);
    }
  }
  const row = (await tx
    .insertInto('cms_documents')
    .values(toInsert)
    .returningAll()
    .executeTakeFirstOrThrow()) as DocumentRow;
  checkDocument(row);
  await recordVersion(tx, row, action, actorId);
  if (!row.reference_of) await trackFiles(kernel, tx, row);
  await kernel.audit.record(tx, {
    ...auditActor(ctx),
    action: `document.${action}`,
    resource: 'cms.document',
    resourceId: row.id,
    summary: `${ACTION_LABEL[action]}信息「${row.title}」`,
    detail,
  });
  await emit(kernel, tx, eventFor(null, row), row);
  return row;
}

async function viewIn(db: Db | Tx, row: DocumentRow): Promise<DocumentView> {
  return viewOf(row, await sourceOf(db, row));
}

// ---------------------------------------------------------------------------------------------
// Create, read, list, save

export async function createDocument(
  kernel: Kernel,
  ctx: Ctx,
  input: DocumentInput & { channelId: string },
): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const channel = await loadChannel(tx, ctx, input.channelId, 'document:write');
    const { channelId: _, ...content } = input;
    content.custom = validateCustomValues(channel.custom_fields ?? [], content.custom ?? {});
    const row = await insertDocument(
      kernel,
      tx,
      ctx,
      { ...columnsOf(content), site_id: channel.site_id, channel_id: channel.id, state: 'draft' },
      'create',
    );
    return viewOf(row);
  });
}

export async function getDocument(kernel: Kernel, ctx: Ctx, id: string): Promise<DocumentView> {
  const row = await loadRow(kernel.db, id);
  assertSiteAccess(principalOf(ctx), 'document:read', await loadSite(kernel.db, row.site_id));
  return viewIn(kernel.db, row);
}

export interface DocumentQuery extends Page {
  siteId?: string;
  channelId?: string;
  state?: DocumentState;
  authorId?: string;
  type?: DocumentType;
  from?: string;
  to?: string;
  q?: string;
}

export interface DocumentListItem {
  id: string;
  siteId: string;
  siteName: string;
  channelId: string;
  channelName: string;
  type: DocumentType;
  title: string;
  author: string | null;
  source: string | null;
  state: DocumentState;
  reviewStep: number;
  publishAt: Date | null;
  pinned: boolean;
  isNew: boolean;
  referenceOf: string | null;
  pushedFrom: string | null;
  version: number;
  createdBy: string | null;
  createdByName: string | null;
  updatedAt: Date;
  deletedAt: Date | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day of the filter means that day in China (UTC+8); `to` includes the whole day. */
function dayBound(value: string, end: boolean): Date {
  if (!DAY.test(value)) return new Date(value);
  const start = new Date(`${value}T00:00:00+08:00`);
  return end ? new Date(start.getTime() + 86_400_000) : start;
}

/** Lists documents of the sites the principal may read (or, for the bin, write). */
async function listRows(kernel: Kernel, ctx: Ctx, query: DocumentQuery, bin: boolean) {
  const siteIds = await accessibleSiteIds(kernel.db, principalOf(ctx), bin ? 'document:write' : 'document:read');
  if (siteIds && siteIds.length === 0) return { items: [], total: 0 };
  let base = kernel.db
    .selectFrom('cms_documents as d')
    .leftJoin('cms_documents as src', 'src.id', 'd.reference_of')
    .innerJoin('cms_sites as s', 's.id', 'd.site_id')
    .innerJoin('cms_channels as c', 'c.id', 'd.channel_id')
    .leftJoin('identity_users as u', 'u.id', 'd.created_by')
    .where('d.deleted_at', bin ? 'is not' : 'is', null);
  if (siteIds) base = base.where('d.site_id', 'in', siteIds);
  if (query.siteId) base = base.where('d.site_id', '=', query.siteId);
  if (query.channelId) base = base.where('d.channel_id', '=', query.channelId);
  if (query.state) base = base.where('d.state', '=', query.state);
  if (query.authorId) base = base.where('d.created_by', '=', query.authorId);
  if (query.type) base = base.where('d.type', '=', query.type);
  if (query.from) base = base.where(sql`coalesce(d.publish_at, d.created_at)`, '>=', dayBound(query.from, false));
  if (query.to) base = base.where(sql`coalesce(d.publish_at, d.created_at)`, '<', dayBound(query.to, true));
  if (query.q) base = base.where(sql`coalesce(src.title, d.title)`, 'ilike', likePattern(query.q));
  const { limit, offset } = pageBounds(query);
  const ordered = bin
    ? base.orderBy('d.deleted_at', 'desc')
    : base
        .orderBy(sql`(d.pinned_until is not null and d.pinned_until > now())`, 'desc')
        .orderBy(sql`coalesce(d.publish_at, d.updated_at)`, 'desc');
  const [rows, count] = await Promise.all([
    ordered
      .select([
        'd.id',
        'd.site_id',
        's.name as site_name',
        'd.channel_id',
        'c.name as channel_name',
        'd.state',
        'd.review_step',
        'd.publish_at',
        'd.pinned_until',
        'd.new_until',
        'd.reference_of',
        'd.pushed_from',
        'd.version',
        'd.created_by',
        'u.display_name as created_by_name',
        'd.updated_at',
        'd.deleted_at',
        sql<string>`coalesce(src.title, d.title)`.as('title'),
        sql<string>`coalesce(src.type, d.type)`.as('type'),
        sql<string>`coalesce(src.author, d.author)`.as('author'),
        sql<string>`coalesce(src.source, d.source)`.as('source'),
      ])
      .orderBy('d.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  const items: DocumentListItem[] = rows.map((r) => ({
    id: r.id,
    siteId: r.site_id,
    siteName: r.site_name,
    channelId: r.channel_id,
    channelName: r.channel_name,
    type: r.type as DocumentType,
    title: r.title,
    author: r.author,
    source: r.source,
    state: r.state,
    reviewStep: r.review_step,
    publishAt: r.publish_at,
    pinned: active(r.pinned_until),
    isNew: active(r.new_until),
    referenceOf: r.reference_of,
    pushedFrom: r.pushed_from,
    version: r.version,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  }));
  return { items, total: Number(count.n) };
}

export function listDocuments(kernel: Kernel, ctx: Ctx, query: DocumentQuery) {
  return listRows(kernel, ctx, query, false);
}

export function listRecycleBin(kernel: Kernel, ctx: Ctx, query: DocumentQuery) {
  return listRows(kernel, ctx, query, true);
}

function conflictWith(yours: unknown, current: DocumentView): AppError {
  return conflict('document_conflict', '信息已被他人修改，请核对后再保存', {
    detail: `您编辑的是第 ${(yours as { version?: number }).version} 版，当前已是第 ${current.version} 版`,
    extra: { yours, current },
  });
}

/** Rules shared by saving and restoring a version: who may change the document in its state. */
async function prepareSave(tx: Tx, ctx: Ctx, row: DocumentRow, site: SiteRow, version: number, yours: unknown) {
  if (row.version !== version) throw conflictWith(yours, await viewIn(tx, row));
  if (row.reference_of) {
    throw conflict('document_is_reference', '引用的信息不能直接修改，请修改源信息', { detail: row.reference_of });
  }
  if (row.state === 'published' && !canOnSite(ctx.principal, 'document:publish', site)) {
    throw forbidden('document_published', '已发布的信息须撤稿后修改，或由有发布权限的人员修改');
  }
  // Editing a document in review restarts its review: reviewers must see what they approve.
  return row.state === 'pending' ? { state: 'draft' as const, review_step: 0 } : {};
}

export async function updateDocument(
  kernel: Kernel,
  ctx: Ctx,
  id: string,
  input: DocumentInput & { version: number },
): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const { row, site } = await loadFor(tx, ctx, id, 'document:write');
    const { version, ...content } = input;
    const reset = await prepareSave(tx, ctx, row, site, version, input);
    // Only a save that sends `custom` is checked: fields declared later must not block other edits.
    if (content.custom) content.custom = validateCustomValues(await channelFields(tx, row.channel_id), content.custom);
    const after = await applyChange(kernel, tx, ctx, row, { ...columnsOf(content), ...reset }, 'save');
    return viewOf(after);
  });
}

// ---------------------------------------------------------------------------------------------
// State changes: submit, review decisions, publish, withdraw, scheduled publishing

/** Applies a review outcome: approved documents publish now or wait for their publish time. */
function outcomePatch(row: DocumentRow, outcome: ReviewOutcome): Partial<DocumentRow> {
  if (outcome.result === 'rejected') return { state: 'draft', review_step: 0 };
  if (outcome.result === 'pending') return { state: 'pending', review_step: outcome.step };
  return publishPatch(row);
}

function publishPatch(row: DocumentRow): Partial<DocumentRow> {
  const at = row.scheduled_publish_at;
  if (at && at.getTime() > Date.now()) return { state: 'pending', review_step: 0 };
  return { state: 'published', review_step: 0, publish_at: row.publish_at ?? at ?? new Date() };
}

export async function submitDocument(kernel: Kernel, ctx: Ctx, id: string): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write');
    if (row.state !== 'draft' && row.state !== 'withdrawn') {
      throw conflict('document_not_draft', '只有草稿或已撤稿的信息可以提交审核');
    }
    const outcome = await reviewProviderOf(kernel).submit(tx, row, principalOf(ctx));
    return viewIn(tx, await applyChange(kernel, tx, ctx, row, outcomePatch(row, outcome), 'submit'));
  });
}

export async function decideDocument(
  kernel: Kernel,
  ctx: Ctx,
  id: string,
  decision: 'approve' | 'reject',
  comment: string | null,
): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:review');
    const outcome = await reviewProviderOf(kernel).decide(tx, row, principalOf(ctx), decision, comment);
    const after = await applyChange(kernel, tx, ctx, row, outcomePatch(row, outcome), decision, {
      step: row.review_step,
      comment,
    });
    return viewIn(tx, after);
  });
}

export async function publishDocument(kernel: Kernel, ctx: Ctx, id: string): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:publish');
    if (row.state === 'published') throw conflict('document_already_published', '该信息已发布');
    return viewIn(tx, await applyChange(kernel, tx, ctx, row, publishPatch(row), 'publish'));
  });
}

export async function withdrawDocument(kernel: Kernel, ctx: Ctx, id: string): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:publish');
    const scheduled = row.state === 'pending' && row.review_step === 0;
    if (row.state !== 'published' && !scheduled) throw conflict('document_not_published', '该信息未发布');
    const patch = { state: 'withdrawn' as const, review_step: 0, scheduled_withdraw_at: null };
    return viewIn(tx, await applyChange(kernel, tx, ctx, row, patch, 'withdraw'));
  });
}

const SYSTEM: Ctx = { principal: null, ip: null };

/**
 * 定时发布/定时撤稿: publishes approved documents whose time has come and withdraws those whose
 * withdraw time passed. Run every minute by the cron job; each document in its own transaction.
 */
export async function runScheduledDocuments(kernel: Kernel): Promise<{ published: number; withdrawn: number }> {
  const now = new Date();
  const due = async (state: DocumentState, column: string, extra: (q: any) => any) =>
    (
      await extra(
        kernel.db
          .selectFrom('cms_documents')
          .select('id')
          .where('state', '=', state)
          .where('deleted_at', 'is', null)
          .where(column, '<=', now),
      )
        .limit(500)
        .execute()
    ).map((r: { id: string }) => r.id);
  const toPublish = await due('pending', 'scheduled_publish_at', (q) => q.where('review_step', '=', 0));
  const toWithdraw = await due('published', 'scheduled_withdraw_at', (q) => q);
  for (const id of toPublish) {
    await kernel.db.transaction().execute(async (tx) => {
      const row = await loadRow(tx, id, { forUpdate: true });
      if (row.state !== 'pending' || row.review_step !== 0) return;
      await applyChange(
        kernel,
        tx,
        SYSTEM,
        row,
        { state: 'published', publish_at: row.publish_at ?? row.scheduled_publish_at },
        'schedule',
      );
    });
  }
  for (const id of toWithdraw) {
    await kernel.db.transaction().execute(async (tx) => {
      const row = await loadRow(tx, id, { forUpdate: true });
      if (row.state !== 'published') return;
      await applyChange(kernel, tx, SYSTEM, row, { state: 'withdrawn', scheduled_withdraw_at: null }, 'schedule');
    });
  }
  return { published: toPublish.length, withdrawn: toWithdraw.length };
}

// ---------------------------------------------------------------------------------------------
// Copy, move, reference, push

function contentOf(row: DocumentRow): Partial<DocumentRow> {
  const out: Record<string, unknown> = {};
  for (const column of CONTENT_COLUMNS) out[column] = row[column];
  return out as Partial<DocumentRow>;
}

/** What a copy is made from: a reference's source, else the row itself. */
async function originalOf(tx: Tx, row: DocumentRow): Promise<DocumentRow> {
  return (await sourceOf(tx, row)) ?? row;
}

export async function copyDocument(kernel: Kernel, ctx: Ctx, id: string, targetChannelId: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write');
    const channel = await loadChannel(tx, ctx, targetChannelId, 'document:write');
    const copy = await insertDocument(
      kernel,
      tx,
      ctx,
      { ...contentOf(await originalOf(tx, row)), site_id: channel.site_id, channel_id: channel.id, state: 'draft' },
      'create',
      { copiedFrom: row.id },
    );
    return viewOf(copy);
  });
}

export async function moveDocument(kernel: Kernel, ctx: Ctx, id: string, targetChannelId: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write');
    const channel = await loadChannel(tx, ctx, targetChannelId, 'document:write');
    if (channel.id === row.channel_id) throw conflict('document_same_channel', '信息已在该栏目中');
    // The page leaves its old place: publishing removes it there before the move shows it anew.
    if (row.state === 'published') await emit(kernel, tx, 'withdrawn', row);
    const patch = { site_id: channel.site_id, channel_id: channel.id };
    const after = await applyChange(kernel, tx, ctx, row, patch, 'move', { fromChannelId: row.channel_id });
    if (after.state === 'published') await emit(kernel, tx, 'published', after);
    return viewIn(tx, after);
  });
}

export async function referenceDocument(kernel: Kernel, ctx: Ctx, id: string, targetChannelId: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:read');
    const source = await originalOf(tx, row);
    if (source.state !== 'published') throw conflict('document_not_published', '只能引用已发布的信息');
    const channel = await loadChannel(tx, ctx, targetChannelId, 'document:write');
    if (channel.id === source.channel_id) throw conflict('document_same_channel', '不能在源信息所在栏目中引用它');
    const principal = principalOf(ctx);
    const site = await loadSite(tx, channel.site_id);
    const values: Partial<DocumentRow> = {
      type: source.type,
      title: source.title,
      site_id: channel.site_id,
      channel_id: channel.id,
      reference_of: source.id,
      state: 'draft',
    };
    const ref = await insertDocument(kernel, tx, ctx, values, 'create', { referenceOf: source.id });
    // Whoever may publish on the target site places the reference directly; others submit it.
    const outcome: ReviewOutcome = canOnSite(principal, 'document:publish', site)
      ? { result: 'approved' }
      : await reviewProviderOf(kernel).submit(tx, ref, principal);
    return viewIn(tx, await applyChange(kernel, tx, ctx, ref, outcomePatch(ref, outcome), 'submit'));
  });
}

/**
 * 全平台信息推送: a copy of the document enters each target channel's review (at least one level)
 * as a pending document submitted by the pusher; `pushed_from` records the origin.
 */
export async function pushDocument(kernel: Kernel, ctx: Ctx, id: string, targetChannelIds: string[]) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write');
    const source = await originalOf(tx, row);
    const principal = principalOf(ctx);
    const created: DocumentView[] = [];
    for (const channelId of [...new Set(targetChannelIds)]) {
      const channel = await tx
        .selectFrom('cms_channels')
        .select(['id', 'site_id', 'type'])
        .where('id', '=', channelId)
        .executeTakeFirst();
      if (!channel) throw notFound('channel_not_found', '栏目不存在', { detail: channelId });
      if (channel.site_id === row.site_id) throw conflict('push_same_site', '推送的目标须是其他网站的栏目');
      if (channel.type === 'link') throw badRequest('channel_is_link', '外链栏目不能存放信息');
      const copy = await insertDocument(
        kernel,
        tx,
        ctx,
        {
          ...contentOf(source),
          site_id: channel.site_id,
          channel_id: channel.id,
          state: 'draft',
          pushed_from: source.id,
        },
        'create',
        { pushedFrom: source.id },
      );
      await reviewProviderOf(kernel).submit(tx, copy, principal);
      const pending = await applyChange(kernel, tx, ctx, copy, { state: 'pending', review_step: 1 }, 'submit');
      created.push(viewOf(pending));
    }
    return { items: created };
  });
}

// ---------------------------------------------------------------------------------------------
// Recycle bin

export async function deleteDocument(kernel: Kernel, ctx: Ctx, id: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write');
    const deleted = await applyChange(kernel, tx, ctx, row, { deleted_at: new Date() }, 'delete');
    // A reference would show content nobody can see any more: it goes to the bin with its source.
    const refs = (await tx
      .selectFrom('cms_documents')
      .selectAll()
      .where('reference_of', '=', row.id)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .execute()) as DocumentRow[];
    for (const ref of refs) await applyChange(kernel, tx, ctx, ref, { deleted_at: new Date() }, 'delete');
    return { id: deleted.id, references: refs.length };
  });
}

/** Back from the bin as a draft (or as it was, if it never reached the site): it is re-reviewed. */
export async function restoreDocument(kernel: Kernel, ctx: Ctx, id: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write', { deleted: true });
    const patch: Partial<DocumentRow> = { deleted_at: null };
    if (row.state === 'published' || row.state === 'pending') Object.assign(patch, { state: 'draft', review_step: 0 });
    return viewIn(tx, await applyChange(kernel, tx, ctx, row, patch, 'restore'));
  });
}

export async function purgeDocument(kernel: Kernel, ctx: Ctx, id: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const { row } = await loadFor(tx, ctx, id, 'document:write', { deleted: true });
    await kernel.files.setReferences(tx, FILE_OWNER, row.id, []);
    const refs = await tx.selectFrom('cms_documents').select('id').where('reference_of', '=', row.id).execute();
    for (const ref of refs) await kernel.files.setReferences(tx, FILE_OWNER, ref.id, []);
    await tx.deleteFrom('cms_documents').where('id', '=', row.id).execute();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'document.purge',
      resource: 'cms.document',
      resourceId: row.id,
      summary: `彻底删除信息「${row.title}」`,
      detail: { siteId: row.site_id, channelId: row.channel_id, references: refs.length },
    });
    return { id: row.id, purged: true };
  });
}

// ---------------------------------------------------------------------------------------------
// Versions

export async function assertDocumentReadable(kernel: Kernel, ctx: Ctx, id: string): Promise<DocumentRow> {
  const row = (await kernel.db.selectFrom('cms_documents').selectAll().where('id', '=', id).executeTakeFirst()) as
    | DocumentRow
    | undefined;
  if (!row) throw notFound('document_not_found', '信息不存在');
  assertSiteAccess(principalOf(ctx), 'document:read', await loadSite(kernel.db, row.site_id));
  return row;
}

export async function listVersions(kernel: Kernel, ctx: Ctx, id: string) {
  await assertDocumentReadable(kernel, ctx, id);
  const rows = await kernel.db
    .selectFrom('cms_document_versions as v')
    .leftJoin('identity_users as u', 'u.id', 'v.saved_by')
    .select(['v.version', 'v.action', 'v.saved_by', 'u.display_name', 'v.saved_at'])
    .select(sql<string>`v.snapshot->>'title'`.as('title'))
    .select(sql<string>`v.snapshot->>'state'`.as('state'))
    .where('v.document_id', '=', id)
    .orderBy('v.version', 'desc')
    .execute();
  return {
    items: rows.map((r) => ({
      version: r.version,
      action: r.action,
      title: r.title,
      state: r.state,
      savedBy: r.saved_by,
      savedByName: r.display_name,
      savedAt: r.saved_at,
    })),
  };
}

async function snapshotAt(db: Db | Tx, id: string, version: number): Promise<{ snapshot: Snapshot; row: any }> {
  const row = await db
    .selectFrom('cms_document_versions')
    .selectAll()
    .where('document_id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw notFound('version_not_found', '该版本不存在', { detail: `第 ${version} 版` });
  return { snapshot: row.snapshot as Snapshot, row };
}

export async function getVersion(kernel: Kernel, ctx: Ctx, id: string, version: number) {
  await assertDocumentReadable(kernel, ctx, id);
  const { snapshot, row } = await snapshotAt(kernel.db, id, version);
  return { version: row.version, action: row.action, savedBy: row.saved_by, savedAt: row.saved_at, snapshot };
}

export async function diffVersions(kernel: Kernel, ctx: Ctx, id: string, from: number, to: number) {
  await assertDocumentReadable(kernel, ctx, id);
  const [a, b] = await Promise.all([snapshotAt(kernel.db, id, from), snapshotAt(kernel.db, id, to)]);
  return {
    from,
    to,
    fields: diffFields(a.snapshot, b.snapshot),
    body: diffBodies(String(a.snapshot.body_html ?? ''), String(b.snapshot.body_html ?? '')),
  };
}

/** The content of an old version becomes a new version (history is never rewritten). */
export async function restoreVersion(
  kernel: Kernel,
  ctx: Ctx,
  id: string,
  input: { restoreVersion: number; version: number },
): Promise<DocumentView> {
  return kernel.db.transaction().execute(async (tx) => {
    const { row, site } = await loadFor(tx, ctx, id, 'document:write');
    const reset = await prepareSave(tx, ctx, row, site, input.version, input);
    const { snapshot } = await snapshotAt(tx, id, input.restoreVersion);
    const patch: Record<string, unknown> = { ...reset };
    for (const column of CONTENT_COLUMNS) {
      const value = snapshot[column] ?? EMPTY_CONTENT[column] ?? null;
      patch[column] = (column === 'body_json' || column === 'custom') && value !== null ? JSON.stringify(value) : value;
    }
    const after = await applyChange(kernel, tx, ctx, row, patch as Partial<DocumentRow>, 'restore-version', {
      restoredVersion: input.restoreVersion,
    });
    return viewOf(after);
  });
}

// ---------------------------------------------------------------------------------------------
// Batch

export type BatchAction = 'submit' | 'publish' | 'withdraw' | 'delete' | 'restore' | 'purge' | 'copy' | 'move';

export interface BatchResult {
  id: string;
  ok: boolean;
  status: number;
  code?: string;
  title?: string;
  detail?: string;
}

/** Each item is its own command: one item's refusal neither stops nor undoes the others. */
export async function batchDocuments(
  kernel: Kernel,
  ctx: Ctx,
  input: { action: BatchAction; ids: string[]; targetChannelId?: string },
): Promise<{ results: BatchResult[] }> {
  const needsTarget = input.action === 'copy' || input.action === 'move';
  if (needsTarget && !input.targetChannelId) {
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'targetChannelId', message: '必填' }],
    });
  }
  const target = input.targetChannelId as string;
  const run: Record<BatchAction, (id: string) => Promise<unknown>> = {
    submit: (id) => submitDocument(kernel, ctx, id),
    publish: (id) => publishDocument(kernel, ctx, id),
    withdraw: (id) => withdrawDocument(kernel, ctx, id),
    delete: (id) => deleteDocument(kernel, ctx, id),
    restore: (id) => restoreDocument(kernel, ctx, id),
    purge: (id) => purgeDocument(kernel, ctx, id),
    copy: (id) => copyDocument(kernel, ctx, id, target),
    move: (id) => moveDocument(kernel, ctx, id, target),
  };
  const results: BatchResult[] = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      await run[input.action](id);
      results.push({ id, ok: true, status: 200 });
    } catch (thrown) {
      const err = toAppError(thrown);
      if (err.status >= 500) throw thrown;
      results.push({ id, ok: false, status: err.status, code: err.code, title: err.title, detail: err.detail });
    }
  }
  return { results };
}

/** Jobs of the documents part; the cms module lists them with `documentCron`. */
export const documentJobs: Record<string, JobHandler> = {
  'cms.documents.schedule': async (_job, { kernel }) => runScheduledDocuments(kernel),
};

/** 定时发布/撤稿 are checked every minute. */
export const documentCron: CronDef[] = [
  { name: 'cms.documents.schedule', schedule: '* * * * *', job: 'cms.documents.schedule' },
];
