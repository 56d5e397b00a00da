import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, type Principal } from './auth.js';
import type { JiyueModule } from './module.js';
import type { Scope } from './permissions.js';
import { createTestApp, type TestApp } from './testing.js';

/** Stands in for identity's session lookup: the test names the principal in a header. */
function principal(overrides: Partial<Principal> & { perms?: Record<string, Scope> } = {}): Principal {
  return {
    userId: 'u1',
    username: 'alice',
    displayName: '爱丽丝',
    orgId: 'o1',
    roles: [],
    via: 'session',
    permissions: new Map(Object.entries(overrides.perms ?? {})),
    ...overrides,
  };
}

const guarded: JiyueModule = {
  name: 'guarded',
  permissions: [{ code: 'thing:edit', name: '编辑', group: '测试' }],
  async routes(app) {
    app.get('/api/things', { preHandler: app.requireAuth }, async (req) => ({ user: req.principal?.username }));
    app.post('/api/things', { preHandler: app.requirePermission('thing:edit') }, async () => ({ ok: true }));
  },
};

describe('auth guards', () => {
  let t: TestApp;
  const principals = new Map<string, Principal>([
    ['viewer', principal()],
    ['editor', principal({ perms: { 'thing:edit': { kind: 'all' } } })],
    ['robot', principal({ via: 'apiKey', perms: { 'thing:edit': { kind: 'all' } } })],
  ]);
  beforeAll(async () => {
    t = await createTestApp({ modules: [guarded] });
    t.kernel.auth.setResolver(async (req) => principals.get(String(req.headers['x-test-user'])) ?? null);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 without a principal', async () => {
    const res = await t.app.inject('/api/things');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthorized');
  });

  it('lets an authenticated GET through without CSRF token', async () => {
    const res = await t.app.inject({ url: '/api/things', headers: { 'x-test-user': 'viewer' } });
    expect(res.json()).toEqual({ user: 'alice' });
  });

  it('refuses a cookie-session write without a matching CSRF header', async () => {
    const base = { method: 'POST' as const, url: '/api/things', payload: {} };
    const none = await t.app.inject({ ...base, headers: { 'x-test-user': 'editor' } });
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe('csrf_failed');
    const wrong = await t.app.inject({
      ...base,
      headers: { 'x-test-user': 'editor', cookie: 'jiyue_csrf=abc', 'x-csrf-token': 'abd' },
    });
    expect(wrong.json().code).toBe('csrf_failed');
    const right = await t.app.inject({
      ...base,
      headers: { 'x-test-user': 'editor', cookie: 'jiyue_csrf=abc', 'x-csrf-token': 'abc' },
    });
    expect(right.statusCode).toBe(200);
  });

  it('does not ask API-key callers for a CSRF token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/things',
      payload: {},
      headers: { 'x-test-user': 'robot' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 403 when the permission is missing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/things',
      payload: {},
      headers: { 'x-test-user': 'viewer', cookie: 'jiyue_csrf=abc', 'x-csrf-token': 'abc' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'forbidden', detail: '需要权限 thing:edit' });
  });

  it('refuses a guard on an unregistered permission when the route is declared', () => {
    expect(() => t.app.requirePermission('thing:typo')).toThrow(/unknown permission/);
  });
});

describe('can', () => {
  const p = principal({
    perms: { 'user:edit': { kind: 'orgs', orgIds: ['o1', 'o1-child'] }, 'user:read': { kind: 'all' } },
  });
  it('checks permission and org scope', () => {
    expect(can(p, 'user:edit')).toBe(true);
    expect(can(p, 'user:edit', 'o1-child')).toBe(true);
    expect(can(p, 'user:edit', 'o2')).toBe(false);
    expect(can(p, 'user:edit', null)).toBe(false);
    expect(can(p, 'user:read', 'anything')).toBe(true);
    expect(can(p, 'user:delete')).toBe(false);
    expect(can(null, 'user:read')).toBe(false);
  });
});

describe('chained resolvers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ modules: [guarded] });
    // The main (session) resolver knows 'viewer'; a second one (API keys) knows 'robot'.
    t.kernel.auth.addResolver(async (req) =>
      req.headers.authorization === 'Bearer k1'
        ? principal({ username: 'robot', via: 'apiKey', perms: { 'thing:edit': { kind: 'all' } } })
        : null,
    );
    t.kernel.auth.setResolver(async (req) => (req.headers['x-test-user'] === 'viewer' ? principal() : null));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('asks the added resolver when the main one finds nobody, and keeps it after setResolver', async () => {
    const viaSession = await t.app.inject({ url: '/api/things', headers: { 'x-test-user': 'viewer' } });
    expect(viaSession.json()).toEqual({ user: 'alice' });
    const viaKey = await t.app.inject({
      method: 'POST',
      url: '/api/things',
      payload: {},
      headers: { authorization: 'Bearer k1' },
    });
    expect(viaKey.statusCode).toBe(200);
    const nobody = await t.app.inject({ url: '/api/things', headers: { authorization: 'Bearer nope' } });
    expect(nobody.statusCode).toBe(401);
  });
});
