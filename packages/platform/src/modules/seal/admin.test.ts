import { createCertificate, generateKeyPair } from '@jiyue/seal';
import forge from 'node-forge';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * 印模、密钥与证书、印章: the administrator's side through HTTP — uploads checked, keys never
 * returned, certificates matched to keys, seals deleted only when unused, every write audited.
 */

let t: TestApp;
let admin: Headers;
let editor: Headers;

beforeAll(async () => {
  t = await sealTestApp();
  admin = await adminHeaders(t);
  editor = (await login(t.app, 'jyj_editor')).headers;
});
afterAll(async () => {
  await t?.close();
});

async function upload(url: string, parts: Parameters<typeof multipart>[0], headers = admin) {
  const form = multipart(parts);
  return t.app.inject({ method: 'POST', url, headers: { ...headers, ...form.headers }, payload: form.payload });
}

async function auditActions(resource: string): Promise<string[]> {
  const rows = await t.kernel.db.selectFrom('audit_log').select('action').where('resource', '=', resource).execute();
  return rows.map((r) => r.action as string);
}

/** A red ring on a transparent (or white, when `opaque`) 400×400 canvas. */
function sealPng(opaque = false, format: 'png' | 'gif' = 'png'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">${opaque ? '<rect width="400" height="400" fill="#fff"/>' : ''}<circle cx="200" cy="200" r="180" fill="none" stroke="#e60012" stroke-width="16"/></svg>`;
  const img = sharp(Buffer.from(svg));
  return format === 'png' ? img.png().toBuffer() : img.gif().toBuffer();
}

