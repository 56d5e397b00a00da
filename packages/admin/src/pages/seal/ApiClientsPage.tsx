import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { api } from '../../api/client';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import type { ApiClient } from './api';

interface Scope {
  code: string;
  name: string;
}

function useScopes() {
  return useRemote(async () => asItems(await api.get<{ items: Scope[] }>('/gateway/scopes')), [], [] as Scope[]);
}

/** 接口客户端: systems that call the signing API with a key; the key is shown once, then only its prefix. */
export default function ApiClientsPage() {
  const action = useAction();
  const { modal } = App.useApp();
  const [q, setQ] = useState<string>();
  const list = usePagedList<ApiClient>('/gateway/clients', { q });
  const scopes = useScopes();
  const scopeName = (code: string) => scopes.data.find((s) => s.code === code)?.name ?? code;
  const [editing, setEditing] = useState<ApiClient | 'new' | null>(null);
  const [issued, setIssued] = useState<{ client: ApiClient; key: string } | null>(null);

  const rotate = (c: ApiClient) =>
    modal.confirm({
      title: `重新生成「${c.name}」的密钥？`,
      content: '旧密钥立即失效，调用方需要换用新密钥。',
      okText: '重新生成',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          setIssued(await api.post<{ client: ApiClient; key: string }>(`/gateway/clients/${c.id}/rotate`));
        } finally {
          list.reload();
        }
      },
    });

  const revoke = (c: ApiClient) =>
    modal.confirm({
      title: `吊销「${c.name}」？`,
      content: '吊销后该客户端的密钥立即失效且不能恢复；如需继续使用请新建客户端。',
      okText: '吊销',
      okButtonProps: { danger: true },
      onOk: async () => {
        if (await action(() => api.post(`/gateway/clients/${c.id}/revoke`), '已吊销')) list.reload();
      },
    });

  return (
    <PageCard
      title="接口客户端"
      extra={
        <>
          <Input.Search
            placeholder="客户端名称"
            allowClear
            onSearch={(v) => setQ(v || undefined)}
            style={{ width: 200 }}
          />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            新建客户端
          </Button>
        </>
      }
    >
      <Typography.Paragraph type="secondary">
        其他业务系统调用签章接口时在请求头携带 <Typography.Text code>Authorization: Bearer 密钥</Typography.Text>
        。客户端还需在「用章授权」中获得印章授权才能使用该印章。
      </Typography.Paragraph>
      <Table<ApiClient>
        rowKey="id"
        aria-label="接口客户端列表"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          {
            title: '名称',
            dataIndex: 'name',
            render: (name: string, c) => (
              <span>
                {name}
                {c.description && (
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {c.description}
                  </Typography.Text>
                )}
              </span>
            ),
          },
          {
            title: '密钥前缀',
            dataIndex: 'keyPrefix',
            width: 150,
            render: (p: string) => <Typography.Text code>{`jy_${p}_…`}</Typography.Text>,
          },
          {
            title: '权限范围',
            dataIndex: 'scopes',
            render: (list: string[]) => list.map((s) => <Tag key={s}>{scopeName(s)}</Tag>),
          },
          {
            title: '状态',
            dataIndex: 'status',
            width: 90,
            render: (s: ApiClient['status']) =>
              s === 'active' ? <Tag color="success">启用</Tag> : <Tag color="error">已吊销</Tag>,
          },
          {
            title: '最近调用',
            width: 190,
            render: (_, c) =>
              c.lastUsedAt ? (
                <span>
                  {formatTime(c.lastUsedAt)}
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {c.lastUsedIp ?? ''}
                  </Typography.Text>
                </span>
              ) : (
                '从未调用'
              ),
          },
          { title: '创建时间', dataIndex: 'createdAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 200,
            render: (_, c) =>
              c.status === 'active' && (
                <Space size={0}>
                  <Button type="link" size="small" onClick={() => setEditing(c)}>
                    编辑
                  </Button>
                  <Button type="link" size="small" onClick={() => rotate(c)}>
                    重新生成密钥
                  </Button>
                  <Button type="link" size="small" danger onClick={() => revoke(c)}>
                    吊销
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      {editing && (
        <ClientModal
          client={editing === 'new' ? null : editing}
          scopes={scopes.data}
          onClose={(result) => {
            setEditing(null);
            if (result && 'key' in result) setIssued(result);
            if (result) list.reload();
          }}
        />
      )}
      {issued && <KeyModal issued={issued} onClose={() => setIssued(null)} />}
    </PageCard>
  );
}

interface ClientValues {
  name: string;
  description?: string;
  scopes: string[];
}

type Saved = { client: ApiClient; key: string } | ApiClient;

function ClientModal({
  client,
  scopes,
  onClose,
}: {
  client: ApiClient | null;
  scopes: Scope[];
  onClose: (result: Saved | null) => void;
}) {
  const [form] = Form.useForm<ClientValues>();
  const saved = useRef<Saved | null>(null);
  const { submit, submitting } = useFormSubmit(form, async (v) => {
    const body = { name: v.name.trim(), description: v.description?.trim() || undefined, scopes: v.scopes };
    saved.current = client
      ? await api.patch<ApiClient>(`/gateway/clients/${client.id}`, body)
      : await api.post<{ client: ApiClient; key: string }>('/gateway/clients', body);
  });
  return (
    <Modal
      open
      title={client ? `编辑客户端：${client.name}` : '新建接口客户端'}
      okText="保存"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(saved.current)}
      onCancel={() => onClose(null)}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={client ?? { scopes: scopes.some((s) => s.code === 'seal:sign') ? ['seal:sign'] : [] }}
      >
        <Form.Item name="name" label="名称" rules={[{ required: true, whitespace: true, message: '请输入名称' }]}>
          <Input maxLength={100} placeholder="如：一件事一次办系统" />
        </Form.Item>
        <Form.Item name="description" label="说明">
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Form.Item name="scopes" label="权限范围" rules={[{ required: true, message: '请至少选择一项' }]}>
          <Checkbox.Group options={scopes.map((s) => ({ value: s.code, label: `${s.name}（${s.code}）` }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The only moment the key is visible: copy it now, it cannot be shown again. */
function KeyModal({ issued, onClose }: { issued: { client: ApiClient; key: string }; onClose: () => void }) {
  return (
    <Modal
      open
      title={`「${issued.client.name}」的接口密钥`}
      okText="我已妥善保存"
      cancelButtonProps={{ style: { display: 'none' } }}
      onOk={onClose}
      onCancel={onClose}
      maskClosable={false}
    >
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 12 }}
        title="密钥只显示这一次"
        description="平台只保存密钥的摘要，关闭后无法再次查看。如遗失，请重新生成密钥。"
      />
      <Typography.Paragraph copyable={{ text: issued.key }} data-testid="api-key">
        <Typography.Text code style={{ wordBreak: 'break-all' }}>
          {issued.key}
        </Typography.Text>
      </Typography.Paragraph>
    </Modal>
  );
}
