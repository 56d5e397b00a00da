import { api } from '../../api/client';
import type { JiyueOptions, Option } from './bpmn/JiyuePropertiesProvider';

/** `GET /api/forms/definitions` items (module forms); `latestVersion` is the last published one. */
interface FormSummary {
  key: string;
  name: string;
  latestVersion: number | null;
}

/** A list the current user may not read (no permission) just leaves that picker as a text box. */
async function optional<T>(load: () => Promise<T[]>): Promise<T[]> {
  try {
    return await load();
  } catch {
    return [];
  }
}

const items = <T>(body: { items: T[] } | T[]) => (Array.isArray(body) ? body : body.items);

export async function loadPublishedForms(): Promise<Option[]> {
  const forms = await optional(async () =>
    items(await api.get<{ items: FormSummary[] }>('/forms/definitions', { pageSize: 100 })),
  );
  return forms
    .filter((f) => f.latestVersion)
    .map((f) => ({ value: f.key, label: `${f.name}（${f.key}，已发布 v${f.latestVersion}）` }));
}

/** What the properties panel offers in its pickers: published forms, roles, users. */
export async function loadDesignerOptions(): Promise<JiyueOptions> {
  const [forms, roles, users] = await Promise.all([
    loadPublishedForms(),
    optional(async () =>
      items(await api.get<{ items: { code: string; name: string }[] }>('/identity/roles')).map((r) => ({
        value: r.code,
        label: `${r.name}（${r.code}）`,
      })),
    ),
    optional(async () =>
      items(
        await api.get<{ items: { username: string; displayName?: string; name?: string }[] }>('/identity/users', {
          pageSize: 200,
          status: 'enabled',
        }),
      ).map((u) => ({ value: u.username, label: `${u.displayName ?? u.name ?? u.username}（${u.username}）` })),
    ),
  ]);
  return { forms, roles, users, handlers: [] };
}
