import { EyeOutlined, HistoryOutlined, SaveOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Col,
  Descriptions,
  Drawer,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Spin,
  Switch,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, errorMessage } from '../../api/client';
import {
  type DocxInfo,
  getPdf,
  KIND_LABELS,
  type PageSettings,
  type PdfResult,
  postForPdf,
  type TemplateContent,
  type TemplateDetail,
  uploadDocxTemplate,
} from './api';
import { CodeEditor } from './CodeEditor';
import { PdfFrame } from './PdfFrame';
import { VersionsDrawer } from './VersionsDrawer';

const SIZES = ['A4', 'A3', 'A5', 'Letter', 'Legal'].map((s) => ({ value: s, label: s }));
const MARGINS: [keyof PageSettings['margin'], string][] = [
  ['top', '上'],
  ['bottom', '下'],
  ['left', '左'],
  ['right', '右'],
];

interface Draft {
  body: string;
  sample: string;
  schema: string;
  page: PageSettings;
  docx: DocxInfo | null;
}

const pretty = (value: unknown) => (value ? JSON.stringify(value, null, 2) : '');

function draftOf(detail: TemplateDetail): Draft {
  return {
    body: detail.content.body ?? '',
    sample: pretty(detail.content.sampleData) || '{}',
    schema: pretty(detail.content.dataSchema),
    page: detail.content.page,
    docx: detail.content.docx,
  };
}

