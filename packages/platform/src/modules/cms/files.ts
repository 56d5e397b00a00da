import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, conflict, forbidden, notFound } from '../../kernel/errors.js';
import type { StagedBlob } from '../../kernel/files.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, likePattern, pageBounds, writeCommand } from '../settings/context.js';
import { getParameter } from '../settings/service.js';
import { accessibleSiteIds, canOnSite } from './scope.js';

/*
 * 文件资源管理: uploads of the cms (images, documents, video, audio), their search, deletion and
 * download. Blobs and reference tracking live in the kernel (kernel.files); this service adds the
 * upload rules (allowed types, size limits, content sniffing) and the site scope.
 */

export type FileCategory = 'image' | 'document' | 'video' | 'audio';

interface TypeRule {
  category: FileCategory;
  mime: string;
  /**
   * What the content must look like: file-type extensions that may be detected, 'text' (nothing
   * binary detected, no NUL bytes) or 'svg' (XML text holding an <svg> element).
   */
  sniff: string[] | 'text' | 'svg';
}

const image = (mime: string, ...sniff: string[]): TypeRule => ({ category: 'image', mime, sniff });
const doc = (mime: string, ...sniff: string[]): TypeRule => ({ category: 'document', mime, sniff });
const video = (mime: string, ...sniff: string[]): TypeRule => ({ category: 'video', mime, sniff });
const audio = (mime: string, ...sniff: string[]): TypeRule => ({ category: 'audio', mime, sniff });
const OOXML = 'application/vnd.openxmlformats-officedocument';

/** Allowed extensions (lower case) → their rule. Office 2007+ files and OFD are zip containers. */
export const FILE_TYPES: Record<string, TypeRule> = {
  jpg: image('image/jpeg', 'jpg'),
  jpeg: image('image/jpeg', 'jpg'),
  png: image('image/png', 'png'),
  gif: image('image/gif', 'gif'),
  webp: image('image/webp', 'webp'),
  bmp: image('image/bmp', 'bmp'),
  svg: { category: 'image', mime: 'image/svg+xml', sniff: 'svg' },
  pdf: doc('application/pdf', 'pdf'),
  doc: doc('application/msword', 'cfb'),
  xls: doc('application/vnd.ms-excel', 'cfb'),
  ppt: doc('application/vnd.ms-powerpoint', 'cfb'),
  docx: doc(`${OOXML}.wordprocessingml.document`, 'docx', 'zip'),
  xlsx: doc(`${OOXML}.spreadsheetml.sheet`, 'xlsx', 'zip'),
  pptx: doc(`${OOXML}.presentationml.presentation`, 'pptx', 'zip'),
  ofd: doc('application/ofd', 'zip'),
  zip: doc('application/zip', 'zip'),
  txt: { category: 'document', mime: 'text/plain; charset=utf-8', sniff: 'text' },
  mp4: video('video/mp4', 'mp4', 'm4v', 'mov'),
  mov: video('video/quicktime', 'mov', 'mp4'),
  avi: video('video/x-msvideo', 'avi'),
  webm: video('video/webm', 'webm'),
  mkv: video('video/x-matroska', 'mkv'),
  flv: video('video/x-flv', 'flv'),
  wmv: video('video/x-ms-wmv', 'asf'),
  mp3: audio('audio/mpeg', 'mp3'),
  wav: audio('audio/wav', 'wav'),
  m4a: audio('audio/mp4', 'm4a', 'mp4'),
  aac: audio('audio/aac', 'aac'),
  ogg: audio('audio/ogg', 'ogg', 'oga', 'opus'),
  flac: audio('audio/flac', 'flac'),
  amr: audio('audio/amr', 'amr'),
};

export const CATEGORIES: FileCategory[] = ['image', 'document', 'video', 'audio'];

const MB = 1024 * 1024;
/** Default upload limits; operators override them with the system parameters below (bytes). */
export const DEFAULT_LIMITS: Record<FileCategory, number> = {
  image: 20 * MB,
  document: 100 * MB,
  video: 2048 * MB,
  audio: 200 * MB,
};
export const limitParameter = (category: FileCategory) => `cms.files.maxBytes.${category}`;

