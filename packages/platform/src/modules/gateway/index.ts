import type { JiyueModule } from '../../kernel/module.js';
import { gatewayRoutes } from './routes.js';
import { gatewayMigrations } from './schema.js';
import { apiKeyResolver } from './service.js';

export { API_SCOPES, clientIdOf } from './service.js';

/** 统一接口服务: API clients, hashed keys with scopes, `Authorization: Bearer <key>`. */
export const gatewayModule: JiyueModule = {
  name: 'gateway',
  migrations: gatewayMigrations,
  permissions: [{ code: 'api-client:manage', name: '管理接口客户端', group: '统一接口' }],
  async routes(app, kernel) {
    kernel.auth.addResolver(apiKeyResolver(kernel));
    await gatewayRoutes(app, kernel);
  },
};
