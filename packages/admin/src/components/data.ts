import { App, type TablePaginationConfig } from 'antd';
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, type Page, type Query } from '../api/client';

/** Loads data once per change of `deps`; failures become a toast and leave the previous data shown. */
export function useRemote<T>(load: () => Promise<T>, deps: DependencyList, initial: T) {
  const { message } = App.useApp();
  const [data, setData] = useState<T>(initial);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const next = await load();
      if (ticket === latest.current) setData(next);
    } catch (error) {
      if (ticket === latest.current) message.error(errorMessage(error));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what `load` depends on
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, loading, reload, setData };
}

/** Lists come back as `{ items, total }`; a few settings endpoints answer with a bare array. */
export function asPage<T>(body: Page<T> | T[]): Page<T> {
  return Array.isArray(body) ? { items: body, total: body.length } : body;
}

export function asItems<T>(body: Page<T> | T[] | { items: T[] }): T[] {
  return Array.isArray(body) ? body : body.items;
}

/** Server-side paginated list for an antd Table: `filters` go to the query string as they are. */
export function usePagedList<T>(path: string, filters: Query, pageSize = 20) {
  const [page, setPage] = useState({ current: 1, pageSize });
  const key = JSON.stringify(filters);
  // A new filter starts from page 1; stale page numbers would show an empty table.
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for filters
  useEffect(() => setPage((p) => ({ ...p, current: 1 })), [key]);
  const remote = useRemote<Page<T>>(
    async () => asPage(await api.get<Page<T> | T[]>(path, { ...filters, page: page.current, pageSize: page.pageSize })),
    [path, key, page.current, page.pageSize],
    { items: [], total: 0 },
  );
  const pagination: TablePaginationConfig = {
    current: page.current,
    pageSize: page.pageSize,
    total: remote.data.total,
    showSizeChanger: true,
    showTotal: (total) => `共 ${total} 条`,
    onChange: (current, size) => setPage({ current: size === page.pageSize ? current : 1, pageSize: size }),
  };
  return { ...remote, pagination };
}

export interface DictionaryEntry {
  id: string;
  value: string;
  label: string;
  order: number;
  enabled: boolean;
}

/** Select options from a 数据字典 (e.g. `org_level`), so forms offer exactly what the server accepts. */
export function useDictionaryOptions(code: string) {
  const { data } = useRemote(
    async () =>
      (await api.get<{ entries: DictionaryEntry[] }>(`/settings/dictionaries/${code}/entries`, { enabledOnly: true }))
        .entries,
    [code],
    [] as DictionaryEntry[],
  );
  return data.map((e) => ({ value: e.value, label: e.label }));
}
