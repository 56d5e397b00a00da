import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { issueCaptcha, login } from './login.js';
import { changeOwnPassword, me } from './self.js';
import { clearSessionCookies, deleteSession, setSessionCookies } from './sessions.js';

const Strict = { additionalProperties: false } as const;
const tags = ['统一用户认证'];

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
    captchaId: Type.Optional(Type.String({ maxLength: 64 })),
    captcha: Type.Optional(Type.String({ maxLength: 16 })),
    otp: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
    enrolSecret: Type.Optional(Type.String({ maxLength: 64 })),
  },
  Strict,
);
const CaptchaQuery = Type.Object({ username: Type.Optional(Type.String({ maxLength: 64 })) }, Strict);
const PasswordBody = Type.Object(
  {
    oldPassword: Type.String({ minLength: 1, maxLength: 128 }),
    newPassword: Type.String({ minLength: 1, maxLength: 128 }),
  },
  Strict,
);

function clientOf(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

export async function authRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  app.get<{ Querystring: Static<typeof CaptchaQuery> }>(
    '/api/auth/captcha',
    {
      // Each call may store a captcha row, so the endpoint is limited per client address.
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: { tags, summary: '获取登录验证码（按口令策略决定是否需要）', querystring: CaptchaQuery },
    },
    async (req) => issueCaptcha(kernel, req.query.username),
  );

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/auth/login',
    { schema: { tags, summary: '登录', body: LoginBody } },
    async (req, reply) => {
      const result = await login(kernel, req.body, clientOf(req));
      setSessionCookies(kernel, reply, result.session);
      return { user: result.user, csrfToken: result.session.csrfToken };
    },
  );

  app.post(
    '/api/auth/logout',
    { preHandler: app.requireAuth, schema: { tags, summary: '退出登录' } },
    async (req, reply) => {
      if (req.principal?.sessionId) await deleteSession(kernel, req.principal.sessionId);
      clearSessionCookies(reply);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    { preHandler: app.requireAuth, schema: { tags, summary: '当前用户、权限与菜单' } },
    async (req) => {
      if (!req.principal) throw unauthorized();
      return me(kernel, req.principal);
    },
  );

  app.post<{ Body: Static<typeof PasswordBody> }>(
    '/api/auth/password',
    { preHandler: app.requireAuth, schema: { tags, summary: '修改自己的口令', body: PasswordBody } },
    async (req, reply) => {
      await changeOwnPassword(kernel, ctxOf(req), req.body.oldPassword, req.body.newPassword);
      return reply.status(204).send();
    },
  );
}
