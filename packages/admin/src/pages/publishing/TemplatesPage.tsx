import { EyeOutlined, HistoryOutlined, ImportOutlined, SaveOutlined } from '@ant-design/icons';
import { liquid } from '@codemirror/lang-liquid';
import CodeMirror, { type EditorView } from '@uiw/react-codemirror';
import {
  Alert,
  App,
  Button,
  Drawer,
  Empty,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Space,
  Spin,
  Table,
  Tag,
  Tree,
  TreeSelect,
  Typography,
  Upload,
} from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { channelOptions, useChannelTree } from '../cms/hooks';
import {
  items,
  type PublishingSite,
  publishingApi,
  type TemplateDetail,
  type TemplateVersion,
  type ThemeInfo,
  uploadForm,
} from './api';
import { useLeaveGuard } from './JobProgress';
import { type DiffRow, fileTree, sideBySide } from './logic';
import './publishing.css';

const ORIGIN: Record<string, { color: string; text: string }> = {
  site: { color: 'orange', text: '本站修改' },
  global: { color: 'blue', text: '全局修改' },
  theme: { color: 'default', text: '主题原文件' },
};

interface LiquidProblem {
  line?: number;
  column?: number;
  reason?: string;
  message: string;
}

function problemOf(error: unknown): LiquidProblem {
  if (error instanceof ApiError && (error.code === 'template_invalid' || error.code === 'template_render_failed')) {
    const p = error.problem as { line?: number; column?: number; reason?: string };
    return { line: p.line, column: p.column, reason: p.reason, message: error.message };
  }
  return { message: errorMessage(error) };
}

/**
 * 模板管理: pick a theme and where the change applies (全局 = every site using the theme, or one
 * site), open a file from the tree (files changed for this site or globally are marked), edit it
 * with Liquid highlighting, preview it on a real document or channel, save with a comment, compare
 * versions side by side and roll back; import a theme zip into 模板库.
 */
