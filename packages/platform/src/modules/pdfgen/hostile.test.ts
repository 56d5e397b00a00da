import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { pdfgenModule } from './index.js';
import { makeDocx, multipart, pdfText, squash } from './test-support.js';

/*
 * Hostile input to the PDF service: templates that try to read server files or include paths,
 * HTML that tries to reach the network (SSRF) or the file system from Chromium, data that tries
 * to inject markup, huge data, malformed and entity-bomb XML, zip-bomb and externally linked
 * .docx files, images that lie about their size. Each is refused or neutralised.
 */

let t: TestApp;
let admin: Session;
/** A local HTTP server standing in for an internal service an attacker would like to reach. */
let canary: Server;
let canaryUrl: string;
const hits: string[] = [];

beforeAll(async () => {
  canary = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('canary');
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  t = await identityTestApp({ modules: [pdfgenModule] });
  admin = await login(t.app, 'admin');
}, 120_000);
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => canary?.close(resolve));
});

function preview(body: string, data: unknown = {}, page?: object) {
  return t.app.inject({
    method: 'POST',
    url: '/api/pdfgen/preview',
    headers: admin.headers,
    payload: { kind: 'html', content: { body, ...(page ? { page } : {}) }, data } as any,
  });
}

function upload(url: string, name: string, bytes: Buffer) {
  const form = multipart([{ name, bytes }]);
  return t.app.inject({ method: 'POST', url, headers: { ...admin.headers, ...form.headers }, payload: form.payload });
}

describe('Liquid templates cannot reach the server', { timeout: 240_000 }, () => {
  it.each([
    "{% include '/etc/passwd' %}",
    "{% render '../../../../etc/passwd' %}",
    "{% layout '/etc/hostname' %}x",
    "{% include 'header' %}",
  ])('refuses %s', async (body) => {
    const res = await preview(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('template_syntax');
    expect(res.body).not.toContain('root:x:0:0');
  });

  it('saving such a template is refused too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/pdfgen/templates',
      headers: admin.headers,
      payload: { code: 'evil', name: 'evil', kind: 'html', content: { body: "{% include '/etc/passwd' %}" } },
    });
    expect(res.statusCode).toBe(400);
  });

  it('sees only own properties of the data (no prototype walking)', async () => {
    const res = await preview('<p>[{{ a.constructor }}][{{ a.__proto__ }}][{{ a.constructor.name }}][{{ a.b }}]</p>', {
      a: { b: 'ok' },
    });
    expect(res.statusCode).toBe(200);
    expect(squash(await pdfText(res.rawPayload))).toContain('[][][][ok]');
  });

  it('stops templates that loop too long instead of hanging the node', async () => {
    const res = await preview('{% for i in (1..100000) %}{% for j in (1..100000) %}{{ i }}{% endfor %}{% endfor %}');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('template_limit');
  });
});

describe('Chromium loads nothing but the rendered content', { timeout: 240_000 }, () => {
  it('escapes markup in data, so data cannot add images, links or scripts', async () => {
    const evil = `<img src="${canaryUrl}/from-data"><script>document.write('pwned')</script>`;
    const res = await preview('<p>{{ name }}</p>', { name: evil });
    expect(res.statusCode).toBe(200);
    // The markup arrives as visible text: nothing was loaded or run.
    const text = await pdfText(res.rawPayload);
    expect(text).toContain('<img src=');
    expect(squash(text)).toContain("<script>document.write('pwned')</script>");
    expect(hits).toEqual([]);
  });

  it('blocks http, file and every other request of a template (SSRF, local files)', async () => {
    const body = `
      <link rel="stylesheet" href="${canaryUrl}/css">
      <img src="${canaryUrl}/img">
      <img src="file:///etc/passwd">
      <iframe src="file:///etc/passwd"></iframe>
      <iframe src="${canaryUrl}/frame"></iframe>
      <object data="file:///etc/passwd"></object>
      <style>@font-face { font-family: x; src: url(${canaryUrl}/font); } body { font-family: x; background: url(${canaryUrl}/bg); }</style>
      <script>fetch('${canaryUrl}/script'); document.write('script-ran')</script>
      <p>正文仍然生成</p>
      <img alt="内嵌图片" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==">`;
    const res = await preview(body);
    expect(res.statusCode).toBe(200);
    const text = await pdfText(res.rawPayload);
    expect(squash(text)).toContain('正文仍然生成');
    expect(text).not.toContain('root:x:0:0');
    expect(text).not.toContain('script-ran');
    expect(hits).toEqual([]);
  });

  it('does not follow a meta refresh to a local file or URL', async () => {
    for (const target of ['file:///etc/passwd', `${canaryUrl}/refresh`]) {
      const res = await preview(`<meta http-equiv="refresh" content="0;url=${target}"><p>原页面</p>`);
      expect(res.statusCode, res.body.slice(0, 400)).toBe(200);
      const text = await pdfText(res.rawPayload);
      expect(text).not.toContain('root:x:0:0');
      expect(squash(text)).toContain('原页面');
    }
    expect(hits).toEqual([]);
  });

  it('header and footer templates are Liquid-escaped too', async () => {
    const res = await preview(
      '<p>正文</p>',
      { who: `<img src="${canaryUrl}/header">` },
      { header: '<span>{{ who }}</span>' },
    );
    expect(res.statusCode).toBe(200);
    expect(hits).toEqual([]);
  });
});

