import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, definedOnly, uniqueViolationAs, writeCommand } from '../settings/context.js';
import { listChannelCategories } from '../settings/service.js';
import { type CustomField, type CustomFieldInput, normalizeFieldDefinitions } from './custom-fields.js';
import type { ChannelRow, ChannelType, ReviewMode, SiteRow } from './schema.js';
import { loadSiteFor } from './scope.js';

/*
 * 栏目管理: each site's channel tree. Reading a tree needs `site:read` on the site, changing it
 * `channel:manage` on the site (both scoped by the site's owner org).
 */

export interface ChannelInput {
  siteId: string;
  parentId?: string | null;
  name: string;
  code: string;
  type: ChannelType;
  linkUrl?: string | null;
  /** 栏目类别, a code of the settings module's channel categories. */
  category?: string | null;
  /** 更新周期（天）: the channel counts as 未及时更新 when nothing was published for this long. */
  updateCycleDays?: number | null;
  reviewMode?: ReviewMode;
  /** 审核流程: a workflow process key (e.g. `cms-review`); null = built-in review. */
  reviewProcess?: string | null;
  templates?: { list?: string; article?: string };
  order?: number;
  status?: 'enabled' | 'disabled';
  /** 自定义字段 of the channel's documents. */
  customFields?: CustomFieldInput[];
}

export type ChannelPatch = Partial<Omit<ChannelInput, 'siteId' | 'parentId'>>;

export interface ChannelNode {
  id: string;
  siteId: string;
  parentId: string | null;
  name: string;
  code: string;
  type: ChannelType;
  linkUrl: string | null;
  category: string | null;
  updateCycleDays: number | null;
  reviewMode: ReviewMode;
  reviewProcess: string | null;
  templates: { list?: string; article?: string };
  order: number;
  status: 'enabled' | 'disabled';
  customFields: CustomField[];
  children: ChannelNode[];
}

export function channelView(row: ChannelRow): ChannelNode {
  return {
    id: row.id,
    siteId: row.site_id,
    parentId: row.parent_id,
    name: row.name,
    code: row.code,
    type: row.type,
    linkUrl: row.link_url,
    category: row.category,
    updateCycleDays: row.update_cycle_days,
    reviewMode: row.review_mode,
    reviewProcess: row.review_process ?? null,
    templates: row.templates ?? {},
    order: row.sort_order,
    status: row.status,
    customFields: row.custom_fields ?? [],
    children: [],
  };
}

async function siteChannels(db: Db | Tx, siteId: string): Promise<ChannelRow[]> {
  return (await db
    .selectFrom('cms_channels')
    .selectAll()
    .where('site_id', '=', siteId)
    .orderBy('sort_order')
    .orderBy('created_at')
    .execute()) as ChannelRow[];
}

