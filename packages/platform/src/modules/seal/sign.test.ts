import { createHash } from 'node:crypto';
import { verifyOfd, verifyPdf } from '@jiyue/seal';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestOfd } from '../../../../seal/src/ofd/test-ofd.js';
import type { TestApp } from '../../kernel/testing.js';
import { login } from '../identity/test-support.js';
import {
  adminHeaders,
  authorize,
  createSeal,
  type Headers,
  MAX_FILE_BYTES,
  makePdf,
  multipart,
  sealTestApp,
  signForm,
  userId,
} from './test-support.js';

/*
 * The signing API through real HTTP on a real database: who may sign, what is refused (and then
 * neither recorded nor counted), and that what comes out verifies with the engine.
 */

let t: TestApp;
let admin: Headers;
let editor: Headers; // jyj_editor (市教育局), authorized personally
let reviewer: Headers; // jyj_reviewer (市教育局), authorized through the org
let other: Headers; // wjw_editor (市卫健委), never authorized
let sealId: string;
let pdf: Buffer;

async function sign(headers: Headers, form: { payload: Buffer; headers: Record<string, string> }) {
  return t.app.inject({
    method: 'POST',
    url: '/api/seal/sign',
    headers: { ...headers, ...form.headers },
    payload: form.payload,
  });
}

