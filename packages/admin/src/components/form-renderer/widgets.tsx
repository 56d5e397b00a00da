import {
  BoldOutlined,
  ItalicOutlined,
  OrderedListOutlined,
  UnorderedListOutlined,
  UploadOutlined,
} from '@ant-design/icons';
import { EditorContent, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { App, Button, Cascader, Input, Select, Space, TreeSelect, Upload } from 'antd';
import type { UploadFile } from 'antd/es/upload/interface';
import { useEffect, useState } from 'react';
import { api, csrfHeaders, errorMessage } from '../../api/client';
import { fetchOrgTree, orgOptions } from '../orgs';
import type { FileRules } from './engine';

/*
 * Controls that need more than an antd input: each takes `value` / `onChange` in the exact JSON
 * shape the server validates (ids, code arrays, HTML), so the form store holds the submission.
 */

interface Controlled<T> {
  value?: T;
  onChange?: (value: T | undefined) => void;
  disabled?: boolean;
  id?: string;
}

interface RegionOption {
  value: string;
  label: string;
  isLeaf: boolean;
  children?: RegionOption[];
}

async function regions(parent: string, maxLevel: number): Promise<RegionOption[]> {
  const body = await api.get<{ items: { code: string; name: string; leaf: boolean }[] }>('/forms/regions', { parent });
  const level = parent.length === 0 ? 1 : parent.length === 2 ? 2 : parent.length === 4 ? 3 : 4;
  return body.items.map((r) => ({ value: r.code, label: r.name, isLeaf: r.leaf || level >= maxLevel }));
}

/** 省/市/县(/乡) cascader, loading each level when it is opened (GET /api/forms/regions). */
export function AddressField({
  value,
  onChange,
  levels = 4,
  withDetail,
  disabled,
  id,
}: Controlled<{ codes?: string[]; detail?: string }> & { levels?: number; withDetail?: boolean }) {
  const [options, setOptions] = useState<RegionOption[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the initial value's path is preloaded
  useEffect(() => {
    // Load the chosen path too, so an existing value shows names instead of codes.
    (async () => {
      const top = await regions('', levels);
      let level = top;
      for (const code of value?.codes?.slice(0, -1) ?? []) {
        const node = level.find((o) => o.value === code);
        if (!node) break;
        node.children = await regions(code, levels);
        level = node.children;
      }
      setOptions(top);
    })().catch(() => setOptions([]));
  }, [levels]);
  const loadData = async (selected: RegionOption[]) => {
    const target = selected[selected.length - 1];
    target.children = await regions(target.value, levels);
    setOptions((o) => [...o]);
  };
  const set = (patch: { codes?: string[]; detail?: string }) => {
    const next = { ...value, ...patch };
    if (!next.detail) delete next.detail;
    onChange?.(next.codes?.length ? next : undefined);
  };
  return (
    <Space.Compact style={{ width: '100%' }}>
      <Cascader
        id={id}
        style={{ width: withDetail ? '55%' : '100%' }}
        options={options}
        loadData={loadData as never}
        changeOnSelect={false}
        value={value?.codes}
        onChange={(codes) => set({ codes: (codes as string[] | undefined) ?? undefined })}
        placeholder={levels === 4 ? '省 / 市 / 县（区）/ 乡镇（街道）' : '省 / 市 / 县（区）'}
        disabled={disabled}
      />
      {withDetail ? (
        <Input
          style={{ width: '45%' }}
          placeholder="详细地址"
          maxLength={200}
          value={value?.detail}
          onChange={(e) => set({ detail: e.target.value })}
          disabled={disabled}
        />
      ) : null}
    </Space.Compact>
  );
}

/** 组织机构 picker (needs org:read; without it the tree is empty and the field says so). */
export function OrgField({ value, onChange, disabled, id }: Controlled<string>) {
  const [tree, setTree] = useState<ReturnType<typeof orgOptions> | null>(null);
  useEffect(() => {
    fetchOrgTree()
      .then((nodes) => setTree(orgOptions(nodes)))
      .catch(() => setTree([]));
  }, []);
  return (
    <TreeSelect
      id={id}
      treeData={tree ?? []}
      value={value}
      onChange={(v) => onChange?.(v ?? undefined)}
      loading={tree === null}
      showSearch
      treeNodeFilterProp="title"
      allowClear
      treeDefaultExpandAll
      placeholder={tree?.length === 0 ? '没有可选的组织机构' : '请选择组织机构'}
      disabled={disabled}
      style={{ width: '100%' }}
    />
  );
}

/** 用户 picker: searches GET /api/identity/users?q= as the user types. */
export function UserField({ value, onChange, disabled, id }: Controlled<string>) {
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);
  const search = async (q: string) => {
    try {
      const body = await api.get<{ items: { id: string; displayName: string; username: string; orgName?: string }[] }>(
        '/identity/users',
        { q, pageSize: 20 },
      );
      setOptions(
        body.items.map((u) => ({
          value: u.id,
          label: `${u.displayName}（${u.username}${u.orgName ? `，${u.orgName}` : ''}）`,
        })),
      );
    } catch {
      setOptions([]);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: load the first page once
  useEffect(() => {
    search('');
  }, []);
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: search }}
      options={options}
      value={value}
      onChange={(v) => onChange?.(v ?? undefined)}
      allowClear
      placeholder="输入姓名或账号搜索"
      disabled={disabled}
    />
  );
}

