import { describe, expect, it } from 'vitest';
import { toNamePath } from './api/forms';
import { moveTarget, type OrgNode } from './components/orgs';
import { groupPermissions } from './components/permissions';

const org = (id: string, parentId: string | null, children: OrgNode[] = []): OrgNode => ({
  id,
  parentId,
  name: id,
  level: 'city',
  status: 'enabled',
  children,
});

// city ─┬ a
//       ├ b
//       └ c
const tree = [org('city', null, [org('a', 'city'), org('b', 'city'), org('c', 'city')])];

describe('moveTarget (tree drop → move API body)', () => {
  it('dropping onto a node makes the dragged org its first child', () => {
    expect(moveTarget(tree, 'a', 'c', false, false)).toEqual({ parentId: 'c', order: 0 });
  });

  it('dropping after a sibling counts positions without the dragged org', () => {
    // a moves below c: siblings without a are [b, c], so "after c" is position 2 (the end).
    expect(moveTarget(tree, 'a', 'c', true, true)).toEqual({ parentId: 'city', order: 2 });
  });

  it('dropping before a sibling takes that sibling’s position', () => {
    expect(moveTarget(tree, 'c', 'a', true, false)).toEqual({ parentId: 'city', order: 0 });
  });

  it('dropping beside a root org moves to the top level', () => {
    expect(moveTarget(tree, 'b', 'city', true, true)).toEqual({ parentId: null, order: 1 });
  });
});

describe('toNamePath (server field names → antd form names)', () => {
  it.each([
    ['username', ['username']],
    ['/username', ['username']],
    ['body/username', ['username']],
    ['grants.0.roleId', ['grants', 0, 'roleId']],
    ['/entries/3/value', ['entries', 3, 'value']],
  ])('%s', (field, expected) => {
    expect(toNamePath(field)).toEqual(expected);
  });
});

describe('groupPermissions', () => {
  it('keeps server-side groups as they are', () => {
    const groups = [{ group: '统一用户管理', permissions: [{ code: 'org:read', name: '查看组织机构' }] }];
    expect(groupPermissions({ groups })).toEqual(groups);
  });

  it('groups a flat registry by each entry’s group, in first-seen order', () => {
    const flat = [
      { code: 'org:read', name: '查看组织机构', group: '统一用户管理' },
      { code: 'audit:read', name: '查看审计日志', group: '安全审计' },
      { code: 'user:read', name: '查看用户', group: '统一用户管理' },
    ];
    expect(groupPermissions(flat).map((g) => [g.group, g.permissions.map((p) => p.code)])).toEqual([
      ['统一用户管理', ['org:read', 'user:read']],
      ['安全审计', ['audit:read']],
    ]);
  });
});