describe('data and XML', { timeout: 240_000 }, () => {
  it('refuses malformed XML with the line and column', async () => {
    const res = await preview('<p>{{ a }}</p>', undefined);
    expect(res.statusCode).toBe(200);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/pdfgen/preview',
      headers: admin.headers,
      payload: { kind: 'html', content: { body: '<p/>' }, xml: '<a><b>1</a>' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('xml_invalid');
    expect(bad.json().detail).toMatch(/第 1 行/);
  });

  it('refuses DOCTYPE and entity declarations (billion laughs, external entities)', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY xxe SYSTEM "file:///etc/passwd">]><r><a>&lol2;&xxe;</a></r>`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/pdfgen/render/xml?template=acceptance-notice',
      headers: { ...admin.headers, 'content-type': 'application/xml' },
      payload: bomb,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('xml_doctype_refused');
  });

  it('refuses huge data at the edge', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/pdfgen/render',
      headers: admin.headers,
      payload: { template: 'acceptance-notice', data: { blob: 'x'.repeat(5 * 1024 * 1024) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('refuses output that would be an absurdly large document', async () => {
    const res = await preview('{% for i in rows %}{{ big }}{% endfor %}', {
      rows: Array.from({ length: 400 }, (_, i) => i),
      big: 'x'.repeat(50_000),
    });
    expect(res.statusCode).toBe(400);
    expect(['render_too_large', 'template_limit']).toContain(res.json().code);
  });
});

describe('hostile Word files', { timeout: 240_000 }, () => {
  it('refuses a zip bomb before inflating it', async () => {
    // 150 MB of zeros deflates to about 150 kB; the declared size gives it away.
    const bomb = zipSync(
      {
        '[Content_Types].xml': strToU8('<Types/>'),
        'word/document.xml': strToU8('<w:document/>'),
        'word/media/zeros.bin': new Uint8Array(150 * 1024 * 1024),
      },
      { level: 1 },
    );
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    for (const url of ['/api/pdfgen/uploads', '/api/pdfgen/convert']) {
      const res = await upload(url, 'bomb.docx', Buffer.from(bomb));
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('docx_too_large');
    }
  });

  it('refuses a .docx whose parts link to external resources (LibreOffice would fetch them)', async () => {
    const rels = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="${canaryUrl}/docx-image" TargetMode="External"/>
      </Relationships>`;
    const doc = makeDocx(['看图'], { 'word/_rels/document.xml.rels': rels });
    for (const url of ['/api/pdfgen/uploads', '/api/pdfgen/convert']) {
      const res = await upload(url, 'linked.docx', doc);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('docx_external_reference');
    }
    const fileLink = makeDocx(['x'], {
      'word/_rels/document.xml.rels': rels.replace(`${canaryUrl}/docx-image`, 'file:///etc/passwd'),
    });
    expect((await upload('/api/pdfgen/convert', 'f.docx', fileLink)).json().code).toBe('docx_external_reference');
    expect(hits).toEqual([]);
  });

  it('accepts ordinary hyperlinks, which are never fetched', async () => {
    const rels = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://www.xinxiang.gov.cn/" TargetMode="External"/>
      </Relationships>`;
    const res = await upload(
      '/api/pdfgen/uploads',
      'link.docx',
      makeDocx(['{name}'], { 'word/_rels/document.xml.rels': rels }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json().fields).toEqual(['name']);
  });

  it('reports broken placeholders of a Word template in Chinese', async () => {
    const res = await upload('/api/pdfgen/uploads', 'bad.docx', makeDocx(['{#items}没有结束']));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('docx_template_invalid');
  });

  it('refuses a file that is not a Word document, and a truncated zip', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect((await upload('/api/pdfgen/uploads', 'x.docx', png)).statusCode).toBe(415);
    const truncated = makeDocx(['半截']).subarray(0, 100);
    const res = await upload('/api/pdfgen/uploads', 'half.docx', truncated);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('docx_invalid');
  });

  it('refuses an upload over the size limit while it streams', async () => {
    const res = await upload('/api/pdfgen/convert', 'huge.docx', Buffer.alloc(21 * 1024 * 1024, 1));
    expect(res.statusCode).toBe(413);
  });
});

describe('hostile images', { timeout: 240_000 }, () => {
  it('refuses a PNG whose header claims gigapixels, without decoding it', async () => {
    // A valid PNG signature and IHDR of 100000 × 100000 followed by nothing.
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(100_000, 0);
    ihdr.writeUInt32BE(100_000, 4);
    ihdr.writeUInt8(8, 8);
    ihdr.writeUInt8(6, 9);
    const chunk = Buffer.concat([Buffer.from('IHDR'), ihdr]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(chunk) >>> 0);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(13);
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), len, chunk, crc]);
    const form = multipart([{ name: 'big.png', bytes: png }]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/pdfgen/images',
      headers: { ...admin.headers, ...form.headers },
      payload: form.payload,
    });
    expect([400, 413]).toContain(res.statusCode);
    expect(['image_too_large', 'image_invalid']).toContain(res.json().code);
  });
});
