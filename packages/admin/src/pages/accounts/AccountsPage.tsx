import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Descriptions, Form, Input, Popconfirm, Select, Space, Table, Tabs } from 'antd';
import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { usePagedList } from '../../components/data';
import { FormModal } from '../../components/FormModal';
import { formatTime, PageCard, StatusTag, statusOptions } from '../../components/ui';
import { useAction } from '../../components/useFormSubmit';

type Kind = 'person' | 'legalEntity';

/** 注册用户: citizens (自然人) and companies (法人) who use the public service portal. */
interface Account {
  id: string;
  kind: Kind;
  name: string;
  idNumber: string;
  legalRepresentative?: string | null;
  phone: string;
  status: 'enabled' | 'disabled';
  createdAt?: string;
  /** false when the viewer holds account:reveal and sees the full values. */
  masked?: boolean;
}

const ID_LABEL: Record<Kind, string> = { person: '身份证号', legalEntity: '统一社会信用代码' };

export default function AccountsPage() {
  const can = useCan();
  const action = useAction();
  const { modal } = App.useApp();
  const [kind, setKind] = useState<Kind>('person');
  const [filters, setFilters] = useState<{ q?: string; status?: string }>({});
  const list = usePagedList<Account>('/identity/accounts', { ...filters, kind });
  const [creating, setCreating] = useState(false);
  const canWrite = can('account:manage');

  const show = async (a: Account) => {
    try {
      const full = await api.get<Account>(`/identity/accounts/${a.id}`);
      modal.info({
        title: full.name,
        width: 520,
        content: (
          <Descriptions column={1} size="small" style={{ marginTop: 12 }}>
            <Descriptions.Item label="类型">{full.kind === 'person' ? '自然人' : '法人'}</Descriptions.Item>
            <Descriptions.Item label={ID_LABEL[full.kind]}>{full.idNumber}</Descriptions.Item>
            {full.kind === 'legalEntity' && (
              <Descriptions.Item label="法定代表人">{full.legalRepresentative ?? '—'}</Descriptions.Item>
            )}
            <Descriptions.Item label="手机号">{full.phone}</Descriptions.Item>
            <Descriptions.Item label="状态">
              <StatusTag status={full.status} />
            </Descriptions.Item>
            <Descriptions.Item label="注册时间">{formatTime(full.createdAt)}</Descriptions.Item>
          </Descriptions>
        ),
      });
    } catch (error) {
      modal.error({ title: '无法查看', content: error instanceof Error ? error.message : String(error) });
    }
  };

  const toggle = async (a: Account) => {
    const verb = a.status === 'enabled' ? 'disable' : 'enable';
    if (await action(() => api.post(`/identity/accounts/${a.id}/${verb}`), verb === 'disable' ? '已停用' : '已启用'))
      list.reload();
  };

  return (
    <PageCard
      title="注册用户"
      extra={
        canWrite && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            新增注册用户
          </Button>
        )
      }
    >
      <Tabs
        activeKey={kind}
        onChange={(k) => setKind(k as Kind)}
        items={[
          { key: 'person', label: '自然人' },
          { key: 'legalEntity', label: '法人' },
        ]}
      />
      <Form
        layout="inline"
        style={{ marginBottom: 16 }}
        onFinish={(v: { q?: string; status?: string }) => setFilters({ q: v.q?.trim(), status: v.status })}
      >
        <Form.Item name="q">
          <Input placeholder="名称 / 证件号 / 手机号" allowClear style={{ width: 240 }} />
        </Form.Item>
        <Form.Item name="status">
          <Select placeholder="状态" allowClear style={{ width: 120 }} options={statusOptions} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit">
            查询
          </Button>
        </Form.Item>
      </Form>
      <Table
        rowKey="id"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          { title: kind === 'person' ? '姓名' : '单位名称', dataIndex: 'name' },
          { title: ID_LABEL[kind], dataIndex: 'idNumber', width: 220 },
          ...(kind === 'legalEntity' ? [{ title: '法定代表人', dataIndex: 'legalRepresentative', width: 120 }] : []),
          { title: '手机号', dataIndex: 'phone', width: 140 },
          { title: '状态', dataIndex: 'status', width: 90, render: (s: string) => <StatusTag status={s} /> },
          { title: '注册时间', dataIndex: 'createdAt', width: 180, render: formatTime },
          {
            title: '操作',
            key: 'op',
            width: 140,
            render: (_: unknown, a: Account) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => show(a)}>
                  查看
                </Button>
                {canWrite && (
                  <Popconfirm
                    title={a.status === 'enabled' ? '停用后该用户不能登录办事门户，确定停用？' : '确定启用？'}
                    onConfirm={() => toggle(a)}
                  >
                    <Button type="link" size="small">
                      {a.status === 'enabled' ? '停用' : '启用'}
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      <CreateAccountModal
        open={creating}
        kind={kind}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          list.reload();
        }}
      />
    </PageCard>
  );
}

interface AccountValues {
  kind: Kind;
  name: string;
  idNumber: string;
  legalRepresentative?: string;
  phone: string;
}

function CreateAccountModal({
  open,
  kind,
  onClose,
  onCreated,
}: {
  open: boolean;
  kind: Kind;
  onClose(): void;
  onCreated(): void;
}) {
  const [form] = Form.useForm<AccountValues>();
  const chosen: Kind = Form.useWatch('kind', form) ?? kind;
  const save = useCallback(
    async (values: AccountValues) => {
      await api.post('/identity/accounts', {
        ...values,
        legalRepresentative: values.kind === 'legalEntity' ? values.legalRepresentative : undefined,
      });
      onCreated();
    },
    [onCreated],
  );
  return (
    <FormModal
      title="新增注册用户"
      open={open}
      onClose={onClose}
      form={form}
      save={save}
      success="注册用户已创建"
      initialValues={{ kind }}
    >
      <Form.Item name="kind" label="类型">
        <Select
          options={[
            { value: 'person', label: '自然人' },
            { value: 'legalEntity', label: '法人' },
          ]}
        />
      </Form.Item>
      <Form.Item
        name="name"
        label={chosen === 'person' ? '姓名' : '单位名称'}
        rules={[{ required: true, message: '请输入名称' }]}
      >
        <Input />
      </Form.Item>
      <Form.Item
        name="idNumber"
        label={ID_LABEL[chosen]}
        rules={[
          { required: true, message: `请输入${ID_LABEL[chosen]}` },
          chosen === 'person'
            ? { pattern: /^\d{17}[\dX]$/, message: '身份证号为 18 位，末位可为 X' }
            : { pattern: /^[0-9A-Z]{18}$/, message: '统一社会信用代码为 18 位数字或大写字母' },
        ]}
      >
        <Input maxLength={18} />
      </Form.Item>
      {chosen === 'legalEntity' && (
        <Form.Item
          name="legalRepresentative"
          label="法定代表人"
          rules={[{ required: true, message: '请输入法定代表人' }]}
        >
          <Input />
        </Form.Item>
      )}
      <Form.Item
        name="phone"
        label="手机号"
        rules={[
          { required: true, message: '请输入手机号' },
          { pattern: /^1[3-9]\d{9}$/, message: '请输入 11 位手机号' },
        ]}
      >
        <Input maxLength={11} />
      </Form.Item>
    </FormModal>
  );
}
