import type { JiyueModule } from '../../kernel/module.js';

/** 统一接口服务: API clients, keys, scopes, call logs. */
export const gatewayModule: JiyueModule = {
  name: 'gateway',
};
