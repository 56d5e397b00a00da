/*
 * 用章申请 (docs/decisions/0003, "用章审批"): a user asks to use a seal that requires approval; the
 * 用章审批人 decides in 流程中心 → 我的任务, and an approval grants the use with the asked limits.
 */
import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Modal, Popconfirm, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import type { RequestableSeal, RequestState, SealUseRequest } from './api';
import { formatValidity } from './labels';
import { UseLimitFields } from './UseLimitFields';

const STATE_COLORS: Record<RequestState, string> = {
  pending: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
  cancelled: 'default',
};

const STATE_OPTIONS: { value: RequestState; label: string }[] = [
  { value: 'pending', label: '待审批' },
  { value: 'approved', label: '已批准' },
  { value: 'rejected', label: '未批准' },
  { value: 'withdrawn', label: '已撤回' },
  { value: 'cancelled', label: '已终止' },
];

export function RequestStateTag({ request }: { request: Pick<SealUseRequest, 'state' | 'stateName'> }) {
  return <Tag color={STATE_COLORS[request.state]}>{request.stateName}</Tag>;
}

/**
 * The list of requests: `mine` shows the caller's own (with 申请用章 and 撤回), otherwise every
 * request (holders of seal:read).
 */
export function SealRequestsPanel({ mine }: { mine: boolean }) {
  const action = useAction();
  const [state, setState] = useState<RequestState | undefined>();
  const list = usePagedList<SealUseRequest>('/seal/requests', { mine: mine ? '1' : undefined, state });
  const [applying, setApplying] = useState(false);
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Space wrap>
        <Select
          aria-label="申请状态"
          allowClear
          placeholder="全部状态"
          style={{ width: 120 }}
          options={STATE_OPTIONS}
          onChange={setState}
        />
        {mine && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setApplying(true)}>
            申请用章
          </Button>
        )}
      </Space>
      <Table<SealUseRequest>
        rowKey="id"
        aria-label={mine ? '我的用章申请' : '用章申请列表'}
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          {
            title: '印章',
            render: (_, r) => (
              <span>
                {r.sealName}
                <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                  {r.sealTypeName}
                </Typography.Text>
              </span>
            ),
          },
          ...(mine
            ? []
            : [
                {
                  title: '申请人',
                  render: (_: unknown, r: SealUseRequest) => (
                    <span>
                      {r.applicantName}
                      <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                        {r.applicantOrgName ?? ''}
                      </Typography.Text>
                    </span>
                  ),
                },
              ]),
          { title: '用章事由', dataIndex: 'reason', ellipsis: true },
          {
            title: '次数',
            width: 110,
            render: (_, r) =>
              r.countLimit == null
                ? '不限次数'
                : r.usedCount == null
                  ? `${r.countLimit} 次`
                  : `已用 ${r.usedCount} / ${r.countLimit}`,
          },
          { title: '用章期限', width: 200, render: (_, r) => formatValidity(r.validFrom, r.validTo) },
          {
            title: '状态',
            width: 110,
            render: (_, r) => (
              <Space size={4} wrap>
                <RequestStateTag request={r} />
                {r.authorizationRevoked && <Tag>授权已撤销</Tag>}
              </Space>
            ),
          },
          {
            title: '审批',
            width: 200,
            render: (_, r) =>
              r.decidedByName ? (
                <span>
                  {r.decidedByName}
                  {r.opinion && (
                    <Typography.Text style={{ display: 'block', fontSize: 12 }}>意见：{r.opinion}</Typography.Text>
                  )}
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {formatTime(r.decidedAt)}
                  </Typography.Text>
                </span>
              ) : (
                '—'
              ),
          },
          { title: '申请时间', width: 160, render: (_, r) => formatTime(r.createdAt) },
          {
            title: '操作',
            width: 130,
            render: (_, r) => (
              <Space size={0}>
                {r.workflowInstanceId && <Link to={`/workflow/instances/${r.workflowInstanceId}`}>审批进度</Link>}
                {mine && r.state === 'pending' && (
                  <Popconfirm
                    title="撤回该用章申请？"
                    okText="撤回"
                    onConfirm={async () => {
                      if (await action(() => api.post(`/seal/requests/${r.id}/withdraw`, {}), '已撤回')) list.reload();
                    }}
                  >
                    <Button type="link" size="small">
                      撤回
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {applying && (
        <RequestModal
          onClose={(saved) => {
            setApplying(false);
            if (saved) list.reload();
          }}
        />
      )}
    </Space>
  );
}

interface RequestValues {
  sealId: string;
  reason: string;
  limited: boolean;
  countLimit?: number | null;
  validity?: [Dayjs | null, Dayjs | null] | null;
}

function RequestModal({ onClose }: { onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<RequestValues>();
  const limited = Form.useWatch('limited', form);
  const seals = useRemote(
    async () => asItems(await api.get<{ items: RequestableSeal[] }>('/seal/requestable-seals')),
    [],
    [] as RequestableSeal[],
  );
  const { submit, submitting } = useFormSubmit(
    form,
    (v) =>
      api.post('/seal/requests', {
        sealId: v.sealId,
        reason: v.reason.trim(),
        ...(v.limited && v.countLimit ? { countLimit: v.countLimit } : {}),
        ...(v.validity?.[0] ? { validFrom: v.validity[0].startOf('day').toISOString() } : {}),
        ...(v.validity?.[1] ? { validTo: v.validity[1].endOf('day').toISOString() } : {}),
      }),
    '用章申请已提交，等待审批',
  );
  return (
    <Modal
      open
      title="申请用章"
      okText="提交申请"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={600}
    >
      {!seals.loading && seals.data.length === 0 && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title="目前没有需要审批的印章；其他印章由管理员直接授权"
        />
      )}
      <Form form={form} layout="vertical" initialValues={{ limited: true, countLimit: 1 }} requiredMark="optional">
        <Form.Item name="sealId" label="印章" rules={[{ required: true, message: '请选择印章' }]}>
          <Select
            showSearch
            optionFilterProp="label"
            loading={seals.loading}
            placeholder="选择需要使用的印章"
            options={seals.data.map((s) => ({
              value: s.id,
              label: `${s.name}（${s.typeName}${s.orgName ? `，${s.orgName}` : ''}）`,
            }))}
          />
        </Form.Item>
        <Form.Item
          name="reason"
          label="用章事由"
          rules={[{ required: true, whitespace: true, message: '请填写用章事由' }]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount placeholder="如：印发《关于……的通知》" />
        </Form.Item>
        <UseLimitFields
          limited={limited}
          countName="countLimit"
          countLabel="申请次数"
          maxCount={10_000}
          validityLabel="用章期限"
          validityExtra="不填表示批准后长期有效"
        />
      </Form>
    </Modal>
  );
}

/** 用章申请 menu page: one's own requests; holders of seal:read also see all of them. */
export default function RequestsPage() {
  const can = useCan();
  return (
    <PageCard title="用章申请">
      {can('seal:read') ? (
        <Tabs
          items={[
            { key: 'mine', label: '我的用章申请', children: <SealRequestsPanel mine /> },
            { key: 'all', label: '全部用章申请', children: <SealRequestsPanel mine={false} /> },
          ]}
        />
      ) : (
        <SealRequestsPanel mine />
      )}
    </PageCard>
  );
}
