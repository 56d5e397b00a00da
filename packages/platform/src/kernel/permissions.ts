export interface PermissionDef {
  /** `resource:action`, e.g. `user:create`. */
  code: string;
  /** 中文名, shown in the role editor. */
  name: string;
  /** 中文模块名, groups the role editor. */
  group: string;
}

/** Data scope of a granted permission: everything, or the subtrees of some orgs. */
export type Scope = { kind: 'all' } | { kind: 'orgs'; orgIds: string[] };

const CODE = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*:[a-z][a-z0-9-]*$/;

export class PermissionRegistry {
  private readonly byCode = new Map<string, PermissionDef>();

  register(defs: PermissionDef[]): void {
    for (const def of defs) {
      if (!CODE.test(def.code)) throw new Error(`permission code "${def.code}" must look like resource:action`);
      const existing = this.byCode.get(def.code);
      if (existing && (existing.name !== def.name || existing.group !== def.group)) {
        throw new Error(`permission ${def.code} registered twice with different names`);
      }
      this.byCode.set(def.code, def);
    }
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  get(code: string): PermissionDef | undefined {
    return this.byCode.get(code);
  }

  all(): PermissionDef[] {
    return [...this.byCode.values()];
  }

  /** For the role editor: `[{ group, permissions }]` in registration order. */
  grouped(): { group: string; permissions: PermissionDef[] }[] {
    const groups = new Map<string, PermissionDef[]>();
    for (const def of this.byCode.values()) {
      const list = groups.get(def.group) ?? [];
      list.push(def);
      groups.set(def.group, list);
    }
    return [...groups].map(([group, permissions]) => ({ group, permissions }));
  }
}

/** Merges two scopes of the same permission granted by different roles. */
export function mergeScopes(a: Scope | undefined, b: Scope): Scope {
  if (!a) return b;
  if (a.kind === 'all' || b.kind === 'all') return { kind: 'all' };
  return { kind: 'orgs', orgIds: [...new Set([...a.orgIds, ...b.orgIds])] };
}

/** Permissions the kernel itself checks. */
export const KERNEL_PERMISSIONS: PermissionDef[] = [
  { code: 'audit:read', name: '查看审计日志', group: '安全审计' },
  { code: 'job:read', name: '查看所有后台任务', group: '系统运行' },
];
