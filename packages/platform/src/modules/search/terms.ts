import { sql } from 'kysely';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { auditActor, type Ctx, likePattern, type Page, pageBounds } from '../settings/context.js';
import { invalidateLexicon } from './lexicon.js';
import type { TermKind } from './schema.js';

/*
 * 检索词典: 百姓体 (colloquial → official), 敏感词屏蔽 (blocked), 同义词 (synonym groups) and the
 * 用户词典 (words jieba must keep whole). Every write is one audited transaction and takes effect
 * for the next query of this process at once.
 */

export const TERM_KINDS: Record<TermKind, string> = {
  plain: '百姓体',
  blocked: '敏感词',
  synonym: '同义词',
  user: '用户词典',
};

export interface TermInput {
  term?: string;
  targets?: string[];
  note?: string | null;
  enabled?: boolean;
}

export interface TermView {
  id: string;
  kind: TermKind;
  term: string;
  targets: string[];
  note: string | null;
  enabled: boolean;
  updatedAt: Date;
  updatedBy: string | null;
}

function viewOf(row: any): TermView {
  return {
    id: row.id,
    kind: row.kind,
    term: row.term,
    targets: row.targets ?? [],
    note: row.note ?? null,
    enabled: row.enabled,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by ?? null,
  };
}

function clean(kind: TermKind, input: TermInput, existing?: TermView): { term: string; targets: string[] } {
  const term = (input.term ?? existing?.term ?? '').trim();
  if (!term) {
    throw badRequest('validation_failed', '请求参数不合法', { errors: [{ field: 'term', message: '不能为空' }] });
  }
  if ((kind === 'user' || kind === 'blocked') && /\s/.test(term)) {
    throw badRequest('validation_failed', '请求参数不合法', { errors: [{ field: 'term', message: '不能包含空格' }] });
  }
  const targets = [...new Set((input.targets ?? existing?.targets ?? []).map((t) => t.trim()).filter(Boolean))];
  const needsTargets = kind === 'plain' || kind === 'synonym';
  if (needsTargets && targets.length === 0) {
    throw badRequest('search_targets_required', kind === 'plain' ? '请填写对应的规范用语' : '请填写同义词', {
      errors: [{ field: 'targets', message: '至少一项' }],
    });
  }
  if (!needsTargets && targets.length > 0) {
    throw badRequest('search_targets_not_allowed', `${TERM_KINDS[kind]}不需要对应词`, {
      errors: [{ field: 'targets', message: '应为空' }],
    });
  }
  return { term, targets };
}

export async function listTerms(kernel: Kernel, kind: TermKind, filter: Page & { q?: string }) {
  const { limit, offset } = pageBounds(filter);
  let query = kernel.db.selectFrom('search_terms').where('kind', '=', kind);
  if (filter.q) {
    const pattern = likePattern(filter.q);
    query = query.where((eb) =>
      eb.or([eb('term', 'like', pattern), sql<boolean>`array_to_string(targets, ' ') like ${pattern}`]),
    );
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('term').limit(limit).offset(offset).execute(),
    query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(viewOf), total: Number(count.n) };
}

async function assertUnique(tx: any, kind: TermKind, term: string, exceptId?: string) {
  let query = tx.selectFrom('search_terms').select('id').where('kind', '=', kind).where('term', '=', term);
  if (exceptId) query = query.where('id', '<>', exceptId);
  if (await query.executeTakeFirst()) throw conflict('search_term_exists', `${TERM_KINDS[kind]}「${term}」已存在`);
}

export async function createTerm(kernel: Kernel, ctx: Ctx, kind: TermKind, input: TermInput): Promise<TermView> {
  const { term, targets } = clean(kind, input);
  const view = await kernel.db.transaction().execute(async (tx) => {
    await assertUnique(tx, kind, term);
    const row = await tx
      .insertInto('search_terms')
      .values({
        kind,
        term,
        targets,
        note: input.note ?? null,
        enabled: input.enabled ?? true,
        updated_by: ctx.principal?.displayName ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'search.term.create',
      resource: 'search.term',
      resourceId: row.id,
      summary: `新增${TERM_KINDS[kind]}「${term}」${targets.length ? ` → ${targets.join('、')}` : ''}`,
    });
    return viewOf(row);
  });
  invalidateLexicon(kernel);
  return view;
}

async function load(tx: any, kind: TermKind, id: string): Promise<TermView> {
  const row = await tx
    .selectFrom('search_terms')
    .selectAll()
    .where('id', '=', id)
    .where('kind', '=', kind)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('search_term_not_found', '词条不存在');
  return viewOf(row);
}

export async function updateTerm(kernel: Kernel, ctx: Ctx, kind: TermKind, id: string, input: TermInput) {
  const view = await kernel.db.transaction().execute(async (tx) => {
    const before = await load(tx, kind, id);
    const { term, targets } = clean(kind, input, before);
    await assertUnique(tx, kind, term, id);
    const row = await tx
      .updateTable('search_terms')
      .set({
        term,
        targets,
        note: input.note === undefined ? before.note : input.note,
        enabled: input.enabled ?? before.enabled,
        updated_by: ctx.principal?.displayName ?? null,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'search.term.update',
      resource: 'search.term',
      resourceId: id,
      summary: `修改${TERM_KINDS[kind]}「${before.term}」`,
      detail: {
        before: { term: before.term, targets: before.targets, enabled: before.enabled },
        after: { term, targets, enabled: row.enabled },
      },
    });
    return viewOf(row);
  });
  invalidateLexicon(kernel);
  return view;
}

export async function deleteTerm(kernel: Kernel, ctx: Ctx, kind: TermKind, id: string) {
  await kernel.db.transaction().execute(async (tx) => {
    const before = await load(tx, kind, id);
    await tx.deleteFrom('search_terms').where('id', '=', id).execute();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'search.term.delete',
      resource: 'search.term',
      resourceId: id,
      summary: `删除${TERM_KINDS[kind]}「${before.term}」`,
    });
  });
  invalidateLexicon(kernel);
  return { ok: true };
}