export default function TemplatesPage() {
  const { message } = App.useApp();
  const can = useCan();
  const themes = useRemote(async () => items(await publishingApi.themes()), [], [] as ThemeInfo[]);
  const sites = useRemote(async () => items(await publishingApi.sites()), [], [] as PublishingSite[]);
  const [theme, setTheme] = useState<string | undefined>();
  const [siteId, setSiteId] = useState<string | null>(null);
  const [path, setPath] = useState<string | null>(null);
  const [detail, setDetail] = useState<TemplateDetail | null>(null);
  const [source, setSource] = useState('');
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<LiquidProblem | null>(null);
  const [saving, setSaving] = useState(false);
  const [loadingFile, setLoadingFile] = useState(false);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const [previewOpen, setPreviewOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const view = useRef<EditorView | null>(null);
  const currentTheme = theme ?? themes.data[0]?.name;
  const tree = useRemote(
    async () => (currentTheme ? (await publishingApi.tree(currentTheme, siteId)).items : []),
    [currentTheme, siteId],
    [],
  );
  const dirty = detail !== null && source !== detail.source;
  useLeaveGuard(dirty);

  const open = useCallback(
    async (p: string) => {
      if (!currentTheme) return;
      setLoadingFile(true);
      setProblem(null);
      try {
        const d = await publishingApi.template(siteId, currentTheme, p);
        setPath(p);
        setDetail(d);
        setSource(d.source);
        setComment('');
      } catch (e) {
        message.error(errorMessage(e));
      } finally {
        setLoadingFile(false);
      }
    },
    [currentTheme, siteId, message],
  );

  // Switching theme or scope reloads the open file in the new place (or clears it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: open changes exactly when theme/scope do
  useEffect(() => {
    if (path && tree.data.some((i) => i.path === path)) open(path);
    else {
      setPath(null);
      setDetail(null);
    }
  }, [open, tree.data]);

  async function save() {
    if (!currentTheme || !path) return;
    setSaving(true);
    setProblem(null);
    try {
      const v = await publishingApi.save(siteId, currentTheme, path, source, comment);
      message.success(`已保存为第 ${v.version} 版，相关页面正在重新生成`);
      await open(path);
      tree.reload();
    } catch (e) {
      const p = problemOf(e);
      setProblem(p);
      // Put the cursor on the line the server named, so the error is where the eye goes next.
      const editor = view.current;
      if (editor && p.line && p.line <= editor.state.doc.lines) {
        const line = editor.state.doc.line(p.line);
        const at = Math.min(line.from + Math.max(0, (p.column ?? 1) - 1), line.to);
        editor.dispatch({ selection: { anchor: at }, scrollIntoView: true });
        editor.focus();
      }
    } finally {
      setSaving(false);
    }
  }

  const treeData = useMemo(() => fileTree(tree.data), [tree.data]);
  const scopeOptions = [
    { value: 'global', label: '全局（所有使用该主题的网站）', disabled: !can('template:manage') },
    ...sites.data.map((s) => ({ value: s.id, label: s.name })),
  ];

  return (
    <PageCard
      title="模板管理"
      extra={
        <>
          <Select
            aria-label="主题"
            showSearch
            optionFilterProp="label"
            style={{ width: 200 }}
            value={currentTheme}
            options={themes.data.map((t) => ({
              value: t.name,
              label: `${t.title ?? t.name}${t.imported ? '（导入）' : ''}`,
            }))}
            onChange={setTheme}
          />
          <Select
            aria-label="修改范围"
            showSearch
            optionFilterProp="label"
            style={{ width: 260 }}
            value={siteId ?? 'global'}
            options={scopeOptions}
            onChange={(v) => setSiteId(v === 'global' ? null : v)}
          />
          <Button icon={<ImportOutlined />} onClick={() => setImportOpen(true)}>
            导入主题
          </Button>
        </>
      }
    >
      <div className="publishing-editor-layout">
        <nav aria-label="模板文件">
          <Spin spinning={tree.loading}>
            <Tree
              aria-label="模板文件树"
              showLine
              defaultExpandAll
              key={`${currentTheme}:${siteId}:${treeData.length}`}
              selectedKeys={path ? [path] : []}
              treeData={treeData.map(function render(n): any {
                return {
                  key: n.key,
                  isLeaf: n.isLeaf,
                  selectable: n.isLeaf,
                  title:
                    n.origin && n.origin !== 'theme' ? (
                      <span className="publishing-tree-overridden" title={ORIGIN[n.origin]?.text}>
                        {n.title} <Tag color={ORIGIN[n.origin]?.color}>{n.origin === 'site' ? '本站' : '全局'}</Tag>
                      </span>
                    ) : (
                      n.title
                    ),
                  children: n.children?.map(render),
                };
              })}
              onSelect={(keys) => {
                const key = keys[0] as string | undefined;
                if (!key || key === path) return;
                if (dirty && !window.confirm('当前文件有未保存的修改，确定放弃？')) return;
                open(key);
              }}
            />
          </Spin>
        </nav>
        <section aria-label="模板编辑">
          {!detail ? (
            <Empty description={loadingFile ? '加载中…' : '从左侧选择一个模板文件'} />
          ) : (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Space wrap>
                <Typography.Text strong>{detail.path}</Typography.Text>
                <Tag color={ORIGIN[detail.origin]?.color}>{ORIGIN[detail.origin]?.text}</Tag>
                {detail.activeVersion && <Tag>第 {detail.activeVersion} 版</Tag>}
                {dirty && <Tag color="red">未保存</Tag>}
              </Space>
              <CodeMirror
                value={source}
                onChange={setSource}
                extensions={[liquid()]}
                height="56vh"
                aria-label="模板源码"
                onCreateEditor={(v) => {
                  view.current = v;
                }}
                basicSetup={{ foldGutter: true, highlightActiveLine: true }}
                style={{ border: '1px solid #d9d9d9', borderRadius: 6, fontSize: 13 }}
              />
              {problem && (
                <Alert
                  type="error"
                  showIcon
                  role="alert"
                  message={
                    problem.line
                      ? `模板语法错误：第 ${problem.line} 行${problem.column ? `第 ${problem.column} 列` : ''}`
                      : '保存失败'
                  }
                  description={problem.reason ?? problem.message}
                />
              )}
              <Space wrap>
                <Input
                  aria-label="修改说明"
                  placeholder="修改说明（保存到版本历史）"
                  style={{ width: 320 }}
                  maxLength={200}
                  value={comment}
                  onChange={(e) => setComment(e.target.value)}
                />
                <Button type="primary" icon={<SaveOutlined />} loading={saving} onClick={save}>
                  保存
                </Button>
                <Button icon={<EyeOutlined />} onClick={() => setPreviewOpen(true)}>
                  预览
                </Button>
                <Button icon={<HistoryOutlined />} onClick={() => setVersionsOpen(true)}>
                  版本历史
                </Button>
              </Space>
            </Space>
          )}
        </section>
      </div>
      {previewOpen && detail && currentTheme && (
        <PreviewModal
          theme={currentTheme}
          siteId={siteId}
          sites={sites.data}
          path={detail.path}
          source={source}
          onClose={() => setPreviewOpen(false)}
        />
      )}
      {versionsOpen && detail && currentTheme && (
        <VersionsDrawer
          theme={currentTheme}
          siteId={siteId}
          detail={detail}
          onClose={(changed) => {
            setVersionsOpen(false);
            if (changed) {
              open(detail.path);
              tree.reload();
            }
          }}
        />
      )}
      {importOpen && (
        <ImportThemeModal
          onClose={(imported) => {
            setImportOpen(false);
            if (imported) {
              themes.reload();
              setTheme(imported);
            }
          }}
        />
      )}
    </PageCard>
  );
}

interface DocOption {
  id: string;
  title: string;
}

/** 预览: the unsaved source rendered by the server on a chosen document or channel, in a sandboxed frame. */
function PreviewModal({
  theme,
  siteId,
  sites,
  path,
  source,
  onClose,
}: {
  theme: string;
  siteId: string | null;
  sites: PublishingSite[];
  path: string;
  source: string;
  onClose(): void;
}) {
  const [previewSite, setPreviewSite] = useState<string | undefined>(siteId ?? sites[0]?.id);
  const [target, setTarget] = useState<'auto' | 'document' | 'channel'>(
    path === 'article.liquid' ? 'document' : path === 'channel.liquid' ? 'channel' : 'auto',
  );
  const [documentId, setDocumentId] = useState<string | undefined>();
  const [channelId, setChannelId] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [html, setHtml] = useState<string | null>(null);
  const [problem, setProblem] = useState<LiquidProblem | null>(null);
  const [loading, setLoading] = useState(false);
  const channels = useChannelTree(previewSite);
  const docs = useRemote(
    async () =>
      previewSite
        ? items(
            await api.get<{ items: DocOption[] }>('/cms/documents', {
              siteId: previewSite,
              state: 'published',
              q: q || undefined,
              pageSize: 20,
            }),
          )
        : [],
    [previewSite, q],
    [] as DocOption[],
  );

  const run = useCallback(async () => {
    if (!previewSite) return;
    setLoading(true);
    setProblem(null);
    try {
      const res = await publishingApi.preview(siteId, theme, path, {
        source,
        siteId: siteId ? undefined : previewSite,
        documentId: target === 'document' ? documentId : undefined,
        channelId: target === 'channel' ? channelId : undefined,
      });
      setHtml(res.html);
    } catch (e) {
      setHtml(null);
      setProblem(problemOf(e));
    } finally {
      setLoading(false);
    }
  }, [previewSite, siteId, theme, path, source, target, documentId, channelId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the first preview runs on open
  useEffect(() => {
    run();
  }, []);

  return (
    <Modal open width="90vw" title={`预览：${path}`} footer={null} onCancel={onClose} destroyOnHidden>
      <Space wrap style={{ marginBottom: 12 }}>
        {!siteId && (
          <Select
            aria-label="预览网站"
            showSearch
            optionFilterProp="label"
            style={{ width: 220 }}
            value={previewSite}
            options={sites.map((s) => ({ value: s.id, label: s.name }))}
            onChange={setPreviewSite}
          />
        )}
        <Radio.Group
          aria-label="预览页面"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          options={[
            { value: 'auto', label: '首页' },
            { value: 'document', label: '信息页' },
            { value: 'channel', label: '栏目页' },
          ]}
          optionType="button"
        />
        {target === 'document' && (
          <Select
            aria-label="预览信息"
            showSearch
            filterOption={false}
            onSearch={setQ}
            style={{ width: 320 }}
            placeholder="最新发布的信息（可搜索）"
            value={documentId}
            onChange={setDocumentId}
            allowClear
            options={docs.data.map((d) => ({ value: d.id, label: d.title }))}
          />
        )}
        {target === 'channel' && (
          <TreeSelect
            aria-label="预览栏目"
            key={channels.data.length}
            treeDefaultExpandAll
            showSearch
            treeNodeFilterProp="title"
            style={{ width: 260 }}
            value={channelId}
            onChange={setChannelId}
            treeData={channelOptions(channels.data)}
            placeholder="第一个栏目"
            allowClear
          />
        )}
        <Button type="primary" icon={<EyeOutlined />} loading={loading} onClick={run}>
          刷新预览
        </Button>
      </Space>
      {problem && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 12 }}
          message={problem.line ? `模板错误：第 ${problem.line} 行` : '预览失败'}
          description={problem.reason ?? problem.message}
        />
      )}
      <Spin spinning={loading}>
        {html !== null ? (
          <iframe title="模板预览" className="publishing-preview-frame" sandbox="" srcDoc={html} />
        ) : (
          <div style={{ height: 200 }} />
        )}
      </Spin>
    </Modal>
  );
}

