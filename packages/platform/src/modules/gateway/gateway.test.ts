import { verifyPdf } from '@jiyue/seal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../kernel/testing.js';
import { login } from '../identity/test-support.js';
import {
  adminHeaders,
  authorize,
  createSeal,
  type Headers,
  makePdf,
  sealTestApp,
  signForm,
} from '../seal/test-support.js';

/*
 * API clients (接口客户端): keys shown once and stored hashed, Bearer authentication, scopes,
 * revocation and rotation taking effect at once, last use recorded, every admin write audited.
 */

let t: TestApp;
let admin: Headers;
let sealId: string;
let pdf: Buffer;

beforeAll(async () => {
  t = await sealTestApp();
  admin = await adminHeaders(t);
  ({ sealId } = await createSeal(t, admin));
  pdf = await makePdf();
});
afterAll(async () => {
  await t?.close();
});

async function newClient(scopes: string[], name = '一件事系统') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/gateway/clients',
    headers: admin,
    payload: { name, scopes },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { client: { id: string; keyPrefix: string }; key: string };
}

function signWith(key: string, id = sealId) {
  const form = signForm(pdf, id);
  return t.app.inject({
    method: 'POST',
    url: '/api/seal/sign',
    headers: { authorization: `Bearer ${key}`, ...form.headers },
    payload: form.payload,
  });
}

describe('API clients', () => {
  it('creates a client whose key is shown once and stored only as a hash', async () => {
    const { client, key } = await newClient(['seal:sign']);
    expect(key).toMatch(/^jy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(client.keyPrefix)).toBe(true);
    const row = await t.kernel.db
      .selectFrom('gateway_clients')
      .selectAll()
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key.slice(16));
    const listed = await t.app.inject({ url: '/api/gateway/clients', headers: admin });
    expect(listed.body).not.toContain(key.slice(16));
    expect(listed.json().items[0]).not.toHaveProperty('keyHash');
  });

  it('signs with a Bearer key when the client is authorized for the seal, without CSRF header', async () => {
    const { client, key } = await newClient(['seal:sign'], 'OA 系统');
    const refused = await signWith(key);
    expect(refused.json().code).toBe('seal_not_authorized');
    await authorize(t, admin, sealId, 'client', client.id);
    const res = await signWith(key);
    expect(res.statusCode, res.body).toBe(200);
    expect((await verifyPdf(res.rawPayload)).valid).toBe(true);
    const rec = await t.kernel.db
      .selectFrom('seal_records')
      .selectAll()
      .where('id', '=', res.headers['x-seal-record-id'] as string)
      .executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ actor_type: 'client', actor_id: client.id, actor_name: '接口客户端：OA 系统' });
    const view = await t.app.inject({ url: `/api/gateway/clients/${client.id}`, headers: admin });
    expect(view.json().lastUsedAt).not.toBeNull();
    expect(view.json().lastUsedIp).toBeTruthy();
    // the client sees its own records with the seal-record:read scope only
    const records = await t.app.inject({ url: '/api/seal/records', headers: { authorization: `Bearer ${key}` } });
    expect(records.statusCode).toBe(200);
    expect(records.json().items.every((r: { actorId: string }) => r.actorId === client.id)).toBe(true);
  });

  it('checks scopes: a key without seal:sign cannot sign and cannot reach admin APIs', async () => {
    const { client, key } = await newClient(['seal-record:read'], '只读系统');
    await authorize(t, admin, sealId, 'client', client.id);
    const res = await signWith(key);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
    const adminApi = await t.app.inject({ url: '/api/gateway/clients', headers: { authorization: `Bearer ${key}` } });
    expect(adminApi.statusCode).toBe(403);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/gateway/clients',
      headers: admin,
      payload: { name: 'x', scopes: ['user:create'] },
    });
    expect(unknown.json().code).toBe('scope_unknown');
  });

  it('refuses malformed, unknown, rotated and revoked keys with 401 api_key_invalid', async () => {
    const { client, key } = await newClient(['seal:sign'], '轮换系统');
    await authorize(t, admin, sealId, 'client', client.id);
    for (const bad of [
      'nonsense',
      `${key.slice(0, -1)}x`,
      'jy_000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ]) {
      const res = await signWith(bad);
      expect(res.statusCode, bad).toBe(401);
      expect(res.json()).toMatchObject({ code: 'api_key_invalid', title: '接口密钥无效或已吊销' });
    }
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/api/gateway/clients/${client.id}/rotate`,
      headers: admin,
    });
    const newKey = rotated.json().key as string;
    expect((await signWith(key)).statusCode).toBe(401);
    expect((await signWith(newKey)).statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: 'POST',
      url: `/api/gateway/clients/${client.id}/revoke`,
      headers: admin,
    });
    expect(revoked.json().status).toBe('revoked');
    expect((await signWith(newKey)).statusCode).toBe(401);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/gateway/clients/${client.id}/revoke`,
      headers: admin,
    });
    expect(again.json().code).toBe('client_revoked');
  });

  it('keeps client management to api-client:manage and audits every write', async () => {
    const editor = (await login(t.app, 'jyj_editor')).headers;
    expect((await t.app.inject({ url: '/api/gateway/clients', headers: editor })).statusCode).toBe(403);
    const { client } = await newClient(['seal:sign'], '审计系统');
    await t.app.inject({
      method: 'PATCH',
      url: `/api/gateway/clients/${client.id}`,
      headers: admin,
      payload: { description: '改' },
    });
    const bad = await t.app.inject({
      method: 'PATCH',
      url: `/api/gateway/clients/${client.id}`,
      headers: admin,
      payload: { keyHash: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    const actions = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('resource', '=', 'gateway.client')
      .where('resource_id', '=', client.id)
      .execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['create', 'update']);
    const all = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('resource', '=', 'gateway.client')
      .execute();
    expect(all.map((a) => a.action)).toEqual(expect.arrayContaining(['create', 'rotate', 'revoke']));
  });
});
