import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { cmsModule } from './index.js';
import { sanitizeBody } from './sanitize.js';
import { demoDocumentCount, seedDocuments } from './seed-documents.js';

let t: TestApp;

beforeAll(async () => {
  t = await identityTestApp({ modules: [cmsModule] });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('seedDocuments', () => {
  it('generates realistic documents across the sites quickly', async () => {
    const total = Number(process.env.JIYUE_SEED_TEST_TOTAL ?? 3000);
    const before = await t.kernel.db
      .selectFrom('cms_documents')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const { inserted, ms } = await seedDocuments(t.kernel, { total });
    console.info(`seedDocuments: ${inserted} documents in ${ms} ms on ${t.kernel.dbKind}`);
    expect(inserted).toBe(total);
    const stats = await t.kernel.db
      .selectFrom('cms_documents')
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.count('site_id').distinct().as('sites'),
        eb.fn.min('publish_at').as('oldest'),
      ])
      .executeTakeFirstOrThrow();
    expect(Number(stats.n) - Number(before.n)).toBe(total);
    expect(Number(stats.sites)).toBeGreaterThan(40);
    expect(Date.now() - (stats.oldest as Date).getTime()).toBeGreaterThan(2 * 365 * 86_400_000);
    const sample = await t.kernel.db
      .selectFrom('cms_documents')
      .select(['title', 'body_html', 'source'])
      .limit(500)
      .execute();
    for (const doc of sample) {
      expect(doc.title.match(/[\u4e00-\u9fff]/g)?.length ?? 0, doc.title).toBeGreaterThanOrEqual(8);
      expect(doc.body_html.match(/<p/g)?.length).toBeGreaterThanOrEqual(2);
      // Generated bodies are what the sanitizer would keep: the site can show them as they are.
      expect(sanitizeBody(doc.body_html)).toBe(doc.body_html);
    }
  }, 300_000);

  it('gives the editor of 市教育局 pages of their own site’s documents', async () => {
    const editor = await login(t.app, 'jyj_editor');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/cms/documents?page=2&pageSize=20',
      headers: editor.headers,
    });
    const body = res.json();
    expect(body.total).toBeGreaterThan(20);
    expect(body.items).toHaveLength(20);
    expect(new Set(body.items.map((d: { siteName: string }) => d.siteName))).toEqual(new Set(['新乡市教育局']));
  });

  it('lists every site’s documents for the system administrator, filtered and paged', async () => {
    const admin = await login(t.app, 'admin');
    const started = Date.now();
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/cms/documents?page=3&pageSize=50&state=published&q=${encodeURIComponent('通知')}`,
      headers: admin.headers,
    });
    console.info(`list over all sites: ${Date.now() - started} ms`);
    const body = res.json();
    expect(body.items).toHaveLength(50);
    expect(
      body.items.every((d: { title: string; state: string }) => d.title.includes('通知') && d.state === 'published'),
    ).toBe(true);
    const times = body.items.map((d: { publishAt: string }) => Date.parse(d.publishAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('reads the count from JIYUE_DEMO_DOCUMENTS', () => {
    expect(demoDocumentCount({ JIYUE_DEMO_DOCUMENTS: '500' })).toBe(500);
    expect(demoDocumentCount({})).toBe(20_000);
    expect(demoDocumentCount({ VITEST: 'true' })).toBe(100);
  });
});
