import { type Static, Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { accessibleSiteIds, loadSiteFor } from '../cms/index.js';
import { isSafeUrl, sanitizeBody } from '../cms/sanitize.js';
import { type Ctx, likePattern, pageBounds, writeCommand } from '../settings/context.js';
import type { TopicRow } from './schema.js';

/*
 * 专题: a page of modules (banner, news list, carousel, link grid, text block) arranged in the
 * console's designer and rendered by the theme's topic.liquid at `topics/<slug>/index.html`.
 * A topic is a draft until 发布; once published, each save updates the page. Every write carries
 * the version it was based on (optimistic locking), so two editors cannot overwrite each other
 * silently.
 */

export const TOPIC_PERMISSION = 'topic:manage';
export const TOPIC_PUBLISHED = 'publishing.topic.published';
export const TOPIC_UNPUBLISHED = 'publishing.topic.unpublished';
/** file_references.owner_type of the 素材库 images a topic uses. */
export const TOPIC_OWNER = 'publishing.topic';

const Strict = { additionalProperties: false } as const;
const Url = Type.String({ maxLength: 1000 });
const Text = (max: number) => Type.String({ maxLength: max });
/** Client-side key of a module on the canvas (kept so the designer's drag and drop stays stable). */
const ModuleId = Type.Optional(Type.String({ maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' }));

export const BannerModule = Type.Object(
  {
    id: ModuleId,
    type: Type.Literal('banner'),
    props: Type.Object(
      { imageUrl: Type.Optional(Url), title: Type.Optional(Text(100)), subtitle: Type.Optional(Text(200)) },
      Strict,
    ),
  },
  { ...Strict, title: '横幅' },
);
export const NewsModule = Type.Object(
  {
    id: ModuleId,
    type: Type.Literal('news'),
    props: Type.Object(
      {
        channelCode: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
        limit: Type.Integer({ minimum: 1, maximum: 50 }),
        title: Type.Optional(Text(100)),
      },
      Strict,
    ),
  },
  { ...Strict, title: '信息列表' },
);
export const CarouselModule = Type.Object(
  {
    id: ModuleId,
    type: Type.Literal('carousel'),
    props: Type.Object(
      {
        images: Type.Array(
          Type.Object(
            {
              url: Type.String({ minLength: 1, maxLength: 1000 }),
              alt: Type.String({ minLength: 1, maxLength: 200 }),
              link: Type.Optional(Url),
            },
            Strict,
          ),
          { minItems: 1, maxItems: 20 },
        ),
      },
      Strict,
    ),
  },
  { ...Strict, title: '图片轮播' },
);
export const LinksModule = Type.Object(
  {
    id: ModuleId,
    type: Type.Literal('links'),
    props: Type.Object(
      {
        title: Type.Optional(Text(100)),
        items: Type.Array(
          Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              url: Type.String({ minLength: 1, maxLength: 1000 }),
            },
            Strict,
          ),
          { maxItems: 60 },
        ),
      },
      Strict,
    ),
  },
  { ...Strict, title: '链接组' },
);
export const TextModule = Type.Object(
  {
    id: ModuleId,
    type: Type.Literal('text'),
    props: Type.Object({ title: Type.Optional(Text(100)), html: Type.String({ maxLength: 100_000 }) }, Strict),
  },
  { ...Strict, title: '文字块' },
);

/** One module of `topic.modules[]` (decision 0006, "Topics"). */
export const TopicModule = Type.Union([BannerModule, NewsModule, CarouselModule, LinksModule, TextModule]);
export type TopicModuleValue = Static<typeof TopicModule>;
export const TopicModules = Type.Array(TopicModule, { maxItems: 50 });

/** Background of the topic page: a colour, a 素材库 image, or both (colour behind the image). */
export const TopicBackground = Type.Object(
  {
    color: Type.Optional(Type.Union([Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }), Type.Null()])),
    imageUrl: Type.Optional(Type.Union([Url, Type.Null()])),
  },
  Strict,
);
export type TopicBackgroundValue = Static<typeof TopicBackground>;

