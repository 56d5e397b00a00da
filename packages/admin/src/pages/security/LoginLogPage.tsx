import { Button, DatePicker, Form, Input, Select, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import type { Query } from '../../api/client';
import { usePagedList } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';

interface LoginLogEntry {
  id: string | number;
  username: string;
  success: boolean;
  reason?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  at: string;
}

/** Reasons the identity module records for refused logins, shown in Chinese. */
const REASONS: Record<string, string> = {
  invalid_credentials: '账号或口令错误',
  account_locked: '账号已锁定',
  account_disabled: '账号已停用',
  captcha_required: '未填写验证码',
  captcha_invalid: '验证码错误',
  otp_required: '未填写动态码',
  otp_invalid: '动态码错误',
  otp_enrolment_required: '需绑定双因素认证',
  rate_limited: '请求过于频繁',
  logout: '退出登录',
};

interface Filters {
  q?: string;
  success?: 'true' | 'false';
  range?: [Dayjs, Dayjs] | null;
}

export function rangeQuery(range?: [Dayjs, Dayjs] | null): Query {
  if (!range) return {};
  return { from: range[0].startOf('day').toISOString(), to: range[1].endOf('day').toISOString() };
}

export default function LoginLogPage() {
  const [filters, setFilters] = useState<Query>({});
  const list = usePagedList<LoginLogEntry>('/identity/login-log', filters);
  return (
    <PageCard title="登录日志">
      <Form
        layout="inline"
        style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v: Filters) => setFilters({ q: v.q?.trim(), success: v.success, ...rangeQuery(v.range) })}
      >
        <Form.Item name="q">
          <Input placeholder="账号 / IP" allowClear style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="success">
          <Select
            placeholder="结果"
            allowClear
            style={{ width: 110 }}
            options={[
              { value: 'true', label: '成功' },
              { value: 'false', label: '失败' },
            ]}
          />
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
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          { title: '时间', dataIndex: 'at', width: 180, render: formatTime },
          { title: '账号', dataIndex: 'username', width: 140 },
          {
            title: '结果',
            dataIndex: 'success',
            width: 80,
            render: (ok: boolean) => (ok ? <Tag color="success">成功</Tag> : <Tag color="error">失败</Tag>),
          },
          {
            title: '原因',
            dataIndex: 'reason',
            width: 160,
            render: (r?: string | null) => (r ? (REASONS[r] ?? r) : '—'),
          },
          { title: 'IP 地址', dataIndex: 'ip', width: 140 },
          {
            title: '客户端',
            dataIndex: 'userAgent',
            ellipsis: true,
            render: (ua?: string | null) => (
              <Typography.Text type="secondary" title={ua ?? ''}>
                {ua ?? '—'}
              </Typography.Text>
            ),
          },
        ]}
      />
    </PageCard>
  );
}
