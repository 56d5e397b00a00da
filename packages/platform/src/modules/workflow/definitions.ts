import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { handlerRegistry } from './engine.js';
import { type ParseResult, type ProcessModel, parseBpmn } from './model.js';

/*
 * 流程定义: BPMN XML deployed as numbered versions of a key (the process id). A version never
 * changes once deployed; running instances keep the version they started on.
 */

export const MAX_BPMN_BYTES = 2 * 1024 * 1024;

export interface DefinitionView {
  id: string;
  key: string;
  name: string;
  version: number;
  category: string | null;
  deployedAt: Date;
  deployedBy: string | null;
  deployedByName: string | null;
}

export function validateBpmn(xml: string): Promise<ParseResult> {
  return parseBpmn(xml, handlerRegistry);
}

function view(r: any): DefinitionView {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    version: r.version,
    category: r.category,
    deployedAt: r.deployed_at,
    deployedBy: r.deployed_by,
    deployedByName: r.deployed_by_name ?? null,
  };
}

/** Parses, validates and stores a new version; 400 with element ids when the XML is refused. */
export async function deployDefinition(
  kernel: Kernel,
  principal: Principal | null,
  input: { xml: string; name?: string },
  options: { tx?: Tx; ip?: string | null } = {},
): Promise<DefinitionView> {
  const { model, errors } = await validateBpmn(input.xml);
  if (!model) {
    const unsupported = errors.some((e) => e.message.startsWith('不支持'));
    throw new AppError(400, unsupported ? 'bpmn_unsupported' : 'bpmn_invalid', '流程定义不合法', {
      detail: errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('；'),
      errors,
    });
  }
  if (input.name) model.name = input.name;
  const write = async (tx: Tx) => {
    // Serialise deploys of one key so two deploys never pick the same version number.
    await sql`select pg_advisory_xact_lock(hashtext(${`workflow.deploy:${model.key}`}))`.execute(tx);
    const last = await tx
      .selectFrom('workflow_definitions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('key', '=', model.key)
      .executeTakeFirst();
    const row = await tx
      .insertInto('workflow_definitions')
      .values({
        key: model.key,
        version: Number(last?.v ?? 0) + 1,
        name: model.name,
        category: model.category,
        xml: input.xml,
        model: JSON.stringify(model),
        deployed_by: principal?.userId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.audit.record(tx, {
      actorId: principal?.userId ?? null,
      actorName: principal ? `${principal.displayName}（${principal.username}）` : '系统',
      ip: options.ip ?? null,
      action: 'deploy',
      resource: 'workflow.definition',
      resourceId: row.id,
      summary: `部署流程「${row.name}」(${row.key}) 第 ${row.version} 版`,
    });
    return view(row);
  };
  return options.tx ? write(options.tx) : kernel.db.transaction().execute(write);
}

export async function listDefinitions(
  db: Db,
  query: { q?: string; category?: string; page?: number; pageSize?: number },
) {
  const pageSize = Math.min(query.pageSize ?? 20, 100);
  const offset = ((query.page ?? 1) - 1) * pageSize;
  let base = db.selectFrom('workflow_definitions as d').where('d.version', '=', (eb: any) =>
    eb
      .selectFrom('workflow_definitions as x')
      .select((x: any) => x.fn.max('x.version').as('m'))
      .whereRef('x.key', '=', 'd.key'),
  );
  if (query.q)
    base = base.where((eb) => eb.or([eb('d.name', 'ilike', `%${query.q}%`), eb('d.key', 'ilike', `%${query.q}%`)]));
  if (query.category) base = base.where('d.category', '=', query.category);
  const [rows, count] = await Promise.all([
    base
      .leftJoin('identity_users as u', 'u.id', 'd.deployed_by')
      .select([
        'd.id',
        'd.key',
        'd.name',
        'd.version',
        'd.category',
        'd.deployed_at',
        'd.deployed_by',
        'u.display_name as deployed_by_name',
      ])
      .select((eb) => [
        eb
          .selectFrom('workflow_definitions as v')
          .select((v) => v.fn.countAll().as('n'))
          .whereRef('v.key', '=', 'd.key')
          .as('versions'),
        eb
          .selectFrom('workflow_instances as i')
          .select((i) => i.fn.countAll().as('n'))
          .whereRef('i.definition_key', '=', 'd.key')
          .where('i.state', 'in', ['running', 'suspended'])
          .as('running_instances'),
      ])
      .orderBy('d.deployed_at', 'desc')
      .limit(pageSize)
      .offset(offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r: any) => ({
      ...view(r),
      versions: Number(r.versions),
      runningInstances: Number(r.running_instances),
    })),
  };
}

export async function definitionVersions(db: Db, key: string) {
  const rows = await db
    .selectFrom('workflow_definitions as d')
    .leftJoin('identity_users as u', 'u.id', 'd.deployed_by')
    .select([
      'd.id',
      'd.key',
      'd.name',
      'd.version',
      'd.category',
      'd.deployed_at',
      'd.deployed_by',
      'u.display_name as deployed_by_name',
    ])
    .where('d.key', '=', key)
    .orderBy('d.version', 'desc')
    .execute();
  return { items: rows.map(view) };
}

/** One version (latest when `version` is omitted) with its XML and user tasks. */
export async function getDefinition(db: Db | Tx, key: string, version?: number) {
  let q = db
    .selectFrom('workflow_definitions as d')
    .leftJoin('identity_users as u', 'u.id', 'd.deployed_by')
    .selectAll('d')
    .select('u.display_name as deployed_by_name')
    .where('d.key', '=', key);
  q = version ? q.where('d.version', '=', version) : q.orderBy('d.version', 'desc').limit(1);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('definition_not_found', '流程定义不存在');
  const model = row.model as ProcessModel;
  return {
    ...view(row),
    xml: row.xml as string,
    userTasks: Object.values(model.nodes)
      .filter((n) => n.type === 'userTask')
      .map((n) => ({ id: n.id, name: n.name, formKey: n.formKey ?? null, formVersion: n.formVersion ?? null })),
  };
}

export async function definitionXml(db: Db, id: string): Promise<string> {
  const row = await db.selectFrom('workflow_definitions').select('xml').where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('definition_not_found', '流程定义不存在');
  return row.xml;
}
