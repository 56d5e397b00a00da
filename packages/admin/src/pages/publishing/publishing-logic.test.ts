import { describe, expect, it } from 'vitest';
import type { JobView } from './api';
import { fileTree, jobPercent, moduleProblems, moveModule, newModule, sideBySide, withIds } from './logic';

describe('publishing console logic', () => {
  it('pairs removed and added lines side by side and numbers each side', () => {
    const rows = sideBySide([
      { value: 'a\nb\n', added: false, removed: false, count: 2 },
      { value: 'old\n', added: false, removed: true, count: 1 },
      { value: 'new1\nnew2\n', added: true, removed: false, count: 2 },
      { value: 'z\n', added: false, removed: false, count: 1 },
    ]);
    expect(
      rows.map((r) => [r.left?.n ?? null, r.left?.text ?? null, r.right?.n ?? null, r.right?.text ?? null]),
    ).toEqual([
      [1, 'a', 1, 'a'],
      [2, 'b', 2, 'b'],
      [3, 'old', 3, 'new1'],
      [null, null, 4, 'new2'],
      [4, 'z', 5, 'z'],
    ]);
    expect(rows[2]?.left?.kind).toBe('removed');
    expect(rows[3]?.right?.kind).toBe('added');
  });

  it('builds the template tree with folders first', () => {
    const tree = fileTree([
      { path: 'index.liquid', origin: 'theme', siteVersion: null, globalVersion: null },
      { path: 'partials/header.liquid', origin: 'site', siteVersion: 2, globalVersion: null },
      { path: 'layouts/base.liquid', origin: 'global', siteVersion: null, globalVersion: 1 },
      { path: 'article.liquid', origin: 'theme', siteVersion: null, globalVersion: null },
    ]);
    expect(tree.map((n) => n.title)).toEqual(['layouts', 'partials', 'article.liquid', 'index.liquid']);
    expect(tree[1]?.children?.[0]).toMatchObject({ key: 'partials/header.liquid', isLeaf: true, origin: 'site' });
  });

  it('shows 100% only when the job succeeded', () => {
    const job = (status: JobView['status'], done: number, total: number): JobView => ({ id: 'j', status, done, total });
    expect(jobPercent(job('running', 50, 200))).toBe(25);
    expect(jobPercent(job('running', 200, 200))).toBe(99);
    expect(jobPercent(job('succeeded', 0, 0))).toBe(100);
    expect(jobPercent(job('queued', 0, 0))).toBe(0);
    expect(jobPercent(null)).toBe(0);
  });

  it('reorders modules by id and keeps ids unique', () => {
    const mods = ['a', 'b', 'c'].map((id) => newModule('text', id));
    expect(moveModule(mods, 'c', 'a').map((m) => m.id)).toEqual(['c', 'a', 'b']);
    expect(moveModule(mods, 'a', 'x')).toBe(mods);
    let n = 0;
    const ids = withIds(
      [
        { type: 'text', props: {} },
        { id: 'k', type: 'text', props: {} },
        { id: 'k', type: 'text', props: {} },
      ],
      () => `n${n++}`,
    );
    expect(ids.map((m) => m.id)).toEqual(['n0', 'k', 'n1']);
  });

  it('names what keeps a module from being saved', () => {
    expect(moduleProblems(newModule('news', 'x'))).toEqual(['请选择栏目']);
    expect(moduleProblems(newModule('carousel', 'x'))).toEqual(['请至少添加一张图片']);
    expect(moduleProblems({ type: 'carousel', props: { images: [{ url: '/a', alt: '' }] } })).toEqual([
      '每张图片都需要替代文字',
    ]);
    expect(moduleProblems(newModule('banner', 'x'))).toEqual([]);
  });
});
