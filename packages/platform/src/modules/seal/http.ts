import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';

/* Schema pieces shared by the seal routes. */

export const Strict = { additionalProperties: false } as const;
export const Uuid = Type.String({ format: 'uuid' });
export const IdParam = Type.Object({ id: Uuid }, Strict);
export const Paging = {
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
};
export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);

export function paging(query: { page?: number; pageSize?: number }) {
  const page = query.page ?? 1;
  const pageSize = query.pageSize ?? 20;
  return { limit: pageSize, offset: (page - 1) * pageSize };
}

export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, '\\$&')}%`;
}

export const countAll = sql<number>`count(*)`.as('n');
