import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { type AppError, badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/kernel.js';
import { checkDefinition, FormEngine } from './core/engine.js';
import type { FieldError, FormDocuments, JsonSchema, UiSchema } from './core/types.js';
import { checkReferences } from './references.js';

/** Who does a write, for the audit log. */
export type Actor = ReturnType<Kernel['audit']['actorOf']>;

export interface FormVersionView {
  key: string;
  name: string;
  version: number;
  /** JSON Schema 2020-12 of the data. */
  schema: JsonSchema;
  /** Layout, widgets, order, visibility conditions, computed expressions. */
  uiSchema: UiSchema;
  publishedAt: string;
}

interface DefinitionRow {
  id: string;
  key: string;
  name: string;
  description: string;
  draft_schema: JsonSchema;
  draft_ui_schema: UiSchema;
  draft_revision: number;
  latest_version: number | null;
  published_revision: number | null;
  updated_at: Date;
  created_at: Date;
}

export const KEY_PATTERN = '^[a-z][a-z0-9_-]{1,63}$';

/** A form with no fields yet: what "新建表单" starts from. */
export function emptyDocuments(): FormDocuments {
  return {
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: false,
    },
    uiSchema: { layoutColumns: 1, order: [], fields: {} },
  };
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

function summaryView(r: DefinitionRow) {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    description: r.description,
    latestVersion: r.latest_version,
    revision: r.draft_revision,
    /** The draft changed since the last publish (or was never published). */
    hasDraftChanges: r.published_revision !== r.draft_revision,
    fieldCount: r.draft_ui_schema?.order?.length ?? 0,
    updatedAt: iso(r.updated_at),
  };
}

function invalidDefinition(errors: FieldError[]): AppError {
  return badRequest('form_definition_invalid', '表单定义不正确', { errors });
}

function assertDefinition(docs: FormDocuments): void {
  const errors = checkDefinition(docs);
  if (errors.length) throw invalidDefinition(errors);
}

async function findRow(db: Db | Tx, key: string, lock = false): Promise<DefinitionRow> {
  let q = db.selectFrom('forms_definitions').selectAll().where('key', '=', key);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('form_not_found', '表单不存在', { detail: key });
  return row as DefinitionRow;
}

export async function listDefinitions(db: Db, query: { q?: string; page?: number; pageSize?: number }) {
  const page = Math.max(1, query.page ?? 1);
  const pageSize = Math.min(100, Math.max(1, query.pageSize ?? 20));
  let base = db.selectFrom('forms_definitions');
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    base = base.where((eb) => eb.or([eb('name', 'like', like), eb('key', 'like', like)]));
  }
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('updated_at', 'desc')
      .orderBy('key')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: (rows as DefinitionRow[]).map(summaryView), total: Number(count.n) };
}

export async function getDefinition(db: Db, key: string) {
  const row = await findRow(db, key);
  const versions = await db
    .selectFrom('forms_versions')
    .select(['version', 'name', 'published_at', 'published_by'])
    .where('form_id', '=', row.id)
    .orderBy('version', 'desc')
    .execute();
  return {
    ...summaryView(row),
    schema: row.draft_schema,
    uiSchema: row.draft_ui_schema,
    versions: versions.map((v) => ({
      version: v.version as number,
      name: v.name as string,
      publishedAt: iso(v.published_at as Date),
      publishedBy: v.published_by as string | null,
    })),
  };
}

export interface DefinitionInput {
  key: string;
  name: string;
  description?: string;
  schema?: JsonSchema;
  uiSchema?: UiSchema;
}