export const Slug = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9-]*$',
  description: '专题地址（小写字母、数字、连字符）：topics/<slug>/',
});

export interface TopicInput {
  siteId: string;
  slug: string;
  title: string;
  background?: TopicBackgroundValue;
  modules?: TopicModuleValue[];
}

export interface TopicPatch {
  version: number;
  slug?: string;
  title?: string;
  background?: TopicBackgroundValue;
  modules?: TopicModuleValue[];
}

/** A 素材库 image as the console refers to it. */
export const ASSET_URL =
  /^\/api\/publishing\/assets\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/content$/i;

/** Every image URL of a topic (module images and background), in order. */
export function topicImageUrls(background: TopicBackgroundValue, modules: TopicModuleValue[]): string[] {
  const urls: string[] = [];
  if (background.imageUrl) urls.push(background.imageUrl);
  for (const m of modules) {
    if (m.type === 'banner' && m.props.imageUrl) urls.push(m.props.imageUrl);
    if (m.type === 'carousel') for (const img of m.props.images) urls.push(img.url);
  }
  return urls;
}

/** Image URLs must be 素材库 images or http(s); links http(s), relative or mailto — never javascript:. */
function checkUrls(background: TopicBackgroundValue, modules: TopicModuleValue[]): void {
  const bad: string[] = [];
  for (const url of topicImageUrls(background, modules)) {
    if (!ASSET_URL.test(url) && !/^https?:\/\//i.test(url)) bad.push(url);
  }
  for (const m of modules) {
    const links =
      m.type === 'carousel'
        ? m.props.images.map((i) => i.link).filter((l): l is string => !!l)
        : m.type === 'links'
          ? m.props.items.map((i) => i.url)
          : [];
    for (const link of links) if (!isSafeUrl(link)) bad.push(link);
  }
  if (bad.length) {
    throw badRequest('topic_url_invalid', '专题中的图片或链接地址不合法', {
      detail: `图片须来自素材库或以 http(s):// 开头，链接不能是脚本：${bad.slice(0, 3).join('、')}`,
    });
  }
}

/** Text blocks are HTML: cleaned like document bodies, so a topic cannot carry scripts. */
function cleanModules(modules: TopicModuleValue[]): TopicModuleValue[] {
  return modules.map((m) =>
    m.type === 'text' ? { ...m, props: { ...m.props, html: sanitizeBody(m.props.html) } } : m,
  );
}

/** News modules name channels by code: each must exist in the topic's site. */
async function checkChannels(tx: Tx, siteId: string, modules: TopicModuleValue[]): Promise<void> {
  const codes = [...new Set(modules.flatMap((m) => (m.type === 'news' ? [m.props.channelCode] : [])))];
  if (!codes.length) return;
  const found = await tx
    .selectFrom('cms_channels')
    .select('code')
    .where('site_id', '=', siteId)
    .where('code', 'in', codes)
    .execute();
  const known = new Set(found.map((r) => r.code as string));
  const missing = codes.filter((c) => !known.has(c));
  if (missing.length) {
    throw badRequest('topic_channel_not_found', '信息列表模块的栏目不存在', { detail: missing.join('、') });
  }
}

/**
 * The 素材库 images a topic uses, recorded as file references of the topic, so the asset library
 * refuses to delete an image in use and the cms file manager shows where it is used.
 */
async function recordAssetUses(
  tx: Tx,
  kernel: Kernel,
  topic: { id: string; site_id: string },
  urls: string[],
): Promise<void> {
  const assetIds = [...new Set(urls.map((u) => ASSET_URL.exec(u)?.[1]?.toLowerCase()).filter((x): x is string => !!x))];
  const assets = assetIds.length
    ? await tx
        .selectFrom('publishing_assets')
        .select(['id', 'file_id', 'site_id'])
        .where('id', 'in', assetIds)
        .execute()
    : [];
  const usable = assets.filter((a) => a.site_id === null || a.site_id === topic.site_id);
  const missing = assetIds.filter((id) => !usable.some((a) => a.id === id));
  if (missing.length) {
    throw badRequest('topic_asset_not_found', '专题引用的素材不存在或不属于该网站', { detail: missing.join('、') });
  }
  await kernel.files.setReferences(
    tx,
    TOPIC_OWNER,
    topic.id,
    usable.map((a) => ({ fileId: a.file_id as string, field: `asset:${a.id}` })),
  );
}

export function topicView(r: TopicRow & { site_name?: string; site_code?: string }) {
  return {
    id: r.id,
    siteId: r.site_id,
    siteName: r.site_name ?? null,
    slug: r.slug,
    title: r.title,
    background: r.background as TopicBackgroundValue,
    modules: r.modules as TopicModuleValue[],
    state: r.state,
    version: r.version,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    publishedAt: r.published_at,
    url: r.site_code ? `/sites/${r.site_code}/topics/${r.slug}/` : null,
  };
}

async function loadTopic(db: Db | Tx, principal: Principal | null, id: string, forUpdate = false) {
  let query = db
    .selectFrom('publishing_topics as t')
    .innerJoin('cms_sites as s', 's.id', 't.site_id')
    .selectAll('t')
    .select(['s.name as site_name', 's.code as site_code'])
    .where('t.id', '=', id);
  if (forUpdate) query = query.forUpdate('t' as never);
  const row = (await query.executeTakeFirst()) as (TopicRow & { site_name: string; site_code: string }) | undefined;
  if (!row) throw notFound('topic_not_found', '专题不存在');
  await loadSiteFor(db, principal, TOPIC_PERMISSION, row.site_id);
  return row;
}

function staleVersion(row: TopicRow, version: number) {
  if (row.version !== version) {
    throw conflict('topic_conflict', '专题已被他人修改，请刷新后再保存', {
      detail: `您编辑的是第 ${version} 版，当前为第 ${row.version} 版`,
      extra: { currentVersion: row.version },
    });
  }
}

export interface TopicQuery {
  siteId?: string;
  q?: string;
  state?: 'draft' | 'published';
  page?: number;
  pageSize?: number;
}

export async function listTopics(db: Db, principal: Principal | null, query: TopicQuery) {
  const sites = await accessibleSiteIds(db, principal, TOPIC_PERMISSION);
  let base = db.selectFrom('publishing_topics as t').innerJoin('cms_sites as s', 's.id', 't.site_id');
  if (sites !== null) {
    if (!sites.length) return { items: [], total: 0 };
    base = base.where('t.site_id', 'in', sites);
  }
  if (query.siteId) base = base.where('t.site_id', '=', query.siteId);
  if (query.state) base = base.where('t.state', '=', query.state);
  if (query.q) {
    const like = likePattern(query.q);
    base = base.where((eb) => eb.or([eb('t.title', 'ilike', like), eb('t.slug', 'ilike', like)]));
  }
  const { limit, offset } = pageBounds(query);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = (await base
    .selectAll('t')
    .select(['s.name as site_name', 's.code as site_code'])
    .orderBy('t.updated_at', 'desc')
    .orderBy('t.id')
    .limit(limit)
    .offset(offset)
    .execute()) as (TopicRow & { site_name: string; site_code: string })[];
  return { items: rows.map(topicView), total: Number(total) };
}

export async function getTopic(db: Db, principal: Principal | null, id: string) {
  return topicView(await loadTopic(db, principal, id));
}

const slugTaken = (slug: string) =>
  conflict('topic_slug_taken', '专题地址在本网站内已存在', { detail: `topics/${slug}/` });

export function createTopic(kernel: Kernel, ctx: Ctx, input: TopicInput) {
  const background = input.background ?? {};
  const modules = cleanModules(input.modules ?? []);
  checkUrls(background, modules);
  return writeCommand(kernel, ctx, async (tx) => {
    const site = await loadSiteFor(tx, ctx.principal, TOPIC_PERMISSION, input.siteId);
    await checkChannels(tx, site.id, modules);
    const exists = await tx
      .selectFrom('publishing_topics')
      .select('id')
      .where('site_id', '=', site.id)
      .where('slug', '=', input.slug)
      .executeTakeFirst();
    if (exists) throw slugTaken(input.slug);
    const row = (await tx
      .insertInto('publishing_topics')
      .values({
        site_id: site.id,
        slug: input.slug,
        title: input.title,
        background: JSON.stringify(background),
        modules: JSON.stringify(modules),
        created_by: ctx.principal?.userId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()) as TopicRow;
    await recordAssetUses(tx, kernel, row, topicImageUrls(background, modules));
    return {
      result: topicView({ ...row, site_name: site.name, site_code: site.code }),
      audit: {
        action: 'create',
        resource: 'topic',
        resourceId: row.id,
        summary: `新建专题「${row.title}」（${site.name}）`,
        detail: { siteId: site.id, slug: row.slug },
      },
    };
  });
}

export function updateTopic(kernel: Kernel, ctx: Ctx, id: string, patch: TopicPatch) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await loadTopic(tx, ctx.principal, id, true);
    staleVersion(row, patch.version);
    const background = patch.background ?? (row.background as TopicBackgroundValue);
    const modules = patch.modules ? cleanModules(patch.modules) : (row.modules as TopicModuleValue[]);
    checkUrls(background, modules);
    if (patch.modules) await checkChannels(tx, row.site_id, modules);
    if (patch.slug && patch.slug !== row.slug) {
      if (row.state === 'published') {
        throw conflict('topic_published_slug', '已发布的专题不能修改地址', { detail: '请先撤销发布再修改地址' });
      }
      const taken = await tx
        .selectFrom('publishing_topics')
        .select('id')
        .where('site_id', '=', row.site_id)
        .where('slug', '=', patch.slug)
        .executeTakeFirst();
      if (taken) throw slugTaken(patch.slug);
    }
    const updated = (await tx
      .updateTable('publishing_topics')
      .set({
        slug: patch.slug ?? row.slug,
        title: patch.title ?? row.title,
        background: JSON.stringify(background),
        modules: JSON.stringify(modules),
        version: row.version + 1,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()) as TopicRow;
    await recordAssetUses(tx, kernel, updated, topicImageUrls(background, modules));
    // The engine renders a published topic from its row whenever the page is rendered again (a
    // news list changed, a rebuild): a saved change to a published topic goes live now rather than
    // at some later, unrelated moment.
    if (row.state === 'published') await kernel.events.emit(tx, TOPIC_PUBLISHED, { topicId: id, siteId: row.site_id });
    return {
      result: topicView({ ...updated, site_name: row.site_name, site_code: row.site_code }),
      audit: {
        action: 'update',
        resource: 'topic',
        resourceId: id,
        summary: `修改专题「${updated.title}」（第 ${updated.version} 版）`,
        detail: { version: updated.version, fields: Object.keys(patch).filter((k) => k !== 'version') },
      },
    };
  });
}

/** 发布 / 撤销发布: the engine renders (or removes) topics/<slug>/ when the event arrives. */
export function setTopicState(kernel: Kernel, ctx: Ctx, id: string, version: number, publish: boolean) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await loadTopic(tx, ctx.principal, id, true);
    staleVersion(row, version);
    const updated = (await tx
      .updateTable('publishing_topics')
      .set({
        state: publish ? 'published' : 'draft',
        published_at: publish ? sql`now()` : row.published_at,
        version: row.version + 1,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()) as TopicRow;
    if (publish) await kernel.events.emit(tx, TOPIC_PUBLISHED, { topicId: id, siteId: row.site_id });
    else await kernel.events.emit(tx, TOPIC_UNPUBLISHED, { topicId: id, siteId: row.site_id, slug: row.slug });
    return {
      result: topicView({ ...updated, site_name: row.site_name, site_code: row.site_code }),
      audit: {
        action: publish ? 'publish' : 'unpublish',
        resource: 'topic',
        resourceId: id,
        summary: `${publish ? '发布' : '撤销发布'}专题「${row.title}」（${row.site_name}）`,
        detail: { slug: row.slug, version: updated.version },
      },
    };
  });
}

export function deleteTopic(kernel: Kernel, ctx: Ctx, id: string, version: number) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await loadTopic(tx, ctx.principal, id, true);
    staleVersion(row, version);
    await kernel.files.setReferences(tx, TOPIC_OWNER, id, []);
    await tx.deleteFrom('publishing_topics').where('id', '=', id).execute();
    if (row.state === 'published') {
      await kernel.events.emit(tx, TOPIC_UNPUBLISHED, { topicId: id, siteId: row.site_id, slug: row.slug });
    }
    return {
      result: { deleted: id },
      audit: {
        action: 'delete',
        resource: 'topic',
        resourceId: id,
        summary: `删除专题「${row.title}」（${row.site_name}）`,
        detail: { slug: row.slug, state: row.state },
      },
    };
  });
}

