export interface PermissionDef {
  code: string;
  name: string;
  group?: string;
}

export interface PermissionGroup {
  group: string;
  permissions: PermissionDef[];
}

export type PermissionsBody =
  | PermissionDef[]
  | PermissionGroup[]
  | { groups: PermissionGroup[] }
  | { items: PermissionDef[] };

/** The registry may come flat (each entry naming its group) or already grouped; the matrix wants groups. */
export function groupPermissions(body: PermissionsBody): PermissionGroup[] {
  const list: unknown[] = Array.isArray(body) ? body : 'groups' in body ? body.groups : body.items;
  if (list.length && typeof list[0] === 'object' && list[0] !== null && 'permissions' in list[0]) {
    return (list as (PermissionGroup & { name?: string })[]).map((g) => ({
      group: g.group ?? g.name ?? '其他',
      permissions: g.permissions,
    }));
  }
  const groups = new Map<string, PermissionDef[]>();
  for (const p of list as PermissionDef[]) {
    const key = p.group ?? '其他';
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups].map(([group, permissions]) => ({ group, permissions }));
}
