import { api } from '../api/client';

/** An org node as `GET /api/identity/orgs/tree` returns it. */
export interface OrgNode {
  id: string;
  parentId: string | null;
  name: string;
  shortName?: string | null;
  level: string;
  code?: string | null;
  sortOrder?: number;
  order?: number;
  status: 'enabled' | 'disabled';
  children?: OrgNode[];
}

export async function fetchOrgTree(): Promise<OrgNode[]> {
  const body = await api.get<OrgNode[] | { items: OrgNode[] }>('/identity/orgs/tree');
  return Array.isArray(body) ? body : body.items;
}

export interface OrgTreeOption {
  value: string;
  title: string;
  key: string;
  disabled?: boolean;
  children?: OrgTreeOption[];
}

/** TreeSelect data; disabled orgs stay visible (existing users sit in them) but are marked. */
export function orgOptions(nodes: OrgNode[]): OrgTreeOption[] {
  return nodes.map((n) => ({
    value: n.id,
    key: n.id,
    title: n.status === 'disabled' ? `${n.name}（已停用）` : n.name,
    children: n.children?.length ? orgOptions(n.children) : undefined,
  }));
}

export function findOrg(nodes: OrgNode[], id: string): OrgNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const found = n.children && findOrg(n.children, id);
    if (found) return found;
  }
  return undefined;
}

/** id → name; with `short`, the 简称 where there is one (for tight table cells). */
export function orgNameMap(nodes: OrgNode[], into = new Map<string, string>(), short = false): Map<string, string> {
  for (const n of nodes) {
    into.set(n.id, (short && n.shortName) || n.name);
    if (n.children) orgNameMap(n.children, into, short);
  }
  return into;
}

function siblingsOf(nodes: OrgNode[], parentId: string | null): OrgNode[] {
  if (parentId === null) return nodes;
  return findOrg(nodes, parentId)?.children ?? [];
}

/** The move API wants the new parent and the 0-based position among the new siblings. */
export function moveTarget(nodes: OrgNode[], dragId: string, dropId: string, dropToGap: boolean, after: boolean) {
  if (!dropToGap) return { parentId: dropId, order: 0 };
  const drop = findOrg(nodes, dropId);
  const parentId = drop?.parentId ?? null;
  const siblings = siblingsOf(nodes, parentId).filter((s) => s.id !== dragId);
  const index = siblings.findIndex((s) => s.id === dropId);
  return { parentId, order: index + (after ? 1 : 0) };
}