export async function channelTree(kernel: Kernel, ctx: Ctx, siteId: string) {
  const site = await loadSiteFor(kernel.db, ctx.principal, 'site:read', siteId);
  const nodes = (await siteChannels(kernel.db, siteId)).map(channelView);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const roots: ChannelNode[] = [];
  for (const node of nodes) {
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return { site: { id: site.id, name: site.name, code: site.code }, items: roots };
}

async function findChannel(db: Db | Tx, id: string, forUpdate = false): Promise<ChannelRow> {
  let q = db.selectFrom('cms_channels').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('channel_not_found', '栏目不存在');
  return row as ChannelRow;
}

/** Loads a channel and checks `permission` on its site. */
async function channelFor(db: Db | Tx, ctx: Ctx, permission: string, id: string, forUpdate = false) {
  const channel = await findChannel(db, id, forUpdate);
  const site = await loadSiteFor(db, ctx.principal, permission, channel.site_id);
  return { channel, site };
}

export async function getChannel(kernel: Kernel, ctx: Ctx, id: string) {
  const { channel } = await channelFor(kernel.db, ctx, 'site:read', id);
  return channelView(channel);
}

async function assertCategory(tx: Tx, category: string | null | undefined): Promise<void> {
  if (!category) return;
  const known = (await listChannelCategories(tx)).find((c) => c.code === category);
  if (!known?.enabled) {
    throw badRequest('channel_category_unknown', '栏目类别不存在或已停用', {
      errors: [{ field: 'category', message: `栏目类别「${category}」不存在或已停用` }],
    });
  }
}

function assertLinkUrl(type: ChannelType, linkUrl: string | null | undefined): void {
  if (type === 'link' && !linkUrl) {
    throw badRequest('channel_link_required', '链接栏目必须填写链接地址', {
      errors: [{ field: 'linkUrl', message: '链接栏目必须填写链接地址' }],
    });
  }
}

const codeTaken = () =>
  conflict('channel_code_taken', '栏目代码在本网站内已存在', {
    errors: [{ field: 'code', message: '本网站已有相同代码的栏目' }],
  });

async function assertCodeFree(tx: Tx, siteId: string, code: string | undefined, exceptId?: string) {
  if (!code) return;
  let q = tx.selectFrom('cms_channels').select('id').where('site_id', '=', siteId).where('code', '=', code);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) throw codeTaken();
}

/** A parent must be a channel of the same site. */
async function parentIn(tx: Tx, site: SiteRow, parentId: string | null | undefined): Promise<ChannelRow | null> {
  if (!parentId) return null;
  const parent = await tx.selectFrom('cms_channels').selectAll().where('id', '=', parentId).executeTakeFirst();
  if (!parent || parent.site_id !== site.id) {
    throw badRequest('channel_parent_invalid', '上级栏目不存在或不属于该网站', {
      errors: [{ field: 'parentId', message: '上级栏目不存在或不属于该网站' }],
    });
  }
  return parent as ChannelRow;
}

const audit = (action: string, channel: Pick<ChannelRow, 'id' | 'name'>, summary: string, detail?: unknown) => ({
  action,
  resource: 'cms.channel',
  resourceId: channel.id,
  summary,
  detail,
});

/**
 * `cms.channel.updated`: a channel's name, code, place or existence changed, so pages and index
 * rows that show its documents under it (navigation, breadcrumbs, URLs, channel names) are stale.
 */
function channelChanged(kernel: Kernel, tx: Tx, siteId: string, channelId: string, change: ChannelChange) {
  return kernel.events.emit(tx, 'cms.channel.updated', { channelId, siteId, change });
}

export type ChannelChange = 'created' | 'updated' | 'moved' | 'merged' | 'deleted';

export function createChannel(kernel: Kernel, ctx: Ctx, input: ChannelInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    const site = await loadSiteFor(tx, ctx.principal, 'channel:manage', input.siteId, { forUpdate: true });
    await parentIn(tx, site, input.parentId);
    await assertCategory(tx, input.category);
    assertLinkUrl(input.type, input.linkUrl);
    await assertCodeFree(tx, site.id, input.code);
    const row = (await tx
      .insertInto('cms_channels')
      .values({
        site_id: site.id,
        parent_id: input.parentId ?? null,
        name: input.name,
        code: input.code,
        type: input.type,
        link_url: input.linkUrl ?? null,
        category: input.category ?? null,
        update_cycle_days: input.updateCycleDays ?? null,
        review_mode: input.reviewMode ?? 'one',
        review_process: input.reviewProcess ?? null,
        templates: JSON.stringify(input.templates ?? {}),
        sort_order: input.order ?? 0,
        status: input.status ?? 'enabled',
        custom_fields: JSON.stringify(normalizeFieldDefinitions(input.customFields ?? [])),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueViolationAs(codeTaken()))) as ChannelRow;
    await channelChanged(kernel, tx, site.id, row.id, 'created');
    return {
      result: channelView(row),
      audit: audit('create', row, `在网站「${site.name}」新建栏目「${row.name}」`, input),
    };
  });
}

