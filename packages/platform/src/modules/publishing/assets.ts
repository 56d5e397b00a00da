import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, conflict, forbidden, notFound, unauthorized } from '../../kernel/errors.js';
import type { StagedBlob } from '../../kernel/files.js';
import type { Kernel } from '../../kernel/module.js';
import { recordFiles } from '../cms/files.js';
import { accessibleSiteIds, canOnSite, loadSiteFor } from '../cms/index.js';
import { type Ctx, likePattern, pageBounds, writeCommand } from '../settings/context.js';
import type { AssetRow } from './schema.js';
import { TOPIC_OWNER, TOPIC_PERMISSION } from './topics.js';

/*
 * 素材库: images for topics (banners, carousels, backgrounds). The bytes are ordinary kernel files
 * (uploaded, sniffed and size-limited like the cms file manager's images); this table adds the
 * library's own name, tags and site. An image a topic uses is a file reference of that topic, so
 * deleting it is refused while it is in use.
 */

/** Raster images only: an SVG can carry script, and these end up on public pages. */
export const ASSET_EXTENSIONS = ['jpg', 'jpeg', 'png', 'gif', 'webp'];

export function assetNotImage(ext: string): AppError {
  return new AppError(415, 'file_type_not_allowed', '素材库只接受图片', {
    detail: `允许的扩展名：${ASSET_EXTENSIONS.join('、')}${ext ? `，收到 .${ext}` : ''}`,
  });
}

const MAX_TAGS = 20;

/** Tags typed as 「专题,背景、蓝色」: split on commas (ASCII or Chinese) and spaces, deduplicated. */
export function normaliseTags(input: string | string[] | undefined): string[] {
  const raw = Array.isArray(input) ? input : (input ?? '').split(/[,，、;；\s]+/);
  const tags = [...new Set(raw.map((t) => t.trim()).filter(Boolean))];
  return tags.slice(0, MAX_TAGS).map((t) => Array.from(t).slice(0, 20).join(''));
}

export interface AssetView {
  id: string;
  siteId: string | null;
  siteName: string | null;
  fileId: string;
  name: string;
  tags: string[];
  size: number;
  mime: string;
  ext: string;
  createdAt: Date;
  createdBy: string | null;
  /** Topics using the image. */
  usedBy: number;
  url: string;
}

type AssetJoined = AssetRow & { size: number; mime: string; ext: string; site_name: string | null; used_by: number };

export const assetUrl = (id: string) => `/api/publishing/assets/${id}/content`;

function assetView(r: AssetJoined): AssetView {
  return {
    id: r.id,
    siteId: r.site_id,
    siteName: r.site_name,
    fileId: r.file_id,
    name: r.name,
    tags: r.tags,
    size: Number(r.size),
    mime: r.mime,
    ext: r.ext,
    createdAt: r.created_at,
    createdBy: r.created_by,
    usedBy: Number(r.used_by ?? 0),
    url: assetUrl(r.id),
  };
}

const usedBy = sql<number>`(select count(*) from file_references r where r.file_id = a.file_id and r.owner_type = ${TOPIC_OWNER} and r.field = 'asset:' || a.id::text)`;

function joined(db: Db | Tx) {
  return db
    .selectFrom('publishing_assets as a')
    .innerJoin('files as f', 'f.id', 'a.file_id')
    .leftJoin('cms_sites as s', 's.id', 'a.site_id')
    .selectAll('a')
    .select(['f.size', 'f.mime', 'f.ext', 'f.sha256', 's.name as site_name', 's.owner_org_id', usedBy.as('used_by')]);
}

/**
 * A site's images need topic:manage on that site; the shared library (no site) can be read by any
 * holder of topic:manage and changed only with the permission over every org.
 */
