import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import * as accounts from './accounts.js';
import { authRoutes } from './auth-routes.js';
import * as orgs from './orgs.js';
import { getPolicy, updatePolicy } from './policy.js';
import * as roles from './roles.js';
import { listLoginLog } from './self.js';
import { listSessions, revokeSession } from './sessions.js';
import * as users from './users.js';

const Strict = { additionalProperties: false } as const;
const Patch = { additionalProperties: false, minProperties: 1 } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const Uuid = Type.String({ format: 'uuid' });
const IdParam = Type.Object({ id: Uuid }, Strict);
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Paging = {
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  q: Type.Optional(Type.String({ maxLength: 100 })),
};

// 组织机构
const OrgCreate = Type.Object(
  {
    parentId: Nullable(Uuid),
    name: Name,
    shortName: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
    level: Type.String({ minLength: 1, maxLength: 32 }),
    code: Type.Optional(Nullable(Type.String({ maxLength: 18 }))),
    order: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  Strict,
);
const OrgPatch = Type.Object(
  {
    name: Type.Optional(Name),
    shortName: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
    level: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    code: Type.Optional(Nullable(Type.String({ maxLength: 18 }))),
  },
  Patch,
);
const OrgMove = Type.Object({ parentId: Nullable(Uuid), order: Type.Optional(Type.Integer({ minimum: 0 })) }, Strict);
const OrgStatusParam = Type.Object(
  { id: Uuid, action: Type.Union([Type.Literal('enable'), Type.Literal('disable')]) },
  Strict,
);

// 用户
const Username = Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' });
const Phone = Type.String({ pattern: '^(1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8})$' });
const Email = Type.String({ maxLength: 200, format: 'email' });
const UserCreate = Type.Object(
  {
    username: Username,
    displayName: Name,
    password: Type.String({ minLength: 1, maxLength: 128 }),
    phone: Type.Optional(Nullable(Phone)),
    email: Type.Optional(Nullable(Email)),
    orgId: Uuid,
  },
  Strict,
);
const UserPatch = Type.Object(
  {
    displayName: Type.Optional(Name),
    phone: Type.Optional(Nullable(Phone)),
    email: Type.Optional(Nullable(Email)),
    orgId: Type.Optional(Uuid),
  },
  Patch,
);
const UserQuery = Type.Object(
  {
    ...Paging,
    orgId: Type.Optional(Uuid),
    includeChildren: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled'), Type.Literal('deleted')])),
  },
  Strict,
);
const GrantsBody = Type.Object(
  {
    grants: Type.Array(Type.Object({ roleId: Uuid, scopeOrgId: Type.Optional(Nullable(Uuid)) }, Strict), {
      maxItems: 50,
    }),
  },
  Strict,
);
const ResetBody = Type.Object({ password: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }, Strict);
const UserActionParam = Type.Object(
  { id: Uuid, action: Type.Union([Type.Literal('enable'), Type.Literal('disable'), Type.Literal('unlock')]) },
  Strict,
);

// 角色
const PermissionList = Type.Array(Type.String({ maxLength: 100 }), { uniqueItems: true, maxItems: 500 });
const RoleCode = Type.String({ minLength: 2, maxLength: 64, pattern: '^[a-z][a-z0-9_-]*$' });
const RoleCreate = Type.Object(
  {
    code: RoleCode,
    name: Name,
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    permissions: PermissionList,
  },
  Strict,
);
const RolePatch = Type.Object(
  {
    code: Type.Optional(RoleCode),
    name: Type.Optional(Name),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    permissions: Type.Optional(PermissionList),
  },
  Patch,
);

// 注册用户
const AccountCreate = Type.Object(
  {
    kind: Type.Union([Type.Literal('person'), Type.Literal('legalEntity')]),
    name: Name,
    idNumber: Type.String({ minLength: 18, maxLength: 18 }),
    legalRepresentative: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 50 }))),
    phone: Type.String({ minLength: 1, maxLength: 20 }),
  },
  Strict,
);
const AccountPatch = Type.Object(
  {
    name: Type.Optional(Name),
    idNumber: Type.Optional(Type.String({ minLength: 18, maxLength: 18 })),
    legalRepresentative: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 50 }))),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  },
  Patch,
);
const AccountQuery = Type.Object(
  {
    ...Paging,
    kind: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('legalEntity')])),
    status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  },
  Strict,
);
const AccountStatusParam = OrgStatusParam;

