import { ExperimentOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Checkbox,
  Col,
  ColorPicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Radio,
  Row,
  Space,
  Spin,
  Table,
  Tag,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ApiError, api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { usePagedList } from '../../components/data';
import { RenameModal } from '../../components/RenameModal';
import { formatTime, PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import { type GenerateSpec, type ImageShape, imagePngUrl, postForBlob, postMultipart, type SealImage } from './api';
import { formatBytes, SHAPES } from './labels';
import { SealThumb, TrueSizeSeal } from './SealImageBox';

/** 印模管理: imported and generated seal images, each previewable at its true size. */
export default function ImagesPage() {
  const can = useCan();
  const action = useAction();
  const [q, setQ] = useState<string>();
  const list = usePagedList<SealImage>('/seal/images', { q });
  const [preview, setPreview] = useState<SealImage | null>(null);
  const [dialog, setDialog] = useState<'import' | 'generate' | null>(null);
  const [renaming, setRenaming] = useState<SealImage | null>(null);
  const manage = can('seal-image:manage');

  const closed = (saved: boolean) => {
    setDialog(null);
    setRenaming(null);
    if (saved) list.reload();
  };

  return (
    <PageCard
      title="印模管理"
      extra={
        <>
          <Input.Search
            placeholder="印模名称"
            allowClear
            onSearch={(v) => setQ(v || undefined)}
            style={{ width: 200 }}
          />
          {manage && (
            <>
              <Button icon={<UploadOutlined />} onClick={() => setDialog('import')}>
                导入印模
              </Button>
              <Button type="primary" icon={<ExperimentOutlined />} onClick={() => setDialog('generate')}>
                生成印模
              </Button>
            </>
          )}
        </>
      }
    >
      <Table<SealImage>
        rowKey="id"
        aria-label="印模列表"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          {
            title: '印模',
            width: 80,
            render: (_, img) => (
              <Typography.Link onClick={() => setPreview(img)} aria-label={`按实际尺寸预览：${img.name}`}>
                <SealThumb src={imagePngUrl(img.id)} alt={img.name} />
              </Typography.Link>
            ),
          },
          { title: '名称', dataIndex: 'name' },
          {
            title: '来源',
            dataIndex: 'source',
            width: 80,
            render: (s: SealImage['source']) => (s === 'generated' ? <Tag color="blue">生成</Tag> : <Tag>导入</Tag>),
          },
          {
            title: '实际尺寸',
            width: 170,
            render: (_, img) => (
              <span>
                {img.widthMm} × {img.heightMm} mm
                <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                  {img.widthPx} × {img.heightPx} px，{img.dpi} dpi，{img.format.toUpperCase()}，{formatBytes(img.size)}
                </Typography.Text>
              </span>
            ),
          },
          {
            title: '背景',
            width: 90,
            render: (_, img) =>
              img.opaqueBackground ? <Tag color="warning">不透明</Tag> : <Tag color="success">透明</Tag>,
          },
          { title: '使用中的印章', dataIndex: 'usedBy', width: 110, render: (n: number) => (n ? `${n} 枚` : '—') },
          { title: '创建人', dataIndex: 'createdByName', width: 100, render: (v) => v ?? '—' },
          { title: '创建时间', dataIndex: 'createdAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 190,
            render: (_, img) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => setPreview(img)}>
                  实际尺寸
                </Button>
                {manage && (
                  <Button type="link" size="small" onClick={() => setRenaming(img)}>
                    重命名
                  </Button>
                )}
                {manage && (
                  <Popconfirm
                    title={`删除印模「${img.name}」？`}
                    description={img.usedBy ? '该印模已被印章使用，不能删除。' : '删除后不可恢复。'}
                    okButtonProps={{ danger: true, disabled: img.usedBy > 0 }}
                    okText="删除"
                    onConfirm={async () => {
                      if (await action(() => api.delete(`/seal/images/${img.id}`), '印模已删除')) list.reload();
                    }}
                  >
                    <Button type="link" size="small" danger>
                      删除
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {preview && (
        <Modal open title={`实际尺寸预览：${preview.name}`} footer={null} onCancel={() => setPreview(null)} width={560}>
          <div style={{ display: 'flex', justifyContent: 'center' }}>
            <TrueSizeSeal
              src={imagePngUrl(preview.id)}
              widthMm={preview.widthMm}
              heightMm={preview.heightMm}
              alt={preview.name}
            />
          </div>
        </Modal>
      )}
      {dialog === 'import' && <ImportModal onClose={closed} />}
      {dialog === 'generate' && <GenerateModal onClose={closed} />}
      {renaming && (
        <RenameModal
          title="重命名印模"
          label="印模名称"
          name={renaming.name}
          save={(name) => api.patch(`/seal/images/${renaming.id}`, { name })}
          onClose={closed}
        />
      )}
    </PageCard>
  );
}

interface ImportValues {
  name?: string;
  removeWhiteBackground: boolean;
}

/** 导入印模: PNG or GIF; an opaque (scanned) background is refused unless it is to be removed. */
function ImportModal({ onClose }: { onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<ImportValues>();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [opaque, setOpaque] = useState(false);
  const { submit, submitting } = useFormSubmit(
    form,
    async (values) => {
      const file = files[0]?.originFileObj;
      if (!file) throw new ApiError({ status: 400, code: 'file_missing', title: '请选择 PNG 或 GIF 图片' });
      try {
        await postMultipart('/seal/images', {
          name: values.name?.trim() || undefined,
          removeWhiteBackground: values.removeWhiteBackground ? 'true' : undefined,
          file: { blob: file, name: file.name },
        });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'image_opaque_background') setOpaque(true);
        throw error;
      }
    },
    '印模已导入',
  );
  return (
    <Modal
      open
      title="导入印模"
      okText="导入"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
    >
      <Form form={form} layout="vertical" initialValues={{ removeWhiteBackground: false }}>
        <Form.Item label="印模图片" required extra="仅支持 PNG、GIF，背景应透明；不超过 2 MB，边长 100～4000 像素">
          <Upload
            accept=".png,.gif,image/png,image/gif"
            maxCount={1}
            fileList={files}
            beforeUpload={() => false}
            onChange={({ fileList }) => {
              setFiles(fileList);
              setOpaque(false);
            }}
          >
            <Button icon={<UploadOutlined />}>选择图片</Button>
          </Upload>
        </Form.Item>
        <Form.Item name="name" label="印模名称" extra="不填则使用文件名">
          <Input maxLength={100} />
        </Form.Item>
        {opaque && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            title="图片背景不透明，盖章后会遮住文件文字"
            description="请勾选「去除白色背景」后重新导入，系统会把白色纸张背景变为透明并保留印油的浓淡。"
          />
        )}
        <Form.Item name="removeWhiteBackground" valuePropName="checked">
          <Checkbox>去除白色背景（扫描件适用）</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface GenerateValues {
  name: string;
  shape: ImageShape;
  text: string;
  bottomText?: string;
  code?: string;
  color: string;
  sizeMm?: number;
  widthMm?: number;
  heightMm?: number;
}

const DEFAULT_COLOR = '#e60012';

/** The request body for the values as they stand (sizes only for the shape that uses them). */
function specOf(v: Partial<GenerateValues>): GenerateSpec | null {
  const text = v.text?.trim();
  if (!v.shape || !text) return null;
  const spec: GenerateSpec = { shape: v.shape, text, color: v.color || DEFAULT_COLOR };
  if (v.shape !== 'square' && v.bottomText?.trim()) spec.bottomText = v.bottomText.trim();
  if (v.shape !== 'square' && v.code?.trim()) spec.code = v.code.trim();
  if (v.shape === 'oval') {
    if (v.widthMm) spec.widthMm = v.widthMm;
    if (v.heightMm) spec.heightMm = v.heightMm;
  } else if (v.sizeMm) spec.sizeMm = v.sizeMm;
  return spec;
}

/** 生成印模: the engine draws it; the preview is the engine's own output, refreshed as the form changes. */
function GenerateModal({ onClose }: { onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<GenerateValues>();
  const values = Form.useWatch([], form) as Partial<GenerateValues> | undefined;
  const shape = values?.shape ?? 'round';
  const spec = values ? specOf(values) : null;
  // The preview takes the same body as generating; the name is only a label there.
  const previewSpec = spec ? { ...spec, name: values?.name?.trim() || spec.text } : null;
  const { submit, submitting } = useFormSubmit(
    form,
    async (v) => {
      const body = specOf(v);
      await api.post('/seal/images/generate', { ...body, name: v.name.trim() });
    },
    '印模已生成',
  );
  return (
    <Modal
      open
      title="生成印模"
      okText="生成"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={860}
    >
      <Row gutter={24}>
        <Col span={12}>
          <Form
            form={form}
            layout="vertical"
            initialValues={{ shape: 'round', color: DEFAULT_COLOR, sizeMm: 42 }}
            onValuesChange={(changed: Partial<GenerateValues>) => {
              // A new shape starts from its standard size (公章 42 mm, 名章 22 mm, 椭圆 45 × 30 mm).
              if (changed.shape === 'round') form.setFieldsValue({ sizeMm: 42 });
              if (changed.shape === 'square') form.setFieldsValue({ sizeMm: 22 });
              if (changed.shape === 'oval') form.setFieldsValue({ widthMm: 45, heightMm: 30 });
            }}
          >
            <Form.Item name="shape" label="形状">
              <Radio.Group
                optionType="button"
                options={Object.entries(SHAPES).map(([value, label]) => ({ value, label }))}
              />
            </Form.Item>
            <Form.Item
              name="text"
              label={shape === 'square' ? '姓名' : '单位名称'}
              rules={[
                { required: true, whitespace: true, message: shape === 'square' ? '请输入姓名' : '请输入单位名称' },
              ]}
              extra={
                shape === 'square'
                  ? '2～6 个字；两字名生成“某某之印”'
                  : '沿上弧排列，如：新乡市行政审批和政务信息管理局'
              }
            >
              <Input maxLength={40} />
            </Form.Item>
            <Form.Item
              name="name"
              label="印模名称"
              rules={[{ required: true, whitespace: true, message: '请输入印模名称' }]}
            >
              <Input maxLength={100} placeholder="在印模列表中显示的名称" />
            </Form.Item>
            {shape !== 'square' && (
              <>
                <Form.Item
                  name="bottomText"
                  label={shape === 'round' ? '五角星下方文字' : '中心文字'}
                  extra="可选，如：业务专用章、合同专用章"
                >
                  <Input maxLength={20} />
                </Form.Item>
                <Form.Item
                  name="code"
                  label="印章编码"
                  rules={[{ pattern: /^\d{13}$/, message: '印章编码为 13 位数字' }]}
                  extra="可选，13 位数字，沿下弧排列"
                >
                  <Input maxLength={13} />
                </Form.Item>
              </>
            )}
            <Row gutter={12}>
              <Col span={8}>
                <Form.Item
                  name="color"
                  label="颜色"
                  getValueFromEvent={(c: { toHexString(): string }) => c.toHexString()}
                >
                  <ColorPicker
                    disabledAlpha
                    presets={[{ label: '印泥红', colors: [DEFAULT_COLOR, '#d9001b', '#c00000'] }]}
                  />
                </Form.Item>
              </Col>
              {shape === 'oval' ? (
                <>
                  <Col span={8}>
                    <Form.Item name="widthMm" label="宽（mm）">
                      <InputNumber min={20} max={60} step={1} style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                  <Col span={8}>
                    <Form.Item name="heightMm" label="高（mm）">
                      <InputNumber min={20} max={60} step={1} style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                </>
              ) : (
                <Col span={16}>
                  <Form.Item
                    name="sizeMm"
                    label={shape === 'round' ? '直径（mm）' : '边长（mm）'}
                    extra={shape === 'round' ? '国家机关公章常用 42 mm，范围 20～60' : '常用 22 mm，范围 10～40'}
                  >
                    <InputNumber
                      min={shape === 'round' ? 20 : 10}
                      max={shape === 'round' ? 60 : 40}
                      step={1}
                      style={{ width: '100%' }}
                    />
                  </Form.Item>
                </Col>
              )}
            </Row>
          </Form>
        </Col>
        <Col span={12}>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            实时预览
          </Typography.Title>
          <LivePreview spec={previewSpec} />
        </Col>
      </Row>
    </Modal>
  );
}

/** Asks the server to draw the seal as the form stands, 400 ms after the last change. */
function LivePreview({ spec }: { spec: GenerateSpec | null }) {
  const key = spec ? JSON.stringify(spec) : '';
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'loading' } | { kind: 'ready'; url: string } | { kind: 'error'; text: string }
  >({ kind: 'idle' });
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (!key) {
      setState({ kind: 'idle' });
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(async () => {
      setState({ kind: 'loading' });
      try {
        const blob = await postForBlob('/seal/images/preview', JSON.parse(key), abort.signal);
        const url = URL.createObjectURL(blob);
        if (shown.current) URL.revokeObjectURL(shown.current);
        shown.current = url;
        setState({ kind: 'ready', url });
      } catch (error) {
        if (abort.signal.aborted) return;
        const text =
          error instanceof ApiError && error.status === 404 ? '预览服务暂不可用，仍可直接生成' : errorMessage(error);
        setState({ kind: 'error', text });
      }
    }, 400);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [key]);
  useEffect(() => () => void (shown.current && URL.revokeObjectURL(shown.current)), []);

  if (state.kind === 'idle') return <Typography.Text type="secondary">填写单位名称后显示预览</Typography.Text>;
  if (state.kind === 'error') return <Alert type="warning" showIcon title={state.text} />;
  if (state.kind === 'loading' && !shown.current) return <Spin />;
  const size = spec?.shape === 'oval' ? { w: spec.widthMm ?? 45, h: spec.heightMm ?? 30 } : null;
  const side = spec?.sizeMm ?? (spec?.shape === 'square' ? 22 : 42);
  return (
    <Spin spinning={state.kind === 'loading'}>
      {shown.current && (
        <TrueSizeSeal
          src={state.kind === 'ready' ? state.url : shown.current}
          widthMm={size?.w ?? side}
          heightMm={size?.h ?? side}
          alt="印模预览"
        />
      )}
    </Spin>
  );
}
