import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { pdfgenModule, renderTemplateToPdf } from './index.js';
import { makeDocx, multipart, pdfText, squash } from './test-support.js';

/*
 * PDF 文档生成服务 through real HTTP, real Chromium and real LibreOffice: templates and versions,
 * rendering from JSON and XML, Word templates, Word → PDF, images → PDF, permissions, audit.
 */

let t: TestApp;
let admin: Session;
let editor: Session;

beforeAll(async () => {
  t = await identityTestApp({ modules: [pdfgenModule] });
  admin = await login(t.app, 'admin');
  editor = await login(t.app, 'jyj_editor');
}, 120_000);
afterAll(async () => t?.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
function call(s: Session | null, method: Method, url: string, payload?: unknown) {
  const headers = s ? (method === 'GET' ? { cookie: s.cookie } : s.headers) : {};
  return t.app.inject({ method, url, headers, payload: payload as any });
}

async function upload(
  s: Session,
  url: string,
  files: Parameters<typeof multipart>[0],
  fields?: Record<string, string>,
) {
  const form = multipart(files, fields);
  return t.app.inject({ method: 'POST', url, headers: { ...s.headers, ...form.headers }, payload: form.payload });
}

const SIMPLE = '<h1>{{ title }}</h1><p>申请人：{{ applicant.name }}</p>';

describe('seeded templates and the console menu', { timeout: 240_000 }, () => {
  it('seeds 受理通知书 and 准予行政许可决定书 and the 文书模板 menu under 电子印章', async () => {
    const list = await call(admin, 'GET', '/api/pdfgen/templates');
    expect(list.statusCode).toBe(200);
    const codes = list.json().items.map((i: { code: string }) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['acceptance-notice', 'licence-decision']));
    const me = (await call(admin, 'GET', '/api/auth/me')).json();
    const group = me.menus.find((m: { name: string }) => m.name === '电子印章');
    expect(group.children.map((c: { path: string }) => c.path)).toContain('/seal/templates');
  });

  it('renders 受理通知书 from its sample data into an A4 PDF with the Chinese text', async () => {
    const list = (await call(admin, 'GET', '/api/pdfgen/templates?q=acceptance')).json();
    const detail = (await call(admin, 'GET', `/api/pdfgen/templates/${list.items[0].id}`)).json();
    const res = await call(admin, 'POST', '/api/pdfgen/render', {
      template: 'acceptance-notice',
      data: detail.content.sampleData,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('受理通知书.pdf'));
    const text = squash(await pdfText(res.rawPayload));
    expect(text).toContain('受理通知书');
    expect(text).toContain('新乡市牧野区红旗食品有限公司');
    expect(text).toContain('2026年11月21日');
    expect(text).toContain('食品经营许可申请书');
    const pdf = await PDFDocument.load(res.rawPayload);
    // Chromium's A4 is 8.27 × 11.7 in, a point off ISO's 595.28 × 841.89.
    const { width, height } = pdf.getPage(0).getSize();
    expect(Math.abs(width - 595.3)).toBeLessThan(1.5);
    expect(Math.abs(height - 841.9)).toBeLessThan(1.5);
  });

  it('is callable by other modules: renderTemplateToPdf(kernel, code, xml)', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
      <决定><number>新审批许字〔2026〕第 0100 号</number><applicant><name>新乡市卫滨区育才书店</name>
      <creditCode>92410703MA4K000001</creditCode></applicant><item>出版物零售单位设立</item>
      <appliedOn>2026-11-02</appliedOn><acceptedOn>2026-11-03</acceptedOn><decidedOn>2026-11-10</decidedOn>
      <licence><number>新出零字第 0001 号</number><validFrom>2026-11-10</validFrom><validTo>2031-11-09</validTo></licence>
      <authority>新乡市行政审批和政务信息管理局</authority></决定>`;
    const pdf = await renderTemplateToPdf(t.kernel, 'licence-decision', xml);
    const text = squash(await pdfText(pdf));
    expect(text).toContain('准予行政许可决定书');
    expect(text).toContain('新乡市卫滨区育才书店');
    expect(text).toContain('92410703MA4K000001');
    expect(text).toContain('2031年11月9日');
  });
});

describe('templates: versions, preview, rollback, audit', { timeout: 240_000 }, () => {
  let id: string;

  it('creates a template as version 1 and refuses a duplicate code', async () => {
    const body = {
      code: 'test-notice',
      name: '测试告知书',
      kind: 'html',
      content: {
        body: SIMPLE,
        page: { size: 'A5', landscape: true, margin: { top: 10, right: 10, bottom: 10, left: 10 } },
        sampleData: { title: '第一版', applicant: { name: '张三' } },
        dataSchema: { type: 'object', required: ['title'], properties: { title: { type: 'string', minLength: 2 } } },
      },
    };
    const res = await call(admin, 'POST', '/api/pdfgen/templates', body);
    expect(res.statusCode).toBe(201);
    id = res.json().id;
    expect(res.json().currentVersion).toBe(1);
    const again = await call(admin, 'POST', '/api/pdfgen/templates', body);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('template_code_taken');
  });

  it('previews the saved version with its sample data, in the page size it sets', async () => {
    const res = await call(admin, 'GET', `/api/pdfgen/templates/${id}/preview`);
    expect(res.statusCode).toBe(200);
    expect(squash(await pdfText(res.rawPayload))).toContain('第一版申请人：张三');
    const { width, height } = (await PDFDocument.load(res.rawPayload)).getPage(0).getSize();
    expect(width).toBeGreaterThan(height); // A5 landscape: 210 × 148 mm
    expect(Math.abs(width - 595.3)).toBeLessThan(1.5);
  });

  it('previews unsaved content, with JSON or XML data, and says what is wrong with bad Liquid', async () => {
    const json = await call(admin, 'POST', '/api/pdfgen/preview', {
      kind: 'html',
      content: { body: '<p>{{ a }} 与 {{ b | upcase }}</p>' },
      data: { a: '草稿', b: 'xinxiang' },
    });
    expect(json.statusCode).toBe(200);
    expect(squash(await pdfText(json.rawPayload))).toContain('草稿与XINXIANG');
    const xml = await call(admin, 'POST', '/api/pdfgen/preview', {
      kind: 'html',
      content: { body: '<p>{{ a }}/{{ list.item[1] }}</p>' },
      xml: '<root><a>来自XML</a><list><item>一</item><item>二</item></list></root>',
    });
    expect(xml.statusCode).toBe(200);
    expect(squash(await pdfText(xml.rawPayload))).toContain('来自XML/二');
    const bad = await call(admin, 'POST', '/api/pdfgen/preview', { kind: 'html', content: { body: '{% if %}' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('template_syntax');
  });

  it('saves new versions, refuses a stale save, lists versions and rolls back', async () => {
    const v2 = await call(admin, 'POST', `/api/pdfgen/templates/${id}/versions`, {
      baseVersion: 1,
      content: { body: '<h1>第二版 {{ title }}</h1>', sampleData: { title: '示例' } },
      comment: '改标题',
    });
    expect(v2.statusCode).toBe(201);
    expect(v2.json().version).toBe(2);
    const stale = await call(admin, 'POST', `/api/pdfgen/templates/${id}/versions`, {
      baseVersion: 1,
      content: { body: '<p>覆盖</p>' },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'template_conflict', currentVersion: 2 });

    const versions = (await call(admin, 'GET', `/api/pdfgen/templates/${id}/versions`)).json();
    expect(versions.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.items[0]).toMatchObject({ comment: '改标题', savedByName: expect.any(String) });
    const old = (await call(admin, 'GET', `/api/pdfgen/templates/${id}/versions/1`)).json();
    expect(old.body).toBe(SIMPLE);

    const rendered2 = await call(admin, 'POST', '/api/pdfgen/render', {
      template: 'test-notice',
      data: { title: '正式' },
    });
    expect(squash(await pdfText(rendered2.rawPayload))).toContain('第二版正式');

    const back = await call(admin, 'POST', `/api/pdfgen/templates/${id}/rollback`, { version: 1, baseVersion: 2 });
    expect(back.statusCode).toBe(201);
    expect(back.json().version).toBe(3);
    const current = (await call(admin, 'GET', `/api/pdfgen/templates/${id}`)).json();
    expect(current.currentVersion).toBe(3);
    expect(current.content).toMatchObject({ body: SIMPLE, comment: '回滚到第 1 版' });
    expect(current.content.page).toMatchObject({ size: 'A5', landscape: true });

    const rendered = await call(admin, 'POST', '/api/pdfgen/render', {
      template: id,
      data: { title: '回滚后', applicant: { name: '李四' } },
    });
    expect(squash(await pdfText(rendered.rawPayload))).toContain('回滚后申请人：李四');
    // An older version can still be rendered on purpose.
    const byVersion = await call(admin, 'POST', '/api/pdfgen/render', {
      template: id,
      version: 2,
      data: { title: '旧版' },
    });
    expect(squash(await pdfText(byVersion.rawPayload))).toContain('第二版旧版');
  });

  it('validates data against the template JSON Schema before rendering', async () => {
    const res = await call(admin, 'POST', '/api/pdfgen/render', { template: id, data: { title: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('data_invalid');
    expect(res.json().errors).toEqual([{ field: 'data.title', message: '长度不能少于 2 个字符' }]);
    const missing = await call(admin, 'POST', '/api/pdfgen/render', { template: id, xml: '<r><other>1</other></r>' });
    expect(missing.json().errors).toEqual([{ field: 'data.title', message: '必填' }]);
    const badSchema = await call(admin, 'POST', `/api/pdfgen/templates/${id}/versions`, {
      baseVersion: 3,
      content: { body: '<p/>', dataSchema: { type: 'no-such-type' } },
    });
    expect(badSchema.statusCode).toBe(400);
    expect(badSchema.json().code).toBe('data_schema_invalid');
  });

  it('accepts XML posted as application/xml by a business system', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/pdfgen/render/xml?template=test-notice',
      headers: { ...admin.headers, 'content-type': 'application/xml' },
      payload: '<?xml version="1.0"?><data><title>XML 直传</title><applicant><name>王五</name></applicant></data>',
    });
    expect(res.statusCode).toBe(200);
    expect(squash(await pdfText(res.rawPayload))).toContain('XML直传申请人：王五');
  });

  it('disables, then refuses to render a disabled template; every write is in the audit log', async () => {
    const off = await call(admin, 'PATCH', `/api/pdfgen/templates/${id}`, { status: 'disabled' });
    expect(off.json().status).toBe('disabled');
    const res = await call(admin, 'POST', '/api/pdfgen/render', { template: id, data: { title: '停用后' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('template_disabled');
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'summary'])
      .where('resource', '=', 'pdfgen.template')
      .where('resource_id', '=', id)
      .orderBy('seq')
      .execute();
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['create', 'save', 'rollback', 'disable']);
    const del = await call(admin, 'DELETE', `/api/pdfgen/templates/${id}`);
    expect(del.statusCode).toBe(204);
    expect((await call(admin, 'GET', `/api/pdfgen/templates/${id}`)).statusCode).toBe(404);
    expect((await t.kernel.audit.verify()).ok).toBe(true);
  });

  it('checks permissions on every route', async () => {
    expect((await call(null, 'GET', '/api/pdfgen/templates')).statusCode).toBe(401);
    expect((await call(editor, 'GET', '/api/pdfgen/templates')).statusCode).toBe(403);
    expect((await call(editor, 'POST', '/api/pdfgen/render', { template: 'acceptance-notice' })).statusCode).toBe(403);
    const create = await call(editor, 'POST', '/api/pdfgen/templates', {
      code: 'x-y',
      name: 'x',
      kind: 'html',
      content: { body: '<p/>' },
    });
    expect(create.statusCode).toBe(403);
    expect((await upload(editor, '/api/pdfgen/images', [{ name: 'a.png', bytes: Buffer.alloc(8) }])).statusCode).toBe(
      403,
    );
    const unknown = await call(admin, 'POST', '/api/pdfgen/render', { template: 'acceptance-notice', extra: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([{ field: 'extra', message: '不允许的字段' }]);
  });
});

describe('Word templates and Word → PDF (LibreOffice)', { timeout: 240_000 }, () => {
  const template = makeDocx([
    '送达回证',
    '受送达人：{applicant.name}',
    '送达文书：{document}',
    '{#items}第{no}项：{name}{/items}',
    '送达机关：新乡市行政审批和政务信息管理局',
  ]);

  it('uploads a .docx template, lists its placeholders and renders it filled', async () => {
    const up = await upload(admin, '/api/pdfgen/uploads', [{ name: '送达回证.docx', bytes: template }]);
    expect(up.statusCode).toBe(201);
    expect(up.json().fields).toEqual(['applicant.name', 'document', 'items', 'name', 'no']);
    const created = await call(admin, 'POST', '/api/pdfgen/templates', {
      code: 'service-receipt',
      name: '送达回证',
      kind: 'docx',
      content: {
        docxFileId: up.json().fileId,
        sampleData: { applicant: { name: '新乡县七里营镇刘庄村委会' }, document: '准予行政许可决定书', items: [] },
      },
    });
    expect(created.statusCode).toBe(201);
    const detail = (await call(admin, 'GET', `/api/pdfgen/templates/${created.json().id}`)).json();
    expect(detail.content.docx).toMatchObject({ name: '送达回证.docx', fields: expect.arrayContaining(['document']) });
    const refs = await t.kernel.files.referencesOf(up.json().fileId);
    expect(refs).toEqual([
      expect.objectContaining({ ownerType: 'pdfgen.template', ownerId: created.json().id, field: 'v1' }),
    ]);

    const res = await call(admin, 'POST', '/api/pdfgen/render', {
      template: 'service-receipt',
      data: {
        applicant: { name: '新乡县七里营镇刘庄村委会' },
        document: '准予行政许可决定书',
        items: [
          { no: 1, name: '决定书正本' },
          { no: 2, name: '许可证副本' },
        ],
        constructor: 'ignored',
      },
    });
    expect(res.statusCode).toBe(200);
    const text = squash(await pdfText(res.rawPayload));
    expect(text).toContain('受送达人：新乡县七里营镇刘庄村委会');
    expect(text).toContain('第1项：决定书正本第2项：许可证副本');
    const docx = await call(admin, 'GET', `/api/pdfgen/templates/${created.json().id}/docx`);
    expect(docx.rawPayload.equals(template)).toBe(true);
  });

  it('converts an uploaded Word document to PDF and refuses what is not Word', async () => {
    const res = await upload(admin, '/api/pdfgen/convert', [
      { name: '情况说明.docx', bytes: makeDocx(['关于新乡市政务服务中心延时服务的情况说明', '特此说明。']) },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('情况说明.pdf'));
    expect(squash(await pdfText(res.rawPayload))).toContain('关于新乡市政务服务中心延时服务的情况说明');
    const notWord = await upload(admin, '/api/pdfgen/convert', [
      { name: 'fake.docx', bytes: Buffer.from('%PDF-1.7 hi') },
    ]);
    expect(notWord.statusCode).toBe(415);
    expect(notWord.json().code).toBe('word_required');
  });

  it('says clearly when LibreOffice is not installed', async () => {
    process.env.JIYUE_SOFFICE = '';
    try {
      const caps = (await call(admin, 'GET', '/api/pdfgen/capabilities')).json();
      expect(caps).toEqual({ chromium: true, libreoffice: false });
      const res = await upload(admin, '/api/pdfgen/convert', [{ name: 'a.docx', bytes: makeDocx(['x']) }]);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        code: 'libreoffice_unavailable',
        title: '服务器未安装 LibreOffice，无法转换 Word 文档',
      });
      const render = await call(admin, 'POST', '/api/pdfgen/render', { template: 'service-receipt', data: {} });
      expect(render.json().code).toBe('libreoffice_unavailable');
    } finally {
      delete process.env.JIYUE_SOFFICE;
    }
  });
});

describe('images → PDF', { timeout: 240_000 }, () => {
  const png = () =>
    sharp({ create: { width: 800, height: 400, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
  const jpeg = () =>
    sharp({ create: { width: 300, height: 600, channels: 3, background: { r: 30, g: 30, b: 200 } } })
      .jpeg()
      .toBuffer();

  it('merges PNG and JPEG into one page each, fitted to A4 or at image size', async () => {
    const files = [
      { name: '营业执照.png', bytes: await png() },
      { name: '身份证.jpg', bytes: await jpeg() },
    ];
    const a4 = await upload(admin, '/api/pdfgen/images', files);
    expect(a4.statusCode, a4.body.slice(0, 300)).toBe(200);
    const pdf = await PDFDocument.load(a4.rawPayload);
    const sizes = pdf.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
    expect(sizes).toEqual([
      [842, 595], // the wide image on a landscape A4 page
      [595, 842],
    ]);
    const natural = await upload(admin, '/api/pdfgen/images', files, { fit: 'image' });
    const pages = (await PDFDocument.load(natural.rawPayload)).getPages();
    expect(pages.map((p) => [p.getWidth(), p.getHeight()])).toEqual([
      [600, 300],
      [225, 450],
    ]);
  });

  it('refuses other formats, bad fields and corrupt images', async () => {
    const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'white' } })
      .gif()
      .toBuffer();
    const res = await upload(admin, '/api/pdfgen/images', [{ name: 'a.gif', bytes: gif }]);
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('image_type_unsupported');
    const corrupt = await upload(admin, '/api/pdfgen/images', [
      { name: 'a.png', bytes: (await png()).subarray(0, 60) },
    ]);
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().code).toBe('image_invalid');
    const fit = await upload(admin, '/api/pdfgen/images', [{ name: 'a.png', bytes: await png() }], { fit: 'A5' });
    expect(fit.json().errors).toEqual([{ field: 'fit', message: '取值应为：a4、image' }]);
    const other = await upload(admin, '/api/pdfgen/images', [{ field: 'evil', name: 'a.png', bytes: await png() }]);
    expect(other.json().errors).toEqual([{ field: 'evil', message: '不允许的字段' }]);
  });
});
