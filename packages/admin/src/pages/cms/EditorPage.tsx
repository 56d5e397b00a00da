import { HistoryOutlined, PaperClipOutlined, RollbackOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Form,
  Input,
  InputNumber,
  List,
  Progress,
  Result,
  Row,
  Select,
  Space,
  Spin,
  TreeSelect,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError, api, errorMessage } from '../../api/client';
import { applyServerErrors } from '../../api/forms';
import { useCan } from '../../auth/session';
import { type Attachment, type CmsDocument, type CustomFieldDef, fileUrl, type StoredFile, uploadFile } from './api';
import { ConflictModal } from './ConflictModal';
import { customBody, customFieldRules } from './customFields';
import { channelOptions, flattenChannels, useChannelTree } from './hooks';
import { DOCUMENT_TYPE, DocumentStateTag, formatSize, optionsOf } from './labels';
import { type MetaValues, toBody, toFormValues } from './logic';
import { ReviewNotes } from './ReviewNotes';
import { type EditorValue, RichEditor } from './RichEditor';
import { Forbidden } from './SitePicker';
import { VersionsDrawer } from './VersionsDrawer';

/** Attachments arrive as file ids (or objects on some answers); names come from 文件资源. */
async function loadAttachments(raw: unknown[] | undefined): Promise<Attachment[]> {
  const list = raw ?? [];
  return Promise.all(
    list.map(async (item) => {
      if (typeof item !== 'string') return item as Attachment;
      const file = await api.get<StoredFile>(`/cms/files/${item}`).catch(() => null);
      return { fileId: item, name: file?.name ?? item, size: file?.size };
    }),
  );
}

/** 信息编辑: metadata, the TipTap body, attachments, save with conflict detection, submit, versions. */
export default function EditorPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const [doc, setDoc] = useState<CmsDocument | null>(null);
  const [failure, setFailure] = useState<ApiError | Error | null>(null);
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async () => {
    if (!id) return;
    try {
      setDoc(await api.get<CmsDocument>(`/cms/documents/${id}`));
    } catch (error) {
      setFailure(error as Error);
    }
  }, [id]);
  useEffect(() => {
    load();
  }, [load]);

  if (failure) {
    if (failure instanceof ApiError && (failure.status === 403 || failure.status === 404))
      return <Forbidden subTitle="该信息不存在或不属于您管理的站点。" />;
    return <Result status="error" title="信息加载失败" subTitle={errorMessage(failure)} />;
  }
  if (id && !doc) return <Spin style={{ display: 'block', margin: '120px auto' }} />;
  const siteId = doc?.siteId ?? params.get('siteId') ?? undefined;
  if (!siteId) return <Result status="warning" title="请先在信息管理中选择站点" />;
  return (
    <DocumentForm
      key={`${doc?.id ?? 'new'}:${generation}`}
      doc={doc}
      siteId={siteId}
      defaultChannelId={params.get('channelId') ?? undefined}
      onReplaced={(next) => {
        setDoc(next);
        setGeneration((g) => g + 1);
      }}
    />
  );
}