function canOnAsset(
  principal: Principal | null,
  row: { site_id: string | null; owner_org_id: string | null },
  write: boolean,
) {
  if (!principal) return false;
  const scope = principal.permissions.get(TOPIC_PERMISSION);
  if (!scope) return false;
  if (row.site_id === null) return !write || scope.kind === 'all';
  return canOnSite(principal, TOPIC_PERMISSION, { owner_org_id: row.owner_org_id as string });
}

export async function loadAsset(db: Db | Tx, principal: Principal | null, id: string, write = false) {
  let query = joined(db).where('a.id', '=', id);
  if (write) query = query.forUpdate('a' as never);
  const row = (await query.executeTakeFirst()) as
    | (AssetJoined & { sha256: string; owner_org_id: string | null })
    | undefined;
  if (!row || !canOnAsset(principal, row, false)) throw notFound('asset_not_found', '素材不存在');
  if (write && !canOnAsset(principal, row, true)) {
    throw forbidden('asset_forbidden', '无权修改公共素材', {
      detail: '公共素材（不属于任何网站）需要不限范围的 topic:manage 权限',
    });
  }
  return row;
}

/** Checks where an upload may go before its bytes are read. */
export async function assertAssetTarget(db: Db | Tx, principal: Principal | null, siteId: string | null) {
  if (!principal) throw unauthorized();
  if (siteId) return loadSiteFor(db, principal, TOPIC_PERMISSION, siteId);
  if (principal.permissions.get(TOPIC_PERMISSION)?.kind !== 'all') {
    throw forbidden('asset_forbidden', '无权上传公共素材', { detail: '请选择一个网站，或联系管理员上传公共素材' });
  }
  return null;
}

export interface NewAsset {
  staged: StagedBlob;
  name: string;
  ext: string;
  mime: string;
}

/** Records staged images as kernel files and library entries in one transaction (audited). */
export async function recordAssets(kernel: Kernel, ctx: Ctx, siteId: string | null, tags: string[], files: NewAsset[]) {
  const site = await assertAssetTarget(kernel.db, ctx.principal, siteId);
  let created: AssetRow[] = [];
  await recordFiles(
    kernel,
    ctx,
    files.map((f) => ({ ...f, siteId })),
    `上传素材 ${files.map((f) => `「${f.name}」`).join('')}${site ? `（${site.name}）` : '（公共素材）'}`,
    async (tx, rows) => {
      created = (await tx
        .insertInto('publishing_assets')
        .values(
          rows.map((r) => ({
            site_id: siteId,
            file_id: r.id,
            name: r.name,
            tags: sql`${sql.val(tags)}::text[]`,
            created_by: ctx.principal?.userId ?? null,
          })),
        )
        .returningAll()
        .execute()) as AssetRow[];
    },
  );
  const rows = (await joined(kernel.db)
    .where(
      'a.id',
      'in',
      created.map((c) => c.id),
    )
    .execute()) as unknown as AssetJoined[];
  return { items: rows.map(assetView) };
}

export interface AssetQuery {
  siteId?: string;
  q?: string;
  tag?: string;
  page?: number;
  pageSize?: number;
}

/** 素材检索: a site's images plus the shared ones; by name or tag. */
export async function listAssets(db: Db, principal: Principal | null, query: AssetQuery) {
  const sites = await accessibleSiteIds(db, principal, TOPIC_PERMISSION);
  let base = joined(db);
  if (sites !== null) {
    base = base.where((eb) =>
      eb.or([eb('a.site_id', 'is', null), ...(sites.length ? [eb('a.site_id', 'in', sites)] : [])]),
    );
  }
  if (query.siteId)
    base = base.where((eb) => eb.or([eb('a.site_id', 'is', null), eb('a.site_id', '=', query.siteId as string)]));
  if (query.tag) base = base.where(sql<boolean>`${query.tag} = any(a.tags)`);
  if (query.q) {
    const like = likePattern(query.q);
    base = base.where((eb) =>
      eb.or([eb('a.name', 'ilike', like), sql<boolean>`exists (select 1 from unnest(a.tags) t where t ilike ${like})`]),
    );
  }
  const { limit, offset } = pageBounds(query);
  const counted = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirst();
  const rows = (await base
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id')
    .limit(limit)
    .offset(offset)
    .execute()) as unknown as AssetJoined[];
  return { items: rows.map(assetView), total: Number((counted as { total?: number } | undefined)?.total ?? 0) };
}

