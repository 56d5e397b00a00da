import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseTags } from './assets.js';
import { type ConsoleBed, call, PNG, startConsoleBed, upload } from './console.test-support.js';

/*
 * 素材库 through HTTP on a real database and disk: sniffed image uploads with tags, search, tag
 * counts, renaming, scope between departments, the image itself and deletion.
 */

let bed: ConsoleBed;

beforeAll(async () => {
  bed = await startConsoleBed();
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

const uploadTo = (siteId: string | null, filename: string, data: Buffer, tags?: string, session = bed.admin) =>
  upload(bed.t, session, '/api/publishing/assets', [
    ...(siteId ? [{ name: 'siteId', value: siteId }] : []),
    ...(tags ? [{ name: 'tags', value: tags }] : []),
    { name: 'file', filename, data },
  ]);

describe('asset library', () => {
  it('splits typed tags', () => {
    expect(normaliseTags('专题, 背景、蓝色 蓝色；横幅')).toEqual(['专题', '背景', '蓝色', '横幅']);
    expect(normaliseTags(['a', 'a', ' '])).toEqual(['a']);
  });

  it('uploads sniffed images with tags, finds them by name or tag and serves them', async () => {
    const res = await uploadTo(bed.jyjSite, '开学典礼.png', PNG, '校园,横幅', bed.jyjAdmin);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const asset = res.body.items[0];
    expect(asset).toMatchObject({
      name: '开学典礼.png',
      tags: ['校园', '横幅'],
      siteId: bed.jyjSite,
      usedBy: 0,
      mime: 'image/png',
    });
    const shared = await uploadTo(null, '城市天际线.png', PNG, '背景');
    expect(shared.status).toBe(201);

    const byTag = await call(bed.t, bed.jyjAdmin, 'GET', `/api/publishing/assets?tag=${encodeURIComponent('横幅')}`);
    expect(byTag.body.items.map((a: { name: string }) => a.name)).toEqual(['开学典礼.png']);
    const byName = await call(bed.t, bed.jyjAdmin, 'GET', `/api/publishing/assets?q=${encodeURIComponent('天际')}`);
    expect(byName.body).toMatchObject({ total: 1, items: [{ name: '城市天际线.png', siteId: null }] });
    const all = await call(bed.t, bed.jyjAdmin, 'GET', `/api/publishing/assets?siteId=${bed.jyjSite}`);
    expect(all.body.total).toBe(2);
    const tags = await call(bed.t, bed.jyjAdmin, 'GET', '/api/publishing/assets/tags');
    expect(tags.body.items).toEqual(
      expect.arrayContaining([
        { tag: '横幅', count: 1 },
        { tag: '背景', count: 1 },
      ]),
    );

    const content = await bed.t.app.inject({ method: 'GET', url: asset.url, headers: bed.jyjAdmin.headers });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toBe('image/png');
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.rawPayload.equals(PNG)).toBe(true);

    const renamed = await call(bed.t, bed.jyjAdmin, 'PATCH', `/api/publishing/assets/${asset.id}`, {
      name: '开学典礼横幅',
      tags: ['校园'],
    });
    expect(renamed.body).toMatchObject({ name: '开学典礼横幅', tags: ['校园'] });
    const audit = await bed.t.kernel.db
      .selectFrom('audit_log')
      .select('summary')
      .where('summary', 'like', '上传素材%')
      .execute();
    expect(audit).toHaveLength(2);
  });

  it('refuses what is not a raster image, and uploads outside the uploader’s scope', async () => {
    const svg = await uploadTo(bed.jyjSite, 'logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'));
    expect(svg.status).toBe(415);
    const fake = await uploadTo(bed.jyjSite, '假图片.png', Buffer.from('这其实是一段文字，不是图片。'));
    expect(fake.status).toBe(415);
    expect(fake.body.code).toBe('file_type_mismatch');
    const empty = await uploadTo(bed.jyjSite, '空.png', Buffer.alloc(0));
    expect(empty.status).toBe(400);
    const sharedByDept = await uploadTo(null, '公共.png', PNG, undefined, bed.jyjAdmin);
    expect(sharedByDept.status).toBe(403);
    const otherSite = await uploadTo(bed.wjwSite, '卫健委.png', PNG, undefined, bed.jyjAdmin);
    expect(otherSite.status).toBe(403);
    const editor = await uploadTo(bed.jyjSite, '信息员.png', PNG, undefined, bed.jyjEditor);
    expect(editor.status).toBe(403);
    const count = await bed.t.kernel.db.selectFrom('publishing_assets').select('id').execute();
    expect(count).toHaveLength(2);
  });

  it('hides another department’s images and lets only the global scope change shared ones', async () => {
    const wjw = await uploadTo(bed.wjwSite, '卫健委.png', PNG);
    const id = wjw.body.items[0].id;
    expect((await call(bed.t, bed.jyjAdmin, 'GET', `/api/publishing/assets/${id}/content`)).status).toBe(404);
    expect((await call(bed.t, bed.jyjAdmin, 'DELETE', `/api/publishing/assets/${id}`)).status).toBe(404);
    const shared = (await call(bed.t, bed.admin, 'GET', '/api/publishing/assets?q=天际')).body.items[0];
    const denied = await call(bed.t, bed.jyjAdmin, 'DELETE', `/api/publishing/assets/${shared.id}`);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('asset_forbidden');
  });

  it('deletes an unused image and retires its file', async () => {
    const mine = (await call(bed.t, bed.jyjAdmin, 'GET', '/api/publishing/assets?q=开学')).body.items[0];
    const res = await call(bed.t, bed.jyjAdmin, 'DELETE', `/api/publishing/assets/${mine.id}`);
    expect(res.status).toBe(200);
    const file = await bed.t.kernel.db
      .selectFrom('files')
      .select('deleted_at')
      .where('id', '=', mine.fileId)
      .executeTakeFirstOrThrow();
    expect(file.deleted_at).not.toBeNull();
    expect((await call(bed.t, bed.jyjAdmin, 'GET', mine.url)).status).toBe(404);
  });
});