function DocumentForm({
  doc,
  siteId,
  defaultChannelId,
  onReplaced,
}: {
  doc: CmsDocument | null;
  siteId: string;
  defaultChannelId?: string;
  /** A different copy of the document must be shown (restored version, the other side of a conflict). */
  onReplaced: (doc: CmsDocument) => void;
}) {
  const can = useCan();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<MetaValues>();
  const type = Form.useWatch('type', form);
  const { data: tree, loading: channelsLoading } = useChannelTree(siteId);
  const options = useMemo(() => channelOptions(tree, (c) => c.type !== 'list'), [tree]);
  const channelId = Form.useWatch('channelId', form);
  const customFields = useMemo(
    () => flattenChannels(tree).find((c) => c.id === channelId)?.customFields ?? [],
    [tree, channelId],
  );
  const body = useRef<EditorValue | null>(null);
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [coverFileId, setCoverFileId] = useState<string | null>(doc?.coverFileId ?? null);
  const [current, setCurrent] = useState<CmsDocument | null>(doc);
  const [busy, setBusy] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const [conflict, setConflict] = useState<{ yours: Record<string, unknown>; current: CmsDocument } | null>(null);
  const [showVersions, setShowVersions] = useState(false);

  useEffect(() => {
    loadAttachments(doc?.attachments as unknown[] | undefined).then(setAttachments);
  }, [doc]);

  const initialValues = useMemo(
    () => toFormValues(doc ?? { type: 'text', channelId: defaultChannelId }),
    [doc, defaultChannelId],
  );

  /** Saves and returns the stored document, or null when the save did not happen. */
  const save = async (overrideVersion?: number): Promise<CmsDocument | null> => {
    let values: MetaValues;
    try {
      values = await form.validateFields();
    } catch {
      message.error('请先完善标红的必填项');
      return null;
    }
    const { custom, ...meta } = values as MetaValues & { custom?: Record<string, unknown> };
    const payload = toBody(meta, body.current, attachments, coverFileId);
    // A channel without fields sends no `custom`, so values kept from a move into it survive the save.
    if (customFields.length) payload.custom = customBody(customFields, custom);
    try {
      // The channel is fixed once created: moving is its own operation (信息管理 → 移动).
      const { channelId: _fixed, ...changes } = payload;
      const saved = current
        ? await api.patch<CmsDocument>(`/cms/documents/${current.id}`, {
            ...changes,
            version: overrideVersion ?? current.version,
          })
        : await api.post<CmsDocument>('/cms/documents', payload);
      setCurrent(saved);
      if (!current) navigate(`/cms/documents/${saved.id}`, { replace: true });
      return saved;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.problem.current) {
        setConflict({ yours: payload, current: error.problem.current as CmsDocument });
        return null;
      }
      const rest = applyServerErrors(form, error);
      if (rest.length) message.error(rest.join('；'));
      return null;
    }
  };

  const run = async (label: string, fn: () => Promise<boolean>) => {
    setBusy(label);
    try {
      await fn();
    } finally {
      setBusy(null);
    }
  };

  const saveOnly = () =>
    run('save', async () => {
      const saved = await save();
      if (saved) message.success('已保存');
      return Boolean(saved);
    });

  /** Submit and publish save first, so what is reviewed is exactly what is on screen. */
  const saveThen = (label: string, path: 'submit' | 'publish', done: string) =>
    run(label, async () => {
      const saved = await save();
      if (!saved) return false;
      try {
        setCurrent(await api.post<CmsDocument>(`/cms/documents/${saved.id}/${path}`));
        message.success(done);
        return true;
      } catch (error) {
        message.error(errorMessage(error));
        return false;
      }
    });

  const pending = current?.state === 'pending';
  return (
    <Form form={form} layout="vertical" initialValues={initialValues}>
      <Card
        size="small"
        title={
          <Space>
            <Typography.Text strong>{current ? '编辑信息' : '新建信息'}</Typography.Text>
            {current && <DocumentStateTag state={current.state} />}
            {current && <Typography.Text type="secondary">第 {current.version} 版</Typography.Text>}
          </Space>
        }
        extra={
          <Space>
            <Button icon={<RollbackOutlined />} onClick={() => navigate(`/cms/documents?siteId=${siteId}`)}>
              返回列表
            </Button>
            {current && (
              <Button icon={<HistoryOutlined />} onClick={() => setShowVersions(true)}>
                版本历史
              </Button>
            )}
            <Button loading={busy === 'save'} disabled={uploading} onClick={saveOnly}>
              保存
            </Button>
            <Button
              type="primary"
              loading={busy === 'submit'}
              disabled={uploading || pending || current?.state === 'published'}
              onClick={() => saveThen('submit', 'submit', '已提交审核')}
            >
              提交审核
            </Button>
            {can('document:publish') && (
              <Button
                loading={busy === 'publish'}
                disabled={uploading}
                onClick={() => saveThen('publish', 'publish', '已发布')}
              >
                直接发布
              </Button>
            )}
          </Space>
        }
        style={{ marginBottom: 16 }}
      >
        {pending && <Alert type="info" showIcon message="信息正在审核中；此时保存会撤回送审，需重新提交审核。" />}
        {current?.referenceOf && (
          <Alert type="warning" showIcon message="本信息引用自其他栏目，内容随源信息自动更新，请到源信息处修改。" />
        )}
      </Card>
      <Row gutter={16} align="top">
        <Col xs={24} xl={17}>
          <Card size="small">
            <Form.Item name="title" label="标题" rules={[{ required: true, whitespace: true, message: '请输入标题' }]}>
              <Input size="large" maxLength={200} showCount />
            </Form.Item>
            {type === 'link' ? (
              <Form.Item
                name="linkUrl"
                label="链接地址"
                rules={[{ required: true, type: 'url', message: '请输入网址' }]}
              >
                <Input placeholder="https://" />
              </Form.Item>
            ) : (
              <Form.Item label="正文">
                <RichEditor
                  siteId={siteId}
                  initial={doc?.bodyJson ?? doc?.bodyHtml ?? null}
                  onChange={(v) => {
                    body.current = v;
                  }}
                  onUploading={setUploading}
                />
              </Form.Item>
            )}
            <Attachments siteId={siteId} items={attachments} onChange={setAttachments} onUploading={setUploading} />
          </Card>
          {customFields.length > 0 && <CustomFields fields={customFields} />}
        </Col>
        <Col xs={24} xl={7}>
          {current && (
            <Card size="small" style={{ marginBottom: 16 }}>
              <ReviewNotes documentId={current.id} version={current.version} />
            </Card>
          )}
          <Card size="small" title="信息属性">
            <Form.Item name="channelId" label="所属栏目" rules={[{ required: true, message: '请选择栏目' }]}>
              <TreeSelect
                key={options.length}
                aria-label="所属栏目"
                treeData={options}
                treeDefaultExpandAll
                showSearch
                treeNodeFilterProp="title"
                disabled={Boolean(current) || channelsLoading}
              />
            </Form.Item>
            <Form.Item name="type" label="信息类型">
              <Select options={optionsOf(DOCUMENT_TYPE)} />
            </Form.Item>
            <Form.Item name="subtitle" label="副标题">
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="shortTitle" label="短标题">
              <Input maxLength={60} />
            </Form.Item>
            <Row gutter={8}>
              <Col span={12}>
                <Form.Item name="source" label="来源">
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="author" label="作者">
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="publishAt" label="发布时间">
              <DatePicker showTime style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="summary" label="摘要">
              <Input.TextArea rows={3} maxLength={500} showCount />
            </Form.Item>
            <Form.Item name="keywords" label="关键词">
              <Input maxLength={200} placeholder="多个关键词用逗号分隔" />
            </Form.Item>
            <Form.Item name="tags" label="标签">
              <Select mode="tags" open={false} placeholder="输入后回车" />
            </Form.Item>
            <Cover siteId={siteId} fileId={coverFileId} onChange={setCoverFileId} />
            <Row gutter={8}>
              <Col span={12}>
                <Form.Item name="pinnedUntil" label="置顶至">
                  <DatePicker style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="newUntil" label="标新至">
                  <DatePicker style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="scheduledPublishAt" label="定时发布">
                  <DatePicker showTime style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="scheduledWithdrawAt" label="定时撤稿">
                  <DatePicker showTime style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
          </Card>
        </Col>
      </Row>
      {conflict && (
        <ConflictModal
          yours={conflict.yours}
          current={conflict.current}
          onKeepMine={async () => {
            const other = conflict.current;
            setConflict(null);
            await run('save', async () => {
              const saved = await save(other.version);
              if (saved) message.success('已保存（覆盖了对方的修改）');
              return Boolean(saved);
            });
          }}
          onTakeTheirs={() => {
            const other = conflict.current;
            setConflict(null);
            onReplaced(other);
          }}
          onCancel={() => setConflict(null)}
        />
      )}
      {current && showVersions && (
        <VersionsDrawer
          doc={current}
          onClose={() => setShowVersions(false)}
          onRestored={(restored) => {
            setShowVersions(false);
            onReplaced(restored);
          }}
        />
      )}
    </Form>
  );
}

