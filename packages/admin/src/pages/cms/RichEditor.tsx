import {
  BoldOutlined,
  ClearOutlined,
  DeleteColumnOutlined,
  DeleteRowOutlined,
  InsertRowBelowOutlined,
  InsertRowRightOutlined,
  ItalicOutlined,
  LinkOutlined,
  OrderedListOutlined,
  PictureOutlined,
  RedoOutlined,
  StrikethroughOutlined,
  TableOutlined,
  UnderlineOutlined,
  UndoOutlined,
  UnorderedListOutlined,
} from '@ant-design/icons';
import Image from '@tiptap/extension-image';
import Link from '@tiptap/extension-link';
import { Table } from '@tiptap/extension-table';
import { TableCell } from '@tiptap/extension-table-cell';
import { TableHeader } from '@tiptap/extension-table-header';
import { TableRow } from '@tiptap/extension-table-row';
import { EditorContent, type JSONContent, type Editor as TiptapEditor, useEditor, useEditorState } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { App, Button, Divider, Input, Modal, Select, Space, Tooltip } from 'antd';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { fileUrl, uploadFile } from './api';
import type { EditorValue } from './logic';
import { cleanPastedHtml } from './wordPaste';
import './editor.css';

export type { EditorValue } from './logic';

/**
 * 正文编辑器: TipTap with headings, lists, tables, links and images uploaded to 文件资源管理.
 * Word/WPS pastes are cleaned before TipTap parses them.
 */
export function RichEditor({
  siteId,
  initial,
  onChange,
  onUploading,
}: {
  siteId: string;
  initial: JSONContent | string | null | undefined;
  onChange: (value: EditorValue) => void;
  onUploading?: (busy: boolean) => void;
}) {
  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: false }),
      Link.configure({ openOnClick: false, protocols: ['http', 'https', 'mailto'], defaultProtocol: 'https' }),
      Image.configure({ inline: false }),
      Table.configure({ resizable: false }),
      TableRow,
      TableHeader,
      TableCell,
    ],
    content: initial ?? '',
    editorProps: {
      attributes: { class: 'cms-editor-content', 'aria-label': '正文', role: 'textbox', 'aria-multiline': 'true' },
      transformPastedHTML: cleanPastedHtml,
    },
    onUpdate: ({ editor: e }) => onChange({ json: e.getJSON(), html: e.getHTML() }),
  });
  return (
    <div className="cms-editor">
      {editor && <Toolbar editor={editor} siteId={siteId} onUploading={onUploading} />}
      <EditorContent editor={editor} />
    </div>
  );
}

function ToolButton({
  title,
  icon,
  active,
  disabled,
  onClick,
}: {
  title: string;
  icon: ReactNode;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
}) {
  return (
    <Tooltip title={title}>
      <Button
        size="small"
        type={active ? 'primary' : 'text'}
        aria-label={title}
        aria-pressed={active}
        icon={icon}
        disabled={disabled}
        // Keeps the editor's selection: a mousedown on the button would otherwise blur it first.
        onMouseDown={(e) => e.preventDefault()}
        onClick={onClick}
      />
    </Tooltip>
  );
}

const BLOCKS = [
  { value: 'p', label: '正文' },
  { value: 'h2', label: '标题 2' },
  { value: 'h3', label: '标题 3' },
  { value: 'h4', label: '标题 4' },
];

