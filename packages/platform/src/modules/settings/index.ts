import type { JiyueModule } from '../../kernel/module.js';
import { settingsRoutes } from './routes.js';
import { settingsMigrations } from './schema.js';
import { seedSettings } from './seed.js';

export { ensureModuleMenus, type SeedMenu as ModuleMenu } from './seed.js';
export { dictionaryHasValue, getParameter, menusForPermissions } from './service.js';

/** 统一平台配置: 数据字典, 菜单配置, 栏目类别, 系统参数. Must precede identity in the module list. */
export const settingsModule: JiyueModule = {
  name: 'settings',
  migrations: settingsMigrations,
  permissions: [
    { code: 'dictionary:manage', name: '管理数据字典', group: '统一平台配置' },
    { code: 'menu:manage', name: '管理菜单配置', group: '统一平台配置' },
    { code: 'channel-category:manage', name: '管理栏目类别', group: '统一平台配置' },
    { code: 'parameter:manage', name: '管理系统参数', group: '统一平台配置' },
  ],
  routes: settingsRoutes,
  seed: seedSettings,
};