describe('印模管理', () => {
  it('generates a round seal image shown at its true size', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/seal/images/generate',
      headers: admin,
      payload: {
        name: '审批局公章印模',
        shape: 'round',
        text: '新乡市行政审批和政务信息管理局',
        bottomText: '行政审批专用章',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      source: 'generated',
      widthMm: 42,
      heightMm: 42,
      hasAlpha: true,
      opaqueBackground: false,
    });
    const png = await t.app.inject({ url: `/api/seal/images/${res.json().id}/png`, headers: admin });
    expect(png.headers['content-type']).toBe('image/png');
    const meta = await sharp(png.rawPayload).metadata();
    expect(meta.hasAlpha).toBe(true);
    expect(Math.round(((meta.width ?? 0) / (meta.density ?? 1)) * 25.4)).toBe(42);
  });

  it('previews a generated image without storing it', async () => {
    const before = (await t.app.inject({ url: '/api/seal/images', headers: admin })).json().total;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/seal/images/preview',
      headers: admin,
      payload: { name: '预览', shape: 'oval', text: '新乡市红旗区', widthMm: 45, heightMm: 30 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-seal-width-mm']).toBe('45');
    expect((await t.app.inject({ url: '/api/seal/images', headers: admin })).json().total).toBe(before);
  });

  it('accepts transparent PNG and GIF uploads and refuses an opaque background unless asked to remove it', async () => {
    const ok = await upload('/api/seal/images', [
      { name: 'name', value: '上传印模' },
      { name: 'widthMm', value: '40' },
      { name: 'file', filename: 'seal.png', content: await sealPng() },
    ]);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ format: 'png', widthMm: 40, source: 'upload' });
    const gif = await upload('/api/seal/images', [
      { name: 'file', filename: 'seal.gif', content: await sealPng(false, 'gif') },
    ]);
    expect(gif.statusCode, gif.body).toBe(201);
    expect(gif.json()).toMatchObject({ format: 'gif', name: 'seal' });

    const opaque = await sealPng(true);
    const refused = await upload('/api/seal/images', [{ name: 'file', filename: 'scan.png', content: opaque }]);
    expect(refused.json()).toMatchObject({
      status: 400,
      code: 'image_opaque_background',
      title: '印模图片背景不透明，会遮住文件文字',
    });
    const cleaned = await upload('/api/seal/images', [
      { name: 'removeWhiteBackground', value: 'true' },
      { name: 'file', filename: 'scan.png', content: opaque },
    ]);
    expect(cleaned.statusCode, cleaned.body).toBe(201);
    expect(cleaned.json().opaqueBackground).toBe(true);
  });

  it('sniffs uploads: JPEG renamed .png, garbage, tiny and oversized images are refused, nothing stored', async () => {
    const before = (await t.app.inject({ url: '/api/seal/images', headers: admin })).json().total;
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    expect((await upload('/api/seal/images', [{ name: 'file', filename: 'x.png', content: jpeg }])).json().code).toBe(
      'image_unsupported',
    );
    const garbage = await upload('/api/seal/images', [
      { name: 'file', filename: 'x.png', content: Buffer.from('\x89PNG\r\n\x1a\n garbage') },
    ]);
    expect(garbage.statusCode).toBe(400);
    const tiny = await sharp({ create: { width: 20, height: 20, channels: 4, background: '#0000' } })
      .png()
      .toBuffer();
    expect((await upload('/api/seal/images', [{ name: 'file', filename: 't.png', content: tiny }])).json().code).toBe(
      'image_dimensions',
    );
    const huge = await upload('/api/seal/images', [
      { name: 'file', filename: 'h.png', content: Buffer.alloc(3 * 1024 * 1024) },
    ]);
    expect(huge.statusCode).toBe(413);
    expect((await t.app.inject({ url: '/api/seal/images', headers: admin })).json().total).toBe(before);
  });

  it('needs seal-image:manage', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/seal/images/generate',
      headers: editor,
      payload: { name: 'x', shape: 'round', text: '某单位' },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('密钥与证书', () => {
  it('generates SM2 and RSA keys, issues certificates with the development CA and never returns private keys', async () => {
    const sm2 = await t.app.inject({
      method: 'POST',
      url: '/api/seal/keys',
      headers: admin,
      payload: { name: 'SM2 测试', algorithm: 'sm2' },
    });
    expect(sm2.statusCode, sm2.body).toBe(201);
    expect(sm2.json()).toMatchObject({ algorithm: 'sm2', certificate: null, expiryStatus: 'no_certificate' });
    const issued = await t.app.inject({
      method: 'POST',
      url: `/api/seal/keys/${sm2.json().id}/issue`,
      headers: admin,
      payload: { subject: { CN: '新乡市行政审批和政务信息管理局', O: '新乡市人民政府' }, days: 365 },
    });
    expect(issued.statusCode, issued.body).toBe(200);
    expect(issued.json().certificate).toMatchObject({ issuedByDevCa: true, signatureAlgorithm: 'SM2-with-SM3' });
    expect(issued.json().certificate.issuer).toContain('集约开发测试CA（SM2）');
    expect(issued.json().expiryStatus).toBe('valid');
    const rsa = await t.app.inject({
      method: 'POST',
      url: '/api/seal/keys',
      headers: admin,
      payload: { name: 'RSA 测试', algorithm: 'rsa', rsaBits: 2048, issue: { subject: { CN: '张三' } } },
    });
    expect(rsa.json().certificate.issuer).toContain('（RSA）');
    for (const body of [
      sm2.body,
      issued.body,
      rsa.body,
      (await t.app.inject({ url: '/api/seal/keys', headers: admin })).body,
    ]) {
      expect(body).not.toMatch(/PRIVATE KEY|key_enc|keyEnc/);
    }
    const row = await t.kernel.db
      .selectFrom('seal_keys')
      .select('key_enc')
      .where('id', '=', sm2.json().id)
      .executeTakeFirstOrThrow();
    expect(row.key_enc).not.toContain('PRIVATE KEY');
    expect(t.kernel.crypto.sm4Decrypt(row.key_enc as string)).toContain('PRIVATE KEY');
    const cas = await t.app.inject({ url: '/api/seal/ca', headers: admin });
    expect(
      cas
        .json()
        .items.map((c: { algorithm: string }) => c.algorithm)
        .sort(),
    ).toEqual(['rsa', 'sm2']);
    const caPem = await t.app.inject({ url: '/api/seal/ca/sm2/certificate' });
    expect(caPem.body).toContain('BEGIN CERTIFICATE');
  });

  it('imports PEM and PKCS#12; a certificate of another key or a wrong password is refused clearly', async () => {
    const a = generateKeyPair('sm2');
    const b = generateKeyPair('sm2');
    const certA = createCertificate({ subject: { CN: '导入测试' }, ...a, issuer: 'self' });
    const ok = await upload('/api/seal/keys/import', [
      { name: 'name', value: 'PEM 导入' },
      { name: 'key', filename: 'k.pem', content: Buffer.from(a.privateKeyPem) },
      { name: 'cert', value: certA },
    ]);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ source: 'imported', algorithm: 'sm2' });
    const mismatch = await upload('/api/seal/keys/import', [
      { name: 'key', value: b.privateKeyPem },
      { name: 'cert', value: certA },
    ]);
    expect(mismatch.json()).toMatchObject({ status: 400, code: 'key_cert_mismatch', title: '私钥与签名证书不匹配' });
    const garbage = await upload('/api/seal/keys/import', [
      { name: 'key', value: 'not a key' },
      { name: 'cert', value: certA },
    ]);
    expect(garbage.statusCode).toBe(400);
    expect((await upload('/api/seal/keys/import', [{ name: 'name', value: 'x' }])).json().code).toBe(
      'import_incomplete',
    );

    // PKCS#12 (RSA, made with node-forge as other tools would)
    const keys = forge.pki.rsa.generateKeyPair(2048);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 20 * 86_400_000); // expires soon → warning list
    cert.setSubject([{ name: 'commonName', value: 'P12 Test' }]);
    cert.setIssuer([{ name: 'commonName', value: 'P12 Test' }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    const p12 = Buffer.from(
      forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], '口令123', { algorithm: '3des' })).getBytes(),
      'binary',
    );
    const wrong = await upload('/api/seal/keys/import', [
      { name: 'password', value: 'wrong' },
      { name: 'p12', filename: 'a.p12', content: p12 },
    ]);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().title).toMatch(/密码|口令|PKCS/);
    const right = await upload('/api/seal/keys/import', [
      { name: 'name', value: 'P12 导入' },
      { name: 'password', value: '口令123' },
      { name: 'p12', filename: 'a.p12', content: p12 },
    ]);
    expect(right.statusCode, right.body).toBe(201);
    expect(right.json()).toMatchObject({ algorithm: 'rsa', expiryStatus: 'expiring' });
    const expiring = await t.app.inject({ url: '/api/seal/keys/expiring?days=30', headers: admin });
    expect(expiring.json().items.map((k: { id: string }) => k.id)).toContain(right.json().id);
    const reissue = await t.app.inject({
      method: 'POST',
      url: `/api/seal/keys/${right.json().id}/issue`,
      headers: admin,
      payload: { subject: { CN: 'x' } },
    });
    expect(reissue.json().code).toBe('key_imported');
  });
});

