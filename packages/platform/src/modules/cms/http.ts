import { type TSchema, Type } from '@sinclair/typebox';

/* Schema pieces shared by the cms route files. */

export const Strict = { additionalProperties: false } as const;
export const Patch = { additionalProperties: false, minProperties: 1 } as const;
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Uuid = Type.String({ format: 'uuid' });
export const IdParam = Type.Object({ id: Uuid }, Strict);
export const Paging = {
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  q: Type.Optional(Type.String({ maxLength: 100 })),
};
/** Display names are stored as typed (HTML included) and escaped by whoever renders them. */
export const Name = Type.String({ minLength: 1, maxLength: 100 });
