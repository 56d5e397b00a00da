/* 流程定义: deployed processes (latest version per key), their versions, start, open in the designer. */
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useFormSubmit } from '../../components/useFormSubmit';
import { WorkflowDiagram } from '../../components/workflow-diagram';
import { type DefinitionView, workflowApi } from './api';
import { usePermission } from './hooks';

export default function DefinitionsPage() {
  const navigate = useNavigate();
  const canDeploy = usePermission('workflow-definition:deploy');
  const [filters, setFilters] = useState<{ q?: string; category?: string }>({});
  const { data, loading, pagination } = usePagedList<DefinitionView>('/workflow/definitions', filters);
  const [starting, setStarting] = useState<DefinitionView | null>(null);
  const [viewing, setViewing] = useState<DefinitionView | null>(null);
  return (
    <PageCard
      title="流程定义"
      extra={
        canDeploy && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/workflow/definitions/new')}>
            新建流程
          </Button>
        )
      }
    >
      <Form layout="inline" style={{ marginBottom: 16 }} onFinish={(v) => setFilters(v)}>
        <Form.Item name="q">
          <Input.Search placeholder="流程名称或标识" allowClear onSearch={(q) => setFilters((f) => ({ ...f, q }))} />
        </Form.Item>
        <Form.Item name="category">
          <Input
            placeholder="分类"
            allowClear
            onPressEnter={(e) => setFilters((f) => ({ ...f, category: e.currentTarget.value }))}
          />
        </Form.Item>
      </Form>
      <Table<DefinitionView>
        rowKey="id"
        aria-label="流程定义"
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        locale={{ emptyText: '尚未部署流程，点击「新建流程」开始设计' }}
        expandable={{ expandedRowRender: (d) => <Versions definition={d} onView={setViewing} /> }}
        columns={[
          {
            title: '流程名称',
            dataIndex: 'name',
            render: (name, d) => <Link to={`/workflow/definitions/${encodeURIComponent(d.key)}`}>{name}</Link>,
          },
          { title: '标识', dataIndex: 'key', width: 180, render: (k) => <Typography.Text code>{k}</Typography.Text> },
          { title: '分类', dataIndex: 'category', width: 100, render: (c) => (c ? <Tag>{c}</Tag> : '—') },
          { title: '最新版本', dataIndex: 'version', width: 90, render: (v) => `第 ${v} 版` },
          { title: '运行中', dataIndex: 'runningInstances', width: 80, render: (n) => n ?? 0 },
          { title: '部署人', dataIndex: 'deployedByName', width: 110, render: (v) => v ?? '—' },
          { title: '部署时间', dataIndex: 'deployedAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 170,
            render: (_, d) => (
              <Space>
                <Button size="small" onClick={() => navigate(`/workflow/definitions/${encodeURIComponent(d.key)}`)}>
                  设计
                </Button>
                <Button size="small" type="primary" onClick={() => setStarting(d)}>
                  发起
                </Button>
              </Space>
            ),
          },
        ]}
      />
      {starting && <StartModal definition={starting} onClose={() => setStarting(null)} />}
      <Modal
        open={Boolean(viewing)}
        title={viewing ? `${viewing.name} · 第 ${viewing.version} 版` : ''}
        width={960}
        footer={null}
        onCancel={() => setViewing(null)}
        destroyOnHidden
      >
        {viewing && <VersionDiagram definition={viewing} />}
      </Modal>
    </PageCard>
  );
}

function Versions({ definition, onView }: { definition: DefinitionView; onView: (d: DefinitionView) => void }) {
  const { data, loading } = useRemote(
    async () => (await workflowApi.versions(definition.key)).items,
    [definition.key],
    [],
  );
  return (
    <Table<DefinitionView>
      rowKey="id"
      size="small"
      aria-label={`${definition.name}的版本`}
      loading={loading}
      dataSource={data}
      pagination={false}
      columns={[
        { title: '版本', dataIndex: 'version', width: 90, render: (v) => `第 ${v} 版` },
        { title: '部署人', dataIndex: 'deployedByName', render: (v) => v ?? '—' },
        { title: '部署时间', dataIndex: 'deployedAt', render: formatTime },
        { title: '运行中', dataIndex: 'runningInstances', render: (n) => n ?? '—' },
        {
          title: '操作',
          render: (_, v) => (
            <Space>
              <Typography.Link onClick={() => onView(v)}>查看</Typography.Link>
              <Typography.Link
                href={`/api/workflow/definitions/by-id/${v.id}/xml`}
                download={`${v.key}-v${v.version}.bpmn`}
              >
                下载 XML
              </Typography.Link>
            </Space>
          ),
        },
      ]}
    />
  );
}

function VersionDiagram({ definition }: { definition: DefinitionView }) {
  const { data } = useRemote(
    async () => (await workflowApi.definition(definition.key, definition.version)).xml,
    [definition.id],
    null as string | null,
  );
  return data ? <WorkflowDiagram xml={data} marks={{}} height={520} /> : null;
}

function StartModal({ definition, onClose }: { definition: DefinitionView; onClose: () => void }) {
  const [form] = Form.useForm<{ title: string; variables?: string }>();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { submit, submitting } = useFormSubmit(form, async (values) => {
    const variables = values.variables?.trim() ? JSON.parse(values.variables) : undefined;
    const instance = await workflowApi.start({ definitionKey: definition.key, title: values.title, variables });
    message.success('流程已发起');
    navigate(`/workflow/inbox/instances/${instance.id}`);
  });
  return (
    <Modal
      open
      title={`发起：${definition.name}`}
      okText="发起"
      cancelText="取消"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose()}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" initialValues={{ title: definition.name }}>
        <Form.Item name="title" label="标题" rules={[{ required: true, message: '请填写标题' }, { max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="variables"
          label="流程变量（JSON，可选）"
          rules={[
            {
              validator: async (_, value: string | undefined) => {
                if (!value?.trim()) return;
                const parsed = JSON.parse(value);
                if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
              },
              message: '请填写 JSON 对象，如 {"amount": 1200}',
            },
          ]}
        >
          <Input.TextArea rows={3} placeholder='{"amount": 1200}' />
        </Form.Item>
      </Form>
    </Modal>
  );
}