export async function uploadLimit(db: Db | Tx, category: FileCategory): Promise<number> {
  const value = await getParameter<unknown>(db, limitParameter(category), DEFAULT_LIMITS[category]);
  return typeof value === 'number' && value > 0 ? value : DEFAULT_LIMITS[category];
}

const LIMIT_NAMES: Record<FileCategory, string> = { image: '图片', document: '文档', video: '视频', audio: '音频' };

/**
 * Creates the upload-limit parameters that do not exist yet, so operators find them in 系统参数.
 * Meant for the cms seed; reading works without them (defaults above).
 */
export async function seedFileParameters(db: Db | Tx): Promise<void> {
  await db
    .insertInto('settings_parameters')
    .values(
      CATEGORIES.map((c) => ({
        key: limitParameter(c),
        value_type: 'number',
        value: JSON.stringify(DEFAULT_LIMITS[c]),
        description: `${LIMIT_NAMES[c]}上传大小上限（字节）`,
      })),
    )
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

const MAX_NAME_CHARS = 200;

/**
 * A display name that is safe everywhere it ends up (zip entries, Content-Disposition, the
 * console): no directories (`../`, `C:\`), no control characters or NUL, no leading dots, at most
 * 200 characters with the extension kept.
 */
export function normaliseName(raw: string): string {
  const cleaned = raw
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '')
    .trim();
  const chars = Array.from(cleaned);
  if (chars.length <= MAX_NAME_CHARS) return cleaned || 'file';
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(cleaned.slice(dot)).slice(0, 16).join('') : '';
  return chars.slice(0, MAX_NAME_CHARS - ext.length).join('') + ext;
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The rule for a file name, or 415 `file_type_not_allowed`. */
export function ruleFor(name: string): { ext: string; rule: TypeRule } {
  const ext = extensionOf(name);
  const rule = FILE_TYPES[ext];
  if (!rule) {
    throw new AppError(415, 'file_type_not_allowed', '不允许上传该类型的文件', {
      detail: `允许的扩展名：${Object.keys(FILE_TYPES).join('、')}`,
    });
  }
  return { ext, rule };
}

/** Checks that the content is what the extension says; 415 `file_type_mismatch` when not. */
export async function checkContent(ext: string, rule: TypeRule, head: Buffer): Promise<void> {
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = head.length ? await fileTypeFromBuffer(head) : undefined;
  let ok: boolean;
  if (rule.sniff === 'text') ok = !detected && !head.includes(0);
  else if (rule.sniff === 'svg') ok = looksLikeSvg(head, detected?.ext);
  else ok = !!detected && rule.sniff.includes(detected.ext);
  if (!ok) {
    throw new AppError(415, 'file_type_mismatch', '文件内容与扩展名不符', {
      detail: `扩展名为 .${ext}，内容识别为 ${detected ? `.${detected.ext}` : '未知类型'}`,
    });
  }
}

function looksLikeSvg(head: Buffer, detected: string | undefined): boolean {
  if (detected && detected !== 'xml' && detected !== 'svg') return false;
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return text.startsWith('<') && /<svg[\s>]/i.test(text);
}

export interface FileRow {
  id: string;
  sha256: string;
  size: number;
  mime: string;
  ext: string;
  name: string;
  uploader_id: string | null;
  uploader_ip: string | null;
  site_id: string | null;
  created_at: Date;
  deleted_at: Date | null;
  reference_count?: number;
}

export function categoryOf(ext: string): FileCategory | null {
  return FILE_TYPES[ext]?.category ?? null;
}

export function fileView(r: FileRow) {
  return {
    id: r.id,
    name: r.name,
    ext: r.ext,
    mime: r.mime,
    category: categoryOf(r.ext),
    size: Number(r.size),
    sha256: r.sha256,
    siteId: r.site_id,
    uploaderId: r.uploader_id,
    uploaderIp: r.uploader_ip,
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
    referenceCount: Number(r.reference_count ?? 0),
    url: `/api/cms/files/${r.id}/content`,
  };
}

const referenceCount = sql<number>`(select count(*) from file_references r where r.file_id = files.id)`;

/**
 * A file in a site is governed by the site's owner org; a file uploaded outside any site by its
 * uploader and by holders of the permission for every org.
 */
async function canOnFile(db: Db | Tx, principal: Principal | null, permission: string, file: FileRow) {
  if (!principal) return false;
  if (file.site_id) {
    const site = await db
      .selectFrom('cms_sites')
      .select('owner_org_id')
      .where('id', '=', file.site_id)
      .executeTakeFirst();
    return !!site && canOnSite(principal, permission, site as { owner_org_id: string });
  }
  const scope = principal.permissions.get(permission);
  return scope?.kind === 'all' || (!!scope && file.uploader_id === principal.userId);
}

/** Loads a live file the principal may use with `permission`; 404 also hides files out of scope. */
export async function loadFileFor(
  db: Db | Tx,
  principal: Principal | null,
  permission: string,
  id: string,
): Promise<FileRow> {
  const row = (await db
    .selectFrom('files')
    .selectAll()
    .select(referenceCount.as('reference_count'))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()) as FileRow | undefined;
  if (!row || !(await canOnFile(db, principal, 'file:read', row))) throw notFound('file_not_found', '文件不存在');
  if (permission !== 'file:read' && !(await canOnFile(db, principal, permission, row))) {
    throw forbidden('file_forbidden', '无权操作该文件', { detail: `需要权限 ${permission}` });
  }
  return row;
}

/**
 * Serializes uploads and purges of the same content: a purge removes the blob only when no row
 * uses its hash, and an upload committing that hash must not slip in between.
 */
async function lockBlob(tx: Tx, sha256: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${sha256}))`.execute(tx);
}

export interface NewFile {
  staged: StagedBlob;
  name: string;
  ext: string;
  mime: string;
  siteId: string | null;
}

/**
 * Makes staged uploads visible and records one row per upload, with the audit entry, in one
 * transaction. The blobs are committed first so a row never points at missing content; a blob
 * whose transaction then fails stays unreferenced and is reused by the next identical upload.
 */
export function recordFiles(
  kernel: Kernel,
  ctx: Ctx,
  files: NewFile[],
  summary?: string,
  /** Runs in the same transaction, e.g. to emit an event about the new rows. */
  then?: (tx: Tx, rows: FileRow[]) => Promise<void>,
) {
  return writeCommand(kernel, ctx, async (tx) => {
    const rows: FileRow[] = [];
    for (const f of files) {
      await lockBlob(tx, f.staged.sha256);
      await f.staged.commit();
      const row = (await tx
        .insertInto('files')
        .values({
          sha256: f.staged.sha256,
          size: f.staged.size,
          mime: f.mime,
          ext: f.ext,
          name: f.name,
          uploader_id: ctx.principal?.userId ?? null,
          uploader_ip: ctx.ip,
          site_id: f.siteId,
        })
        .returningAll()
        .executeTakeFirstOrThrow()) as FileRow;
      rows.push(row);
    }
    await then?.(tx, rows);
    return {
      result: rows.map(fileView),
      audit: {
        action: 'upload',
        resource: 'file',
        resourceId: rows.length === 1 ? rows[0].id : undefined,
        summary: summary ?? `上传文件 ${rows.map((r) => `「${r.name}」`).join('')}`,
        detail: rows.map((r) => ({ id: r.id, name: r.name, size: Number(r.size), sha256: r.sha256 })),
      },
    };
  });
}

export interface FileQuery {
  q?: string;
  referenced?: boolean;
  minSize?: number;
  maxSize?: number;
  uploaderIp?: string;
  uploaderId?: string;
  from?: string;
  to?: string;
  type?: FileCategory;
  ext?: string;
  siteId?: string;
  page?: number;
  pageSize?: number;
}

/** 文件检索: every filter is optional and they combine with AND. */
export async function searchFiles(db: Db, principal: Principal | null, query: FileQuery) {
  const sites = await accessibleSiteIds(db, principal, 'file:read');
  let base = db.selectFrom('files').where('deleted_at', 'is', null);
  if (sites !== null) {
    const me = principal?.userId ?? '';
    base = base.where((eb) =>
      eb.or([
        ...(sites.length ? [eb('site_id', 'in', sites)] : []),
        eb.and([eb('site_id', 'is', null), eb('uploader_id', '=', me)]),
      ]),
    );
  }
  if (query.q) {
    const like = likePattern(query.q);
    base = base.where((eb) => eb.or([eb('name', 'ilike', like), eb('ext', 'ilike', like)]));
  }
  if (query.referenced !== undefined) {
    const exists = sql<boolean>`exists (select 1 from file_references r where r.file_id = files.id)`;
    base = base.where(query.referenced ? exists : sql<boolean>`not ${exists}`);
  }
  if (query.minSize !== undefined) base = base.where('size', '>=', query.minSize);
  if (query.maxSize !== undefined) base = base.where('size', '<=', query.maxSize);
  if (query.uploaderIp) base = base.where('uploader_ip', '=', query.uploaderIp);
  if (query.uploaderId) base = base.where('uploader_id', '=', query.uploaderId);
  if (query.from) base = base.where('created_at', '>=', new Date(query.from));
  if (query.to) base = base.where('created_at', '<=', new Date(query.to));
  if (query.type) {
    const exts = Object.entries(FILE_TYPES)
      .filter(([, r]) => r.category === query.type)
      .map(([e]) => e);
    base = base.where('ext', 'in', exts);
  }
  if (query.ext) base = base.where('ext', '=', query.ext.toLowerCase());
  if (query.siteId) base = base.where('site_id', '=', query.siteId);
  const { limit, offset } = pageBounds(query);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = (await base
    .selectAll()
    .select(referenceCount.as('reference_count'))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute()) as FileRow[];
  return { items: rows.map(fileView), total: Number(total) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** References of a file; documents come with their title and site so the console can link them. */
export async function fileReferences(kernel: Kernel, principal: Principal | null, id: string) {
  await loadFileFor(kernel.db, principal, 'file:read', id);
  const refs = await kernel.files.referencesOf(id);
  const docIds = refs.filter((r) => r.ownerType === 'cms.document' && UUID.test(r.ownerId)).map((r) => r.ownerId);
  const docs = docIds.length
    ? await kernel.db
        .selectFrom('cms_documents')
        .select(['id', 'title', 'site_id', 'deleted_at'])
        .where('id', 'in', docIds)
        .execute()
    : [];
  const byId = new Map(docs.map((d) => [d.id as string, d]));
  return {
    items: refs.map((r) => {
      const doc = r.ownerType === 'cms.document' ? byId.get(r.ownerId) : undefined;
      return doc
        ? { ...r, title: doc.title as string, siteId: doc.site_id as string, inRecycleBin: doc.deleted_at !== null }
        : r;
    }),
  };
}

/** May the principal delete this file: file:manage on it, or its uploader holding file:upload. */
async function canDelete(db: Db | Tx, principal: Principal | null, file: FileRow, force: boolean) {
  if (await canOnFile(db, principal, 'file:manage', file)) return true;
  return !force && file.uploader_id === principal?.userId && (await canOnFile(db, principal, 'file:upload', file));
}

/**
 * Batch delete (moves files out of sight; the blobs stay until purged). Referenced files are
 * skipped and reported unless `force`, which needs file:manage. All or nothing on permissions.
 */
export function deleteFiles(kernel: Kernel, ctx: Ctx, ids: string[], force: boolean) {
  return writeCommand(kernel, ctx, async (tx) => {
    const rows = (await tx
      .selectFrom('files')
      .selectAll()
      .select(referenceCount.as('reference_count'))
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .execute()) as FileRow[];
    const visible: FileRow[] = [];
    for (const row of rows) if (await canOnFile(tx, ctx.principal, 'file:read', row)) visible.push(row);
    const missing = ids.filter((id) => !visible.some((r) => r.id === id));
    for (const row of visible) {
      if (!(await canDelete(tx, ctx.principal, row, force))) {
        throw forbidden('file_forbidden', '无权删除该文件', {
          detail: `「${row.name}」${force ? '强制删除需要 file:manage 权限' : '只能删除自己上传的文件'}`,
        });
      }
    }
    const referenced = force ? [] : visible.filter((r) => Number(r.reference_count) > 0);
    const deletable = visible.filter((r) => !referenced.includes(r));
    if (deletable.length) {
      await tx
        .updateTable('files')
        .set({ deleted_at: new Date() })
        .where(
          'id',
          'in',
          deletable.map((r) => r.id),
        )
        .execute();
    }
    return {
      result: {
        deleted: deletable.map((r) => r.id),
        referenced: referenced.map((r) => ({ id: r.id, name: r.name, referenceCount: Number(r.reference_count) })),
        notFound: missing,
      },
      audit: {
        action: force ? 'force-delete' : 'delete',
        resource: 'file',
        summary: `${force ? '强制' : ''}删除文件 ${deletable.length} 个${referenced.length ? `，${referenced.length} 个被引用未删除` : ''}`,
        detail: { deleted: deletable.map((r) => ({ id: r.id, name: r.name })), skipped: referenced.map((r) => r.id) },
      },
    };
  });
}

/**
 * 彻底清除: removes the row (deleted or not) and its references; the blob goes too when no other
 * row shares its hash. Referenced files need `force`. Needs file:manage.
 */
export async function purgeFile(kernel: Kernel, ctx: Ctx, id: string, force: boolean) {
  const purgedSha = await writeCommand(kernel, ctx, async (tx) => {
    const row = (await tx
      .selectFrom('files')
      .selectAll()
      .select(referenceCount.as('reference_count'))
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()) as FileRow | undefined;
    if (!row || !(await canOnFile(tx, ctx.principal, 'file:read', row))) throw notFound('file_not_found', '文件不存在');
    if (!(await canOnFile(tx, ctx.principal, 'file:manage', row))) {
      throw forbidden('file_forbidden', '无权清除该文件', { detail: '需要权限 file:manage' });
    }
    const refs = Number(row.reference_count);
    if (refs > 0 && !force) {
      throw conflict('file_referenced', '文件仍被引用，不能清除', {
        detail: `被 ${refs} 处引用；确认后可强制清除`,
        extra: { references: await kernel.files.referencesOf(id, tx) },
      });
    }
    await tx.deleteFrom('file_references').where('file_id', '=', id).execute();
    await tx.deleteFrom('files').where('id', '=', id).execute();
    return {
      result: row.sha256,
      audit: {
        action: 'purge',
        resource: 'file',
        resourceId: id,
        summary: `彻底清除文件「${row.name}」${refs ? `（强制，解除 ${refs} 处引用）` : ''}`,
        detail: { sha256: row.sha256, references: refs },
      },
    };
  });
  return { purged: id, blobRemoved: await removeBlobIfUnused(kernel, purgedSha) };
}

/**
 * Deletes stored content once no row uses it. Runs after the purge has committed (a rolled-back
 * purge must not lose the content) and under the content's lock, so an upload of the same bytes
 * either commits its row first (the blob stays) or waits and stores the blob anew.
 */
async function removeBlobIfUnused(kernel: Kernel, sha256: string): Promise<boolean> {
  return kernel.db.transaction().execute(async (tx) => {
    await lockBlob(tx, sha256);
    const others = await tx.selectFrom('files').select('id').where('sha256', '=', sha256).limit(1).execute();
    if (others.length) return false;
    await kernel.files.storage.delete(sha256);
    return true;
  });
}