export async function createDefinition(kernel: Kernel, actor: Actor, input: DefinitionInput) {
  const docs = input.schema && input.uiSchema ? { schema: input.schema, uiSchema: input.uiSchema } : emptyDocuments();
  assertDefinition(docs);
  return kernel.db.transaction().execute(async (tx) => {
    const exists = await tx
      .selectFrom('forms_definitions')
      .select('id')
      .where('key', '=', input.key)
      .executeTakeFirst();
    if (exists)
      throw conflict('form_key_exists', '表单标识已存在', { errors: [{ field: 'key', message: '表单标识已被使用' }] });
    const row = await tx
      .insertInto('forms_definitions')
      .values({
        key: input.key,
        name: input.name,
        description: input.description ?? '',
        draft_schema: JSON.stringify(docs.schema),
        draft_ui_schema: JSON.stringify(docs.uiSchema),
        created_by: actor.actorId,
        updated_by: actor.actorId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.audit.record(tx, {
      ...actor,
      action: 'create',
      resource: 'form',
      resourceId: input.key,
      summary: `新建表单「${input.name}」（${input.key}）`,
    });
    return summaryView(row as DefinitionRow);
  });
}

export interface DefinitionPatch {
  name?: string;
  description?: string;
  schema?: JsonSchema;
  uiSchema?: UiSchema;
  /** The draft revision the editor loaded; another save since then → 409. */
  revision: number;
}

export async function updateDefinition(kernel: Kernel, actor: Actor, key: string, patch: DefinitionPatch) {
  return kernel.db.transaction().execute(async (tx) => {
    const row = await findRow(tx, key, true);
    if (row.draft_revision !== patch.revision) {
      throw conflict('form_revision_conflict', '表单已被他人修改，请刷新后再保存', {
        detail: `当前版本 ${row.draft_revision}，提交的是 ${patch.revision}`,
      });
    }
    const docs = { schema: patch.schema ?? row.draft_schema, uiSchema: patch.uiSchema ?? row.draft_ui_schema };
    assertDefinition(docs);
    const updated = await tx
      .updateTable('forms_definitions')
      .set({
        name: patch.name ?? row.name,
        description: patch.description ?? row.description,
        draft_schema: JSON.stringify(docs.schema),
        draft_ui_schema: JSON.stringify(docs.uiSchema),
        draft_revision: row.draft_revision + 1,
        updated_by: actor.actorId,
        updated_at: new Date(),
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.audit.record(tx, {
      ...actor,
      action: 'update',
      resource: 'form',
      resourceId: key,
      summary: `修改表单「${patch.name ?? row.name}」草稿（第 ${row.draft_revision + 1} 稿）`,
    });
    return summaryView(updated as DefinitionRow);
  });
}

/** Publishing copies the draft into the next immutable version. */
export async function publishDefinition(kernel: Kernel, actor: Actor, key: string, revision?: number) {
  return kernel.db.transaction().execute(async (tx) => {
    const row = await findRow(tx, key, true);
    if (revision !== undefined && revision !== row.draft_revision) {
      throw conflict('form_revision_conflict', '表单已被他人修改，请刷新后再发布');
    }
    if (row.published_revision === row.draft_revision && row.latest_version) {
      throw conflict('form_no_changes', '草稿与最新发布版本相同，无需重复发布');
    }
    const docs = { schema: row.draft_schema, uiSchema: row.draft_ui_schema };
    assertDefinition(docs);
    if (docs.uiSchema.order.length === 0) throw badRequest('form_empty', '表单没有任何字段，不能发布');
    const version = (row.latest_version ?? 0) + 1;
    await tx
      .insertInto('forms_versions')
      .values({
        form_id: row.id,
        version,
        name: row.name,
        schema: JSON.stringify(docs.schema),
        ui_schema: JSON.stringify(docs.uiSchema),
        published_by: actor.actorId,
      })
      .execute();
    await tx
      .updateTable('forms_definitions')
      .set({ latest_version: version, published_revision: row.draft_revision, updated_at: new Date() })
      .where('id', '=', row.id)
      .execute();
    await kernel.audit.record(tx, {
      ...actor,
      action: 'publish',
      resource: 'form',
      resourceId: key,
      summary: `发布表单「${row.name}」第 ${version} 版`,
    });
    await kernel.events.emit(tx, 'forms.published', { key, version });
    return { key, version };
  });
}

/** Only never-published forms can be deleted: stored submissions refer to published versions. */
export async function deleteDefinition(kernel: Kernel, actor: Actor, key: string) {
  return kernel.db.transaction().execute(async (tx) => {
    const row = await findRow(tx, key, true);
    if (row.latest_version) throw conflict('form_published', '表单已发布过，不能删除（已提交的数据引用了它的版本）');
    await tx.deleteFrom('forms_definitions').where('id', '=', row.id).execute();
    await kernel.audit.record(tx, {
      ...actor,
      action: 'delete',
      resource: 'form',
      resourceId: key,
      summary: `删除表单「${row.name}」（${key}）`,
    });
  });
}

/** A published version; the latest when `version` is omitted. */
export async function getFormDefinition(
  kernel: Kernel,
  formKey: string,
  version?: number,
  db: Db | Tx = kernel.db,
): Promise<FormVersionView> {
  const row = await findRow(db, formKey);
  const wanted = version ?? row.latest_version;
  if (!wanted) throw notFound('form_not_published', '表单尚未发布', { detail: formKey });
  const v = await db
    .selectFrom('forms_versions')
    .selectAll()
    .where('form_id', '=', row.id)
    .where('version', '=', wanted)
    .executeTakeFirst();
  if (!v) throw notFound('form_version_not_found', '表单版本不存在', { detail: `${formKey} v${wanted}` });
  return {
    key: row.key,
    name: v.name as string,
    version: v.version as number,
    schema: v.schema as JsonSchema,
    uiSchema: v.ui_schema as UiSchema,
    publishedAt: iso(v.published_at as Date),
  };
}

/** Compiled engines of published versions (immutable, so cached for the life of the process). */
const engines = new Map<string, FormEngine>();

function engineFor(cacheKey: string | null, docs: FormDocuments): FormEngine {
  const cached = cacheKey ? engines.get(cacheKey) : undefined;
  if (cached) return cached;
  const engine = new FormEngine(docs);
  if (cacheKey) {
    if (engines.size >= 500) engines.delete(engines.keys().next().value as string);
    engines.set(cacheKey, engine);
  }
  return engine;
}

/** The error every caller gets for a submission that fails: problem+json with each field's message. */
export function formInvalid(errors: FieldError[]): AppError {
  return badRequest('form_invalid', '表单填写有误', { errors });
}

/** Cleans, computes and validates `data` with an engine, then checks references. */
export async function runValidation(db: Db | Tx, engine: FormEngine, data: unknown) {
  const result = engine.process(data);
  const referenceErrors = await checkReferences(db, engine, result.data, result.errors);
  const errors = [...result.errors, ...referenceErrors];
  if (errors.length) throw formInvalid(errors);
  return { ok: true as const, data: result.data };
}

/**
 * Validates a submission against a published version (latest when `version` is undefined).
 * Returns the cleaned data to store: unknown and hidden fields removed, computed fields
 * recomputed, rich text sanitized, address names filled in. Throws 400 `form_invalid`.
 * Pass `db` = your transaction when calling inside one (PGlite has a single session).
 */
export async function validateFormData(
  kernel: Kernel,
  formKey: string,
  version: number | undefined,
  data: unknown,
  db: Db | Tx = kernel.db,
): Promise<{ ok: true; data: Record<string, unknown> }> {
  const def = await getFormDefinition(kernel, formKey, version, db);
  const engine = engineFor(`${def.key}@${def.version}`, { schema: def.schema, uiSchema: def.uiSchema });
  return runValidation(db, engine, data);
}

/** The designer's preview: validates against the current draft (not cached: drafts change). */
export async function validateDraft(kernel: Kernel, formKey: string, data: unknown) {
  const row = await findRow(kernel.db, formKey);
  const engine = engineFor(null, { schema: row.draft_schema, uiSchema: row.draft_ui_schema });
  return runValidation(kernel.db, engine, data);
}
