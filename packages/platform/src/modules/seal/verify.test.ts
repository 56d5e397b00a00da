import { existsSync } from 'node:fs';
import axe from 'axe-core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestOfd } from '../../../../seal/src/ofd/test-ofd.js';
import type { TestApp } from '../../kernel/testing.js';
import { login } from '../identity/test-support.js';
import {
  adminHeaders,
  authorize,
  createSeal,
  type Headers,
  makePdf,
  multipart,
  sealTestApp,
  signForm,
  userId,
} from './test-support.js';

/*
 * 签章验证: the public JSON API and the public pages (no login), a changed byte reported invalid,
 * and the pages checked with axe-core in a real Chromium without JavaScript.
 */

const CHROMIUM = '/usr/bin/chromium';

let t: TestApp;
let admin: Headers;
let signedPdf: Buffer;
let signedOfd: Buffer;
let verifyCode: string;

function tamper(buf: Buffer): Buffer {
  const copy = Buffer.from(buf);
  // one byte inside the first page's (compressed) content stream, well inside the signed range
  const at = copy.indexOf('stream\n') + 20;
  copy[at] ^= 0x01;
  return copy;
}

async function verifyApi(file: Buffer, filename = 'a.pdf') {
  const form = multipart([{ name: 'file', filename, content: file }]);
  return t.app.inject({ method: 'POST', url: '/api/seal/verify', headers: form.headers, payload: form.payload });
}

beforeAll(async () => {
  t = await sealTestApp();
  admin = await adminHeaders(t);
  const editor = (await login(t.app, 'jyj_editor')).headers;
  const { sealId } = await createSeal(t, admin);
  await authorize(t, admin, sealId, 'user', await userId(t, 'jyj_editor'));
  const form = signForm(
    await makePdf(1),
    sealId,
    { position: { page: 1, x: 100, y: 100 }, barcode: { page: 1, x: 30, y: 30 } },
    '通知.pdf',
  );
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/seal/sign',
    headers: { ...editor, ...form.headers },
    payload: form.payload,
  });
  signedPdf = res.rawPayload;
  verifyCode = res.headers['x-seal-verify-code'] as string;
  const ofdForm = signForm(buildTestOfd(1), sealId, { position: { page: 1, x: 60, y: 60 } }, 'b.ofd');
  signedOfd = (
    await t.app.inject({
      method: 'POST',
      url: '/api/seal/sign',
      headers: { ...editor, ...ofdForm.headers },
      payload: ofdForm.payload,
    })
  ).rawPayload;
});
afterAll(async () => {
  await t?.close();
});

describe('POST /api/seal/verify (public)', () => {
  it('reports a signed PDF valid with seal image, signer, time and the matching record', async () => {
    const res = await verifyApi(signedPdf);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({
      format: 'pdf',
      valid: true,
      summary: '文件共有 1 个电子签章，全部有效，文件签章后未被修改',
    });
    expect(r.signatures[0]).toMatchObject({
      valid: true,
      statusText: '有效',
      signer: '新乡市行政审批和政务信息管理局',
      sealName: '新乡市行政审批和政务信息管理局',
      trusted: true,
    });
    expect(r.signatures[0].sealImage).toMatch(/^data:image\/png;base64,/);
    expect(r.signatures[0].signingTime).toBeTruthy();
    expect(r.record.verifyCode).toBe(verifyCode);
  });

  it('reports the same file with one byte changed as invalid, in Chinese', async () => {
    const r = (await verifyApi(tamper(signedPdf))).json();
    expect(r.valid).toBe(false);
    expect(r.signatures[0].valid).toBe(false);
    expect(r.signatures[0].statusText).toMatch(/^无效：/);
    expect(r.record).toBeNull();
  });

  it('verifies OFD files, and a changed OFD as invalid', async () => {
    const ok = (await verifyApi(signedOfd, 'b.ofd')).json();
    expect(ok).toMatchObject({ format: 'ofd', valid: true });
    expect(ok.signatures[0]).toMatchObject({ sealName: '新乡市行政审批和政务信息管理局', trusted: true });
    expect(ok.signatures[0].sealImage).toMatch(/^data:image\/png/);
    const { unzipSync, zipSync } = await import('fflate');
    const files = unzipSync(signedOfd);
    const page = Object.keys(files).find((n) => n.endsWith('Content.xml'))!;
    files[page] = Buffer.concat([Buffer.from(files[page]), Buffer.from(' ')]);
    const bad = (await verifyApi(Buffer.from(zipSync(files)), 'b.ofd')).json();
    expect(bad.valid).toBe(false);
    expect(bad.signatures[0].reasons.join('')).toContain('修改');
  });

  it('says when a file has no signature, and refuses non-documents', async () => {
    const none = (await verifyApi(await makePdf(1))).json();
    expect(none).toMatchObject({ valid: false, summary: '文件中没有电子签章', signatures: [] });
    expect((await verifyApi(Buffer.from('hello'))).json().code).toBe('file_unsupported');
  });

  it('answers the QR-code link as JSON and 404 for unknown codes', async () => {
    const res = await t.app.inject({ url: `/api/seal/verify/${verifyCode}` });
    expect(res.json()).toMatchObject({
      verifyCode,
      sealName: '新乡市行政审批和政务信息管理局',
      sealType: '公章',
      fileName: '通知.pdf',
    });
    expect((await t.app.inject({ url: '/api/seal/verify/AAAAAAAAAAAAAAAA' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: "/api/seal/verify/'%20or%201=1--" })).statusCode).toBe(404);
  });
});

