import { describe, expect, it } from 'vitest';
import { mergeScopes, PermissionRegistry } from './permissions.js';

describe('permission registry', () => {
  it('groups permissions for the role editor and rejects malformed or conflicting codes', () => {
    const r = new PermissionRegistry();
    r.register([
      { code: 'user:create', name: '新建用户', group: '用户管理' },
      { code: 'org:update', name: '修改机构', group: '组织机构' },
      { code: 'user:delete', name: '删除用户', group: '用户管理' },
    ]);
    expect(r.grouped().map((g) => [g.group, g.permissions.map((p) => p.code)])).toEqual([
      ['用户管理', ['user:create', 'user:delete']],
      ['组织机构', ['org:update']],
    ]);
    expect(() => r.register([{ code: 'Bad Code', name: 'x', group: 'y' }])).toThrow(/resource:action/);
    expect(() => r.register([{ code: 'user:create', name: '别的名字', group: '用户管理' }])).toThrow(/twice/);
    r.register([{ code: 'user:create', name: '新建用户', group: '用户管理' }]);
    expect(r.all()).toHaveLength(3);
  });

  it('merges scopes from several roles', () => {
    expect(mergeScopes(undefined, { kind: 'orgs', orgIds: ['a'] })).toEqual({ kind: 'orgs', orgIds: ['a'] });
    expect(mergeScopes({ kind: 'orgs', orgIds: ['a'] }, { kind: 'orgs', orgIds: ['b', 'a'] })).toEqual({
      kind: 'orgs',
      orgIds: ['a', 'b'],
    });
    expect(mergeScopes({ kind: 'orgs', orgIds: ['a'] }, { kind: 'all' })).toEqual({ kind: 'all' });
  });
});
