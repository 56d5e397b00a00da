import { api } from '../../api/client';
import type { FormDocuments, JsonSchema, UiSchema } from '../../components/form-renderer/engine';

/** A row of GET /api/forms/definitions. */
export interface FormSummary {
  id: string;
  key: string;
  name: string;
  description: string;
  latestVersion: number | null;
  revision: number;
  hasDraftChanges: boolean;
  fieldCount: number;
  updatedAt: string;
}

export interface FormVersion {
  version: number;
  name: string;
  publishedAt: string;
  publishedBy: string | null;
}

export interface FormDetail extends FormSummary, FormDocuments {
  versions: FormVersion[];
}

export const formsApi = {
  get: (key: string) => api.get<FormDetail>(`/forms/definitions/${key}`),
  create: (body: { key: string; name: string; description?: string }) =>
    api.post<FormSummary>('/forms/definitions', body),
  save: (
    key: string,
    body: { name?: string; description?: string; schema: JsonSchema; uiSchema: UiSchema; revision: number },
  ) => api.put<FormSummary>(`/forms/definitions/${key}`, body),
  publish: (key: string, revision?: number) =>
    api.post<{ key: string; version: number }>(`/forms/definitions/${key}/publish`, { revision }),
  version: (key: string, version: number) =>
    api.get<FormDocuments & { version: number; name: string }>(`/forms/definitions/${key}/versions/${version}`),
  validate: (key: string, data: unknown) => api.post<{ ok: true; data: unknown }>(`/forms/${key}/validate`, { data }),
  dictionaries: () => api.get<{ items: { code: string; name: string }[] }>('/settings/dictionaries'),
};
