import { buildApp } from '../../kernel/app.js';
import type { Config } from '../../kernel/config.js';
import { cmsModule } from '../cms/index.js';
import { identityModule } from '../identity/index.js';
import { settingsModule } from '../settings/index.js';
import { fixtureThemes } from './engine.test-support.js';
import { publishingModule } from './index.js';
import { rebuildHooks } from './rebuild.js';
import { setThemeSource } from './render.js';

/*
 * Child process of rebuild.crash.test.ts: opens the same database and data directory, runs the
 * queued rebuild job, and reports each written batch to the parent, which kills it mid-way.
 */

const config = JSON.parse(process.env.JIYUE_CRASH_CONFIG as string) as Config;
setThemeSource(fixtureThemes());
const { kernel } = await buildApp({
  config,
  modules: [settingsModule, identityModule, cmsModule, publishingModule],
  logger: false,
});
rebuildHooks.afterBatch = (info) => process.send?.({ type: 'batch', ...info });
process.send?.({ type: 'ready' });
await kernel.jobs.runUntilIdle();
process.send?.({ type: 'finished' });
