import { type Static, Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `name` or `grants.0.roleId`; `''` for the whole body. */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** OpenAPI schema for every error response (RFC 9457 problem+json). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String({ description: '中文标题' }),
    status: Type.Integer(),
    code: Type.String({ description: 'stable machine-readable code' }),
    detail: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type Problem = Static<typeof ProblemSchema>;

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail?: string;
  readonly errors?: FieldError[];
  /** Extra members merged into the body (e.g. `enrolment` for 428 otp_enrolment_required). */
  readonly extra?: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    options: {
      detail?: string;
      errors?: FieldError[];
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(options.detail ? `${title}: ${options.detail}` : title, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.extra = options.extra;
    this.headers = options.headers;
  }

  toProblem(): ProblemBody {
    const body: ProblemBody = {
      ...this.extra,
      type: `urn:jiyue:problem:${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
    };
    if (this.detail !== undefined) body.detail = this.detail;
    if (this.errors?.length) body.errors = this.errors;
    return body;
  }
}

type Opts = { detail?: string; errors?: FieldError[]; extra?: Record<string, unknown> };

export const badRequest = (code = 'bad_request', title = '请求不正确', opts: Opts = {}) =>
  new AppError(400, code, title, opts);
export const validationFailed = (errors: FieldError[], detail?: string) =>
  new AppError(400, 'validation_failed', '请求参数不合法', { errors, detail });
export const unauthorized = (code = 'unauthorized', title = '请先登录', opts: Opts = {}) =>
  new AppError(401, code, title, opts);
export const forbidden = (code = 'forbidden', title = '没有权限执行此操作', opts: Opts = {}) =>
  new AppError(403, code, title, opts);
export const notFound = (code = 'not_found', title = '资源不存在', opts: Opts = {}) =>
  new AppError(404, code, title, opts);
export const conflict = (code = 'conflict', title = '与现有数据冲突', opts: Opts = {}) =>
  new AppError(409, code, title, opts);
export const tooManyRequests = (retryAfterSeconds?: number, opts: Opts = {}) =>
  new AppError(429, 'rate_limited', '请求过于频繁，请稍后再试', {
    detail: retryAfterSeconds ? `请在 ${retryAfterSeconds} 秒后重试` : undefined,
    ...opts,
    headers: retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : undefined,
  });

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, any>;
  message?: string;
}

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function join(base: string, name: string): string {
  return base ? `${base}.${name}` : name;
}

/** One Chinese message per Ajv keyword, so the console can show it next to the field as is. */
function describe(e: AjvError): FieldError {
  const field = pointerToField(e.instancePath);
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return { field: join(field, p.missingProperty), message: '必填' };
    case 'additionalProperties':
      return { field: join(field, p.additionalProperty), message: '不允许的字段' };
    case 'type':
      return { field, message: `类型应为 ${p.type}` };
    case 'minLength':
      return { field, message: p.limit === 1 ? '不能为空' : `长度不能少于 ${p.limit} 个字符` };
    case 'maxLength':
      return { field, message: `长度不能超过 ${p.limit} 个字符` };
    case 'minimum':
    case 'exclusiveMinimum':
      return { field, message: `不能小于${e.keyword === 'exclusiveMinimum' ? '或等于' : ''} ${p.limit}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { field, message: `不能大于${e.keyword === 'exclusiveMaximum' ? '或等于' : ''} ${p.limit}` };
    case 'minItems':
      return { field, message: `至少需要 ${p.limit} 项` };
    case 'maxItems':
      return { field, message: `最多 ${p.limit} 项` };
    case 'uniqueItems':
      return { field, message: '不能有重复项' };
    case 'enum':
      return { field, message: `取值应为：${(p.allowedValues as unknown[]).join('、')}` };
    case 'const':
      return { field, message: `取值应为 ${p.allowedValue}` };
    case 'format':
      return { field, message: `格式不正确（${p.format}）` };
    case 'pattern':
      return { field, message: '格式不正确' };
    case 'anyOf':
    case 'oneOf':
      return { field, message: '不符合任何允许的格式' };
    default:
      return { field, message: e.message ?? '不合法' };
  }
}

/**
 * anyOf/oneOf (e.g. TypeBox Optional(Union) or literal unions) produce one error per branch plus
 * a summary; keeping only the first error per field gives one clear line per field.
 */
export function fieldErrorsFromAjv(errors: AjvError[], context?: string): FieldError[] {
  const prefix = context && context !== 'body' ? `${context}.` : '';
  const byField = new Map<string, FieldError>();
  const unionFields = new Set(
    errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => pointerToField(e.instancePath)),
  );
  for (const e of errors) {
    const fe = describe(e);
    const key = fe.field;
    // Inside a union, the per-branch errors mislead (they describe branches the client did not pick).
    if (unionFields.has(key) && e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue;
    if (!byField.has(key)) byField.set(key, { field: prefix + fe.field, message: fe.message });
  }
  return [...byField.values()];
}

const PG_ERRORS: Record<string, () => AppError> = {
  '23505': () => conflict('duplicate', '数据已存在，不能重复'),
  '23503': () => conflict('referenced', '数据被引用或引用的数据不存在'),
  '22P02': () => badRequest('invalid_value', '参数取值不合法'),
  '22001': () => badRequest('value_too_long', '参数长度超出限制'),
};

/** Converts whatever was thrown into an AppError; unknown errors become a 500 without internals. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & { code?: string; validationContext?: string; statusCode?: number };
  if (e?.validation) {
    return validationFailed(fieldErrorsFromAjv(e.validation as AjvError[], e.validationContext));
  }
  if (typeof e?.code === 'string' && PG_ERRORS[e.code] && (e as any).severity) return PG_ERRORS[e.code]();
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('invalid_json', '请求体不是合法的 JSON', { detail: e.message });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'payload_too_large', '请求体过大');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', '不支持的内容类型', { detail: e.message });
    case 'FST_ERR_NOT_FOUND':
      return notFound();
  }
  if (err instanceof SyntaxError && e.statusCode === 400) {
    return badRequest('invalid_json', '请求体不是合法的 JSON', { detail: e.message });
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return tooManyRequests();
  if (status >= 400 && status < 500) {
    return new AppError(status, String(e.code ?? 'bad_request').toLowerCase(), '请求不正确', { detail: e.message });
  }
  return new AppError(500, 'internal_error', '服务器内部错误', { cause: err });
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply.status(error.status).type('application/problem+json; charset=utf-8').send(error.toProblem());
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err);
    if (appError.code === 'internal_error') request.log.error({ err }, 'request failed');
    else if (appError.status >= 500)
      request.log.warn({ code: appError.code, status: appError.status }, 'request failed');
    else request.log.info({ code: appError.code, status: appError.status }, 'request rejected');
    return sendProblem(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, notFound('route_not_found', '接口不存在', { detail: `${request.method} ${request.url}` })),
  );
}