/** Dates stay YYYY-MM-DD strings in the form, as stored, so a loaded document needs no conversion. */
const dateValueProps = (value: unknown) => ({ value: typeof value === 'string' && value ? dayjs(value) : null });
const dateToString = (value: dayjs.Dayjs | null) => (value ? value.format('YYYY-MM-DD') : undefined);

/** A plain function, not a component: Form.Item injects value/onChange/id into its direct child element. */
function customFieldControl(def: CustomFieldDef) {
  switch (def.type) {
    case 'textarea':
      return <Input.TextArea rows={3} />;
    case 'number':
      return <InputNumber style={{ width: '100%' }} />;
    case 'date':
      return <DatePicker style={{ width: '100%' }} />;
    case 'select':
      return <Select allowClear options={(def.options ?? []).map((o) => ({ value: o, label: o }))} />;
    default:
      return <Input />;
  }
}

/** 自定义字段: the inputs the chosen channel defines, kept under `custom` so server errors `custom.<key>` land here. */
function CustomFields({ fields }: { fields: CustomFieldDef[] }) {
  return (
    <Card size="small" title="自定义字段" style={{ marginTop: 16 }}>
      <Row gutter={12}>
        {fields.map((def) => (
          <Col key={def.key} xs={24} md={def.type === 'textarea' ? 24 : 12}>
            <Form.Item
              name={['custom', def.key]}
              label={def.label}
              rules={customFieldRules(def)}
              {...(def.type === 'date' ? { getValueProps: dateValueProps, normalize: dateToString } : {})}
            >
              {customFieldControl(def)}
            </Form.Item>
          </Col>
        ))}
      </Row>
    </Card>
  );
}

