import type { JiyueModule } from '../kernel/module.js';
import { cmsModule } from './cms/index.js';
import { formsModule } from './forms/index.js';
import { gatewayModule } from './gateway/index.js';
import { identityModule } from './identity/index.js';
import { pdfgenModule } from './pdfgen/index.js';
import { publishingModule } from './publishing/index.js';
import { sealModule } from './seal/index.js';
import { searchModule } from './search/index.js';
import { settingsModule } from './settings/index.js';
import { workflowModule } from './workflow/index.js';

/**
 * Every module of the platform, in dependency order: migrations, seeds and routes are applied in
 * this order, so a module comes after the modules whose data it refers to (identity reads
 * settings' dictionaries and menus).
 */
export const modules: JiyueModule[] = [
  settingsModule,
  identityModule,
  gatewayModule,
  formsModule,
  workflowModule,
  cmsModule,
  publishingModule,
  searchModule,
  sealModule,
  pdfgenModule,
];
