import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError, forbidden, unauthorized } from './errors.js';
import type { PermissionRegistry, Scope } from './permissions.js';

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  orgId: string | null;
  /**
   * Granted permission → data scope. For `{ kind: 'orgs' }` the resolver lists the whole subtree
   * (every descendant org id), so `can()` is a set lookup and needs no database.
   */
  permissions: Map<string, Scope>;
  roles: string[];
  via: 'session' | 'apiKey';
  /** Session id when via = 'session' (lets identity revoke or refresh it). */
  sessionId?: string;
}

export type PrincipalResolver = (request: FastifyRequest) => Promise<Principal | null>;

export const SESSION_COOKIE = 'jiyue_sid';
export const CSRF_COOKIE = 'jiyue_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: 401 unless a principal is resolved; CSRF check for cookie sessions. */
    requireAuth: preHandlerAsyncHookHandler;
    /** preHandler: requireAuth + 403 unless the principal holds `code` (any scope). */
    requirePermission(code: string): preHandlerAsyncHookHandler;
  }
  interface FastifyRequest {
    /** Set by requireAuth / requirePermission / kernel.auth.resolve(). */
    principal: Principal | null;
  }
}

/** True when the principal holds `permission`, and, if `orgId` is given, its scope covers that org. */
export function can(principal: Principal | null | undefined, permission: string, orgId?: string | null): boolean {
  const scope = principal?.permissions.get(permission);
  if (!scope) return false;
  if (orgId === undefined || scope.kind === 'all') return true;
  return orgId !== null && scope.orgIds.includes(orgId);
}

/** Throws 403 unless `can(...)`. For checks that depend on the record being touched. */
export function assertCan(principal: Principal | null | undefined, permission: string, orgId?: string | null): void {
  if (!principal) throw unauthorized();
  if (!can(principal, permission, orgId)) {
    throw forbidden('forbidden', '没有权限执行此操作', {
      detail: orgId ? `需要权限 ${permission}（机构范围）` : `需要权限 ${permission}`,
    });
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Double-submit check: a cross-site page can make the browser send our cookies but cannot read
 * them, so it cannot copy the CSRF cookie into the header.
 */
export function checkCsrf(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const cookie = request.cookies?.[CSRF_COOKIE];
  const header = request.headers[CSRF_HEADER];
  if (!cookie || typeof header !== 'string' || !sameToken(cookie, header)) {
    throw new AppError(403, 'csrf_failed', '请求校验失败，请刷新页面后重试', {
      detail: `缺少或不匹配的 ${CSRF_HEADER} 请求头`,
    });
  }
}

const RESOLVED = Symbol('principalResolved');

export class AuthService {
  private resolver: PrincipalResolver | null = null;
  /** Further resolvers (e.g. gateway's API keys), tried in order when the main one finds nobody. */
  private readonly extraResolvers: PrincipalResolver[] = [];

  constructor(private readonly permissions: PermissionRegistry) {}

  /** Identity registers the session/API-key resolver here (one resolver; a later call replaces it). */
  setResolver(fn: PrincipalResolver): void {
    this.resolver = fn;
  }

  /** Adds a resolver consulted after the main one (which `setResolver` still replaces). */
  addResolver(fn: PrincipalResolver): void {
    this.extraResolvers.push(fn);
  }

  private async runResolvers(request: FastifyRequest): Promise<Principal | null> {
    for (const fn of this.resolver ? [this.resolver, ...this.extraResolvers] : this.extraResolvers) {
      const principal = await fn(request);
      if (principal) return principal;
    }
    return null;
  }

  /** Resolves once per request and caches it on the request. */
  async resolve(request: FastifyRequest): Promise<Principal | null> {
    const r = request as FastifyRequest & { [RESOLVED]?: boolean };
    if (r[RESOLVED]) return request.principal;
    request.principal = await this.runResolvers(request);
    r[RESOLVED] = true;
    return request.principal;
  }

  can = can;
  assertCan = assertCan;

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const principal = await this.resolve(request);
    if (!principal) throw unauthorized();
    if (principal.via === 'session') checkCsrf(request);
    return principal;
  }

  install(app: FastifyInstance): void {
    app.decorateRequest('principal', null);
    const requireAuth: preHandlerAsyncHookHandler = async (request) => {
      await this.authenticate(request);
    };
    app.decorate('requireAuth', requireAuth);
    app.decorate('requirePermission', (code: string): preHandlerAsyncHookHandler => {
      // Checked when the route is declared, so a typo fails at start-up rather than denying everyone.
      if (!this.permissions.has(code)) throw new Error(`requirePermission: unknown permission "${code}"`);
      return async (request) => {
        const principal = await this.authenticate(request);
        assertCan(principal, code);
      };
    });
  }
}
