import type { JiyueModule } from '../../kernel/module.js';
import type { PermissionDef } from '../../kernel/permissions.js';
import { CLEANUP_JOB, cleanupJob } from './cleanup.js';
import { identityRoutes } from './routes.js';
import { identityMigrations } from './schema.js';
import { seedIdentity } from './seed.js';
import { sessionResolver } from './sessions.js';

export { principalFor } from './grants.js';
export { appointAdministrator } from './operator.js';
export { subtreeIds } from './orgs.js';
export { grantToRoles } from './roles.js';
export { findUser } from './users.js';

const group = '统一用户管理';
const security = '安全管理';

const PERMISSIONS: PermissionDef[] = [
  { code: 'org:read', name: '查看组织机构', group },
  { code: 'org:create', name: '新建组织机构', group },
  { code: 'org:update', name: '修改、移动、停用组织机构', group },
  { code: 'org:delete', name: '删除组织机构', group },
  { code: 'user:read', name: '查看用户', group },
  { code: 'user:create', name: '新建用户', group },
  { code: 'user:update', name: '修改、停用用户，重置口令', group },
  { code: 'user:delete', name: '删除用户', group },
  { code: 'user:grant', name: '给用户授予角色', group },
  { code: 'role:read', name: '查看角色', group },
  { code: 'role:manage', name: '管理角色', group },
  { code: 'account:read', name: '查看注册用户（脱敏）', group },
  { code: 'account:manage', name: '管理注册用户', group },
  { code: 'account:reveal', name: '查看注册用户完整个人信息', group },
  { code: 'user:unlock', name: '解锁用户账号', group: security },
  { code: 'password-policy:manage', name: '管理口令策略与验证码', group: security },
  { code: 'login-log:read', name: '查看登录日志', group: security },
  { code: 'session:manage', name: '管理登录会话', group: security },
];

/** 统一用户管理 + 统一用户认证. List it after settingsModule. */
export const identityModule: JiyueModule = {
  name: 'identity',
  migrations: identityMigrations,
  permissions: PERMISSIONS,
  async routes(app, kernel) {
    kernel.auth.setResolver(sessionResolver(kernel));
    await identityRoutes(app, kernel);
  },
  seed: seedIdentity,
  jobs: { [CLEANUP_JOB]: cleanupJob },
  cron: [{ name: 'identity.nightly-cleanup', schedule: '17 3 * * *', job: CLEANUP_JOB, timezone: 'Asia/Shanghai' }],
};