export function updateChannel(kernel: Kernel, ctx: Ctx, id: string, patch: ChannelPatch) {
  return writeCommand(kernel, ctx, async (tx) => {
    const { channel, site } = await channelFor(tx, ctx, 'channel:manage', id, true);
    await assertCategory(tx, patch.category);
    assertLinkUrl(patch.type ?? channel.type, patch.linkUrl === undefined ? channel.link_url : patch.linkUrl);
    await assertCodeFree(tx, site.id, patch.code, id);
    if (patch.type === 'link' && channel.type !== 'link' && (await hasDocuments(tx, id))) {
      // A link channel shows no documents, so they would silently vanish from the site.
      throw conflict('channel_has_documents', '栏目下还有信息，不能改为链接栏目', {
        errors: [{ field: 'type', message: '请先把信息移到其他栏目' }],
      });
    }
    const row = (await tx
      .updateTable('cms_channels')
      .set(
        definedOnly({
          name: patch.name,
          code: patch.code,
          type: patch.type,
          link_url: patch.linkUrl,
          category: patch.category,
          update_cycle_days: patch.updateCycleDays,
          review_mode: patch.reviewMode,
          review_process: patch.reviewProcess,
          templates: patch.templates ? JSON.stringify(patch.templates) : undefined,
          sort_order: patch.order,
          status: patch.status,
          custom_fields: patch.customFields && JSON.stringify(normalizeFieldDefinitions(patch.customFields)),
        }),
      )
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(uniqueViolationAs(codeTaken()))) as ChannelRow;
    await channelChanged(kernel, tx, site.id, id, 'updated');
    return {
      result: channelView(row),
      audit: audit('update', row, `修改网站「${site.name}」的栏目「${row.name}」`, {
        before: channelView(channel),
        patch,
      }),
    };
  });
}

