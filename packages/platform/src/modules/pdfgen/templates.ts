import { Readable } from 'node:stream';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { auditActor, type Ctx, likePattern } from '../settings/context.js';
import { DEFAULT_PAGE, type PdfPageOptions } from './chromium.js';
import { checkSchema } from './data.js';
import { docxFields, MAX_DOCX_BYTES, unpackDocx } from './docx.js';
import { checkLiquid } from './liquid.js';

/*
 * 文书模板 service: templates, their versions (每次保存生成新版本), rollback, and the .docx
 * files behind Word templates. Every write runs in one transaction with its audit entry.
 */

export type TemplateKind = 'html' | 'docx';

/** The versioned part of a template: what a save stores and a preview renders. */
export interface TemplateContent {
  /** HTML with Liquid tags (kind 'html'). */
  body: string | null;
  /** The uploaded .docx (kind 'docx'), a kernel file id. */
  docxFileId: string | null;
  page: PdfPageOptions;
  /** JSON Schema the data must satisfy; null = any data. */
  dataSchema: Record<string, unknown> | null;
  /** Example data used by the preview and shown to people writing integrations. */
  sampleData: Record<string, unknown> | null;
}

export interface TemplateView {
  id: string;
  code: string;
  name: string;
  kind: TemplateKind;
  description: string;
  status: 'enabled' | 'disabled';
  currentVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface VersionView extends TemplateContent {
  version: number;
  comment: string;
  savedByName: string | null;
  savedAt: string;
  /** For a .docx template: its file's name, size and placeholders. */
  docx: { fileId: string; name: string; size: number; fields: string[] } | null;
}

const OWNER_TYPE = 'pdfgen.template';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function templateView(row: any): TemplateView {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind,
    description: row.description,
    status: row.status,
    currentVersion: row.current_version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function listTemplates(
  db: Db,
  query: { q?: string; kind?: TemplateKind; status?: string; page?: number; pageSize?: number },
): Promise<{ items: TemplateView[]; total: number }> {
  let base = db.selectFrom('pdfgen_templates');
  if (query.q) {
    const like = likePattern(query.q);
    base = base.where((eb: any) => eb.or([eb('name', 'like', like), eb('code', 'like', like)]));
  }
  if (query.kind) base = base.where('kind', '=', query.kind);
  if (query.status) base = base.where('status', '=', query.status);
  const pageSize = query.pageSize ?? 20;
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('updated_at', 'desc')
      .orderBy('code')
      .limit(pageSize)
      .offset(((query.page ?? 1) - 1) * pageSize)
      .execute(),
    base.select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst(),
  ]);
  return { items: rows.map(templateView), total: Number((count as { n?: number } | undefined)?.n ?? 0) };
}

/** A template by id or by code; 404 `template_not_found`. */
export async function loadTemplate(db: Db | Tx, idOrCode: string, lock = false): Promise<TemplateView> {
  let q = db
    .selectFrom('pdfgen_templates')
    .selectAll()
    .where(UUID.test(idOrCode) ? 'id' : 'code', '=', idOrCode);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('template_not_found', '文书模板不存在', { detail: idOrCode });
  return templateView(row);
}

export async function loadVersion(db: Db | Tx, templateId: string, version: number): Promise<VersionView> {
  const row = await db
    .selectFrom('pdfgen_template_versions as v')
    .leftJoin('files as f', 'f.id', 'v.docx_file_id')
    .select([
      'v.version',
      'v.body',
      'v.docx_file_id',
      'v.page',
      'v.data_schema',
      'v.sample_data',
      'v.comment',
      'v.saved_by_name',
      'v.saved_at',
      'f.name as file_name',
      'f.size as file_size',
    ])
    .where('v.template_id', '=', templateId)
    .where('v.version', '=', version)
    .executeTakeFirst();
  if (!row) throw notFound('template_version_not_found', '模板版本不存在', { detail: `第 ${version} 版` });
  return {
    version: row.version,
    body: row.body,
    docxFileId: row.docx_file_id,
    page: { ...DEFAULT_PAGE, ...(row.page as object) },
    dataSchema: row.data_schema,
    sampleData: row.sample_data,
    comment: row.comment,
    savedByName: row.saved_by_name,
    savedAt: iso(row.saved_at),
    docx: row.docx_file_id
      ? { fileId: row.docx_file_id, name: row.file_name, size: Number(row.file_size), fields: [] }
      : null,
  };
}

export async function listVersions(db: Db, templateId: string) {
  const rows = await db
    .selectFrom('pdfgen_template_versions')
    .select(['version', 'comment', 'saved_by_name', 'saved_at'])
    .where('template_id', '=', templateId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r: any) => ({
    version: r.version,
    comment: r.comment,
    savedByName: r.saved_by_name,
    savedAt: iso(r.saved_at),
  }));
}

