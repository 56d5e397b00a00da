import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './testing.js';

describe('console static serving', () => {
  let t: TestApp;
  let missing: TestApp;
  let dist: string;
  beforeAll(async () => {
    dist = mkdtempSync(path.join(tmpdir(), 'jiyue-dist-'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>集约</title><div id="root"></div>');
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log("app")');
    [t, missing] = await Promise.all([
      createTestApp({ adminDist: dist }),
      createTestApp({ adminDist: path.join(dist, 'nope') }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), missing?.close()]);
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves built files under /admin', async () => {
    const res = await t.app.inject('/admin/assets/app.js');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("app")');
  });

  it('answers client-side routes with the SPA shell', async () => {
    for (const url of ['/admin/', '/admin/identity/users/42', '/admin/settings?tab=menus']) {
      const res = await t.app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<div id="root">');
    }
    expect((await t.app.inject('/admin')).headers.location).toBe('/admin/');
  });

  it('keeps 404 for missing asset files and leaves the API alone', async () => {
    expect((await t.app.inject('/admin/assets/missing.js')).statusCode).toBe(404);
    const api = await t.app.inject('/api/whatever');
    expect(api.statusCode).toBe(404);
    expect(api.json().code).toBe('route_not_found');
  });

  it('says the console is not built when dist is absent', async () => {
    const res = await missing.app.inject('/admin');
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('console_not_built');
  });
});