/** Ids of `rootId` and every channel below it, read in one recursive query. */
async function subtreeOf(tx: Tx, rootId: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    with recursive sub(id) as (
      select id from cms_channels where id = ${rootId}
      union all
      select c.id from cms_channels c join sub on c.parent_id = sub.id
    )
    select id from sub`.execute(tx);
  return rows.rows.map((r) => r.id);
}

const cycle = (what: string) =>
  badRequest('channel_cycle', `不能把栏目${what}到它自己或其下级栏目`, {
    errors: [{ field: what === '移动' ? 'parentId' : 'targetId', message: '目标是该栏目自己或其下级栏目' }],
  });

/**
 * Puts the channel at position `index` among its new siblings and renumbers them 0, 1, 2 …, so a
 * drop between two channels lands exactly there whatever order numbers they had before.
 */
async function placeAmongSiblings(tx: Tx, channel: ChannelRow, parentId: string | null, index: number) {
  let q = tx
    .selectFrom('cms_channels')
    .select('id')
    .where('site_id', '=', channel.site_id)
    .where('id', '<>', channel.id)
    .orderBy('sort_order')
    .orderBy('created_at');
  q = parentId ? q.where('parent_id', '=', parentId) : q.where('parent_id', 'is', null);
  const ids = (await q.execute()).map((r) => r.id as string);
  ids.splice(Math.min(index, ids.length), 0, channel.id);
  for (const [order, siblingId] of ids.entries()) {
    await tx.updateTable('cms_channels').set({ sort_order: order }).where('id', '=', siblingId).execute();
  }
}

export function moveChannel(kernel: Kernel, ctx: Ctx, id: string, target: { parentId: string | null; order?: number }) {
  return writeCommand(kernel, ctx, async (tx) => {
    const { channel, site } = await channelFor(tx, ctx, 'channel:manage', id, true);
    const parent = await parentIn(tx, site, target.parentId);
    if (parent && (await subtreeOf(tx, id)).includes(parent.id)) throw cycle('移动');
    await tx.updateTable('cms_channels').set({ parent_id: target.parentId }).where('id', '=', id).execute();
    if (target.order !== undefined) await placeAmongSiblings(tx, channel, target.parentId, target.order);
    const row = await findChannel(tx, id);
    await channelChanged(kernel, tx, site.id, id, 'moved');
    return {
      result: channelView(row),
      audit: audit(
        'move',
        row,
        `移动网站「${site.name}」的栏目「${row.name}」到${parent ? `「${parent.name}」之下` : '顶级'}`,
        { from: channel.parent_id, to: target.parentId, order: target.order },
      ),
    };
  });
}

/**
 * 栏目合并: the source's documents and sub-channels move to the target, then the source is
 * deleted. Both must be on the same site, and the target may not lie inside the source.
 */
export function mergeChannel(kernel: Kernel, ctx: Ctx, sourceId: string, targetId: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const { channel: source, site } = await channelFor(tx, ctx, 'channel:manage', sourceId, true);
    const target = await findChannel(tx, targetId, true);
    if (target.site_id !== source.site_id) {
      throw badRequest('channel_site_mismatch', '只能合并同一网站内的栏目', {
        errors: [{ field: 'targetId', message: '目标栏目不属于同一网站' }],
      });
    }
    if ((await subtreeOf(tx, sourceId)).includes(targetId)) throw cycle('合并');
    if (target.type === 'link') {
      throw badRequest('channel_merge_target_invalid', '不能合并到链接栏目', {
        errors: [{ field: 'targetId', message: '链接栏目不能容纳信息' }],
      });
    }
    const moved = await tx
      .updateTable('cms_documents')
      .set({ channel_id: targetId, updated_at: sql`now()` })
      .where('channel_id', '=', sourceId)
      .returning(['id', 'version'])
      .execute();
    // Published pages must be re-rendered under their new channel.
    for (const doc of moved) {
      await kernel.events.emit(tx, 'cms.document.updated', {
        documentId: doc.id,
        siteId: site.id,
        channelId: targetId,
        version: doc.version,
      });
    }
    const documents = moved.length;
    await tx.updateTable('cms_channels').set({ parent_id: targetId }).where('parent_id', '=', sourceId).execute();
    await tx.deleteFrom('cms_channels').where('id', '=', sourceId).execute();
    await channelChanged(kernel, tx, site.id, sourceId, 'merged');
    return {
      result: { target: channelView(target), movedDocuments: documents },
      audit: audit(
        'merge',
        source,
        `把网站「${site.name}」的栏目「${source.name}」合并到「${target.name}」（转移信息 ${documents} 条）`,
        { source: channelView(source), targetId, movedDocuments: documents },
      ),
    };
  });
}

async function hasDocuments(tx: Tx, channelId: string): Promise<boolean> {
  return !!(await tx.selectFrom('cms_documents').select('id').where('channel_id', '=', channelId).executeTakeFirst());
}

/** Only an empty channel (no sub-channel, no document — recycle bin included) can be deleted. */
export function deleteChannel(kernel: Kernel, ctx: Ctx, id: string) {
  return writeCommand(kernel, ctx, async (tx) => {
    const { channel, site } = await channelFor(tx, ctx, 'channel:manage', id, true);
    const child = await tx.selectFrom('cms_channels').select('id').where('parent_id', '=', id).executeTakeFirst();
    if (child || (await hasDocuments(tx, id))) {
      throw conflict('channel_not_empty', '栏目不为空，不能删除', {
        detail: child
          ? `「${channel.name}」下还有子栏目`
          : `「${channel.name}」下还有信息（含回收站），可先合并到其他栏目`,
      });
    }
    await tx.deleteFrom('cms_channels').where('id', '=', id).execute();
    await channelChanged(kernel, tx, site.id, id, 'deleted');
    return {
      result: undefined,
      audit: audit('delete', channel, `删除网站「${site.name}」的栏目「${channel.name}」`, channelView(channel)),
    };
  });
}