/** 版本历史: every saved version; compare two side by side; roll back (saved as a new version). */
function VersionsDrawer({
  theme,
  siteId,
  detail,
  onClose,
}: {
  theme: string;
  siteId: string | null;
  detail: TemplateDetail;
  onClose(changed: boolean): void;
}) {
  const { message } = App.useApp();
  const latest = detail.versions[0]?.version ?? 0;
  const [from, setFrom] = useState<number>(detail.versions[1]?.version ?? 0);
  const [to, setTo] = useState<number>(latest);
  const [rows, setRows] = useState<DiffRow[] | null>(null);
  const options = [
    ...detail.versions.map((v) => ({ value: v.version, label: `第 ${v.version} 版${v.active ? '（当前）' : ''}` })),
    { value: 0, label: detail.origin === 'site' || detail.siteId ? '继承的原文件' : '主题原文件' },
  ];

  useEffect(() => {
    let live = true;
    if (from === to) {
      setRows([]);
      return;
    }
    publishingApi
      .diff(siteId, theme, detail.path, from, to)
      .then((d) => live && setRows(sideBySide(d.changes)))
      .catch((e) => live && message.error(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [from, to, siteId, theme, detail.path, message]);

  async function rollback(version: number) {
    try {
      const v = await publishingApi.rollback(siteId, theme, detail.path, version);
      message.success(`已回滚到${version ? `第 ${version} 版` : '原文件'}（保存为第 ${v.version} 版）`);
      onClose(true);
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  return (
    <Drawer open width="min(1100px, 96vw)" title={`版本历史：${detail.path}`} onClose={() => onClose(false)}>
      <Table<TemplateVersion>
        rowKey="version"
        size="small"
        aria-label="版本列表"
        dataSource={detail.versions}
        pagination={false}
        locale={{ emptyText: '尚无修改，当前使用原文件' }}
        columns={[
          {
            title: '版本',
            dataIndex: 'version',
            width: 120,
            render: (v: number, row) => (
              <Space>
                第 {v} 版{row.active && <Tag color="blue">当前</Tag>}
              </Space>
            ),
          },
          { title: '说明', dataIndex: 'comment', render: (c: string | null) => c || '—' },
          { title: '保存人', dataIndex: 'createdByName', width: 120, render: (n: string | null) => n ?? '—' },
          { title: '保存时间', dataIndex: 'createdAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 150,
            render: (_: unknown, row) => (
              <Space size={0}>
                <Button
                  type="link"
                  size="small"
                  onClick={() => {
                    setFrom(row.version);
                    setTo(latest);
                  }}
                >
                  对比
                </Button>
                {!row.active && (
                  <Popconfirm
                    title={`回滚到第 ${row.version} 版？`}
                    description="旧版本的内容将保存为一个新版本，历史不会丢失。"
                    onConfirm={() => rollback(row.version)}
                  >
                    <Button type="link" size="small">
                      回滚
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {detail.versions.length > 0 && (
        <Space style={{ margin: '16px 0 8px' }} wrap>
          <Typography.Text>对比</Typography.Text>
          <Select aria-label="旧版本" style={{ width: 180 }} value={from} options={options} onChange={setFrom} />
          <Typography.Text>与</Typography.Text>
          <Select aria-label="新版本" style={{ width: 180 }} value={to} options={options} onChange={setTo} />
          {detail.activeVersion !== null && (
            <Popconfirm
              title="恢复为原文件？"
              description="将原文件内容保存为一个新版本。"
              onConfirm={() => rollback(0)}
            >
              <Button size="small">恢复原文件</Button>
            </Popconfirm>
          )}
        </Space>
      )}
      {rows && rows.length > 0 && (
        <table className="publishing-diff" aria-label="版本对比">
          <tbody>
            {rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
              <tr key={i}>
                <td className="n">{r.left?.n ?? ''}</td>
                <td className={r.left?.kind ?? ''}>
                  {r.left?.kind === 'removed' ? <del>{r.left.text}</del> : (r.left?.text ?? '')}
                </td>
                <td className="n">{r.right?.n ?? ''}</td>
                <td className={r.right?.kind ?? ''}>
                  {r.right?.kind === 'added' ? <ins>{r.right.text}</ins> : (r.right?.text ?? '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows && rows.length === 0 && detail.versions.length > 0 && <Empty description="两个版本内容相同" />}
    </Drawer>
  );
}

/** 导入主题: a zip of a theme folder; the server checks it and reports what is wrong. */
function ImportThemeModal({ onClose }: { onClose(imported?: string): void }) {
  const { message } = App.useApp();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const res = await uploadForm<{ theme: string; files: string[] }>('/publishing/themes/import', [file], {
        name: name.trim(),
      });
      message.success(`已导入主题 ${res.theme}（${res.files.length} 个文件）`);
      onClose(res.theme);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title="导入主题"
      okText="导入"
      okButtonProps={{ disabled: !file, loading: busy }}
      onOk={submit}
      onCancel={() => onClose()}
    >
      <Typography.Paragraph type="secondary">
        上传主题文件夹的 zip 包（不超过 10 MB）：须包含
        theme.json、layouts/base.liquid、index.liquid、channel.liquid、article.liquid；只允许 .liquid .css .js .json
        .png .jpg .svg .gif .webp 文件，图片放在 assets/ 下。
      </Typography.Paragraph>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Upload
          accept=".zip"
          maxCount={1}
          beforeUpload={(f) => {
            setFile(f);
            return false;
          }}
          onRemove={() => setFile(null)}
        >
          <Button icon={<ImportOutlined />} data-testid="theme-zip-button">
            选择 zip 文件
          </Button>
        </Upload>
        <Input
          aria-label="主题名称"
          placeholder="主题名称（可选，默认取 theme.json 的 name）"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        {error && <Alert type="error" showIcon role="alert" message={error} />}
      </Space>
    </Modal>
  );
}
