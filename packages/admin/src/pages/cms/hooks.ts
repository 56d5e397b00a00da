import { api } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import type { Channel, Site } from './api';

/** The sites the signed-in user may see (the server filters by data scope). */
export function useSites() {
  return useRemote(
    async () => asItems(await api.get<{ items: Site[] } | Site[]>('/cms/sites', { pageSize: 200 })),
    [],
    [] as Site[],
  );
}

export function useChannelTree(siteId: string | undefined) {
  return useRemote(
    async () =>
      siteId ? asItems(await api.get<{ items: Channel[] } | Channel[]>(`/cms/sites/${siteId}/channels/tree`)) : [],
    [siteId],
    [] as Channel[],
  );
}

export function flattenChannels(nodes: Channel[], depth = 0): (Channel & { depth: number })[] {
  return nodes.flatMap((n) => [{ ...n, depth }, ...flattenChannels(n.children ?? [], depth + 1)]);
}

export interface ChannelTreeOption {
  value: string;
  title: string;
  children?: ChannelTreeOption[];
  disabled?: boolean;
}

/**
 * TreeSelect options; `disable` greys out channels that cannot be picked (a node and its subtree when moving).
 * The tree arrives after the select mounts, and `treeDefaultExpandAll` only expands the first data,
 * so selects using these options are keyed by `options.length`.
 */
export function channelOptions(nodes: Channel[], disable?: (c: Channel) => boolean): ChannelTreeOption[] {
  return nodes.map((n) => ({
    value: n.id,
    title: n.name,
    disabled: disable?.(n),
    children: n.children?.length ? channelOptions(n.children, disable) : undefined,
  }));
}
