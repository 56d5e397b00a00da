import type { JiyueModule } from '../../kernel/module.js';

/** 统一表单服务: JSON-Schema form definitions, designer data, validation. */
export const formsModule: JiyueModule = {
  name: 'forms',
};
