import sanitizeHtml from 'sanitize-html';
import type { Db, Tx } from '../../kernel/db.js';
import { findUser, subtreeIds } from '../identity/index.js';
import { dictionaryHasValue } from '../settings/index.js';
import { type FormEngine, fieldsWithValues } from './core/engine.js';
import type { FieldError } from './core/types.js';
import { checkRegionPath } from './regions.js';

/*
 * The checks of a submission that need data the browser does not have: 数据字典 entries, users,
 * orgs, uploaded files, 行政区划; plus rich-text cleaning. They run after the engine (which
 * already guaranteed the types) and rewrite `data` in place (sanitized HTML, region names).
 */

const RICH_TEXT: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'ul',
    'ol',
    'li',
    'h3',
    'h4',
    'blockquote',
    'a',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
};

/** Form answers in rich text: formatting, lists, tables and links only. */
export function sanitizeRichText(html: string): string {
  return sanitizeHtml(html, RICH_TEXT);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fields that already failed the engine's checks are skipped: one message per field is enough. */
export async function checkReferences(
  db: Db | Tx,
  engine: FormEngine,
  data: Record<string, unknown>,
  failed: FieldError[] = [],
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const { schema, uiSchema } = engine.docs;
  const hasError = (path: string) => failed.some((e) => e.field === path || e.field.startsWith(`${path}.`));
  for (const f of [...fieldsWithValues(uiSchema, schema, data)]) {
    if (hasError(f.path)) continue;
    const label = `「${engine.labelOf(f.path.split('.'))}」`;
    const fail = (message: string) => errors.push({ field: f.path, message: `${label}${message}` });
    const values = Array.isArray(f.value) ? f.value : [f.value];
    switch (f.ui.widget) {
      case 'select':
      case 'radio':
      case 'checkbox': {
        for (const v of values) {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
          const value = String(v);
          const ok = f.ui.dictionary
            ? await dictionaryHasValue(db, f.ui.dictionary, value)
            : !f.ui.options || f.ui.options.some((o) => o.value === value);
          if (!ok) {
            fail(`的取值「${value.slice(0, 50)}」不在可选范围内`);
            break;
          }
        }
        break;
      }
      case 'org':
        for (const v of values) {
          if (typeof v !== 'string' || !UUID.test(v)) continue;
          if (!(await subtreeIds(db, [v])).includes(v)) fail('所选组织机构不存在');
        }
        break;
      case 'user':
        for (const v of values) {
          if (typeof v !== 'string' || !UUID.test(v)) continue;
          try {
            const user = await findUser(db, v);
            if (user.status !== 'enabled') fail('所选用户已停用');
          } catch {
            fail('所选用户不存在');
          }
        }
        break;
      case 'file':
        await checkFiles(db, f.ui.file ?? {}, values, fail);
        break;
      case 'address': {
        const value = f.value as { codes?: unknown };
        if (!Array.isArray(value?.codes) || !value.codes.every((c) => typeof c === 'string')) break;
        const result = checkRegionPath(value.codes as string[], f.ui.levels ?? 4);
        if ('error' in result) fail(result.error);
        else (f.value as Record<string, unknown>).names = result.names;
        break;
      }
      case 'richText':
        if (typeof f.value === 'string') setAt(data, f.path, sanitizeRichText(f.value));
        break;
    }
  }
  return errors;
}

async function checkFiles(
  db: Db | Tx,
  rules: { accept?: string[]; maxSize?: number },
  ids: unknown[],
  fail: (message: string) => void,
): Promise<void> {
  const valid = ids.filter((v): v is string => typeof v === 'string' && UUID.test(v));
  if (!valid.length) return;
  const rows = await db
    .selectFrom('files')
    .select(['id', 'ext', 'size', 'name'])
    .where('id', 'in', valid)
    .where('deleted_at', 'is', null)
    .execute();
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  for (const id of valid) {
    const file = byId.get(id);
    if (!file) return fail('引用的文件不存在或已删除');
    const accept = rules.accept?.map((e) => e.toLowerCase()) ?? [];
    if (accept.length && !accept.includes(String(file.ext).toLowerCase())) {
      return fail(`只接受 ${accept.join('、')} 格式的文件（「${file.name}」不符合）`);
    }
    if (rules.maxSize && Number(file.size) > rules.maxSize) {
      return fail(`中的「${file.name}」超过 ${(rules.maxSize / 1024 / 1024).toFixed(1)} MB`);
    }
  }
}

function setAt(data: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split('.');
  let node: any = data;
  for (const s of segs.slice(0, -1)) node = node?.[/^\d+$/.test(s) ? Number(s) : s];
  if (node && typeof node === 'object') node[segs[segs.length - 1]] = value;
}
