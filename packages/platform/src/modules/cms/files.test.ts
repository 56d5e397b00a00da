import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JiyueModule } from '../../kernel/module.js';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { seedFileParameters } from './files.js';
import { useFfmpeg } from './files.media.js';
import { fileRoutes } from './files.routes.js';
import { cmsModule } from './index.js';

/*
 * The file manager through real HTTP (a listening server and fetch with hand-built multipart
 * bodies, so names with NUL or `../` reach the server byte for byte) on a real database and disk.
 * The cms module is used without its seed and its other routes: only files are under test.
 */
const filesModule: JiyueModule = {
  name: 'cms',
  migrations: cmsModule.migrations,
  permissions: cmsModule.permissions,
  routes: fileRoutes,
};

let t: TestApp;
let base: string;
let editor: Session; // jyj_editor: file:read + file:upload on 市教育局
let manager: Session; // jyj_reviewer: + file:manage on 市教育局
let other: Session; // wjw_editor: 市卫健委
let jyjSite: string;
let wjwSite: string;
let png: Buffer;

interface Part {
  name: string;
  value?: string;
  filename?: string;
  data?: Buffer;
}

function multipart(parts: Part[]): { body: Buffer; type: string } {
  const boundary = `----jiyue${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${disposition}\r\n`));
    if (p.filename !== undefined) chunks.push(Buffer.from('Content-Type: application/octet-stream\r\n'));
    chunks.push(Buffer.from('\r\n'), p.data ?? Buffer.from(p.value ?? ''), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

async function upload(session: Session, parts: Part[]) {
  const { body, type } = multipart(parts);
  const res = await fetch(`${base}/api/cms/files`, {
    method: 'POST',
    headers: { ...session.headers, 'content-type': type },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const file = (filename: string, data: Buffer | string): Part => ({
  name: 'file',
  filename,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data),
});

async function uploadOne(session: Session, filename: string, data: Buffer | string, siteId = jyjSite) {
  const res = await upload(session, [{ name: 'siteId', value: siteId }, file(filename, data)]);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items[0];
}

async function api(session: Session, method: string, url: string, payload?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...session.headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
    body: payload ? JSON.stringify(payload) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const blobsOnDisk = () => {
  const root = path.join(t.kernel.config.dataDir, 'files');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else found.push(path.relative(root, path.join(dir, e.name)));
    }
  };
  try {
    walk(root);
  } catch {}
  return found;
};

beforeAll(async () => {
  t = await identityTestApp({ modules: [filesModule] });
  const db = t.kernel.db;
  await db
    .updateTable('identity_roles')
    .set({ permissions: JSON.stringify(['org:read', 'file:read', 'file:upload']) })
    .where('code', '=', 'editor')
    .execute();
  await db
    .updateTable('identity_roles')
    .set({ permissions: JSON.stringify(['org:read', 'file:read', 'file:upload', 'file:manage']) })
    .where('code', '=', 'reviewer')
    .execute();
  const org = async (username: string) =>
    (await db.selectFrom('identity_users').select('org_id').where('username', '=', username).executeTakeFirstOrThrow())
      .org_id;
  const site = async (code: string, name: string, ownerOf: string) =>
    (
      await db
        .insertInto('cms_sites')
        .values({ code, name, owner_org_id: await org(ownerOf) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id as string;
  jyjSite = await site('jyj', '新乡市教育局', 'jyj_editor');
  wjwSite = await site('wjw', '新乡市卫生健康委员会', 'wjw_editor');
  await seedFileParameters(db);
  // 1 KB limit for documents so oversize is cheap to provoke.
  await db
    .updateTable('settings_parameters')
    .set({ value: JSON.stringify(1000) })
    .where('key', '=', 'cms.files.maxBytes.document')
    .execute();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
  editor = await login(t.app, 'jyj_editor');
  manager = await login(t.app, 'jyj_reviewer');
  other = await login(t.app, 'wjw_editor');
  png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
});

afterAll(async () => {
  await t?.close();
});

describe('upload', () => {
  it('stores a file once per content and records a row per upload', async () => {
    const a = await uploadOne(editor, '校园风光.png', png);
    const b = await uploadOne(editor, '副本.png', png);
    expect(a).toMatchObject({ name: '校园风光.png', ext: 'png', mime: 'image/png', size: png.length, siteId: jyjSite });
    expect(a.uploaderIp).toBe('127.0.0.1');
    expect(b.id).not.toBe(a.id);
    expect(b.sha256).toBe(a.sha256);
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'resource', 'resource_id', 'ip'])
      .where('resource_id', '=', a.id)
      .execute();
    expect(audit).toEqual([{ action: 'upload', resource: 'file', resource_id: a.id, ip: '127.0.0.1' }]);
    const sha = a.sha256 as string;
    expect(blobsOnDisk().filter((f) => f.endsWith(sha))).toEqual([`${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`]);
  });

  it('refuses content that does not match its extension', async () => {
    const before = blobsOnDisk();
    const fake = await upload(editor, [file('照片.png', 'this is not a picture')]);
    expect(fake.status).toBe(415);
    expect(fake.body.code).toBe('file_type_mismatch');
    const exe = await upload(editor, [file('通知.pdf', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300, 1)]))]);
    expect(exe.status).toBe(415);
    const html = await upload(editor, [file('page.html', '<script>alert(1)</script>')]);
    expect(html.status).toBe(415);
    expect(html.body.code).toBe('file_type_not_allowed');
    expect(blobsOnDisk()).toEqual(before);
  });

  it('recognises office documents inside their zip container', async () => {
    // Small enough for the 1 KB document limit set above; stored uncompressed so the names show.
    const docx = Buffer.from(
      zipSync(
        {
          '[Content_Types].xml': strToU8(
            '<Types><Override PartName="/word/document.xml" ContentType="application/' +
              'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
          ),
          'word/document.xml': strToU8('<w:document/>'),
        },
        { level: 0 },
      ),
    );
    expect((await upload(editor, [file('方案.docx', docx)])).status).toBe(201);
    const asSheet = await upload(editor, [file('方案.xlsx', docx)]);
    expect(asSheet.status).toBe(415);
    expect(asSheet.body.detail).toContain('.docx');
  });

  it('refuses an oversize upload without leaving anything on disk', async () => {
    const before = blobsOnDisk();
    const res = await upload(editor, [file('大文件.txt', 'x'.repeat(3_000_000))]);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'file_too_large', maxBytes: 1000 });
    expect(blobsOnDisk()).toEqual(before);
    const rows = await t.kernel.db.selectFrom('files').select('id').where('name', '=', '大文件.txt').execute();
    expect(rows).toEqual([]);
    // An image of that size is fine: limits are per type.
    expect((await upload(editor, [file('ok.png', png)])).status).toBe(201);
  });

  it('normalises names with path tricks, control characters and excessive length', async () => {
    const long = `${'长'.repeat(300)}.txt`;
    const res = await upload(editor, [
      file('../../etc/passwd.txt', 'a'),
      file('..\\..\\boot.txt', 'b'),
      file('bad\u0000name\u0007.txt', 'c'),
      file(long, 'd'),
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const names = res.body.items.map((i: any) => i.name);
    expect(names.slice(0, 3)).toEqual(['passwd.txt', 'boot.txt', 'badname.txt']);
    expect(Array.from(names[3] as string)).toHaveLength(200);
    expect(names[3].endsWith('长.txt')).toBe(true);
  });

  it('answers 400 for unknown form fields and a missing file, 403 for a site out of scope', async () => {
    const unknown = await upload(editor, [{ name: 'owner', value: 'x' }, file('a.txt', 'a')]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'owner', message: '不允许的字段' }]);
    const none = await upload(editor, [{ name: 'siteId', value: jyjSite }]);
    expect(none.status).toBe(400);
    expect(none.body.errors).toEqual([{ field: 'file', message: '必填' }]);
    const foreign = await upload(other, [{ name: 'siteId', value: jyjSite }, file('a.txt', 'a')]);
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe('site_forbidden');
  });
});