describe('public pages /verify', () => {
  it('serves a plain HTML form that posts multipart without JavaScript', async () => {
    const res = await t.app.inject({ url: '/verify' });
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<form method="post" action="/verify" enctype="multipart/form-data">');
    expect(res.body).not.toMatch(/<script|https?:\/\//);
  });

  it('shows each signature in plain Chinese, and a tampered file as invalid', async () => {
    const post = async (file: Buffer) => {
      const form = multipart([{ name: 'file', filename: '通知.pdf', content: file }]);
      return t.app.inject({ method: 'POST', url: '/verify', headers: form.headers, payload: form.payload });
    };
    const ok = await post(signedPdf);
    expect(ok.body).toContain('✔ 验证通过');
    expect(ok.body).toContain('新乡市行政审批和政务信息管理局');
    expect(ok.body).toContain('<img class="seal" src="data:image/png;base64,');
    const bad = await post(tamper(signedPdf));
    expect(bad.body).toContain('✘ 验证未通过');
    expect(bad.body).toContain('无效：');
    const junk = await post(Buffer.from('<script>alert(1)</script>'));
    expect(junk.statusCode).toBe(400);
    expect(junk.body).toContain('只能对 PDF 或 OFD 文件签章');
    expect(junk.body).not.toContain('<script>alert');
  });

  it('shows the record behind a QR code, and a friendly page for unknown codes', async () => {
    const res = await t.app.inject({ url: `/verify/${verifyCode}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`验证码 ${verifyCode} 的签章记录`);
    const missing = await t.app.inject({ url: `/verify/${encodeURIComponent('<b>x')}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('未找到该签章记录');
  });
});

describe.skipIf(!existsSync(CHROMIUM))('public pages in Chromium', () => {
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function axeViolations(page: import('playwright-core').Page) {
    await page.addScriptTag({ content: axe.source });
    return page.evaluate(async () => {
      const result = await (window as unknown as { axe: typeof axe }).axe.run(document);
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
  }

  it('uploads a signed PDF through the form with JavaScript off; every page is axe-core clean', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/verify`);
    await page
      .getByLabel('选择要验证的文件（PDF 或 OFD）')
      .setInputFiles({ name: '通知.pdf', mimeType: 'application/pdf', buffer: signedPdf });
    await page.getByRole('button', { name: '开始验证' }).click();
    await page.waitForURL(`${base}/verify`);
    await page.waitForLoadState();
    await expectText(page, '✔ 验证通过');
    expect(requests.every((u) => u.startsWith(base))).toBe(true);

    await context.close();

    // axe-core is injected, which the pages' CSP (rightly) forbids: inspect them in a context that bypasses CSP
    const check = await browser.newContext({ bypassCSP: true, locale: 'zh-CN' });
    const p = await check.newPage();
    // keyboard: Tab reaches the file input, then the button
    await p.goto(`${base}/verify`);
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('file');
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.tagName)).toBe('BUTTON');
    for (const url of [`${base}/verify`, `${base}/verify/${verifyCode}`]) {
      await p.goto(url);
      expect(await axeViolations(p), url).toEqual([]);
    }
    await p.goto(`${base}/verify`);
    await p
      .getByLabel('选择要验证的文件（PDF 或 OFD）')
      .setInputFiles({ name: 'x.pdf', mimeType: 'application/pdf', buffer: tamper(signedPdf) });
    await p.getByRole('button', { name: '开始验证' }).click();
    await p.waitForLoadState();
    await expectText(p, '✘ 验证未通过');
    expect(await axeViolations(p)).toEqual([]);
    await check.close();
  });

  async function expectText(page: import('playwright-core').Page, text: string) {
    expect(await page.getByText(text).count()).toBeGreaterThan(0);
  }
});
