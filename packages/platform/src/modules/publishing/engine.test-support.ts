import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Session, TestApp } from '../../kernel/testing.js';
import { cmsModule } from '../cms/index.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { publishingModule } from './index.js';
import { enqueueRebuild } from './jobs.js';
import { packageThemes, setThemeSource, type ThemeFiles, type ThemeSource } from './render.js';

/*
 * Test bed of the engine tests: the real cms (demo sites, channels, a few demo documents) and the
 * publishing module, rendering with the small fixture theme in `test-theme/` so that the tests do
 * not depend on the look of the real themes (the a11y browser test uses those).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const TEST_THEME_DIR = path.join(here, 'test-theme');

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory()
      ? filesUnder(full, base)
      : [path.relative(base, full).split(path.sep).join('/')];
  });
}

/** Every theme name resolves to the fixture theme (with optional template replacements). */
export function fixtureThemes(replace: Record<string, string> = {}): ThemeSource {
  return {
    async load(_kernel, name) {
      const templates: Record<string, string> = {};
      const { readFileSync } = await import('node:fs');
      for (const rel of filesUnder(TEST_THEME_DIR)) {
        if (rel.endsWith('.liquid')) templates[rel] = readFileSync(path.join(TEST_THEME_DIR, rel), 'utf8');
      }
      const assets = filesUnder(path.join(TEST_THEME_DIR, 'assets')).map((rel) => ({
        name: rel,
        path: path.join(TEST_THEME_DIR, 'assets', rel),
      }));
      return { name, templates: { ...templates, ...replace }, assets } satisfies ThemeFiles;
    },
    sharedAssets: () => [],
  };
}

export interface EngineBed {
  t: TestApp;
  app: FastifyInstance;
  admin: Session;
  siteId: string;
  siteCode: string;
  channels: Record<string, string>;
  /** Runs a full rebuild of the site to its end; throws with the job's error when it failed. */
  rebuild(): Promise<void>;
  close(): Promise<void>;
}

export async function startEngineBed(
  options: { config?: Record<string, unknown>; realThemes?: boolean } = {},
): Promise<EngineBed> {
  setThemeSource(options.realThemes ? packageThemes : fixtureThemes());
  const t = await identityTestApp({ modules: [cmsModule, publishingModule], config: options.config as any });
  const site = await t.kernel.db
    .selectFrom('cms_sites')
    .select(['id', 'code'])
    .where('code', '=', 'jyj')
    .executeTakeFirstOrThrow();
  const rows = await t.kernel.db
    .selectFrom('cms_channels')
    .select(['id', 'code'])
    .where('site_id', '=', site.id)
    .execute();
  return {
    t,
    app: t.app,
    admin: await login(t.app, 'admin'),
    siteId: site.id,
    siteCode: site.code,
    channels: Object.fromEntries(rows.map((r) => [r.code, r.id])),
    async rebuild() {
      const jobId = await enqueueRebuild(t.kernel, t.kernel.db, site.id);
      await t.kernel.jobs.runUntilIdle();
      const job = await t.kernel.jobs.get(jobId);
      if (job?.status !== 'succeeded') throw new Error(`rebuild ${job?.status}: ${job?.error ?? ''}`);
    },
    close: () => t.close(),
  };
}
