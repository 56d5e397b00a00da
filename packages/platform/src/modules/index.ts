import type { JiyueModule } from '../kernel/module.js';
import { cmsModule } from './cms/index.js';
import { identityModule } from './identity/index.js';
import { settingsModule } from './settings/index.js';

/**
 * Every module of the platform, in dependency order: migrations, seeds and routes are applied in
 * this order, so a module comes after the modules whose data it refers to (identity reads
 * settings' dictionaries and menus).
 */
export const modules: JiyueModule[] = [settingsModule, identityModule, cmsModule];