/** Reads a kernel file's bytes (a .docx template), bounded by the .docx limit. */
export async function fileBytes(kernel: Kernel, fileId: string): Promise<{ bytes: Buffer; name: string }> {
  const row = await kernel.db
    .selectFrom('files')
    .select(['sha256', 'name', 'size'])
    .where('id', '=', fileId)
    .executeTakeFirst();
  if (!row) throw badRequest('file_not_found', '引用的文件不存在或已删除', { detail: fileId });
  if (Number(row.size) > MAX_DOCX_BYTES) throw badRequest('file_too_large', '文件超过大小限制');
  const chunks: Buffer[] = [];
  for await (const chunk of await kernel.files.storage.get(row.sha256)) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), name: row.name };
}

/** Placeholders of a stored .docx (shown by the console next to the sample data). */
export async function fieldsOfDocx(kernel: Kernel, fileId: string): Promise<string[]> {
  return docxFields(unpackDocx((await fileBytes(kernel, fileId)).bytes));
}

/**
 * Stores an uploaded .docx template (already read into memory, at most MAX_DOCX_BYTES) after it
 * opened within the limits and its placeholders parsed; it is referenced once a version uses it.
 */
export async function storeDocx(kernel: Kernel, ctx: Ctx, name: string, bytes: Buffer) {
  const fields = docxFields(unpackDocx(bytes));
  const blob = await kernel.files.storage.put(Readable.from([bytes]), { maxBytes: MAX_DOCX_BYTES });
  const row = await kernel.db
    .insertInto('files')
    .values({
      sha256: blob.sha256,
      size: blob.size,
      mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      ext: 'docx',
      name,
      uploader_id: ctx.principal?.userId ?? null,
      uploader_ip: ctx.ip,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { fileId: row.id as string, name, size: blob.size, fields };
}

/** Checks what a save would store, before anything is written. */
function checkContent(kind: TemplateKind, content: TemplateContent): void {
  if (kind === 'html') {
    if (!content.body?.trim())
      throw badRequest('template_body_required', 'HTML 模板内容不能为空', {
        errors: [{ field: 'body', message: '必填' }],
      });
    checkLiquid(content.body, 'body');
    if (content.page.header) checkLiquid(content.page.header, 'page.header');
    if (content.page.footer) checkLiquid(content.page.footer, 'page.footer');
  } else if (!content.docxFileId) {
    throw badRequest('template_docx_required', '请上传 Word 模板文件', {
      errors: [{ field: 'docxFileId', message: '必填' }],
    });
  }
  if (content.dataSchema) checkSchema(content.dataSchema);
}

function normalised(kind: TemplateKind, content: Partial<TemplateContent>): TemplateContent {
  return {
    body: kind === 'html' ? (content.body ?? null) : null,
    docxFileId: kind === 'docx' ? (content.docxFileId ?? null) : null,
    page: { ...DEFAULT_PAGE, ...content.page, margin: { ...DEFAULT_PAGE.margin, ...content.page?.margin } },
    dataSchema: content.dataSchema ?? null,
    sampleData: content.sampleData ?? null,
  };
}

async function insertVersion(
  tx: Tx,
  kernel: Kernel,
  ctx: Ctx,
  templateId: string,
  version: number,
  content: TemplateContent,
  comment: string,
): Promise<void> {
  await tx
    .insertInto('pdfgen_template_versions')
    .values({
      template_id: templateId,
      version,
      body: content.body,
      docx_file_id: content.docxFileId,
      page: JSON.stringify(content.page),
      data_schema: content.dataSchema === null ? null : JSON.stringify(content.dataSchema),
      sample_data: content.sampleData === null ? null : JSON.stringify(content.sampleData),
      comment,
      saved_by: ctx.principal?.userId ?? null,
      saved_by_name: ctx.principal?.displayName ?? '系统',
    })
    .execute();
  // Every .docx any version uses stays referenced, so the file store never purges history.
  const files = await tx
    .selectFrom('pdfgen_template_versions')
    .select(['docx_file_id', 'version'])
    .where('template_id', '=', templateId)
    .where('docx_file_id', 'is not', null)
    .execute();
  await kernel.files.setReferences(
    tx,
    OWNER_TYPE,
    templateId,
    files.map((f: any) => ({ fileId: f.docx_file_id, field: `v${f.version}` })),
  );
}

export interface NewTemplate {
  code: string;
  name: string;
  kind: TemplateKind;
  description?: string;
  content: Partial<TemplateContent>;
  comment?: string;
}

export async function createTemplate(kernel: Kernel, ctx: Ctx, input: NewTemplate): Promise<TemplateView> {
  const content = normalised(input.kind, input.content);
  checkContent(input.kind, content);
  return kernel.db.transaction().execute(async (tx) => {
    const taken = await tx
      .selectFrom('pdfgen_templates')
      .select('id')
      .where('code', '=', input.code)
      .executeTakeFirst();
    if (taken)
      throw conflict('template_code_taken', '模板编码已被使用', { errors: [{ field: 'code', message: '已被使用' }] });
    const row = await tx
      .insertInto('pdfgen_templates')
      .values({
        code: input.code,
        name: input.name,
        kind: input.kind,
        description: input.description ?? '',
        created_by: ctx.principal?.userId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertVersion(tx, kernel, ctx, row.id, 1, content, input.comment ?? '新建');
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'create',
      resource: 'pdfgen.template',
      resourceId: row.id,
      summary: `新建文书模板「${input.name}」（${input.code}）`,
    });
    return templateView(row);
  });
}

export async function updateTemplate(
  kernel: Kernel,
  ctx: Ctx,
  id: string,
  patch: { name?: string; description?: string; status?: 'enabled' | 'disabled' },
): Promise<TemplateView> {
  return kernel.db.transaction().execute(async (tx) => {
    const before = await loadTemplate(tx, id, true);
    const row = await tx
      .updateTable('pdfgen_templates')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const what = patch.status ? (patch.status === 'enabled' ? '启用' : '停用') : '修改';
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: patch.status ? (patch.status === 'enabled' ? 'enable' : 'disable') : 'update',
      resource: 'pdfgen.template',
      resourceId: before.id,
      summary: `${what}文书模板「${row.name}」`,
      detail: { before: { name: before.name, description: before.description, status: before.status }, patch },
    });
    return templateView(row);
  });
}

