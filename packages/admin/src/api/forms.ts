import type { FormInstance } from 'antd';
import { ApiError, errorMessage } from './client';

type NamePath = (string | number)[];

/**
 * Server field names arrive as `name`, `/name`, `body/name`, `grants/0/roleId` or `grants.0.roleId`
 * depending on which validator produced them; the form wants an array name path.
 */
export function toNamePath(field: string): NamePath {
  const segments = field
    .replace(/^\/+/, '')
    .split(/[/.]/)
    .filter((s) => s !== '');
  if (segments[0] === 'body' && segments.length > 1) segments.shift();
  return segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const sameName = (a: NamePath, b: NamePath) => a.length === b.length && a.every((s, i) => String(s) === String(b[i]));

/**
 * Puts each server-side field error under its form field.
 * Returns the errors that matched no field so the caller can show them elsewhere.
 */
export function applyServerErrors(form: FormInstance, error: unknown): string[] {
  if (!(error instanceof ApiError)) return [errorMessage(error)];
  const fieldErrors = error.problem.errors ?? [];
  if (fieldErrors.length === 0) return [error.message];
  const registered = form.getFieldsError().map((f) => f.name as NamePath);
  const byField = new Map<string, { name: NamePath; errors: string[] }>();
  const unmatched: string[] = [];
  for (const { field, message } of fieldErrors) {
    const path = toNamePath(field);
    const name = registered.find((r) => sameName(r, path));
    if (!name) {
      unmatched.push(field ? `${field}：${message}` : message);
      continue;
    }
    const key = name.join('.');
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(message);
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  if (byField.size > 0 && unmatched.length === 0) return [];
  return [error.problem.title, ...unmatched];
}
