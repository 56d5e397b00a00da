import { PlusOutlined } from '@ant-design/icons';
import {
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
  TreeSelect,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { fetchOrgTree, orgOptions } from '../../components/orgs';
import { formatTime, PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import type { ApiClient, Authorization, Seal, SubjectType } from './api';
import { AuthorizationStatusTag, authorizationStatusOptions, formatValidity, SUBJECT_TYPES } from './labels';
import { SealRequestsPanel } from './RequestsPage';
import { UseLimitFields } from './UseLimitFields';

interface Filters {
  sealId?: string;
  subjectType?: SubjectType;
  status?: string;
}

/** Seals for pickers: the first 100 by name is what a city's seal list holds. */
function useSealOptions() {
  const { data } = useRemote(
    async () => asItems(await api.get<{ items: Seal[] }>('/seal/seals', { pageSize: 100 })),
    [],
    [] as Seal[],
  );
  return data;
}

/** 用章授权: who may use which seal, with optional count and time limits. */
export default function AuthorizationsPage() {
  const can = useCan();
  const action = useAction();
  const manage = can('seal-authorization:manage');
  const [params, setParams] = useSearchParams();
  const [filters, setFilters] = useState<Filters>({ sealId: params.get('sealId') ?? undefined });
  const list = usePagedList<Authorization>('/seal/authorizations', { ...filters });
  const seals = useSealOptions();
  const [creating, setCreating] = useState(false);
  const [tab, setTab] = useState(params.get('tab') ?? 'grants');

  const setSeal = (sealId?: string) => {
    setFilters((f) => ({ ...f, sealId }));
    setParams(sealId ? { sealId } : {}, { replace: true });
  };

  return (
    <PageCard
      title="用章授权"
      extra={
        tab === 'grants' && (
          <>
            <Select
              aria-label="印章"
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder="全部印章"
              style={{ width: 240 }}
              value={filters.sealId}
              options={seals.map((s) => ({ value: s.id, label: s.name }))}
              onChange={setSeal}
            />
            <Select
              aria-label="授权对象类型"
              allowClear
              placeholder="对象类型"
              style={{ width: 120 }}
              options={Object.entries(SUBJECT_TYPES).map(([value, label]) => ({ value, label }))}
              onChange={(subjectType) => setFilters((f) => ({ ...f, subjectType }))}
            />
            <Select
              aria-label="授权状态"
              allowClear
              placeholder="授权状态"
              style={{ width: 120 }}
              options={authorizationStatusOptions}
              onChange={(status) => setFilters((f) => ({ ...f, status }))}
            />
            {manage && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
                新增授权
              </Button>
            )}
          </>
        )
      }
    >
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'grants', label: '授权列表' },
          { key: 'mine', label: '我的用章申请' },
          { key: 'requests', label: '全部用章申请' },
        ]}
      />
      {tab === 'mine' && <SealRequestsPanel mine />}
      {tab === 'requests' && <SealRequestsPanel mine={false} />}
      {tab === 'grants' && (
        <Table<Authorization>
          rowKey="id"
          aria-label="授权列表"
          loading={list.loading}
          dataSource={list.data.items}
          pagination={list.pagination}
          columns={[
            { title: '印章', dataIndex: 'sealName' },
            {
              title: '授权对象',
              render: (_, a) => (
                <Space size={4}>
                  <Tag>{SUBJECT_TYPES[a.subjectType] ?? a.subjectType}</Tag>
                  {a.subjectName}
                  {a.requestId && <Tag color="purple">经用章审批</Tag>}
                </Space>
              ),
            },
            {
              title: '使用次数',
              width: 150,
              render: (_, a) =>
                a.maxUses == null ? (
                  <span>已用 {a.usedCount}（不限次数）</span>
                ) : (
                  <span>
                    已用 {a.usedCount} / {a.maxUses}
                    <Typography.Text type={a.remaining ? undefined : 'danger'} style={{ display: 'block' }}>
                      剩余 {a.remaining ?? 0} 次
                    </Typography.Text>
                  </span>
                ),
            },
            { title: '有效期', width: 210, render: (_, a) => formatValidity(a.validFrom, a.validTo) },
            {
              title: '状态',
              dataIndex: 'status',
              width: 110,
              render: (s: Authorization['status']) => <AuthorizationStatusTag status={s} />,
            },
            { title: '备注', dataIndex: 'note', render: (v) => v || '—' },
            {
              title: '授权',
              width: 180,
              render: (_, a) => (
                <span>
                  {a.createdByName ?? '—'}
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {formatTime(a.createdAt)}
                  </Typography.Text>
                </span>
              ),
            },
            {
              title: '操作',
              width: 90,
              render: (_, a) =>
                manage &&
                a.status !== 'revoked' && (
                  <Popconfirm
                    title="撤销该授权？"
                    description={`「${a.subjectName}」将立即不能再使用「${a.sealName}」。`}
                    okText="撤销"
                    okButtonProps={{ danger: true }}
                    onConfirm={async () => {
                      if (await action(() => api.delete(`/seal/authorizations/${a.id}`), '授权已撤销')) list.reload();
                    }}
                  >
                    <Button type="link" size="small" danger>
                      撤销
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      )}
      {creating && (
        <AuthorizationModal
          seals={seals}
          sealId={filters.sealId}
          onClose={(saved) => {
            setCreating(false);
            if (saved) list.reload();
          }}
        />
      )}
    </PageCard>
  );
}

interface AuthorizationValues {
  sealId: string;
  subjectType: SubjectType;
  subjectId: string;
  limited: boolean;
  maxUses?: number | null;
  validity?: [Dayjs | null, Dayjs | null] | null;
  note?: string;
}

function AuthorizationModal({
  seals,
  sealId,
  onClose,
}: {
  seals: Seal[];
  sealId?: string;
  onClose: (saved: boolean) => void;
}) {
  const can = useCan();
  const [form] = Form.useForm<AuthorizationValues>();
  const subjectType = Form.useWatch('subjectType', form) ?? 'user';
  const limited = Form.useWatch('limited', form);
  const { submit, submitting } = useFormSubmit(
    form,
    (v) =>
      api.post('/seal/authorizations', {
        sealId: v.sealId,
        subjectType: v.subjectType,
        subjectId: v.subjectId,
        ...(v.limited && v.maxUses ? { maxUses: v.maxUses } : {}),
        ...(v.validity?.[0] ? { validFrom: v.validity[0].startOf('day').toISOString() } : {}),
        ...(v.validity?.[1] ? { validTo: v.validity[1].endOf('day').toISOString() } : {}),
        ...(v.note?.trim() ? { note: v.note.trim() } : {}),
      }),
    '已授权',
  );
  // A new kind of subject needs a new choice.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the kind changes
  useEffect(() => form.setFieldValue('subjectId', undefined), [subjectType]);
  const subjectTypes = (Object.keys(SUBJECT_TYPES) as SubjectType[]).filter(
    (t) => t !== 'client' || can('api-client:manage'),
  );
  return (
    <Modal
      open
      title="新增用章授权"
      okText="授权"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={600}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ sealId, subjectType: 'user', limited: false }}
        requiredMark="optional"
      >
        <Form.Item name="sealId" label="印章" rules={[{ required: true, message: '请选择印章' }]}>
          <Select
            showSearch
            optionFilterProp="label"
            options={seals
              .filter((s) => s.status !== 'retired')
              .map((s) => ({
                value: s.id,
                // Seals that require approval are granted only through 用章申请 (server: 409 seal_requires_approval).
                disabled: s.requiresApproval,
                label: `${s.name}（${s.typeName}${s.status === 'disabled' ? '，已停用' : ''}${
                  s.requiresApproval ? '，须经用章审批' : ''
                }）`,
              }))}
          />
        </Form.Item>
        <Form.Item name="subjectType" label="授权给">
          <Radio.Group optionType="button" options={subjectTypes.map((t) => ({ value: t, label: SUBJECT_TYPES[t] }))} />
        </Form.Item>
        <Form.Item
          name="subjectId"
          label={`选择${SUBJECT_TYPES[subjectType]}`}
          rules={[{ required: true, message: `请选择${SUBJECT_TYPES[subjectType]}` }]}
          extra={subjectType === 'org' ? '该部门及其下级部门的所有用户都可使用' : undefined}
        >
          {subjectType === 'user' ? <UserSelect /> : subjectType === 'org' ? <OrgSelect /> : <ClientSelect />}
        </Form.Item>
        <UseLimitFields
          limited={limited}
          countName="maxUses"
          countLabel="最多可用次数"
          maxCount={1_000_000}
          validityLabel="授权期限"
          validityExtra="不填表示长期有效"
        />
        <Form.Item name="note" label="备注">
          <Input.TextArea rows={2} maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface UserItem {
  id: string;
  username: string;
  displayName?: string;
  name?: string;
  orgName?: string | null;
}

/** Searches users by name or account as the administrator types. */
function UserSelect(props: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const [q, setQ] = useState('');
  const { data, loading } = useRemote(
    async () => asItems(await api.get<{ items: UserItem[] }>('/identity/users', { q: q || undefined, pageSize: 20 })),
    [q],
    [] as UserItem[],
  );
  return (
    <Select
      {...props}
      showSearch
      filterOption={false}
      onSearch={setQ}
      loading={loading}
      placeholder="输入姓名或账号搜索"
      options={data.map((u) => ({
        value: u.id,
        label: `${u.displayName || u.name || u.username}（${u.username}${u.orgName ? `，${u.orgName}` : ''}）`,
      }))}
    />
  );
}

function OrgSelect(props: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const { data } = useRemote(fetchOrgTree, [], []);
  return (
    <TreeSelect {...props} showSearch treeNodeFilterProp="title" treeData={orgOptions(data)} placeholder="选择部门" />
  );
}

function ClientSelect(props: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const { data } = useRemote(
    async () => asItems(await api.get<{ items: ApiClient[] }>('/gateway/clients', { pageSize: 100 })),
    [],
    [] as ApiClient[],
  );
  return (
    <Select
      {...props}
      showSearch
      optionFilterProp="label"
      placeholder="选择接口客户端"
      options={data.filter((c) => c.status === 'active').map((c) => ({ value: c.id, label: c.name }))}
    />
  );
}