describe('content', () => {
  it('serves images inline with type, UTF-8 filename, ETag and nosniff; SVG only as attachment', async () => {
    const img = await uploadOne(editor, '新乡 图片.png', png);
    const res = await fetch(`${base}/api/cms/files/${img.id}/content`, { headers: editor.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('etag')).toBe(`"${img.sha256}"`);
    expect(res.headers.get('content-disposition')).toBe(
      `inline; filename="__ __.png"; filename*=UTF-8''${encodeURIComponent('新乡 图片.png')}`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    const again = await fetch(`${base}/api/cms/files/${img.id}/content`, {
      headers: { ...editor.headers, 'if-none-match': `"${img.sha256}"` },
    });
    expect(again.status).toBe(304);

    const part = await fetch(`${base}/api/cms/files/${img.id}/content`, {
      headers: { ...editor.headers, range: 'bytes=10-19' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${png.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(10, 20))).toBe(true);
    const tail = await fetch(`${base}/api/cms/files/${img.id}/content`, {
      headers: { ...editor.headers, range: 'bytes=-5' },
    });
    expect(Buffer.from(await tail.arrayBuffer()).equals(png.subarray(png.length - 5))).toBe(true);
    const beyond = await fetch(`${base}/api/cms/files/${img.id}/content`, {
      headers: { ...editor.headers, range: `bytes=${png.length}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${png.length}`);

    const svg = await uploadOne(editor, 'logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>');
    const s = await fetch(`${base}/api/cms/files/${svg.id}/content`, { headers: editor.headers });
    expect(s.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(s.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('hides another department’s files', async () => {
    const mine = await uploadOne(editor, '内部.txt', 'jyj only');
    expect((await api(other, 'GET', `/api/cms/files/${mine.id}`)).status).toBe(404);
    expect((await api(other, 'GET', `/api/cms/files/${mine.id}/content`)).status).toBe(404);
    const list = await api(other, 'GET', '/api/cms/files?pageSize=200');
    expect(list.body.items.map((i: any) => i.id)).not.toContain(mine.id);
    await uploadOne(other, '卫健.txt', 'wjw', wjwSite);
    const own = await api(other, 'GET', '/api/cms/files');
    expect(own.body.items.map((i: any) => i.name)).toEqual(['卫健.txt']);
  });
});

describe('search, references, deletion', () => {
  let report: any;
  let notice: any;
  let photo: any;

  beforeAll(async () => {
    report = await uploadOne(editor, '年度工作报告.pdf', `%PDF-1.4\n${'r'.repeat(500)}`);
    notice = await uploadOne(editor, '放假通知.txt', 'n'.repeat(50));
    photo = await uploadOne(editor, '工作照片.png', png);
    await t.kernel.db
      .transaction()
      .execute((tx) =>
        t.kernel.files.setReferences(tx, 'cms.document', 'doc-1', [report.id, { fileId: photo.id, field: 'cover' }]),
      );
  });

  const search = async (query: string) =>
    (await api(editor, 'GET', `/api/cms/files?pageSize=200&${query}`)).body.items.map((i: any) => i.name);

  it('filters by keyword, type, size, reference state, uploader IP and time', async () => {
    expect(await search(`q=${encodeURIComponent('工作')}`)).toEqual(['工作照片.png', '年度工作报告.pdf']);
    expect(await search('q=pdf')).toEqual(['年度工作报告.pdf']);
    expect(await search(`type=document&q=${encodeURIComponent('通知')}`)).toEqual(['放假通知.txt']);
    expect(await search('minSize=40&maxSize=60')).toEqual(['放假通知.txt']);
    const referenced = await search('referenced=true');
    expect(referenced.sort()).toEqual(['工作照片.png', '年度工作报告.pdf'].sort());
    expect(await search('referenced=false')).not.toContain('年度工作报告.pdf');
    expect(await search('uploaderIp=10.0.0.1')).toEqual([]);
    expect(await search('uploaderIp=127.0.0.1')).toContain('放假通知.txt');
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await search(`from=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await search(`to=${encodeURIComponent(future)}&q=${encodeURIComponent('放假')}`)).toEqual(['放假通知.txt']);
    const bad = await api(editor, 'GET', '/api/cms/files?color=red');
    expect(bad.status).toBe(400);
  });

  it('lists references, naming the documents', async () => {
    const res = await api(editor, 'GET', `/api/cms/files/${photo.id}/references`);
    expect(res.body.items).toEqual([{ fileId: photo.id, ownerType: 'cms.document', ownerId: 'doc-1', field: 'cover' }]);

    const db = t.kernel.db;
    const channel = await db
      .insertInto('cms_channels')
      .values({ site_id: jyjSite, name: '通知公告', code: 'tzgg', type: 'list' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const doc = await db
      .insertInto('cms_documents')
      .values({ site_id: jyjSite, channel_id: channel.id, title: '关于寒假安排的通知' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .transaction()
      .execute((tx) =>
        t.kernel.files.setReferences(tx, 'cms.document', doc.id, [{ fileId: notice.id, field: 'attachment' }]),
      );
    const named = await api(editor, 'GET', `/api/cms/files/${notice.id}/references`);
    expect(named.body.items).toEqual([
      {
        fileId: notice.id,
        ownerType: 'cms.document',
        ownerId: doc.id,
        field: 'attachment',
        title: '关于寒假安排的通知',
        siteId: jyjSite,
        inRecycleBin: false,
      },
    ]);
    await db.transaction().execute((tx) => t.kernel.files.setReferences(tx, 'cms.document', doc.id, []));
  });

  it('deletes only unreferenced files unless forced by a file manager', async () => {
    const res = await api(editor, 'POST', '/api/cms/files/batch-delete', { ids: [report.id, notice.id] });
    expect(res.status).toBe(200);
    expect(res.body.deleted).toEqual([notice.id]);
    expect(res.body.referenced).toEqual([{ id: report.id, name: '年度工作报告.pdf', referenceCount: 1 }]);
    expect((await api(editor, 'GET', `/api/cms/files/${notice.id}`)).status).toBe(404);

    const denied = await api(editor, 'POST', '/api/cms/files/batch-delete', { ids: [report.id], force: true });
    expect(denied.status).toBe(403);
    const extra = await api(manager, 'POST', '/api/cms/files/batch-delete', { ids: [report.id], why: 'x' });
    expect(extra.status).toBe(400);
    const forced = await api(manager, 'POST', '/api/cms/files/batch-delete', { ids: [report.id], force: true });
    expect(forced.body.deleted).toEqual([report.id]);
  });

  it('purges a file, removing the blob only when no other row uses it', async () => {
    const a = await uploadOne(editor, 'purge-a.txt', 'same content to purge');
    const b = await uploadOne(editor, 'purge-b.txt', 'same content to purge');
    const blob = path.join(t.kernel.config.dataDir, 'files', a.sha256.slice(0, 2), a.sha256.slice(2, 4), a.sha256);
    expect((await api(editor, 'DELETE', `/api/cms/files/${a.id}`)).status).toBe(403);
    const first = await api(manager, 'DELETE', `/api/cms/files/${a.id}`);
    expect(first.body).toEqual({ purged: a.id, blobRemoved: false });
    expect(readFileSync(blob, 'utf8')).toBe('same content to purge');
    const second = await api(manager, 'DELETE', `/api/cms/files/${b.id}`);
    expect(second.body).toEqual({ purged: b.id, blobRemoved: true });
    expect(blobsOnDisk().some((f) => f.endsWith(a.sha256))).toBe(false);

    const refused = await api(manager, 'DELETE', `/api/cms/files/${photo.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('file_referenced');
    const forced = await api(manager, 'DELETE', `/api/cms/files/${photo.id}?force=true`);
    expect(forced.status).toBe(200);
    expect(await t.kernel.files.referencesOf(photo.id)).toEqual([]);
  });
});

describe('zip and image operations', () => {
  it('zips a selection with the original names', async () => {
    const a = await uploadOne(editor, '说明.txt', '第一份');
    const b = await uploadOne(editor, '说明.txt', '第二份');
    const c = await uploadOne(editor, 'pic.png', png);
    const res = await fetch(`${base}/api/cms/files/zip?ids=${a.id}&ids=${b.id}&ids=${c.id}`, {
      headers: editor.headers,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(entries)).toEqual(['说明.txt', '说明 (2).txt', 'pic.png']);
    expect(Buffer.from(entries['说明 (2).txt']).toString()).toBe('第二份');
    expect(Buffer.from(entries['pic.png']).equals(png)).toBe(true);
  });

  it('resizes, crops and watermarks into a new file', async () => {
    const img = await uploadOne(editor, '原图.png', png);
    const resized = await api(editor, 'POST', `/api/cms/files/${img.id}/image`, { resize: { width: 50 } });
    expect(resized.status, JSON.stringify(resized.body)).toBe(201);
    expect(resized.body).toMatchObject({ name: '原图-处理.png', mime: 'image/png', siteId: jyjSite });
    const content = await fetch(`${base}${resized.body.url}`, { headers: editor.headers });
    const meta = await sharp(Buffer.from(await content.arrayBuffer())).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([50, 25, 'png']);

    const cropped = await api(editor, 'POST', `/api/cms/files/${img.id}/image`, {
      crop: { left: 10, top: 10, width: 80, height: 40 },
      watermark: { text: '新乡市教育局', position: 'southeast' },
      name: '裁剪',
    });
    expect(cropped.status).toBe(201);
    const croppedPixels = await sharp(
      Buffer.from(await (await fetch(`${base}${cropped.body.url}`, { headers: editor.headers })).arrayBuffer()),
    )
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([croppedPixels.info.width, croppedPixels.info.height]).toEqual([80, 40]);
    // The text watermark drew something: not every pixel is the original blue any more.
    const px = croppedPixels.data;
    let changed = 0;
    for (let i = 0; i < px.length; i += 3) if (px[i] !== 0x33 || px[i + 1] !== 0x66 || px[i + 2] !== 0xcc) changed++;
    expect(changed).toBeGreaterThan(20);
    expect(cropped.body.name).toBe('裁剪.png');

    const red = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const mark = await uploadOne(editor, '标志.png', red);
    const logo = await api(editor, 'POST', `/api/cms/files/${img.id}/image`, {
      watermark: { fileId: mark.id, position: 'northwest', opacity: 0.5 },
    });
    expect(logo.status, JSON.stringify(logo.body)).toBe(201);
    const logoed = Buffer.from(
      await (await fetch(`${base}${logo.body.url}`, { headers: editor.headers })).arrayBuffer(),
    );
    const { data, info } = await sharp(logoed).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([200, 100]);
    // Top-left: half red over the blue picture; bottom-right: untouched blue.
    const [r, g, b] = data.subarray(0, 3);
    expect(Math.abs(r - (255 + 0x33) / 2)).toBeLessThan(4);
    expect(Math.abs(g - 0x66 / 2)).toBeLessThan(4);
    expect(Math.abs(b - 0xcc / 2)).toBeLessThan(4);
    expect(Array.from(data.subarray(data.length - info.channels, data.length - info.channels + 3))).toEqual([
      0x33, 0x66, 0xcc,
    ]);

    const outside = await api(editor, 'POST', `/api/cms/files/${img.id}/image`, {
      crop: { left: 150, top: 0, width: 100, height: 10 },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.code).toBe('crop_out_of_bounds');
  });
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

describe('video transcoding', () => {
  it('answers 501 when ffmpeg is not installed', async () => {
    const video = await uploadOne(
      editor,
      'clip.webm',
      Buffer.from('1a45dfa3a34286810142f7810142f2810442f381084282847765626d', 'hex'),
    );
    useFfmpeg('/nonexistent/ffmpeg');
    try {
      const res = await api(editor, 'POST', `/api/cms/files/${video.id}/transcode`);
      expect(res.status).toBe(501);
      expect(res.body.code).toBe('ffmpeg_unavailable');
    } finally {
      useFfmpeg('ffmpeg');
    }
  });

  it.runIf(hasFfmpeg)('transcodes to H.264 MP4 as a job and emits an event', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jiyue-video-'));
    try {
      const source = path.join(dir, 'clip.avi');
      const made = spawnSync('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=1:size=160x120:rate=10'],
        ...['-c:v', 'mpeg4', source],
      ]);
      expect(made.status, String(made.stderr)).toBe(0);
      const video = await uploadOne(editor, '宣传片.avi', readFileSync(source));
      const res = await api(editor, 'POST', `/api/cms/files/${video.id}/transcode`);
      expect(res.status).toBe(202);
      await t.kernel.jobs.runUntilIdle();
      const job = await api(editor, 'GET', `/api/jobs/${res.body.jobId}`);
      expect(job.body).toMatchObject({ status: 'succeeded', done: 1, total: 1 });
      const mp4 = await api(editor, 'GET', `/api/cms/files/${job.body.result.fileId}`);
      expect(mp4.body).toMatchObject({ name: '宣传片.mp4', mime: 'video/mp4', siteId: jyjSite });
      const probe = spawnSync('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0'],
        path.join(
          t.kernel.config.dataDir,
          'files',
          mp4.body.sha256.slice(0, 2),
          mp4.body.sha256.slice(2, 4),
          mp4.body.sha256,
        ),
      ]);
      expect(String(probe.stdout).trim()).toBe('h264');
      const events = await t.kernel.db
        .selectFrom('event_outbox')
        .select(['name', 'payload'])
        .where('name', '=', 'cms.file.transcoded')
        .execute();
      expect(events).toHaveLength(1);
      expect(events[0].payload).toMatchObject({ sourceFileId: video.id, fileId: mp4.body.id });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