describe('印章管理', () => {
  it('creates, edits, disables, enables; refuses a key without certificate; deletes only unused seals', async () => {
    const img = await t.app.inject({
      method: 'POST',
      url: '/api/seal/images/generate',
      headers: admin,
      payload: { name: '名章', shape: 'square', text: '张三' },
    });
    const bare = await t.app.inject({
      method: 'POST',
      url: '/api/seal/keys',
      headers: admin,
      payload: { name: '无证书', algorithm: 'sm2' },
    });
    const noCert = await t.app.inject({
      method: 'POST',
      url: '/api/seal/seals',
      headers: admin,
      payload: { name: '张三', type: 'legal_person', imageId: img.json().id, keyId: bare.json().id },
    });
    expect(noCert.json().code).toBe('key_without_certificate');
    const badValidity = await t.app.inject({
      method: 'POST',
      url: '/api/seal/seals',
      headers: admin,
      payload: {
        name: '张三',
        type: 'legal_person',
        imageId: img.json().id,
        keyId: bare.json().id,
        validFrom: '2027-01-01T00:00:00Z',
        validTo: '2026-01-01T00:00:00Z',
      },
    });
    expect(badValidity.json().code).toBe('validity_invalid');
    const unknownType = await t.app.inject({
      method: 'POST',
      url: '/api/seal/seals',
      headers: admin,
      payload: { name: '张三', type: 'secret', imageId: img.json().id, keyId: bare.json().id },
    });
    expect(unknownType.statusCode).toBe(400);

    const { sealId, imageId, keyId } = await createSeal(t, admin, { name: '生命周期测试章' });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/seal/seals/${sealId}`,
      headers: admin,
      payload: { code: '4107000000001', description: '测试' },
    });
    expect(patched.json()).toMatchObject({ code: '4107000000001', typeName: '公章', usable: true, status: 'enabled' });
    const disabled = await t.app.inject({ method: 'POST', url: `/api/seal/seals/${sealId}/disable`, headers: admin });
    expect(disabled.json()).toMatchObject({ status: 'disabled', usable: false, unusableText: '印章已停用' });
    await t.app.inject({ method: 'POST', url: `/api/seal/seals/${sealId}/enable`, headers: admin });

    // image and key in use cannot be deleted
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/seal/images/${imageId}`, headers: admin })).json().code,
    ).toBe('image_in_use');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/seal/keys/${keyId}`, headers: admin })).json().code).toBe(
      'key_in_use',
    );

    // used → delete refused, retire instead; retired stays retired
    await authorize(t, admin, sealId, 'user', await userId(t, 'jyj_editor'));
    const form = signForm(await makePdf(), sealId);
    const signed = await t.app.inject({
      method: 'POST',
      url: '/api/seal/sign',
      headers: { ...editor, ...form.headers },
      payload: form.payload,
    });
    expect(signed.statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/seal/seals/${sealId}`, headers: admin });
    expect(del.json()).toMatchObject({ status: 409, code: 'seal_in_use' });
    const retired = await t.app.inject({ method: 'POST', url: `/api/seal/seals/${sealId}/retire`, headers: admin });
    expect(retired.json()).toMatchObject({ status: 'retired', usable: false, signCount: 1 });
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/seal/seals/${sealId}/enable`, headers: admin })).json().code,
    ).toBe('seal_retired');

    // unused → deleted
    const fresh = await createSeal(t, admin, { name: '未使用章' });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/seal/seals/${fresh.sealId}`, headers: admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ url: `/api/seal/seals/${fresh.sealId}`, headers: admin })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/seal/images/${fresh.imageId}`, headers: admin })).statusCode,
    ).toBe(204);

    expect(await auditActions('seal.seal')).toEqual(
      expect.arrayContaining(['create', 'update', 'disable', 'enable', 'retire', 'delete']),
    );
    expect(await auditActions('seal.image')).toEqual(expect.arrayContaining(['generate', 'upload', 'delete']));
    expect(await auditActions('seal.key')).toEqual(expect.arrayContaining(['create', 'issue', 'import']));
    expect(await auditActions('seal.authorization')).toContain('grant');
    expect((await t.kernel.audit.verify()).ok).toBe(true);
  });

  it('lists seals with filters and keeps management behind its permissions', async () => {
    await createSeal(t, admin, { name: '列表测试章' });
    const list = await t.app.inject({ url: '/api/seal/seals?type=official&status=enabled', headers: admin });
    expect(list.statusCode).toBe(200);
    expect(
      list.json().items.every((s: { type: string; status: string }) => s.type === 'official' && s.status === 'enabled'),
    ).toBe(true);
    expect((await t.app.inject({ url: '/api/seal/seals', headers: editor })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/seal/seals?evil=1', headers: admin })).statusCode).toBe(400);
    const sub = await t.app.inject({
      method: 'POST',
      url: '/api/seal/authorizations',
      headers: admin,
      payload: {
        sealId: list.json().items[0].id,
        subjectType: 'user',
        subjectId: '00000000-0000-4000-8000-000000000000',
      },
    });
    expect(sub.json().code).toBe('subject_not_found');
  });

  it('seeds the console menu group 电子印章, a demo seal and the process seal-use when seeding is on', async () => {
    const seeded = await sealTestApp({ seed: true, workflow: true });
    try {
      const seals = await seeded.kernel.db.selectFrom('seal_seals').select(['name', 'status']).execute();
      expect(seals).toEqual([{ name: '新乡市行政审批和政务信息管理局（演示公章）', status: 'enabled' }]);
      const menus = await seeded.kernel.db
        .selectFrom('settings_menus')
        .select('path')
        .where('path', 'like', '/seal/%')
        .execute();
      expect(menus.map((m) => m.path).sort()).toEqual(
        [
          '/seal/api-clients',
          '/seal/authorizations',
          '/seal/certs',
          '/seal/images',
          '/seal/records',
          '/seal/requests',
          '/seal/seals',
          '/seal/verify',
          '/seal/workbench',
        ].sort(),
      );
      const processes = await seeded.kernel.db
        .selectFrom('workflow_definitions')
        .select(['key', 'version'])
        .where('key', '=', 'seal-use')
        .execute();
      expect(processes).toEqual([{ key: 'seal-use', version: 1 }]);
    } finally {
      await seeded.close();
    }
  });
});
