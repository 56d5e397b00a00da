import type { JiyueModule } from '../../kernel/module.js';
import type { PermissionDef } from '../../kernel/permissions.js';
import { ensureModuleMenus } from '../settings/index.js';
import { sampleForm } from './fixtures.js';
import { formsRoutes } from './routes.js';
import { formsMigrations } from './schema.js';

/*
 * Contract for other modules (workflow, services, portal) — see docs/forms.md:
 *
 *   getFormDefinition(kernel, formKey, version?, db?) → FormVersionView
 *       a published version; the latest when `version` is omitted.
 *       404 form_not_found / form_not_published / form_version_not_found.
 *   validateFormData(kernel, formKey, version | undefined, data, db?) → { ok: true, data }
 *       `data` is the cleaned submission to store: unknown and hidden (conditional) fields
 *       stripped, computed fields recomputed by the server, rich text sanitized, address names
 *       filled in. Throws AppError 400 `form_invalid` (problem+json, title 「表单填写有误」,
 *       `errors: [{ field, message }]`, Chinese messages naming the field by its label).
 *       Pass `db` = your transaction when you call it inside one (PGlite has one session).
 *
 * The pure engine (core/) is shared with the console: packages/admin/src/components/form-renderer.
 */
export { FormEngine } from './core/engine.js';
export type { FieldUi, FormDocuments, JsonSchema, UiSchema, Widget } from './core/types.js';
export { type FormVersionView, formInvalid, getFormDefinition, validateFormData } from './service.js';

const group = '统一表单';

export const FORMS_PERMISSIONS: PermissionDef[] = [
  { code: 'form:read', name: '查看表单定义', group },
  { code: 'form:manage', name: '设计、发布表单', group },
];

/** 统一表单服务: JSON-Schema form definitions, designer data, validation. */
export const formsModule: JiyueModule = {
  name: 'forms',
  migrations: formsMigrations,
  permissions: FORMS_PERMISSIONS,
  routes: formsRoutes,
  async seed(kernel) {
    await ensureModuleMenus(kernel, {
      name: '流程中心',
      icon: 'PartitionOutlined',
      children: [{ name: '表单管理', path: '/forms/definitions', icon: 'FormOutlined', permission: 'form:read' }],
    });
    // A draft using every control, so designers start from a working example (never published).
    const docs = sampleForm();
    await kernel.db
      .insertInto('forms_definitions')
      .values({
        key: 'sample-all-controls',
        name: '示例：全部控件',
        description: '演示控件库、条件显示和计算字段；可复制其 JSON 后删除',
        draft_schema: JSON.stringify(docs.schema),
        draft_ui_schema: JSON.stringify(docs.uiSchema),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  },
};
