import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { siteDir } from './output.js';

/*
 * Settling (沉淀, decision 0008): when a publish moves more than 200 deeper list pages, page 1 is
 * rendered at once and the deeper pages and the sitemap follow in one settling job after the
 * publishes pause, instead of in the job that follows every publish. A page size of 2 makes a
 * 300-document channel large enough.
 */

describe('settling of deep list pages', () => {
  let bed: EngineBed;
  let root: string;
  const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');
  const api = (method: 'POST', url: string, payload?: unknown) =>
    bed.app.inject({ method, url, headers: bed.admin.headers, payload: payload as any });
  const titleOnPage = (rel: string) => [...read(rel).matchAll(/>(旧通知-\d+|新通知)</g)].map((m) => m[1]);
  const renderJobs = (settle: boolean) =>
    bed.t.kernel.db
      .selectFrom('jobs')
      .select(['id', 'payload'])
      .where('type', '=', 'publishing.render')
      .where('status', '=', 'queued')
      .where(sql<boolean>`coalesce(payload->>'settle', 'false') = ${settle ? 'true' : 'false'}`)
      .execute();

  beforeAll(async () => {
    bed = await startEngineBed();
    const { kernel } = bed.t;
    root = siteDir(kernel, bed.siteCode);
    await kernel.db
      .insertInto('settings_parameters')
      .values({ key: 'publishing.pageSize', value_type: 'number', value: JSON.stringify(2) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(2) }))
      .execute();
    await sql`
      insert into cms_documents (site_id, channel_id, title, body_html, state, publish_at)
      select ${bed.siteId}::uuid, ${bed.channels.tzgg}::uuid, '旧通知-' || i, '<p>正文</p>', 'published',
        now() - interval '1 day' - (i || ' minutes')::interval
      from generate_series(1, 300) as i`.execute(kernel.db);
    await bed.rebuild();
  }, 300_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('renders page 1 at the publish and the deeper pages and the sitemap in one later pass', async () => {
    const { kernel } = bed.t;
    const list = 'zwgk/tzgg';
    expect(titleOnPage(`${list}/index.html`)).toEqual(['旧通知-1', '旧通知-2']);
    expect(titleOnPage(`${list}/index_2.html`)).toEqual(['旧通知-3', '旧通知-4']);

    const created = await api('POST', '/api/cms/documents', { channelId: bed.channels.tzgg, title: '新通知' });
    const id = created.json().id as string;
    expect((await api('POST', `/api/cms/documents/${id}/publish`)).statusCode).toBe(200);
    await kernel.events.deliverDue();

    // Live at once: the article and page 1.
    expect(titleOnPage(`${list}/index.html`)).toEqual(['新通知', '旧通知-1']);
    expect(read(`${list}/${id}.html`)).toContain('新通知');
    // The deeper pages and the sitemap wait for the settling job, not for the per-publish job.
    expect(titleOnPage(`${list}/index_2.html`)).toEqual(['旧通知-3', '旧通知-4']);
    const perPublish = await renderJobs(false);
    for (const j of perPublish) {
      const paths = ((j.payload as any).paths ?? []) as string[];
      expect(paths.filter((p) => p.startsWith('sitemap') || /index_\d+\.html$/.test(p))).toEqual([]);
    }
    // (The create and the publish event both arrive after the publish: a settling job each; they merge.)
    const settling = await renderJobs(true);
    expect(settling.length).toBeGreaterThanOrEqual(1);
    for (const j of settling) {
      expect((j.payload as any).paths).toContain('sitemap.xml');
      expect((j.payload as any).channelIds).toContain(bed.channels.tzgg);
    }

    // The per-publish job runs now; the settling job only once the site has been quiet (or its
    // first change is a minute old: that is what the test makes true here).
    await kernel.jobs.runUntilIdle();
    expect(titleOnPage(`${list}/index_2.html`)).toEqual(['旧通知-3', '旧通知-4']);
    const old = Date.now() - 120_000;
    await sql`
      update jobs set run_at = now(),
        payload = payload || jsonb_build_object('firstChange', ${old}::bigint, 'lastChange', ${old}::bigint)
      where type = 'publishing.render' and status = 'queued' and payload->>'settle' = 'true'`.execute(kernel.db);
    await kernel.jobs.runUntilIdle();
    expect(titleOnPage(`${list}/index_2.html`)).toEqual(['旧通知-2', '旧通知-3']);
    expect(titleOnPage(`care/${list}/index_151.html`)).toEqual(['旧通知-300']);
    expect(read('sitemap.xml')).toContain(`/${list}/${id}.html</loc>`);
    expect(await renderJobs(true)).toEqual([]);
  });
});