interface StoredFile {
  id: string;
  name: string;
  size: number;
}

/** File ids → names, for read-only display and for the upload list of an existing value. */
export async function fileInfos(ids: string[]): Promise<StoredFile[]> {
  if (!ids.length) return [];
  const params = new URLSearchParams();
  for (const id of ids) params.append('ids', id);
  const res = await fetch(`/api/forms/files?${params}`, { credentials: 'same-origin' });
  if (!res.ok) return [];
  return ((await res.json()) as { items: StoredFile[] }).items;
}

/** Uploads still running in any file field; the form refuses to submit until they finish. */
const pendingUploads = new Set<string>();
export const uploadsInProgress = () => pendingUploads.size;

/** 附件: uploads each file to POST /api/forms/files and keeps the returned ids. */
export function FileField({
  value,
  onChange,
  disabled,
  rules,
  maxCount,
}: Controlled<string[]> & { rules?: FileRules; maxCount?: number }) {
  const { message } = App.useApp();
  const [list, setList] = useState<UploadFile[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: names are loaded for the initial ids only
  useEffect(() => {
    fileInfos(value ?? []).then((files) =>
      setList(files.map((f) => ({ uid: f.id, name: f.name, status: 'done', response: f }))),
    );
  }, []);
  const ids = (files: UploadFile[]) =>
    files.filter((f) => f.status === 'done').map((f) => (f.response as StoredFile | undefined)?.id ?? f.uid);
  return (
    <Upload
      fileList={list}
      multiple
      maxCount={maxCount}
      accept={rules?.accept?.map((e) => `.${e}`).join(',')}
      disabled={disabled}
      customRequest={async ({ file, onSuccess, onError }) => {
        const body = new FormData();
        body.append('file', file as Blob);
        try {
          const res = await fetch('/api/forms/files', {
            method: 'POST',
            body,
            headers: csrfHeaders(),
            credentials: 'same-origin',
          });
          const json = await res.json();
          if (!res.ok) throw new Error(json.detail ? `${json.title}：${json.detail}` : json.title);
          onSuccess?.(json);
        } catch (e) {
          message.error(errorMessage(e));
          onError?.(e as Error);
        }
      }}
      onChange={({ file, fileList }) => {
        if (file.status === 'uploading') pendingUploads.add(file.uid);
        else pendingUploads.delete(file.uid);
        setList(fileList.filter((f) => f.status !== 'error'));
        if (fileList.every((f) => f.status !== 'uploading')) {
          const next = ids(fileList);
          onChange?.(next.length ? next : undefined);
        }
      }}
    >
      <Button icon={<UploadOutlined />} disabled={disabled}>
        上传文件
      </Button>
    </Upload>
  );
}

/** 富文本: TipTap with paragraphs, emphasis and lists (the server sanitizes what arrives). */
export function RichTextField({ value, onChange, disabled }: Controlled<string>) {
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: false, heading: { levels: [3, 4] } })],
    content: value ?? '',
    editable: !disabled,
    onUpdate: ({ editor: e }) => onChange?.(e.isEmpty ? undefined : e.getHTML()),
  });
  if (!editor) return null;
  const button = (label: string, icon: React.ReactNode, run: () => void, active: boolean) => (
    <Button
      size="small"
      type={active ? 'primary' : 'text'}
      icon={icon}
      aria-label={label}
      title={label}
      onClick={run}
    />
  );
  return (
    <div style={{ border: '1px solid #d9d9d9', borderRadius: 6 }}>
      {disabled ? null : (
        <Space size={2} style={{ padding: 4, borderBottom: '1px solid #f0f0f0' }}>
          {button('加粗', <BoldOutlined />, () => editor.chain().focus().toggleBold().run(), editor.isActive('bold'))}
          {button(
            '斜体',
            <ItalicOutlined />,
            () => editor.chain().focus().toggleItalic().run(),
            editor.isActive('italic'),
          )}
          {button(
            '项目符号',
            <UnorderedListOutlined />,
            () => editor.chain().focus().toggleBulletList().run(),
            editor.isActive('bulletList'),
          )}
          {button(
            '编号',
            <OrderedListOutlined />,
            () => editor.chain().focus().toggleOrderedList().run(),
            editor.isActive('orderedList'),
          )}
        </Space>
      )}
      <EditorContent editor={editor} style={{ minHeight: 96, padding: '4px 11px' }} />
    </div>
  );
}
