import type { JiyueModule } from '../../kernel/module.js';

/** 智能检索 and 全局搜索. */
export const searchModule: JiyueModule = {
  name: 'search',
};
