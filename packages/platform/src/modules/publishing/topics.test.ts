import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleBed,
  call,
  importFixtureTheme,
  outbox,
  PNG,
  startConsoleBed,
  upload,
} from './console.test-support.js';
import { topicForRender } from './topics.js';

/*
 * 专题 through HTTP: modules validated by their JSON Schema, optimistic versions (a stale save is a
 * 409), publish/unpublish events, data scope, 素材库 images in use, and the preview.
 */

let bed: ConsoleBed;

beforeAll(async () => {
  bed = await startConsoleBed();
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

const banner = (imageUrl?: string) => ({
  id: 'm1',
  type: 'banner',
  props: { title: '优化营商环境', subtitle: '新乡在行动', ...(imageUrl ? { imageUrl } : {}) },
});
const news = { id: 'm2', type: 'news', props: { channelCode: 'gzdt', limit: 5, title: '工作动态' } };

async function createTopic(payload: Record<string, unknown>, session = bed.admin) {
  return call(bed.t, session, 'POST', '/api/publishing/topics', {
    siteId: bed.jyjSite,
    slug: 'yshj',
    title: '优化营商环境专题',
    ...payload,
  });
}

describe('topics', () => {
  let topicId: string;

  it('validates modules against their schema and the site’s channels', async () => {
    const unknownType = await createTopic({ modules: [{ type: 'video', props: {} }] });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.code).toBe('validation_failed');
    const badProps = await createTopic({ modules: [{ type: 'news', props: { channelCode: 'gzdt', limit: 500 } }] });
    expect(badProps.status).toBe(400);
    const noChannel = await createTopic({ modules: [{ type: 'news', props: { channelCode: 'nosuch', limit: 5 } }] });
    expect(noChannel.body.code).toBe('topic_channel_not_found');
    const script = await createTopic({
      modules: [{ type: 'links', props: { items: [{ name: '点我', url: 'javascript:alert(1)' }] } }],
    });
    expect(script.body.code).toBe('topic_url_invalid');
    const dataImage = await createTopic({ background: { imageUrl: 'data:image/png;base64,AAAA' } });
    expect(dataImage.body.code).toBe('topic_url_invalid');
    const badSlug = await createTopic({ slug: '../x' });
    expect(badSlug.status).toBe(400);
  });

  it('creates, edits with optimistic versions (stale → 409) and cleans text blocks', async () => {
    const created = await createTopic({
      background: { color: '#f5f7fa' },
      modules: [
        banner(),
        news,
        { id: 'm3', type: 'text', props: { title: '说明', html: '<p>正文<script>alert(1)</script></p>' } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ version: 1, state: 'draft', slug: 'yshj', url: '/sites/jyj/topics/yshj/' });
    expect(created.body.modules[2].props.html).toBe('<p>正文</p>');
    topicId = created.body.id;
    const dup = await createTopic({});
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('topic_slug_taken');

    const edited = await call(bed.t, bed.admin, 'PATCH', `/api/publishing/topics/${topicId}`, {
      version: 1,
      title: '优化营商环境（修订）',
      modules: [news, banner()],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, title: '优化营商环境（修订）' });
    expect(edited.body.modules.map((m: { type: string }) => m.type)).toEqual(['news', 'banner']);
    const stale = await call(bed.t, bed.admin, 'PATCH', `/api/publishing/topics/${topicId}`, {
      version: 1,
      title: '旧',
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'topic_conflict', currentVersion: 2 });
    const list = await call(bed.t, bed.admin, 'GET', `/api/publishing/topics?siteId=${bed.jyjSite}&q=营商`);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([topicId]);
  });

  it('publishes and unpublishes with events; a stale publish is refused', async () => {
    const stale = await call(bed.t, bed.admin, 'POST', `/api/publishing/topics/${topicId}/publish`, { version: 1 });
    expect(stale.status).toBe(409);
    const published = await call(bed.t, bed.admin, 'POST', `/api/publishing/topics/${topicId}/publish`, { version: 2 });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ state: 'published', version: 3 });
    expect(published.body.publishedAt).toBeTruthy();
    expect(await outbox(bed.t, 'publishing.topic.published')).toEqual([{ topicId, siteId: bed.jyjSite }]);
    const slug = await call(bed.t, bed.admin, 'PATCH', `/api/publishing/topics/${topicId}`, {
      version: 3,
      slug: 'new',
    });
    expect(slug.body.code).toBe('topic_published_slug');
    // A saved change to a published topic is published at once.
    const live = await call(bed.t, bed.admin, 'PATCH', `/api/publishing/topics/${topicId}`, {
      version: 3,
      title: '优化营商环境',
    });
    expect(live.body).toMatchObject({ version: 4, state: 'published' });
    expect(await outbox(bed.t, 'publishing.topic.published')).toHaveLength(2);
    const unpublished = await call(bed.t, bed.admin, 'POST', `/api/publishing/topics/${topicId}/unpublish`, {
      version: 4,
    });
    expect(unpublished.body).toMatchObject({ state: 'draft', version: 5 });
    expect(await outbox(bed.t, 'publishing.topic.unpublished')).toEqual([
      { topicId, siteId: bed.jyjSite, slug: 'yshj' },
    ]);
    const audit = await bed.t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('resource', '=', 'topic')
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'publish', 'update', 'unpublish']);
  });

  it('keeps to the data scope and the permission', async () => {
    const wjw = await call(bed.t, bed.admin, 'POST', '/api/publishing/topics', {
      siteId: bed.wjwSite,
      slug: 'jkxx',
      title: '健康新乡',
    });
    expect(wjw.status).toBe(201);
    const list = await call(bed.t, bed.jyjAdmin, 'GET', '/api/publishing/topics');
    expect(list.body.items.map((i: { siteId: string }) => i.siteId)).toEqual([bed.jyjSite]);
    const read = await call(bed.t, bed.jyjAdmin, 'GET', `/api/publishing/topics/${wjw.body.id}`);
    expect(read.status).toBe(403);
    const create = await call(bed.t, bed.jyjAdmin, 'POST', '/api/publishing/topics', {
      siteId: bed.wjwSite,
      slug: 'x',
      title: 'x',
    });
    expect(create.status).toBe(403);
    const editor = await call(bed.t, bed.jyjEditor, 'GET', '/api/publishing/topics');
    expect(editor.status).toBe(403);
  });

  it('uses 素材库 images: refuses deleting one in use, maps it to the published copy', async () => {
    const up = await upload(bed.t, bed.admin, '/api/publishing/assets', [
      { name: 'siteId', value: bed.jyjSite },
      { name: 'tags', value: '专题,横幅' },
      { name: 'file', filename: '横幅.png', data: PNG },
    ]);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const asset = up.body.items[0];
    const current = await call(bed.t, bed.admin, 'GET', `/api/publishing/topics/${topicId}`);
    const edited = await call(bed.t, bed.admin, 'PATCH', `/api/publishing/topics/${topicId}`, {
      version: current.body.version,
      modules: [banner(asset.url), news],
      background: { color: '#ffffff', imageUrl: asset.url },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const inUse = await call(bed.t, bed.admin, 'DELETE', `/api/publishing/assets/${asset.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('asset_in_use');
    expect(inUse.body.detail).toContain('优化营商环境');
    const listed = await call(bed.t, bed.admin, 'GET', `/api/publishing/assets?siteId=${bed.jyjSite}`);
    expect(listed.body.items.find((a: { id: string }) => a.id === asset.id).usedBy).toBe(1);

    const row = await bed.t.kernel.db
      .selectFrom('publishing_topics')
      .selectAll()
      .where('id', '=', topicId)
      .executeTakeFirstOrThrow();
    const rendered = await topicForRender(bed.t.kernel, row as any, '../../');
    const sha = (
      await bed.t.kernel.db
        .selectFrom('files')
        .select('sha256')
        .where('id', '=', asset.fileId)
        .executeTakeFirstOrThrow()
    ).sha256;
    expect(rendered.topic.modules[0]?.props.imageUrl).toBe(`../../_files/${sha}.png`);
    expect(rendered.topic.background).toEqual({ color: '#ffffff', imageUrl: `../../_files/${sha}.png` });
    expect(rendered.files).toEqual([{ sha256: sha, ext: 'png' }]);

    // Another site's topic cannot use this site's image.
    const foreign = await call(bed.t, bed.admin, 'POST', '/api/publishing/topics', {
      siteId: bed.wjwSite,
      slug: 'foreign',
      title: '外站',
      modules: [banner(asset.url)],
    });
    expect(foreign.body.code).toBe('topic_asset_not_found');

    // Once the topic no longer uses it, the image can go.
    const after = await call(bed.t, bed.admin, 'PATCH', `/api/publishing/topics/${topicId}`, {
      version: edited.body.version,
      modules: [news],
      background: { color: '#ffffff' },
    });
    expect(after.status).toBe(200);
    const deleted = await call(bed.t, bed.admin, 'DELETE', `/api/publishing/assets/${asset.id}`);
    expect(deleted.status).toBe(200);
  });

  it('previews unsaved designer changes through the theme’s topic template', async () => {
    await importFixtureTheme(bed.t, bed.admin);
    await bed.t.kernel.db.updateTable('cms_sites').set({ theme: 'fixture' }).where('id', '=', bed.jyjSite).execute();
    const up = await upload(bed.t, bed.admin, '/api/publishing/assets', [
      { name: 'siteId', value: bed.jyjSite },
      { name: 'file', filename: '预览横幅.png', data: PNG },
    ]);
    const res = await call(bed.t, bed.admin, 'POST', `/api/publishing/topics/${topicId}/preview`, {
      title: '预览中的专题标题',
      modules: [
        { type: 'banner', props: { title: '预览横幅', imageUrl: up.body.items[0].url } },
        { type: 'text', props: { title: '预览文字', html: '<p>预览段落</p>' } },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.html).toContain('预览中的专题标题');
    expect(res.body.html).toContain('预览段落');
    // Self-contained for the console's sandboxed frame: links resolve in the site's folder, and the
    // draft's image (not published yet) is inlined.
    expect(res.body.html).toContain('<base href="/sites/jyj/topics/yshj/">');
    expect(res.body.html).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
    // The draft stays a draft: nothing was stored by the preview.
    const stored = await call(bed.t, bed.admin, 'GET', `/api/publishing/topics/${topicId}`);
    expect(stored.body.title).not.toBe('预览中的专题标题');
  });

  it('deletes with the version it was based on', async () => {
    const current = await call(bed.t, bed.admin, 'GET', `/api/publishing/topics/${topicId}`);
    const stale = await call(bed.t, bed.admin, 'DELETE', `/api/publishing/topics/${topicId}?version=1`);
    expect(stale.status).toBe(409);
    const ok = await call(
      bed.t,
      bed.admin,
      'DELETE',
      `/api/publishing/topics/${topicId}?version=${current.body.version}`,
    );
    expect(ok.status).toBe(200);
    expect((await call(bed.t, bed.admin, 'GET', `/api/publishing/topics/${topicId}`)).status).toBe(404);
  });
});