// 口令策略 and 登录日志
const Classes = Type.Array(
  Type.Union([Type.Literal('lower'), Type.Literal('upper'), Type.Literal('digit'), Type.Literal('symbol')]),
  {
    uniqueItems: true,
  },
);
const PolicyBody = Type.Object(
  {
    minLength: Type.Integer({ minimum: 6, maximum: 64 }),
    requiredClasses: Classes,
    expiryDays: Type.Integer({ minimum: 0, maximum: 3650 }),
    historyCount: Type.Integer({ minimum: 0, maximum: 24 }),
    maxFailures: Type.Integer({ minimum: 1, maximum: 100 }),
    lockoutMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
    captchaMode: Type.Union([Type.Literal('off'), Type.Literal('always'), Type.Literal('afterFailures')]),
    captchaAfterFailures: Type.Integer({ minimum: 1, maximum: 100 }),
    sessionIdleMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
    sessionMaxHours: Type.Integer({ minimum: 1, maximum: 720 }),
    loginLimitPerIp: Type.Integer({ minimum: 1, maximum: 10000 }),
    loginLimitPerUsername: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  Strict,
);
const LoginLogQuery = Type.Object(
  {
    ...Paging,
    success: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  Strict,
);

export async function identityRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  await authRoutes(app, kernel);
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });
  /** For commands whose success has nothing to return. */
  const noContent = async (reply: FastifyReply, command: Promise<unknown>) => {
    await command;
    return reply.status(204).send();
  };

  // 组织机构
  {
    const tags = ['组织机构'];
    app.get('/api/identity/orgs/tree', { ...perm('org:read'), schema: { tags } }, async (req) => ({
      items: await orgs.orgTree(kernel.db, ctxOf(req)),
    }));
    app.post<{ Body: Static<typeof OrgCreate> }>(
      '/api/identity/orgs',
      { ...perm('org:create'), schema: { tags, body: OrgCreate } },
      async (req, reply) => reply.status(201).send(await orgs.createOrg(kernel, ctxOf(req), req.body)),
    );
    app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof OrgPatch> }>(
      '/api/identity/orgs/:id',
      { ...perm('org:update'), schema: { tags, params: IdParam, body: OrgPatch } },
      async (req) => orgs.updateOrg(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof OrgMove> }>(
      '/api/identity/orgs/:id/move',
      { ...perm('org:update'), schema: { tags, params: IdParam, body: OrgMove } },
      async (req) => orgs.moveOrg(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.post<{ Params: Static<typeof OrgStatusParam> }>(
      '/api/identity/orgs/:id/:action',
      { ...perm('org:update'), schema: { tags, params: OrgStatusParam } },
      async (req) =>
        orgs.setOrgStatus(kernel, ctxOf(req), req.params.id, req.params.action === 'enable' ? 'enabled' : 'disabled'),
    );
    app.delete<{ Params: Static<typeof IdParam> }>(
      '/api/identity/orgs/:id',
      { ...perm('org:delete'), schema: { tags, params: IdParam } },
      async (req, reply) => noContent(reply, orgs.deleteOrg(kernel, ctxOf(req), req.params.id)),
    );
  }

  // 用户管理
  {
    const tags = ['用户管理'];
    app.get<{ Querystring: Static<typeof UserQuery> }>(
      '/api/identity/users',
      { ...perm('user:read'), schema: { tags, querystring: UserQuery } },
      async (req) => users.listUsers(kernel, ctxOf(req), req.query),
    );
    app.post<{ Body: Static<typeof UserCreate> }>(
      '/api/identity/users',
      { ...perm('user:create'), schema: { tags, body: UserCreate } },
      async (req, reply) => reply.status(201).send(await users.createUser(kernel, ctxOf(req), req.body)),
    );
    app.get<{ Params: Static<typeof IdParam> }>(
      '/api/identity/users/:id',
      { ...perm('user:read'), schema: { tags, params: IdParam } },
      async (req) => users.getUser(kernel, ctxOf(req), req.params.id),
    );
    app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof UserPatch> }>(
      '/api/identity/users/:id',
      { ...perm('user:update'), schema: { tags, params: IdParam, body: UserPatch } },
      async (req) => users.updateUser(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.delete<{ Params: Static<typeof IdParam> }>(
      '/api/identity/users/:id',
      { ...perm('user:delete'), schema: { tags, params: IdParam } },
      async (req, reply) => noContent(reply, users.setUserStatus(kernel, ctxOf(req), req.params.id, 'deleted')),
    );
    app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof GrantsBody> }>(
      '/api/identity/users/:id/roles',
      { ...perm('user:grant'), schema: { tags, params: IdParam, body: GrantsBody } },
      async (req) => users.setUserGrants(kernel, ctxOf(req), req.params.id, req.body.grants),
    );
    app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof ResetBody> }>(
      '/api/identity/users/:id/reset-password',
      {
        ...perm('user:update'),
        // The console posts no body at all when the password is to be generated.
        preValidation: async (req) => {
          req.body ??= {};
        },
        schema: { tags, params: IdParam, body: ResetBody },
      },
      async (req) => users.resetPassword(kernel, ctxOf(req), req.params.id, req.body.password),
    );
    app.post<{ Params: Static<typeof IdParam> }>(
      '/api/identity/users/:id/reset-otp',
      { ...perm('user:unlock'), schema: { tags, params: IdParam } },
      async (req, reply) => noContent(reply, users.resetOtp(kernel, ctxOf(req), req.params.id)),
    );
    // enable/disable need user:update, unlock needs user:unlock; each service checks its own.
    app.post<{ Params: Static<typeof UserActionParam> }>(
      '/api/identity/users/:id/:action',
      { preHandler: app.requireAuth, schema: { tags, params: UserActionParam } },
      async (req, reply) => {
        const { id, action } = req.params;
        if (action === 'unlock') return noContent(reply, users.unlockUser(kernel, ctxOf(req), id));
        return noContent(
          reply,
          users.setUserStatus(kernel, ctxOf(req), id, action === 'enable' ? 'enabled' : 'disabled'),
        );
      },
    );
  }

  // 角色权限
  {
    const tags = ['角色权限'];
    app.get('/api/identity/permissions', { ...perm('role:read'), schema: { tags } }, async () => ({
      groups: kernel.permissions.grouped(),
    }));
    app.get('/api/identity/roles', { ...perm('role:read'), schema: { tags } }, async () => ({
      items: await roles.listRoles(kernel),
    }));
    app.post<{ Body: Static<typeof RoleCreate> }>(
      '/api/identity/roles',
      { ...perm('role:manage'), schema: { tags, body: RoleCreate } },
      async (req, reply) => reply.status(201).send(await roles.createRole(kernel, ctxOf(req), req.body)),
    );
    app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof RolePatch> }>(
      '/api/identity/roles/:id',
      { ...perm('role:manage'), schema: { tags, params: IdParam, body: RolePatch } },
      async (req) => roles.updateRole(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.delete<{ Params: Static<typeof IdParam> }>(
      '/api/identity/roles/:id',
      { ...perm('role:manage'), schema: { tags, params: IdParam } },
      async (req, reply) => noContent(reply, roles.deleteRole(kernel, ctxOf(req), req.params.id)),
    );
  }

  // 注册用户
  {
    const tags = ['注册用户'];
    app.get<{ Querystring: Static<typeof AccountQuery> }>(
      '/api/identity/accounts',
      { ...perm('account:read'), schema: { tags, querystring: AccountQuery } },
      async (req) => accounts.listAccounts(kernel, req.query),
    );
    app.post<{ Body: Static<typeof AccountCreate> }>(
      '/api/identity/accounts',
      { ...perm('account:manage'), schema: { tags, body: AccountCreate } },
      async (req, reply) => reply.status(201).send(await accounts.createAccount(kernel, ctxOf(req), req.body)),
    );
    app.get<{ Params: Static<typeof IdParam> }>(
      '/api/identity/accounts/:id',
      { ...perm('account:read'), schema: { tags, params: IdParam } },
      async (req) => accounts.getAccount(kernel, ctxOf(req), req.params.id),
    );
    app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof AccountPatch> }>(
      '/api/identity/accounts/:id',
      { ...perm('account:manage'), schema: { tags, params: IdParam, body: AccountPatch } },
      async (req) => accounts.updateAccount(kernel, ctxOf(req), req.params.id, req.body),
    );
    app.post<{ Params: Static<typeof AccountStatusParam> }>(
      '/api/identity/accounts/:id/:action',
      { ...perm('account:manage'), schema: { tags, params: AccountStatusParam } },
      async (req) =>
        accounts.setAccountStatus(
          kernel,
          ctxOf(req),
          req.params.id,
          req.params.action === 'enable' ? 'enabled' : 'disabled',
        ),
    );
  }

  // 口令策略, 登录日志
  {
    const tags = ['安全管理'];
    app.get('/api/identity/password-policy', { ...perm('password-policy:manage'), schema: { tags } }, async () =>
      getPolicy(kernel.db),
    );
    app.put<{ Body: Static<typeof PolicyBody> }>(
      '/api/identity/password-policy',
      { ...perm('password-policy:manage'), schema: { tags, body: PolicyBody } },
      async (req) => updatePolicy(kernel, ctxOf(req), req.body),
    );
    app.get<{ Querystring: Static<typeof LoginLogQuery> }>(
      '/api/identity/login-log',
      { ...perm('login-log:read'), schema: { tags, querystring: LoginLogQuery } },
      async (req) => listLoginLog(kernel.db, req.query),
    );
    const SessionQuery = Type.Object({ page: Paging.page, pageSize: Paging.pageSize }, Strict);
    const SessionParam = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, Strict);
    app.get<{ Querystring: Static<typeof SessionQuery> }>(
      '/api/identity/sessions',
      { ...perm('session:manage'), schema: { tags, querystring: SessionQuery } },
      async (req) => listSessions(kernel, req.query),
    );
    app.delete<{ Params: Static<typeof SessionParam> }>(
      '/api/identity/sessions/:id',
      { ...perm('session:manage'), schema: { tags, params: SessionParam } },
      async (req, reply) => noContent(reply, revokeSession(kernel, ctxOf(req), req.params.id)),
    );
  }
}
