import { DeleteOutlined, EditOutlined, FilePdfOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useRef, useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard, StatusTag } from '../../components/ui';
import {
  type Capabilities,
  type DocxInfo,
  KIND_LABELS,
  type PdfTemplate,
  type TemplateKind,
  uploadDocxTemplate,
} from './api';
import { RenderModal } from './RenderModal';
import { TemplateEditor } from './TemplateEditor';
import { ImagesToPdf, WordToPdf } from './Tools';

const STARTER = `<style>
  body { font-size: 16pt; line-height: 28pt; }
  h1 { text-align: center; font-size: 22pt; }
</style>
<h1>{{ title }}</h1>
<p>{{ applicant.name }}：</p>
<p style="text-indent: 2em">……</p>
<p style="text-align: right">{{ authority }}<br>{{ date | date: "%Y年%-m月%-d日" }}</p>
`;

const STARTER_SAMPLE = {
  title: '告知书',
  applicant: { name: '新乡市某某有限公司' },
  authority: '新乡市行政审批和政务信息管理局',
  date: '2026-11-28',
};

interface NewTemplateForm {
  name: string;
  code: string;
  kind: TemplateKind;
  description?: string;
}

/** 新建文书模板: name, code, kind; a Word template needs its .docx uploaded first. */
function CreateModal({ onClose }: { onClose(createdId?: string): void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<NewTemplateForm>();
  const kind = Form.useWatch('kind', form);
  const [docx, setDocx] = useState<DocxInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function submit(values: NewTemplateForm) {
    if (values.kind === 'docx' && !docx) {
      message.warning('请先上传 Word 模板文件');
      return;
    }
    setBusy(true);
    try {
      const content =
        values.kind === 'html'
          ? { body: STARTER, sampleData: STARTER_SAMPLE }
          : { docxFileId: docx?.fileId, sampleData: Object.fromEntries((docx?.fields ?? []).map((f) => [f, ''])) };
      const created = await api.post<PdfTemplate>('/pdfgen/templates', { ...values, content });
      message.success('模板已创建');
      onClose(created.id);
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title="新建文书模板"
      okText="创建"
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={() => onClose()}
    >
      <Form form={form} layout="vertical" initialValues={{ kind: 'html' }} onFinish={submit}>
        <Form.Item name="name" label="名称" rules={[{ required: true, message: '请输入名称' }]}>
          <Input maxLength={100} placeholder="例：不予受理通知书" />
        </Form.Item>
        <Form.Item
          name="code"
          label="编码"
          extra="业务系统调用时使用，小写字母、数字、-、_"
          rules={[
            { required: true, message: '请输入编码' },
            { pattern: /^[a-z0-9][a-z0-9_-]{1,63}$/, message: '2–64 位小写字母、数字、-、_' },
          ]}
        >
          <Input maxLength={64} placeholder="例：refusal-notice" />
        </Form.Item>
        <Form.Item name="kind" label="类型">
          <Radio.Group
            options={[
              { value: 'html', label: 'HTML/Liquid（浏览器排版）' },
              { value: 'docx', label: 'Word 模板（.docx）' },
            ]}
          />
        </Form.Item>
        {kind === 'docx' && (
          <Form.Item label="Word 模板文件" required>
            <Space direction="vertical">
              <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>
                上传 .docx
              </Button>
              {docx && (
                <Typography.Text>
                  {docx.name}，占位符：{docx.fields.length ? docx.fields.join('、') : '无'}
                </Typography.Text>
              )}
              <input
                ref={input}
                type="file"
                hidden
                aria-label="Word 模板文件"
                accept=".docx"
                onChange={async (e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (!file) return;
                  try {
                    setDocx(await uploadDocxTemplate(file));
                  } catch (error) {
                    message.error(errorMessage(error));
                  }
                }}
              />
            </Space>
          </Form.Item>
        )}
        <Form.Item name="description" label="说明">
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function TemplateList({ caps }: { caps: Capabilities | null }) {
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [kind, setKind] = useState<TemplateKind | undefined>();
  const list = usePagedList<PdfTemplate>('/pdfgen/templates', { q, kind });
  const [editing, setEditing] = useState<string | null>(null);
  const [rendering, setRendering] = useState<PdfTemplate | null>(null);
  const [creating, setCreating] = useState(false);

  async function toggle(row: PdfTemplate) {
    try {
      await api.patch(`/pdfgen/templates/${row.id}`, { status: row.status === 'enabled' ? 'disabled' : 'enabled' });
      list.reload();
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

  async function remove(row: PdfTemplate) {
    try {
      await api.delete(`/pdfgen/templates/${row.id}`);
      message.success('已删除');
      list.reload();
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

  return (
    <>
      {caps && !caps.chromium && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          message="服务器未安装 Chromium，HTML 模板无法生成 PDF"
        />
      )}
      {caps && !caps.libreoffice && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          message="服务器未安装 LibreOffice，Word 模板无法生成 PDF"
        />
      )}
      <Space style={{ marginBottom: 12 }}>
        <Input.Search
          aria-label="搜索模板"
          placeholder="名称或编码"
          allowClear
          onSearch={setQ}
          style={{ width: 240 }}
        />
        <Select
          aria-label="类型"
          placeholder="全部类型"
          allowClear
          value={kind}
          onChange={setKind}
          style={{ width: 160 }}
          options={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))}
        />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          新建模板
        </Button>
      </Space>
      <Table<PdfTemplate>
        rowKey="id"
        aria-label="文书模板列表"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          {
            title: '名称',
            dataIndex: 'name',
            render: (name: string, row) => (
              <Space direction="vertical" size={0}>
                <Typography.Link onClick={() => setEditing(row.id)}>{name}</Typography.Link>
                {row.description && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {row.description}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: '编码',
            dataIndex: 'code',
            width: 180,
            render: (c: string) => <Typography.Text code>{c}</Typography.Text>,
          },
          { title: '类型', dataIndex: 'kind', width: 130, render: (k: TemplateKind) => <Tag>{KIND_LABELS[k]}</Tag> },
          { title: '版本', dataIndex: 'currentVersion', width: 80, render: (v: number) => `第 ${v} 版` },
          { title: '状态', dataIndex: 'status', width: 80, render: (s: string) => <StatusTag status={s} /> },
          { title: '更新时间', dataIndex: 'updatedAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 300,
            render: (_: unknown, row) => (
              <Space size={0}>
                <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(row.id)}>
                  编辑
                </Button>
                <Button
                  type="link"
                  size="small"
                  icon={<FilePdfOutlined />}
                  disabled={row.status !== 'enabled'}
                  onClick={() => setRendering(row)}
                >
                  生成 PDF
                </Button>
                <Button type="link" size="small" onClick={() => toggle(row)}>
                  {row.status === 'enabled' ? '停用' : '启用'}
                </Button>
                <Popconfirm
                  title={`删除模板「${row.name}」？`}
                  description="全部版本一并删除，调用该编码的业务系统将无法生成文书。"
                  onConfirm={() => remove(row)}
                >
                  <Button type="link" size="small" danger icon={<DeleteOutlined />}>
                    删除
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {creating && (
        <CreateModal
          onClose={(id) => {
            setCreating(false);
            if (id) {
              list.reload();
              setEditing(id);
            }
          }}
        />
      )}
      {editing && (
        <TemplateEditor
          id={editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) list.reload();
          }}
        />
      )}
      {rendering && <RenderModal template={rendering} onClose={() => setRendering(null)} />}
    </>
  );
}

/** 文书模板 (/seal/templates): templates with versions and preview, plus Word → PDF and images → PDF. */
export default function TemplatesPage() {
  const { data: caps } = useRemote<Capabilities | null>(() => api.get('/pdfgen/capabilities'), [], null);
  const [tab, setTab] = useState('templates');
  return (
    <PageCard title="文书模板">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'templates', label: '模板管理', children: <TemplateList caps={caps} /> },
          { key: 'word', label: 'Word 转 PDF', children: <WordToPdf caps={caps} /> },
          { key: 'images', label: '图片合并 PDF', children: <ImagesToPdf /> },
        ]}
      />
    </PageCard>
  );
}
