import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../kernel/app.js';
import type { Database } from '../../kernel/db.js';
import { createTestDatabase, testConfig } from '../../kernel/testing.js';
import { cmsModule } from '../cms/index.js';
import { identityModule } from '../identity/index.js';
import { settingsModule } from '../settings/index.js';
import { fixtureThemes } from './engine.test-support.js';
import { publishingModule } from './index.js';
import { enqueueRebuild, releaseOrphanedJobs } from './jobs.js';
import { siteDir } from './output.js';
import { setThemeSource } from './render.js';

/*
 * 断点续生成: a child process runs a full rebuild and is killed (SIGKILL) after a few batches.
 * Every page is then either the complete old page or the complete new one (atomic renames), the
 * job's recorded position survived, and after a "restart" the job is taken over at once (its
 * worker's pid is gone) and finishes from that position, not from the start.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = [settingsModule, identityModule, cmsModule, publishingModule];

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name.startsWith('_') ? [] : htmlFiles(full);
    return name.endsWith('.html') ? [full] : [];
  });
}

describe('full rebuild killed mid-way', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'jiyue-crash-'));
  let serverDb: Database | null = null;
  let child: ChildProcess | null = null;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await serverDb?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves every page old or new and resumes from the recorded position', async () => {
    setThemeSource(fixtureThemes());
    // PostgreSQL: a private database both processes use; PGlite: one on disk, opened in turn.
    let databaseUrl: string | undefined;
    if (process.env.DATABASE_URL) {
      const created = await createTestDatabase();
      serverDb = created;
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${created.name}`;
      databaseUrl = url.toString();
    }
    const config = testConfig({ dataDir, databaseUrl, adminPassword: 'Xinxiang-2026!' });
    const open = () => buildApp({ config, modules, logger: false });

    let { app, kernel } = await open();
    const site = await kernel.db
      .selectFrom('cms_sites')
      .select(['id', 'code'])
      .where('code', '=', 'jyj')
      .executeTakeFirstOrThrow();
    const channel = await kernel.db
      .selectFrom('cms_channels')
      .select('id')
      .where('site_id', '=', site.id)
      .where('code', '=', 'gzdt')
      .executeTakeFirstOrThrow();
    await sql`
      insert into cms_documents (site_id, channel_id, title, body_html, state, publish_at)
      select ${site.id}::uuid, ${channel.id}::uuid, '旧标题-' || i, '<p>正文</p>', 'published', now() - (i || ' minutes')::interval
      from generate_series(1, 1200) as i`.execute(kernel.db);
    await enqueueRebuild(kernel, kernel.db, site.id);
    await kernel.jobs.runUntilIdle();
    const root = siteDir(kernel, site.code);
    const before = htmlFiles(root).length;
    expect(before).toBeGreaterThan(2400);

    // New content, then a rebuild that the child starts and never finishes.
    await sql`update cms_documents set title = replace(title, '旧标题-', '新标题-') where site_id = ${site.id}`.execute(
      kernel.db,
    );
    const jobId = await enqueueRebuild(kernel, kernel.db, site.id);
    await app.close();

    child = fork(path.join(here, 'rebuild.crash-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, JIYUE_CRASH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const killedAt = await new Promise<number>((resolve, reject) => {
      child?.on('message', (m: any) => {
        if (m.type === 'batch' && m.position >= 1200) {
          child?.kill('SIGKILL');
          resolve(m.position);
        }
        if (m.type === 'finished') reject(new Error('the child finished before it was killed'));
      });
      child?.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child exited by itself: ${code}`));
      });
    });
    await new Promise<void>((resolve) => {
      if (child?.exitCode !== null || child?.signalCode !== null) resolve();
      else child?.on('exit', () => resolve());
    });

    // Every page is complete, and either old or new; some of each.
    let fresh = 0;
    let stale = 0;
    for (const file of htmlFiles(root)) {
      const html = readFileSync(file, 'utf8');
      expect(html.trimEnd().endsWith('</html>'), file).toBe(true);
      if (/\/xwdt\/gzdt\/[0-9a-f-]{36}\.html$/.test(file)) {
        const isNew = html.includes('新标题-');
        const isOld = html.includes('旧标题-');
        expect(isNew !== isOld, file).toBe(true);
        if (isNew) fresh++;
        else stale++;
      }
    }
    expect(fresh).toBeGreaterThan(0);
    expect(stale).toBeGreaterThan(0);

    // Restart: the dead worker's job is released and continues from its position.
    ({ app, kernel } = await open());
    const state = await kernel.db
      .selectFrom('publishing_rebuilds')
      .selectAll()
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(state.position).toBeGreaterThanOrEqual(killedAt - 400);
    expect(state.position).toBeGreaterThan(0);
    expect(await releaseOrphanedJobs(kernel)).toBe(1);
    await kernel.jobs.runUntilIdle();
    const job = await kernel.jobs.get(jobId);
    expect(job?.status, job?.error ?? '').toBe('succeeded');
    const result = job?.result as { pages: number };
    const pagesTotal = await kernel.db
      .selectFrom('publishing_pages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_id', '=', site.id)
      .executeTakeFirstOrThrow();
    // The resumed attempt wrote only what was left.
    expect(result.pages).toBeLessThan(Number(pagesTotal.n));
    for (const file of htmlFiles(root)) {
      if (/\/xwdt\/gzdt\/[0-9a-f-]{36}\.html$/.test(file)) expect(readFileSync(file, 'utf8')).not.toContain('旧标题-');
    }
    await app.close();
  }, 600_000);
});