function Attachments({
  siteId,
  items,
  onChange,
  onUploading,
}: {
  siteId: string;
  items: Attachment[];
  onChange: (items: Attachment[]) => void;
  onUploading: (busy: boolean) => void;
}) {
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<{ name: string; percent: number } | null>(null);
  const add = async (files: FileList | null) => {
    if (!files?.length) return;
    onUploading(true);
    const added: Attachment[] = [];
    try {
      for (const file of Array.from(files)) {
        setProgress({ name: file.name, percent: 0 });
        const stored = await uploadFile(file, {
          siteId,
          onProgress: (percent) => setProgress({ name: file.name, percent }),
        });
        added.push({ fileId: stored.id, name: stored.name, size: stored.size });
      }
    } catch (error) {
      message.error(`附件上传失败：${errorMessage(error)}`);
    } finally {
      onChange([...items, ...added]);
      setProgress(null);
      onUploading(false);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <div>
      <Space style={{ marginBottom: 8 }}>
        <Typography.Text strong>
          <PaperClipOutlined /> 附件
        </Typography.Text>
        <Button size="small" icon={<UploadOutlined />} onClick={() => input.current?.click()}>
          上传附件
        </Button>
        <input
          ref={input}
          type="file"
          multiple
          style={{ display: 'none' }}
          data-testid="attachment-input"
          onChange={(e) => add(e.target.files)}
        />
      </Space>
      {progress && <Progress percent={progress.percent} size="small" format={() => progress.name} />}
      <List
        size="small"
        aria-label="附件列表"
        locale={{ emptyText: '暂无附件' }}
        dataSource={items}
        renderItem={(a) => (
          <List.Item
            actions={[
              <Typography.Link key="remove" type="danger" onClick={() => onChange(items.filter((i) => i !== a))}>
                移除
              </Typography.Link>,
            ]}
          >
            <Typography.Link href={fileUrl(a.fileId)} target="_blank">
              {a.name}
            </Typography.Link>
            {a.size !== undefined && <Typography.Text type="secondary"> （{formatSize(a.size)}）</Typography.Text>}
          </List.Item>
        )}
      />
    </div>
  );
}

function Cover({
  siteId,
  fileId,
  onChange,
}: {
  siteId: string;
  fileId: string | null;
  onChange: (id: string | null) => void;
}) {
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  return (
    <Form.Item label="封面图">
      <Space align="start">
        {fileId && <img src={fileUrl(fileId)} alt="封面" style={{ width: 96, height: 64, objectFit: 'cover' }} />}
        <Space direction="vertical" size={4}>
          <Button size="small" onClick={() => input.current?.click()}>
            {fileId ? '更换' : '上传封面'}
          </Button>
          {fileId && (
            <Button size="small" danger onClick={() => onChange(null)}>
              移除
            </Button>
          )}
        </Space>
        <input
          ref={input}
          type="file"
          accept="image/png,image/jpeg,image/gif,image/webp"
          style={{ display: 'none' }}
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            try {
              onChange((await uploadFile(file, { siteId })).id);
            } catch (error) {
              message.error(`封面上传失败：${errorMessage(error)}`);
            }
            e.target.value = '';
          }}
        />
      </Space>
    </Form.Item>
  );
}
