import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from './context.js';
import * as svc from './service.js';

const Strict = { additionalProperties: false } as const;
const Patch = { additionalProperties: false, minProperties: 1 } as const;

const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) }, Strict);
const CodeParam = Type.Object({ code: Code }, Strict);

const DictionaryCreate = Type.Object(
  {
    code: Code,
    name: Name,
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    valueType: Type.Union([Type.Literal('string'), Type.Literal('integer'), Type.Literal('boolean')]),
  },
  Strict,
);
const DictionaryPatch = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))) },
  Patch,
);
const Entry = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 100 }),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    order: Type.Optional(Type.Integer()),
    enabled: Type.Optional(Type.Boolean()),
    extra: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  Strict,
);
const EntriesBody = Type.Object({ entries: Type.Array(Entry, { maxItems: 1000 }) }, Strict);

const MenuFields = {
  parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  name: Name,
  path: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200, pattern: '^/' }))),
  icon: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  permission: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  order: Type.Optional(Type.Integer()),
  visible: Type.Optional(Type.Boolean()),
};
const MenuCreate = Type.Object(MenuFields, Strict);
const MenuPatch = Type.Object({ ...MenuFields, name: Type.Optional(Name) }, Patch);

const CategoryFields = {
  code: Code,
  name: Name,
  order: Type.Optional(Type.Integer()),
  enabled: Type.Optional(Type.Boolean()),
};
const CategoryCreate = Type.Object(CategoryFields, Strict);
const CategoryPatch = Type.Object({ ...CategoryFields, code: Type.Optional(Code), name: Type.Optional(Name) }, Patch);

const ParameterCreate = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-zA-Z0-9_.-]*$' }),
    valueType: Type.Union([
      Type.Literal('string'),
      Type.Literal('number'),
      Type.Literal('boolean'),
      Type.Literal('json'),
    ]),
    value: Type.Unknown(),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  Strict,
);
const ParameterSet = Type.Object({ value: Type.Unknown() }, { ...Strict, required: ['value'] });
const KeyParam = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) }, Strict);
const EntriesQuery = Type.Object({ enabledOnly: Type.Optional(Type.Boolean()) }, Strict);

const tags = ['统一平台配置'];

export async function settingsRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const db = kernel.db;
  const auth = { preHandler: app.requireAuth };
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });

  // 数据字典: everyone logged in reads (forms use them); editing needs dictionary:manage.
  app.get('/api/settings/dictionaries', { ...auth, schema: { tags } }, async () => ({
    items: await svc.listDictionaries(db),
  }));
  app.post<{ Body: Static<typeof DictionaryCreate> }>(
    '/api/settings/dictionaries',
    { ...perm('dictionary:manage'), schema: { tags, body: DictionaryCreate } },
    async (req, reply) => reply.status(201).send(await svc.createDictionary(kernel, ctxOf(req), req.body)),
  );
  app.patch<{ Params: Static<typeof CodeParam>; Body: Static<typeof DictionaryPatch> }>(
    '/api/settings/dictionaries/:code',
    { ...perm('dictionary:manage'), schema: { tags, params: CodeParam, body: DictionaryPatch } },
    async (req) => svc.updateDictionary(kernel, ctxOf(req), req.params.code, req.body),
  );
  app.delete<{ Params: Static<typeof CodeParam> }>(
    '/api/settings/dictionaries/:code',
    { ...perm('dictionary:manage'), schema: { tags, params: CodeParam } },
    async (req, reply) => {
      await svc.deleteDictionary(kernel, ctxOf(req), req.params.code);
      return reply.status(204).send();
    },
  );
  app.get<{ Params: Static<typeof CodeParam>; Querystring: Static<typeof EntriesQuery> }>(
    '/api/settings/dictionaries/:code/entries',
    { ...auth, schema: { tags, params: CodeParam, querystring: EntriesQuery } },
    async (req) => svc.listEntries(db, req.params.code, req.query.enabledOnly ?? false),
  );
  app.put<{ Params: Static<typeof CodeParam>; Body: Static<typeof EntriesBody> }>(
    '/api/settings/dictionaries/:code/entries',
    { ...perm('dictionary:manage'), schema: { tags, params: CodeParam, body: EntriesBody } },
    async (req) => ({ entries: await svc.replaceEntries(kernel, ctxOf(req), req.params.code, req.body.entries) }),
  );

  // 菜单配置
  app.get('/api/settings/menus', { ...perm('menu:manage'), schema: { tags } }, async () => ({
    items: await svc.menuTree(db),
  }));
  app.post<{ Body: Static<typeof MenuCreate> }>(
    '/api/settings/menus',
    { ...perm('menu:manage'), schema: { tags, body: MenuCreate } },
    async (req, reply) => reply.status(201).send(await svc.createMenu(kernel, ctxOf(req), req.body)),
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof MenuPatch> }>(
    '/api/settings/menus/:id',
    { ...perm('menu:manage'), schema: { tags, params: Id, body: MenuPatch } },
    async (req) => svc.updateMenu(kernel, ctxOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/api/settings/menus/:id',
    { ...perm('menu:manage'), schema: { tags, params: Id } },
    async (req, reply) => {
      await svc.deleteMenu(kernel, ctxOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  // 栏目类别
  app.get('/api/settings/channel-categories', { ...auth, schema: { tags } }, async () => ({
    items: await svc.listChannelCategories(db),
  }));
  app.post<{ Body: Static<typeof CategoryCreate> }>(
    '/api/settings/channel-categories',
    { ...perm('channel-category:manage'), schema: { tags, body: CategoryCreate } },
    async (req, reply) => reply.status(201).send(await svc.createChannelCategory(kernel, ctxOf(req), req.body)),
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof CategoryPatch> }>(
    '/api/settings/channel-categories/:id',
    { ...perm('channel-category:manage'), schema: { tags, params: Id, body: CategoryPatch } },
    async (req) => svc.updateChannelCategory(kernel, ctxOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/api/settings/channel-categories/:id',
    { ...perm('channel-category:manage'), schema: { tags, params: Id } },
    async (req, reply) => {
      await svc.deleteChannelCategory(kernel, ctxOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  // 系统参数
  app.get('/api/settings/parameters', { ...perm('parameter:manage'), schema: { tags } }, async () => ({
    items: await svc.listParameters(db),
  }));
  app.post<{ Body: Static<typeof ParameterCreate> }>(
    '/api/settings/parameters',
    { ...perm('parameter:manage'), schema: { tags, body: ParameterCreate } },
    async (req, reply) => reply.status(201).send(await svc.createParameter(kernel, ctxOf(req), req.body)),
  );
  app.put<{ Params: Static<typeof KeyParam>; Body: Static<typeof ParameterSet> }>(
    '/api/settings/parameters/:key',
    { ...perm('parameter:manage'), schema: { tags, params: KeyParam, body: ParameterSet } },
    async (req) => svc.setParameter(kernel, ctxOf(req), req.params.key, req.body.value),
  );
}