/** Parses a JSON editor's text; throws a message naming the editor when it is not a JSON object. */
function parseObject(text: string, what: string): Record<string, unknown> | null {
  if (!text.trim()) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what}不是合法的 JSON：${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what}应为 JSON 对象`);
  return value as Record<string, unknown>;
}

function contentOf(draft: Draft): TemplateContent {
  return {
    body: draft.body,
    docxFileId: draft.docx?.fileId ?? null,
    page: draft.page,
    sampleData: parseObject(draft.sample, '示例数据'),
    dataSchema: parseObject(draft.schema, '数据结构'),
  };
}

/** 编辑文书模板: content, sample data, JSON Schema, page settings; preview; save as a new version. */
export function TemplateEditor({ id, onClose }: { id: string; onClose(changed: boolean): void }) {
  const { message, modal } = App.useApp();
  const [detail, setDetail] = useState<TemplateDetail | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [comment, setComment] = useState('');
  const [pdf, setPdf] = useState<PdfResult | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const changed = useRef(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    try {
      const next = await api.get<TemplateDetail>(`/pdfgen/templates/${id}`);
      setDetail(next);
      setDraft(draftOf(next));
    } catch (error) {
      message.error(errorMessage(error));
    }
  }, [id, message]);
  useEffect(() => {
    load();
  }, [load]);

  const patch = (p: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...p } : d));
  const patchPage = (p: Partial<PageSettings>) => setDraft((d) => (d ? { ...d, page: { ...d.page, ...p } } : d));

  function explain(error: unknown) {
    if (error instanceof ApiError && error.problem.errors?.length) {
      setProblem(`${error.problem.title}：${error.problem.errors.map((e) => `${e.field} ${e.message}`).join('；')}`);
    } else setProblem(errorMessage(error));
  }

  async function preview() {
    if (!detail || !draft) return;
    setPreviewing(true);
    setProblem(null);
    try {
      const content = contentOf(draft);
      setPdf(
        await postForPdf('/pdfgen/preview', { kind: detail.kind, content, data: content.sampleData ?? {} }, '预览.pdf'),
      );
    } catch (error) {
      explain(error);
    } finally {
      setPreviewing(false);
    }
  }

  async function save() {
    if (!detail || !draft) return;
    setSaving(true);
    setProblem(null);
    try {
      const result = await api.post<{ version: number }>(`/pdfgen/templates/${id}/versions`, {
        baseVersion: detail.currentVersion,
        content: contentOf(draft),
        comment: comment.trim() || undefined,
      });
      changed.current = true;
      message.success(`已保存为第 ${result.version} 版`);
      setComment('');
      await load();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'template_conflict') {
        modal.warning({ title: '模板已被他人修改', content: `${error.problem.detail ?? ''}。请复制你的修改后刷新。` });
      } else explain(error);
    } finally {
      setSaving(false);
    }
  }

  async function replaceDocx(file: File) {
    try {
      patch({ docx: await uploadDocxTemplate(file) });
      message.success('Word 模板已上传，保存后生效');
    } catch (error) {
      explain(error);
    }
  }

  async function previewVersion(version: number) {
    setPreviewing(true);
    try {
      setPdf(await getPdf(`/pdfgen/templates/${id}/preview?version=${version}`, `预览-第${version}版.pdf`));
    } catch (error) {
      explain(error);
    } finally {
      setPreviewing(false);
    }
  }

  const title = detail ? (
    <Space>
      <span>编辑文书模板：{detail.name}</span>
      <Tag>{KIND_LABELS[detail.kind]}</Tag>
      <Tag color="blue">当前第 {detail.currentVersion} 版</Tag>
    </Space>
  ) : (
    '编辑文书模板'
  );

  return (
    <Drawer
      open
      width="92%"
      title={title}
      onClose={() => onClose(changed.current)}
      extra={
        <Space>
          <Button icon={<HistoryOutlined />} onClick={() => setVersionsOpen(true)} disabled={!detail}>
            版本历史
          </Button>
          <Button icon={<EyeOutlined />} onClick={preview} loading={previewing} disabled={!draft}>
            预览
          </Button>
          <Input
            aria-label="版本说明"
            placeholder="版本说明（可选）"
            value={comment}
            maxLength={200}
            onChange={(e) => setComment(e.target.value)}
            style={{ width: 220 }}
          />
          <Button type="primary" icon={<SaveOutlined />} onClick={save} loading={saving} disabled={!draft}>
            保存新版本
          </Button>
        </Space>
      }
    >
      {!detail || !draft ? (
        <Spin />
      ) : (
        <Row gutter={16}>
          <Col span={13}>
            {problem && (
              <Alert
                type="error"
                showIcon
                closable
                onClose={() => setProblem(null)}
                message={problem}
                style={{ marginBottom: 12 }}
                data-testid="editor-problem"
              />
            )}
            <Tabs
              items={[
                {
                  key: 'body',
                  label: '模板内容',
                  children:
                    detail.kind === 'html' ? (
                      <CodeEditor
                        label="模板内容（HTML/Liquid）"
                        language="liquid"
                        value={draft.body}
                        onChange={(body) => patch({ body })}
                        height="560px"
                      />
                    ) : (
                      <Space direction="vertical" style={{ width: '100%' }}>
                        <Descriptions bordered size="small" column={1}>
                          <Descriptions.Item label="Word 模板">{draft.docx?.name ?? '—'}</Descriptions.Item>
                          <Descriptions.Item label="大小">
                            {draft.docx ? `${(draft.docx.size / 1024).toFixed(1)} KB` : '—'}
                          </Descriptions.Item>
                          <Descriptions.Item label="占位符">
                            {draft.docx?.fields.length
                              ? draft.docx.fields.map((f) => <Tag key={f}>{`{${f}}`}</Tag>)
                              : '（未发现占位符）'}
                          </Descriptions.Item>
                        </Descriptions>
                        <Space>
                          <Button icon={<UploadOutlined />} onClick={() => fileInput.current?.click()}>
                            上传新的 Word 模板
                          </Button>
                          <Button href={`/api/pdfgen/templates/${id}/docx`}>下载当前 Word 模板</Button>
                        </Space>
                        <input
                          ref={fileInput}
                          type="file"
                          hidden
                          accept=".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                          onChange={(e) => {
                            const file = e.target.files?.[0];
                            e.target.value = '';
                            if (file) replaceDocx(file);
                          }}
                        />
                        <Typography.Paragraph type="secondary">
                          在 Word 中用 {'{字段}'} 标出要填写的位置，{'{#列表}…{/列表}'} 重复一段内容，
                          {'{申请人.名称}'} 取下级字段。
                        </Typography.Paragraph>
                      </Space>
                    ),
                },
                {
                  key: 'sample',
                  label: '示例数据',
                  children: (
                    <CodeEditor
                      label="示例数据（JSON）"
                      language="json"
                      value={draft.sample}
                      onChange={(sample) => patch({ sample })}
                      height="560px"
                    />
                  ),
                },
                {
                  key: 'schema',
                  label: '数据结构',
                  children: (
                    <Space direction="vertical" style={{ width: '100%' }}>
                      <Typography.Text type="secondary">
                        JSON Schema：生成前用它检查业务数据，留空则不检查。
                      </Typography.Text>
                      <CodeEditor
                        label="数据结构（JSON Schema）"
                        language="json"
                        value={draft.schema}
                        onChange={(schema) => patch({ schema })}
                        height="520px"
                      />
                    </Space>
                  ),
                },
                ...(detail.kind === 'html'
                  ? [
                      {
                        key: 'page',
                        label: '页面设置',
                        children: (
                          <Form layout="vertical" style={{ maxWidth: 560 }}>
                            <Space size="large">
                              <Form.Item label="纸张">
                                <Select
                                  aria-label="纸张"
                                  options={SIZES}
                                  value={draft.page.size}
                                  onChange={(size) => patchPage({ size })}
                                  style={{ width: 120 }}
                                />
                              </Form.Item>
                              <Form.Item label="横向">
                                <Switch
                                  aria-label="横向"
                                  checked={draft.page.landscape}
                                  onChange={(landscape) => patchPage({ landscape })}
                                />
                              </Form.Item>
                            </Space>
                            <Form.Item label="页边距（毫米）">
                              <Space>
                                {MARGINS.map(([key, label]) => (
                                  <InputNumber
                                    key={key}
                                    aria-label={`${label}边距`}
                                    addonBefore={label}
                                    min={0}
                                    max={100}
                                    value={draft.page.margin[key]}
                                    onChange={(v) =>
                                      patchPage({ margin: { ...draft.page.margin, [key]: Number(v ?? 0) } })
                                    }
                                    style={{ width: 120 }}
                                  />
                                ))}
                              </Space>
                            </Form.Item>
                            <Form.Item label="页眉（HTML/Liquid，可用 pageNumber、totalPages）">
                              <Input.TextArea
                                aria-label="页眉"
                                rows={3}
                                value={draft.page.header}
                                onChange={(e) => patchPage({ header: e.target.value })}
                                style={{ fontFamily: 'monospace' }}
                              />
                            </Form.Item>
                            <Form.Item
                              label={
                                '页脚（例：第 <span class="pageNumber"></span> 页 共 <span class="totalPages"></span> 页）'
                              }
                            >
                              <Input.TextArea
                                aria-label="页脚"
                                rows={3}
                                value={draft.page.footer}
                                onChange={(e) => patchPage({ footer: e.target.value })}
                                style={{ fontFamily: 'monospace' }}
                              />
                            </Form.Item>
                          </Form>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          </Col>
          <Col span={11}>
            <PdfFrame pdf={pdf} loading={previewing} height={660} />
          </Col>
        </Row>
      )}
      {versionsOpen && detail && (
        <VersionsDrawer
          template={detail}
          onPreview={(version) => previewVersion(version)}
          onClose={async (rolledBack) => {
            setVersionsOpen(false);
            if (rolledBack) {
              changed.current = true;
              await load();
            }
          }}
        />
      )}
    </Drawer>
  );
}