async function recordCount(): Promise<number> {
  const r = await t.kernel.db
    .selectFrom('seal_records')
    .select(t.kernel.db.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

beforeAll(async () => {
  t = await sealTestApp();
  admin = await adminHeaders(t);
  editor = (await login(t.app, 'jyj_editor')).headers;
  reviewer = (await login(t.app, 'jyj_reviewer')).headers;
  other = (await login(t.app, 'wjw_editor')).headers;
  ({ sealId } = await createSeal(t, admin));
  await authorize(t, admin, sealId, 'user', await userId(t, 'jyj_editor'));
  pdf = await makePdf(3);
});
afterAll(async () => {
  await t?.close();
});

describe('POST /api/seal/sign', () => {
  it('signs a PDF for an authorized user; the engine verifies it and the record holds the hashes', async () => {
    const res = await sign(editor, signForm(pdf, sealId, { position: { page: 1, x: 100, y: 100 } }, '通知.pdf'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('通知-signed.pdf')}`);
    const out = res.rawPayload;
    const report = await verifyPdf(out);
    expect(report.valid).toBe(true);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0].signer).toBe('新乡市行政审批和政务信息管理局');

    const rec = await t.app.inject({ url: `/api/seal/records/${res.headers['x-seal-record-id']}`, headers: editor });
    expect(rec.statusCode).toBe(200);
    expect(rec.json()).toMatchObject({
      verifyCode: res.headers['x-seal-verify-code'],
      sealId,
      format: 'pdf',
      fileName: '通知.pdf',
      actorType: 'user',
      inputSha256: createHash('sha256').update(pdf).digest('hex'),
      inputSm3: createHash('sm3').update(pdf).digest('hex'),
      outputSha256: createHash('sha256').update(out).digest('hex'),
      outputSm3: createHash('sm3').update(out).digest('hex'),
      inputSize: pdf.length,
      outputSize: out.length,
    });
    expect(rec.json().ip).toBeTruthy();
  });

  it('places seals on every page, as a straddle seal, with a QR code to the verification page', async () => {
    const res = await sign(
      editor,
      signForm(pdf, sealId, {
        position: { page: 1, x: 150, y: 250 },
        pages: 'all',
        straddle: { side: 'right' },
        barcode: { page: 1, x: 30, y: 30 },
        protection: { certify: 2 },
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    const report = await verifyPdf(res.rawPayload);
    expect(report.valid).toBe(true);
    expect(report.signatures[0].certification).toBe(2);
  });

  it('signs an OFD with the SM2 seal; verifyOfd finds a valid GB/T 38540 signature', async () => {
    const ofd = buildTestOfd(2);
    const res = await sign(
      editor,
      signForm(ofd, sealId, { position: { page: 1, x: 100, y: 100 }, pages: 'all' }, 'x.ofd'),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/ofd');
    const report = verifyOfd(res.rawPayload);
    expect(report.valid).toBe(true);
    expect(report.signatures[0].sealName).toBe('新乡市行政审批和政务信息管理局');
    expect(report.signatures[0].stampAnnots).toHaveLength(2);
    expect(strFromU8(unzipSync(res.rawPayload)['Doc_0/Signs/Signatures.xml'])).toContain('Type="Seal"');
  });

  it('lets a user sign through an authorization of their org (市教育局), not users of other orgs', async () => {
    const org = await t.kernel.db
      .selectFrom('identity_users as u')
      .innerJoin('identity_orgs as o', 'o.id', 'u.org_id')
      .select(['o.path'])
      .where('u.username', '=', 'jyj_reviewer')
      .executeTakeFirstOrThrow();
    const ownOrg = (org.path as string).split('/').filter(Boolean).pop()!;
    const before = await sign(reviewer, signForm(pdf, sealId));
    expect(before.statusCode).toBe(403);
    expect(before.json().code).toBe('seal_not_authorized');
    await authorize(t, admin, sealId, 'org', ownOrg);
    expect((await sign(reviewer, signForm(pdf, sealId))).statusCode).toBe(200);
  });

  it('refuses an unauthorized user with a Chinese message and writes nothing', async () => {
    const n = await recordCount();
    const res = await sign(other, signForm(pdf, sealId));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'seal_not_authorized', title: '您未获得该印章的使用授权' });
    expect(await recordCount()).toBe(n);
  });

  it('refuses anonymous callers', async () => {
    const res = await sign({}, signForm(pdf, sealId));
    expect(res.statusCode).toBe(401);
  });

  it('refuses corrupt uploads, non-documents, missing parts and bad options', async () => {
    const n = await recordCount();
    const truncated = await sign(editor, signForm(pdf.subarray(0, 300), sealId));
    expect(truncated.statusCode).toBe(400);
    expect(truncated.json().code).toBe('document_invalid');
    const png = await sign(editor, signForm(Buffer.from('\x89PNG\r\n\x1a\nxxxx'), sealId, undefined, 'evil.pdf'));
    expect(png.json()).toMatchObject({ status: 400, code: 'file_unsupported', title: '只能对 PDF 或 OFD 文件签章' });
    const zipNotOfd = await sign(
      editor,
      signForm(Buffer.from('PK\x03\x04garbage-garbage-garbage'), sealId, undefined, 'a.ofd'),
    );
    expect(zipNotOfd.statusCode).toBe(400);
    const noFile = await sign(
      editor,
      multipart([
        { name: 'sealId', value: sealId },
        { name: 'options', value: '{}' },
      ]),
    );
    expect(noFile.json().code).toBe('file_missing');
    const badJson = await sign(
      editor,
      multipart([
        { name: 'sealId', value: sealId },
        { name: 'options', value: '{' },
        { name: 'file', filename: 'a.pdf', content: pdf },
      ]),
    );
    expect(badJson.json().code).toBe('options_invalid');
    const unknownOption = await sign(editor, signForm(pdf, sealId, { position: { page: 1, x: 1, y: 1 }, evil: true }));
    expect(unknownOption.json().code).toBe('options_invalid');
    const noPlace = await sign(editor, signForm(pdf, sealId, {}));
    expect(noPlace.json().code).toBe('options_invalid');
    const pageOut = await sign(editor, signForm(pdf, sealId, { position: { page: 99, x: 1, y: 1 } }));
    expect(pageOut.statusCode).toBe(400);
    const keyword = await sign(editor, signForm(pdf, sealId, { keyword: { text: '不存在的关键字' } }));
    expect(keyword.json().code).toBe('keyword_not_found');
    const badSealId = await sign(editor, signForm(pdf, 'not-a-uuid'));
    expect(badSealId.json().code).toBe('validation_failed');
    const extraField = await sign(editor, multipart([{ name: 'hack', value: '1' }]));
    expect(extraField.statusCode).toBe(400);
    const garbled = await t.app.inject({
      method: 'POST',
      url: '/api/seal/sign',
      headers: { ...editor, 'content-type': 'multipart/form-data; boundary=xyz' },
      payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.7 never ends',
    });
    expect(garbled.statusCode).toBe(400);
    expect(await recordCount()).toBe(n);
  });

  it('refuses a file over the configured size with 413 problem+json and records nothing', async () => {
    const n = await recordCount();
    const big = Buffer.concat([pdf, Buffer.alloc(MAX_FILE_BYTES, 0x20)]);
    const res = await sign(editor, signForm(big, sealId));
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'file_too_large', maxBytes: MAX_FILE_BYTES });
    expect(await recordCount()).toBe(n);
  });

  it('keeps only the base name of hostile file names', async () => {
    for (const name of ['../../etc/passwd.pdf', '..\\..\\win.ini.pdf', 'a"b\r\nX-Evil: 1.pdf', '/abs/path/合同.pdf']) {
      const res = await sign(editor, signForm(pdf, sealId, undefined, name.replace(/\r\n/g, '')));
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['x-evil']).toBeUndefined();
      const rec = await t.app.inject({ url: `/api/seal/records/${res.headers['x-seal-record-id']}`, headers: editor });
      expect(rec.json().fileName).not.toMatch(/[\\/"]/);
    }
  });

  it('refuses an OFD with an RSA seal (GB/T 38540 is SM2 only) and OFD-only-impossible options', async () => {
    const rsa = await createSeal(t, admin, { algorithm: 'rsa', name: 'RSA测试章' });
    await authorize(t, admin, rsa.sealId, 'user', await userId(t, 'jyj_editor'));
    const ofd = buildTestOfd(1);
    const res = await sign(editor, signForm(ofd, rsa.sealId, undefined, 'a.ofd'));
    expect(res.json().code).toBe('ofd_requires_sm2');
    const kw = await sign(editor, signForm(ofd, sealId, { keyword: { text: '新乡' } }, 'a.ofd'));
    expect(kw.json().code).toBe('option_unsupported_for_ofd');
    // RSA seals sign PDFs
    const pdfRes = await sign(editor, signForm(pdf, rsa.sealId));
    expect(pdfRes.statusCode).toBe(200);
    expect((await verifyPdf(pdfRes.rawPayload)).signatures[0].algorithm).toMatch(/rsa/i);
  });

  it('refuses a disabled seal at once, and an expired one, with Chinese reasons', async () => {
    const s = await createSeal(t, admin, { name: '停用测试章' });
    await authorize(t, admin, s.sealId, 'user', await userId(t, 'jyj_editor'));
    expect((await sign(editor, signForm(pdf, s.sealId))).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: `/api/seal/seals/${s.sealId}/disable`, headers: admin });
    const disabled = await sign(editor, signForm(pdf, s.sealId));
    expect(disabled.statusCode).toBe(409);
    expect(disabled.json()).toMatchObject({ code: 'seal_unusable', reason: 'disabled', title: '印章已停用' });

    const past = new Date(Date.now() - 1000).toISOString();
    const e = await createSeal(t, admin, { name: '过期测试章' });
    await authorize(t, admin, e.sealId, 'user', await userId(t, 'jyj_editor'));
    await t.kernel.db.updateTable('seal_seals').set({ valid_to: past }).where('id', '=', e.sealId).execute();
    const expired = await sign(editor, signForm(pdf, e.sealId));
    expect(expired.json()).toMatchObject({ code: 'seal_unusable', reason: 'expired', title: '印章已过有效期' });
    const missing = await sign(editor, signForm(pdf, '00000000-0000-4000-8000-000000000000'));
    expect(missing.json().code).toBe('seal_not_found');
  });

  it('never overspends a count-limited authorization under concurrent signing', async () => {
    const s = await createSeal(t, admin, { name: '限次测试章' });
    const auth = await authorize(t, admin, s.sealId, 'user', await userId(t, 'jyj_editor'), { maxUses: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, () => sign(editor, signForm(pdf, s.sealId))));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(3);
    expect(codes.filter((c) => c === 403)).toHaveLength(7);
    for (const r of results.filter((x) => x.statusCode === 403)) expect(r.json().code).toBe('authorization_exhausted');
    const list = await t.app.inject({ url: `/api/seal/authorizations?sealId=${s.sealId}`, headers: admin });
    expect(list.json().items.find((a: { id: string }) => a.id === auth.id)).toMatchObject({
      usedCount: 3,
      remaining: 0,
      status: 'exhausted',
    });
    const records = await t.kernel.db.selectFrom('seal_records').select('id').where('seal_id', '=', s.sealId).execute();
    expect(records).toHaveLength(3);
  });

  it('honours the time window of an authorization and revocation', async () => {
    const s = await createSeal(t, admin, { name: '时限测试章' });
    const future = new Date(Date.now() + 3600_000).toISOString();
    await authorize(t, admin, s.sealId, 'user', await userId(t, 'jyj_editor'), { validFrom: future });
    expect((await sign(editor, signForm(pdf, s.sealId))).json().code).toBe('seal_not_authorized');
    const now = await authorize(t, admin, s.sealId, 'user', await userId(t, 'jyj_editor'));
    expect((await sign(editor, signForm(pdf, s.sealId))).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/seal/authorizations/${now.id}`, headers: admin });
    expect(del.statusCode).toBe(204);
    expect((await sign(editor, signForm(pdf, s.sealId))).json().code).toBe('seal_not_authorized');
  });

  it('shows the seal picture to authorized users only, with its true size', async () => {
    const img = await t.app.inject({ url: `/api/seal/seals/${sealId}/image`, headers: editor });
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.headers['x-seal-width-mm']).toBe('42');
    expect((await t.app.inject({ url: `/api/seal/seals/${sealId}/image`, headers: other })).json().code).toBe(
      'seal_not_authorized',
    );
    const mine = (await t.app.inject({ url: '/api/seal/my-seals', headers: editor })).json();
    expect(mine.items[0].seal).toMatchObject({ imageWidthMm: 42, imageHeightMm: 42 });
  });

  it('lists the caller’s usable seals and only their own records', async () => {
    const mine = await t.app.inject({ url: '/api/seal/my-seals', headers: editor });
    expect(mine.json().items.map((i: { seal: { id: string } }) => i.seal.id)).toContain(sealId);
    expect((await t.app.inject({ url: '/api/seal/my-seals', headers: other })).json().items).toEqual([]);
    const own = await t.app.inject({ url: '/api/seal/records?pageSize=100', headers: reviewer });
    expect(own.json().items.length).toBeGreaterThan(0);
    expect(own.json().items.every((r: { actorName: string }) => r.actorName === own.json().items[0].actorName)).toBe(
      true,
    );
    const all = await t.app.inject({ url: '/api/seal/records?pageSize=100', headers: admin });
    expect(all.json().total).toBeGreaterThan(own.json().total);
  });
});

