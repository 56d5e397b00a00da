import type { DiffChange, JobView, ModuleType, TemplateTreeItem, TopicModule } from './api';

/* Pure logic of the publishing console (unit-tested in publishing-logic.test.ts). */

export const jobActive = (job: JobView | null | undefined) => job?.status === 'queued' || job?.status === 'running';

/** Percentage for a Progress bar: done/total, 100 once the job succeeded (even with no pages). */
export function jobPercent(job: JobView | null | undefined): number {
  if (!job) return 0;
  if (job.status === 'succeeded') return 100;
  if (!job.total) return 0;
  return Math.min(99, Math.floor((job.done / job.total) * 100));
}

export const JOB_TEXT: Record<JobView['status'], string> = {
  queued: '排队中',
  running: '生成中',
  succeeded: '已完成',
  failed: '失败',
};

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export interface DiffCell {
  /** Line number in its version. */
  n: number;
  text: string;
  kind: 'same' | 'removed' | 'added';
}

export interface DiffRow {
  left: DiffCell | null;
  right: DiffCell | null;
}

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Side-by-side rows from a line diff: unchanged lines on both sides; a removed block next to the
 * added block that replaced it, padded with empty cells where one side is longer.
 */
export function sideBySide(changes: DiffChange[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let left = 1;
  let right = 1;
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i] as DiffChange;
    if (!c.added && !c.removed) {
      for (const text of linesOf(c.value)) {
        rows.push({ left: { n: left++, text, kind: 'same' }, right: { n: right++, text, kind: 'same' } });
      }
      continue;
    }
    const removed = c.removed ? linesOf(c.value) : [];
    const next = changes[i + 1];
    let added: string[] = c.added ? linesOf(c.value) : [];
    if (c.removed && next?.added) {
      added = linesOf(next.value);
      i++;
    }
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const l = removed[k];
      const r = added[k];
      rows.push({
        left: l === undefined ? null : { n: left++, text: l, kind: 'removed' },
        right: r === undefined ? null : { n: right++, text: r, kind: 'added' },
      });
    }
  }
  return rows;
}

export interface FileTreeNode {
  key: string;
  title: string;
  isLeaf: boolean;
  origin?: TemplateTreeItem['origin'];
  children?: FileTreeNode[];
}

/** Folders (layouts/, partials/) and files from the flat template list, folders first. */
export function fileTree(items: TemplateTreeItem[]): FileTreeNode[] {
  const root: FileTreeNode[] = [];
  const folders = new Map<string, FileTreeNode>();
  const folder = (path: string): FileTreeNode[] => {
    if (!path) return root;
    const known = folders.get(path);
    if (known) return known.children as FileTreeNode[];
    const parts = path.split('/');
    const node: FileTreeNode = { key: `dir:${path}`, title: parts.at(-1) as string, isLeaf: false, children: [] };
    folders.set(path, node);
    folder(parts.slice(0, -1).join('/')).push(node);
    return node.children as FileTreeNode[];
  };
  for (const item of items) {
    const parts = item.path.split('/');
    folder(parts.slice(0, -1).join('/')).push({
      key: item.path,
      title: parts.at(-1) as string,
      isLeaf: true,
      origin: item.origin,
    });
  }
  const sort = (nodes: FileTreeNode[]) => {
    nodes.sort((a, b) => Number(a.isLeaf) - Number(b.isLeaf) || a.title.localeCompare(b.title));
    for (const n of nodes) if (n.children) sort(n.children);
    return nodes;
  };
  return sort(root);
}

export const MODULE_TYPES: { type: ModuleType; title: string; description: string }[] = [
  { type: 'banner', title: '横幅', description: '专题头图、标题和副标题' },
  { type: 'news', title: '信息列表', description: '某个栏目的最新信息' },
  { type: 'carousel', title: '图片轮播', description: '多张图片，由访问者切换' },
  { type: 'links', title: '链接组', description: '一组相关链接' },
  { type: 'text', title: '文字块', description: '一段说明文字' },
];

export const moduleTitle = (type: ModuleType) => MODULE_TYPES.find((m) => m.type === type)?.title ?? type;

/** A new module with the props the server requires already filled in. */
export function newModule(type: ModuleType, id: string): TopicModule {
  switch (type) {
    case 'banner':
      return { id, type, props: { title: '专题标题', subtitle: '' } };
    case 'news':
      return { id, type, props: { channelCode: '', limit: 6, title: '最新动态' } };
    case 'carousel':
      return { id, type, props: { images: [] } };
    case 'links':
      return { id, type, props: { title: '相关链接', items: [] } };
    default:
      return { id, type: 'text', props: { title: '', html: '<p>请输入内容</p>' } };
  }
}

/** Moves the module with id `from` to the place of `to` (drag and drop on the canvas). */
export function moveModule(modules: TopicModule[], from: string, to: string): TopicModule[] {
  const a = modules.findIndex((m) => m.id === from);
  const b = modules.findIndex((m) => m.id === to);
  if (a < 0 || b < 0 || a === b) return modules;
  const next = [...modules];
  const [moved] = next.splice(a, 1);
  next.splice(b, 0, moved as TopicModule);
  return next;
}

/** Every module gets a stable id for drag and drop (modules saved by older clients may have none). */
export function withIds(modules: TopicModule[], makeId: () => string): TopicModule[] {
  const seen = new Set<string>();
  return modules.map((m) => {
    const id = m.id && !seen.has(m.id) ? m.id : makeId();
    seen.add(id);
    return { ...m, id };
  });
}

/** What still keeps a topic from being saved, in Chinese, per module (empty when none). */
export function moduleProblems(m: TopicModule): string[] {
  const p = m.props;
  const out: string[] = [];
  if (m.type === 'news' && !p.channelCode) out.push('请选择栏目');
  if (m.type === 'carousel') {
    if (!p.images?.length) out.push('请至少添加一张图片');
    if (p.images?.some((i: { alt?: string }) => !i.alt?.trim())) out.push('每张图片都需要替代文字');
  }
  if (m.type === 'links' && p.items?.some((i: { name?: string; url?: string }) => !i.name?.trim() || !i.url?.trim())) {
    out.push('链接的名称和地址不能为空');
  }
  return out;
}

export const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