/** Tags in use, most used first, for the tag filter. */
export async function listAssetTags(db: Db, principal: Principal | null, siteId?: string) {
  const sites = await accessibleSiteIds(db, principal, TOPIC_PERMISSION);
  let base = db.selectFrom('publishing_assets as a');
  if (sites !== null) {
    base = base.where((eb) =>
      eb.or([eb('a.site_id', 'is', null), ...(sites.length ? [eb('a.site_id', 'in', sites)] : [])]),
    );
  }
  if (siteId) base = base.where((eb) => eb.or([eb('a.site_id', 'is', null), eb('a.site_id', '=', siteId)]));
  const rows = await base.select([sql<string>`unnest(a.tags)`.as('tag')]).execute();
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.tag as string, (counts.get(r.tag as string) ?? 0) + 1);
  return {
    items: [...counts.entries()]
      .map(([tag, count]) => ({ tag, count }))
      .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)),
  };
}

export function updateAsset(kernel: Kernel, ctx: Ctx, id: string, patch: { name?: string; tags?: string[] }) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await loadAsset(tx, ctx.principal, id, true);
    const tags = patch.tags ? normaliseTags(patch.tags) : row.tags;
    await tx
      .updateTable('publishing_assets')
      .set({ name: patch.name?.trim() || row.name, tags: sql`${sql.val(tags)}::text[]` })
      .where('id', '=', id)
      .execute();
    const updated = (await joined(tx).where('a.id', '=', id).executeTakeFirstOrThrow()) as unknown as AssetJoined;
    return {
      result: assetView(updated),
      audit: {
        action: 'update',
        resource: 'asset',
        resourceId: id,
        summary: `修改素材「${updated.name}」`,
        detail: { name: updated.name, tags },
      },
    };
  });
}

/** Removes an image from the library; refused while a topic uses it. The file goes when nothing else uses it. */
export function deleteAsset(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await loadAsset(tx, ctx.principal, id, true);
    const uses = await tx
      .selectFrom('file_references as r')
      .leftJoin('publishing_topics as t', (join) => join.on(sql`t.id::text`, '=', sql.ref('r.owner_id')))
      .select(['r.owner_id', 't.title'])
      .where('r.file_id', '=', row.file_id)
      .where('r.owner_type', '=', TOPIC_OWNER)
      .where('r.field', '=', `asset:${id}`)
      .execute();
    if (uses.length) {
      throw conflict('asset_in_use', '素材正在被专题使用，不能删除', {
        detail: `使用它的专题：${uses.map((u) => `「${u.title ?? u.owner_id}」`).join('')}`,
        extra: { topics: uses.map((u) => ({ id: u.owner_id, title: u.title })) },
      });
    }
    await tx.deleteFrom('publishing_assets').where('id', '=', id).execute();
    const others = await tx
      .selectFrom('file_references')
      .select('file_id')
      .where('file_id', '=', row.file_id)
      .limit(1)
      .execute();
    const sharedRow = await tx
      .selectFrom('publishing_assets')
      .select('id')
      .where('file_id', '=', row.file_id)
      .limit(1)
      .execute();
    if (!others.length && !sharedRow.length) {
      await tx.updateTable('files').set({ deleted_at: new Date() }).where('id', '=', row.file_id).execute();
    }
    return {
      result: { deleted: id },
      audit: {
        action: 'delete',
        resource: 'asset',
        resourceId: id,
        summary: `删除素材「${row.name}」`,
        detail: { fileId: row.file_id, siteId: row.site_id },
      },
    };
  });
}