describe('batch signing', () => {
  it('signs PDF and OFD files in a job with progress; one bad file fails alone; results download', async () => {
    const form = multipart([
      { name: 'sealId', value: sealId },
      { name: 'options', value: JSON.stringify({ position: { page: 1, x: 100, y: 100 } }) },
      { name: 'file', filename: '一.pdf', content: pdf },
      { name: 'file', filename: '二.ofd', content: buildTestOfd(1) },
      { name: 'file', filename: '坏.pdf', content: pdf.subarray(0, 400) },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/seal/sign/batch',
      headers: { ...editor, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(202);
    const { batchId, jobId, total } = res.json();
    expect(total).toBe(3);
    await t.kernel.jobs.runUntilIdle();
    const job = await t.app.inject({ url: `/api/jobs/${jobId}`, headers: editor });
    expect(job.json()).toMatchObject({ status: 'succeeded', done: 3, total: 3 });
    const batch = (await t.app.inject({ url: `/api/seal/batches/${batchId}`, headers: editor })).json();
    expect(batch.items.map((i: { status: string }) => i.status)).toEqual(['signed', 'signed', 'failed']);
    expect(batch.items[2].error.code).toBe('document_invalid');
    const first = await t.app.inject({ url: `/api/seal/batches/${batchId}/files/0`, headers: editor });
    expect((await verifyPdf(first.rawPayload)).valid).toBe(true);
    const second = await t.app.inject({ url: `/api/seal/batches/${batchId}/files/1`, headers: editor });
    expect(verifyOfd(second.rawPayload).valid).toBe(true);
    const zip = await t.app.inject({ url: `/api/seal/batches/${batchId}/zip`, headers: editor });
    expect(Object.keys(unzipSync(zip.rawPayload)).sort()).toEqual(['一-signed.pdf', '二-signed.ofd'].sort());
    // someone else cannot read the batch
    expect((await t.app.inject({ url: `/api/seal/batches/${batchId}`, headers: reviewer })).statusCode).toBe(404);
  });

  it('refuses the whole batch up front when the caller may not use the seal', async () => {
    const form = multipart([
      { name: 'sealId', value: sealId },
      { name: 'options', value: JSON.stringify({ position: { page: 1, x: 100, y: 100 } }) },
      { name: 'file', filename: 'a.pdf', content: pdf },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/seal/sign/batch',
      headers: { ...other, ...form.headers },
      payload: form.payload,
    });
    expect(res.json().code).toBe('seal_not_authorized');
  });
});