function Toolbar({
  editor,
  siteId,
  onUploading,
}: {
  editor: TiptapEditor;
  siteId: string;
  onUploading?: (busy: boolean) => void;
}) {
  const { message } = App.useApp();
  const picker = useRef<HTMLInputElement>(null);
  const [linking, setLinking] = useState<string | null>(null);
  const s = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      underline: e.isActive('underline'),
      strike: e.isActive('strike'),
      bullet: e.isActive('bulletList'),
      ordered: e.isActive('orderedList'),
      link: e.isActive('link'),
      table: e.isActive('table'),
      block: [2, 3, 4].find((level) => e.isActive('heading', { level })),
      undo: e.can().undo(),
      redo: e.can().redo(),
    }),
  });

  const insertImages = async (files: FileList | null) => {
    if (!files?.length) return;
    onUploading?.(true);
    try {
      for (const file of Array.from(files)) {
        const stored = await uploadFile(file, { siteId });
        editor
          .chain()
          .focus()
          .setImage({ src: fileUrl(stored.id), alt: stored.name })
          .run();
      }
    } catch (error) {
      message.error(`图片上传失败：${errorMessage(error)}`);
    } finally {
      onUploading?.(false);
      if (picker.current) picker.current.value = '';
    }
  };

  const c = () => editor.chain().focus();
  return (
    <div className="cms-editor-toolbar" role="toolbar" aria-label="编辑工具栏">
      <Select
        size="small"
        aria-label="段落格式"
        style={{ width: 96 }}
        value={s.block ? `h${s.block}` : 'p'}
        options={BLOCKS}
        onChange={(v) =>
          v === 'p'
            ? c().setParagraph().run()
            : c()
                .setHeading({ level: Number(v.slice(1)) as 2 | 3 | 4 })
                .run()
        }
      />
      <Divider type="vertical" />
      <ToolButton title="加粗" icon={<BoldOutlined />} active={s.bold} onClick={() => c().toggleBold().run()} />
      <ToolButton title="斜体" icon={<ItalicOutlined />} active={s.italic} onClick={() => c().toggleItalic().run()} />
      <ToolButton
        title="下划线"
        icon={<UnderlineOutlined />}
        active={s.underline}
        onClick={() => c().toggleUnderline().run()}
      />
      <ToolButton
        title="删除线"
        icon={<StrikethroughOutlined />}
        active={s.strike}
        onClick={() => c().toggleStrike().run()}
      />
      <ToolButton title="清除格式" icon={<ClearOutlined />} onClick={() => c().unsetAllMarks().clearNodes().run()} />
      <Divider type="vertical" />
      <ToolButton
        title="无序列表"
        icon={<UnorderedListOutlined />}
        active={s.bullet}
        onClick={() => c().toggleBulletList().run()}
      />
      <ToolButton
        title="有序列表"
        icon={<OrderedListOutlined />}
        active={s.ordered}
        onClick={() => c().toggleOrderedList().run()}
      />
      <ToolButton
        title="链接"
        icon={<LinkOutlined />}
        active={s.link}
        onClick={() => setLinking(editor.getAttributes('link').href ?? 'https://')}
      />
      <ToolButton title="插入图片" icon={<PictureOutlined />} onClick={() => picker.current?.click()} />
      <input
        ref={picker}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        multiple
        style={{ display: 'none' }}
        data-testid="editor-image-input"
        onChange={(e) => insertImages(e.target.files)}
      />
      <Divider type="vertical" />
      <ToolButton
        title="插入表格"
        icon={<TableOutlined />}
        onClick={() => c().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()}
      />
      <ToolButton
        title="下方插入行"
        icon={<InsertRowBelowOutlined />}
        disabled={!s.table}
        onClick={() => c().addRowAfter().run()}
      />
      <ToolButton
        title="右侧插入列"
        icon={<InsertRowRightOutlined />}
        disabled={!s.table}
        onClick={() => c().addColumnAfter().run()}
      />
      <ToolButton
        title="删除行"
        icon={<DeleteRowOutlined />}
        disabled={!s.table}
        onClick={() => c().deleteRow().run()}
      />
      <ToolButton
        title="删除列"
        icon={<DeleteColumnOutlined />}
        disabled={!s.table}
        onClick={() => c().deleteColumn().run()}
      />
      <Button
        size="small"
        type="text"
        disabled={!s.table}
        onMouseDown={(e) => e.preventDefault()}
        onClick={() => c().deleteTable().run()}
      >
        删除表格
      </Button>
      <Divider type="vertical" />
      <ToolButton title="撤销" icon={<UndoOutlined />} disabled={!s.undo} onClick={() => c().undo().run()} />
      <ToolButton title="重做" icon={<RedoOutlined />} disabled={!s.redo} onClick={() => c().redo().run()} />
      <LinkModal
        href={linking}
        onClose={(href) => {
          setLinking(null);
          if (href === '') c().extendMarkRange('link').unsetLink().run();
          else if (href) c().extendMarkRange('link').setLink({ href }).run();
        }}
      />
    </div>
  );
}

function LinkModal({ href, onClose }: { href: string | null; onClose: (href: string | null) => void }) {
  const [value, setValue] = useState('');
  useEffect(() => setValue(href ?? ''), [href]);
  const valid = value === '' || /^(https?:\/\/|mailto:)/i.test(value);
  return (
    <Modal
      open={href !== null}
      title="设置链接"
      okText="确定"
      okButtonProps={{ disabled: !valid }}
      onOk={() => onClose(value.trim())}
      onCancel={() => onClose(null)}
      destroyOnHidden
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="https://"
          status={valid ? '' : 'error'}
        />
        <span style={{ color: '#8c8c8c', fontSize: 12 }}>
          仅支持 http、https 和 mailto 链接；清空后确定可取消链接。
        </span>
      </Space>
    </Modal>
  );
}