/** Draft content for 预览: the stored topic with the designer's unsaved changes applied. */
export async function topicForPreview(
  db: Db,
  principal: Principal | null,
  id: string,
  draft: { title?: string; background?: TopicBackgroundValue; modules?: TopicModuleValue[] },
) {
  const row = await loadTopic(db, principal, id);
  const background = draft.background ?? (row.background as TopicBackgroundValue);
  const modules = draft.modules ? cleanModules(draft.modules) : (row.modules as TopicModuleValue[]);
  checkUrls(background, modules);
  return { row, topic: { ...topicView(row), title: draft.title ?? row.title, background, modules } };
}

export interface RenderableTopic {
  title: string;
  slug: string;
  background: { color: string | null; imageUrl: string | null };
  modules: { type: string; props: Record<string, unknown> }[];
}

/**
 * The `topic` a template receives, with 素材库 image URLs rewritten to the published copies
 * (`<root>_files/<sha256>.<ext>`), and the files the engine must copy into the output folder.
 * `root` is the page's relative prefix to the site root (`page.root`).
 */
export async function topicForRender(
  kernel: Pick<Kernel, 'db'>,
  topic: Pick<TopicRow, 'title' | 'slug' | 'background' | 'modules'>,
  root: string,
): Promise<{ topic: RenderableTopic; files: { sha256: string; ext: string }[] }> {
  const background = (topic.background ?? {}) as TopicBackgroundValue;
  const modules = (topic.modules ?? []) as TopicModuleValue[];
  const ids = [
    ...new Set(
      topicImageUrls(background, modules)
        .map((u) => ASSET_URL.exec(u)?.[1]?.toLowerCase())
        .filter((x): x is string => !!x),
    ),
  ];
  const rows = ids.length
    ? await kernel.db
        .selectFrom('publishing_assets as a')
        .innerJoin('files as f', 'f.id', 'a.file_id')
        .select(['a.id', 'f.sha256', 'f.ext'])
        .where('a.id', 'in', ids)
        .execute()
    : [];
  const byId = new Map(rows.map((r) => [r.id as string, { sha256: r.sha256 as string, ext: r.ext as string }]));
  const map = (url: string | null | undefined): string | null => {
    if (!url) return null;
    const id = ASSET_URL.exec(url)?.[1]?.toLowerCase();
    if (!id) return url;
    const f = byId.get(id);
    return f ? `${root}_files/${f.sha256}.${f.ext}` : null;
  };
  const out = modules.map((m) => {
    if (m.type === 'banner') return { type: m.type, props: { ...m.props, imageUrl: map(m.props.imageUrl) } };
    if (m.type === 'carousel') {
      return {
        type: m.type,
        props: { images: m.props.images.map((i) => ({ ...i, url: map(i.url) })).filter((i) => i.url) },
      };
    }
    return { type: m.type, props: { ...m.props } as Record<string, unknown> };
  });
  return {
    topic: {
      title: topic.title,
      slug: topic.slug,
      background: { color: background.color ?? null, imageUrl: map(background.imageUrl) },
      modules: out,
    },
    files: [...byId.values()],
  };
}
