/** Field-level detail of a problem+json validation failure. */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details as the platform sends them (see docs/decisions/0001). */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}：${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }
}

const API_ROOT = '/api';
const CSRF_COOKIE = 'jiyue_csrf';

/** Token returned by the last login; the cookie is preferred because it follows server-side rotation. */
let csrfFromLogin: string | null = null;

export function rememberCsrfToken(token: string | null | undefined): void {
  csrfFromLogin = token ?? null;
}

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

function csrfToken(): string | null {
  return readCookie(CSRF_COOKIE) ?? csrfFromLogin;
}

/** The CSRF header for requests that cannot go through `request` (multipart uploads with progress). */
export function csrfHeaders(): Record<string, string> {
  const token = csrfToken();
  return token ? { 'x-csrf-token': token } : {};
}

/** Turns a non-2xx answer into the same `ApiError` that `request` throws. */
export async function problemOf(response: Response): Promise<ApiError> {
  return new ApiError(await toProblem(response));
}

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener | null = null;

/** The app shell registers a handler that sends the user back to the login page when a session ends. */
export function setUnauthorizedHandler(listener: UnauthorizedListener | null): void {
  onUnauthorized = listener;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Query;
  /** Login and the session probe handle 401 themselves instead of redirecting. */
  skipAuthRedirect?: boolean;
}

export function buildUrl(path: string, query?: Query): string {
  const url = `${API_ROOT}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}

async function toProblem(response: Response): Promise<Problem> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = (await response.json()) as Partial<Problem>;
      return {
        ...body,
        status: body.status ?? response.status,
        code: body.code ?? `http_${response.status}`,
        title: body.title ?? fallbackTitle(response.status),
      };
    } catch {
      // fall through to the generic problem below
    }
  }
  return { status: response.status, code: `http_${response.status}`, title: fallbackTitle(response.status) };
}

function fallbackTitle(status: number): string {
  if (status === 401) return '登录已失效，请重新登录';
  if (status === 403) return '没有执行此操作的权限';
  if (status === 404) return '请求的资源不存在';
  if (status === 429) return '请求过于频繁，请稍后再试';
  if (status >= 500) return '服务器暂时无法处理请求，请稍后再试';
  return `请求失败（${status}）`;
}

export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const token = csrfToken();
    if (token) headers['x-csrf-token'] = token;
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', title: '无法连接服务器，请检查网络' });
  }
  if (!response.ok) {
    const problem = await toProblem(response);
    if (response.status === 401 && !options.skipAuthRedirect) onUnauthorized?.();
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await response.text()) as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>(path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>(path, { method: 'PUT', body }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  delete: <T>(path: string) => request<T>(path, { method: 'DELETE' }),
};

export interface Page<T> {
  items: T[];
  total: number;
}

/** Message for a toast: the Chinese title plus the detail that says why. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return '操作失败';
}