/**
 * 保存新版本. `baseVersion` is the version the editor started from; when someone saved in
 * between, 409 `template_conflict` (nothing is overwritten silently).
 */
export async function saveVersion(
  kernel: Kernel,
  ctx: Ctx,
  id: string,
  input: { baseVersion: number; content: Partial<TemplateContent>; comment?: string },
  action: 'save' | 'rollback' = 'save',
): Promise<{ template: TemplateView; version: number }> {
  const current = await loadTemplate(kernel.db, id);
  const content = normalised(current.kind, input.content);
  checkContent(current.kind, content);
  return kernel.db.transaction().execute(async (tx) => {
    const template = await loadTemplate(tx, id, true);
    if (template.currentVersion !== input.baseVersion) {
      throw conflict('template_conflict', '模板已被他人修改，请刷新后再保存', {
        detail: `当前为第 ${template.currentVersion} 版，你编辑的是第 ${input.baseVersion} 版`,
        extra: { currentVersion: template.currentVersion },
      });
    }
    const version = template.currentVersion + 1;
    await insertVersion(tx, kernel, ctx, template.id, version, content, input.comment ?? '');
    const row = await tx
      .updateTable('pdfgen_templates')
      .set({ current_version: version, updated_at: new Date() })
      .where('id', '=', template.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action,
      resource: 'pdfgen.template',
      resourceId: template.id,
      summary:
        action === 'rollback'
          ? `文书模板「${template.name}」${input.comment ?? ''}（第 ${version} 版）`
          : `保存文书模板「${template.name}」第 ${version} 版`,
    });
    return { template: templateView(row), version };
  });
}

/** 回滚: the old version's content becomes a new current version. */
export async function rollbackTemplate(kernel: Kernel, ctx: Ctx, id: string, toVersion: number, baseVersion: number) {
  const template = await loadTemplate(kernel.db, id);
  const old = await loadVersion(kernel.db, template.id, toVersion);
  return saveVersion(
    kernel,
    ctx,
    template.id,
    {
      baseVersion,
      content: {
        body: old.body,
        docxFileId: old.docxFileId,
        page: old.page,
        dataSchema: old.dataSchema,
        sampleData: old.sampleData,
      },
      comment: `回滚到第 ${toVersion} 版`,
    },
    'rollback',
  );
}

export async function deleteTemplate(kernel: Kernel, ctx: Ctx, id: string): Promise<void> {
  await kernel.db.transaction().execute(async (tx) => {
    const template = await loadTemplate(tx, id, true);
    await kernel.files.setReferences(tx, OWNER_TYPE, template.id, []);
    await tx.deleteFrom('pdfgen_templates').where('id', '=', template.id).execute();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'delete',
      resource: 'pdfgen.template',
      resourceId: template.id,
      summary: `删除文书模板「${template.name}」（${template.code}）`,
    });
  });
}
