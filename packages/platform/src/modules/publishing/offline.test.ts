import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { enqueueRebuild } from './jobs.js';
import { siteDir, sitesRoot } from './output.js';

/*
 * 网站关停: a closed site goes offline — no page of it is served, by this server or from the
 * folder nginx serves — and comes back, rebuilt, when it is reopened. A site whose code changed
 * leaves its old folder.
 */

describe('closing, reopening and renaming a site', () => {
  let bed: EngineBed;
  const patchSite = (body: Record<string, unknown>) =>
    bed.app.inject({
      method: 'PATCH',
      url: `/api/cms/sites/${bed.siteId}`,
      headers: bed.admin.headers,
      payload: body,
    });
  const pageRows = () =>
    bed.t.kernel.db.selectFrom('publishing_pages').select('path').where('site_id', '=', bed.siteId).execute();

  beforeAll(async () => {
    bed = await startEngineBed();
    await bed.rebuild();
  }, 300_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('takes a closed site offline and rebuilds it when it is reopened', async () => {
    const { kernel } = bed.t;
    const root = siteDir(kernel, bed.siteCode);
    expect(existsSync(path.join(root, 'index.html'))).toBe(true);
    expect((await pageRows()).length).toBeGreaterThan(0);

    const closed = await patchSite({ status: 'closed' });
    expect(closed.statusCode, closed.body).toBe(200);
    await kernel.events.deliverDue();
    expect(existsSync(root)).toBe(false);
    expect(await pageRows()).toEqual([]);
    // Nothing left under another name in the served folder either.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(sitesRoot(kernel)).filter((n) => n.includes(bed.siteCode))).toEqual([]);
    const served = await bed.app.inject({ url: `/sites/${bed.siteCode}/index.html` });
    expect(served.statusCode).toBe(404);

    // A job queued before the close does not bring pages back.
    await enqueueRebuild(kernel, kernel.db, bed.siteId);
    await kernel.jobs.runUntilIdle();
    expect(existsSync(path.join(root, 'index.html'))).toBe(false);

    const reopened = await patchSite({ status: 'running' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    await kernel.events.deliverDue();
    await kernel.jobs.runUntilIdle();
    expect(readFileSync(path.join(root, 'index.html'), 'utf8')).toContain('</html>');
    expect((await bed.app.inject({ url: `/sites/${bed.siteCode}/index.html` })).statusCode).toBe(200);
  });

  it('a site whose code changed is served under the new code only', async () => {
    const { kernel } = bed.t;
    const oldRoot = siteDir(kernel, bed.siteCode);
    expect(existsSync(path.join(oldRoot, 'index.html'))).toBe(true);
    const renamed = await patchSite({ code: 'jyj-new' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    await kernel.events.deliverDue();
    await kernel.jobs.runUntilIdle();
    expect(existsSync(oldRoot)).toBe(false);
    expect(existsSync(path.join(siteDir(kernel, 'jyj-new'), 'index.html'))).toBe(true);
    expect((await bed.app.inject({ url: `/sites/${bed.siteCode}/index.html` })).statusCode).toBe(404);
    expect((await bed.app.inject({ url: '/sites/jyj-new/index.html' })).statusCode).toBe(200);
  });
});
