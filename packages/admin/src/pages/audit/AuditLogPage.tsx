import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, DatePicker, Form, Input, Select, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, type Query } from '../../api/client';
import { usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { rangeQuery } from '../security/LoginLogPage';

interface AuditEntry {
  seq: number;
  at: string;
  actorName?: string | null;
  actorId?: string | null;
  action: string;
  resource: string;
  resourceId?: string | null;
  summary: string;
  detail?: unknown;
  ip?: string | null;
  hash?: string;
}

interface VerifyResult {
  ok: boolean;
  checked: number;
  brokenAt?: number | null;
  reason?: string;
}

const ACTIONS: Record<string, { label: string; color: string }> = {
  create: { label: '新增', color: 'green' },
  update: { label: '修改', color: 'blue' },
  delete: { label: '删除', color: 'red' },
  move: { label: '移动', color: 'cyan' },
  enable: { label: '启用', color: 'green' },
  disable: { label: '停用', color: 'orange' },
  grant: { label: '授权', color: 'purple' },
  login: { label: '登录', color: 'default' },
  logout: { label: '退出', color: 'default' },
};

/** The hash chain check tells the 审计管理员 whether any entry was altered or removed since it was written. */
function ChainStatus() {
  const verify = useRemote(() => api.get<VerifyResult>('/audit/verify'), [], null as VerifyResult | null);
  const again = (
    <Button size="small" icon={<ReloadOutlined />} loading={verify.loading} onClick={verify.reload}>
      重新校验
    </Button>
  );
  if (!verify.data) return <Alert type="info" showIcon style={{ marginBottom: 16 }} title="正在校验操作日志完整性…" />;
  const { ok, checked, brokenAt, reason } = verify.data;
  return ok ? (
    <Alert
      data-testid="audit-verify"
      type="success"
      showIcon
      style={{ marginBottom: 16 }}
      title={`日志完整性校验通过：已校验 ${checked} 条记录，SM3 哈希链未发现篡改。`}
      action={again}
    />
  ) : (
    <Alert
      data-testid="audit-verify"
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      title="日志完整性校验未通过"
      description={`哈希链在第 ${brokenAt ?? '?'} 条记录处断开${reason ? `（${reason}）` : ''}，已校验 ${checked} 条。该记录或其之前的记录可能被篡改或删除，请立即上报并保全数据库。`}
      action={again}
    />
  );
}

interface Filters {
  q?: string;
  action?: string;
  resource?: string;
  range?: [Dayjs, Dayjs] | null;
}

export default function AuditLogPage() {
  const [filters, setFilters] = useState<Query>({});
  const list = usePagedList<AuditEntry>('/audit', filters);
  return (
    <PageCard title="操作日志">
      <ChainStatus />
      <Form
        layout="inline"
        style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v: Filters) =>
          setFilters({ q: v.q?.trim(), action: v.action, resource: v.resource?.trim(), ...rangeQuery(v.range) })
        }
      >
        <Form.Item name="q">
          <Input placeholder="操作人 / 摘要" allowClear style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="action">
          <Select
            placeholder="操作类型"
            allowClear
            style={{ width: 120 }}
            options={Object.entries(ACTIONS).map(([value, a]) => ({ value, label: a.label }))}
          />
        </Form.Item>
        <Form.Item name="resource">
          <Input placeholder="对象类型，如 user" allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="range">
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit">
            查询
          </Button>
        </Form.Item>
      </Form>
      <Table
        rowKey="seq"
        size="middle"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        expandable={{
          rowExpandable: (e) => e.detail !== undefined && e.detail !== null,
          expandedRowRender: (e) => (
            <pre style={{ margin: 0, maxHeight: 320, overflow: 'auto', fontSize: 12 }}>
              {JSON.stringify(e.detail, null, 2)}
            </pre>
          ),
        }}
        columns={[
          { title: '序号', dataIndex: 'seq', width: 80 },
          { title: '时间', dataIndex: 'at', width: 180, render: formatTime },
          { title: '操作人', dataIndex: 'actorName', width: 120, render: (n?: string | null) => n ?? '系统' },
          {
            title: '操作',
            dataIndex: 'action',
            width: 90,
            render: (a: string) => <Tag color={ACTIONS[a]?.color}>{ACTIONS[a]?.label ?? a}</Tag>,
          },
          { title: '对象', dataIndex: 'resource', width: 130 },
          { title: '摘要', dataIndex: 'summary', ellipsis: true },
          { title: 'IP 地址', dataIndex: 'ip', width: 130, render: (ip?: string | null) => ip ?? '—' },
          {
            title: '哈希',
            dataIndex: 'hash',
            width: 120,
            render: (h?: string) =>
              h ? (
                <Typography.Text code title={h}>
                  {h.slice(0, 8)}…
                </Typography.Text>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </PageCard>
  );
}
