import { DatePicker, Descriptions, Input, Select, Table, Tag, Tooltip, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import type { MySeal, Seal, SignRecord } from './api';
import { formatBytes, shortHash } from './labels';

interface Filters {
  q?: string;
  sealId?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

function Hash({ label, value }: { label: string; value: string }) {
  return (
    <Tooltip title={`${label} ${value}`}>
      <Typography.Text code style={{ fontSize: 12 }}>
        {shortHash(value)}
      </Typography.Text>
    </Tooltip>
  );
}

/** Seals for the filter: every seal for those who may read them, otherwise the caller's own. */
function useFilterSeals(): { value: string; label: string }[] {
  const can = useCan();
  const all = can('seal:read');
  const { data } = useRemote(
    async () =>
      all
        ? asItems(await api.get<{ items: Seal[] }>('/seal/seals', { pageSize: 100 })).map((s) => ({
            value: s.id,
            label: s.name,
          }))
        : asItems(await api.get<{ items: MySeal[] }>('/seal/my-seals')).map((m) => ({
            value: m.seal.id,
            label: m.seal.name,
          })),
    [all],
    [] as { value: string; label: string }[],
  );
  return data;
}

/** 签章记录: every signature made (who, which seal, input and output hashes, when, from where). */
export default function RecordsPage() {
  const can = useCan();
  const [filters, setFilters] = useState<Filters>({});
  const seals = useFilterSeals();
  const query = useMemo(
    () => ({
      q: filters.q,
      sealId: filters.sealId,
      from: filters.range?.[0]?.startOf('day').toISOString(),
      to: filters.range?.[1]?.endOf('day').toISOString(),
    }),
    [filters],
  );
  const list = usePagedList<SignRecord>('/seal/records', query);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  return (
    <PageCard
      title="签章记录"
      extra={
        <>
          <Input.Search
            placeholder="文件名、验证码或哈希"
            allowClear
            onSearch={(q) => set({ q: q || undefined })}
            style={{ width: 220 }}
          />
          <Select
            aria-label="印章"
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder="全部印章"
            style={{ width: 220 }}
            options={seals}
            onChange={(sealId) => set({ sealId })}
          />
          <DatePicker.RangePicker aria-label="签章日期" onChange={(range) => set({ range })} />
        </>
      }
    >
      {!can('seal-record:read') && (
        <Typography.Paragraph type="secondary">仅显示您本人的签章记录。</Typography.Paragraph>
      )}
      <Table<SignRecord>
        rowKey="id"
        aria-label="签章记录"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        expandable={{
          expandedRowRender: (r) => (
            <Descriptions
              size="small"
              column={1}
              bordered
              items={[
                { label: '原文件 SHA-256', children: <Typography.Text copyable>{r.inputSha256}</Typography.Text> },
                { label: '原文件 SM3', children: <Typography.Text copyable>{r.inputSm3}</Typography.Text> },
                { label: '签章后 SHA-256', children: <Typography.Text copyable>{r.outputSha256}</Typography.Text> },
                { label: '签章后 SM3', children: <Typography.Text copyable>{r.outputSm3}</Typography.Text> },
                {
                  label: '大小',
                  children: `${formatBytes(r.inputSize)} → ${formatBytes(r.outputSize)}`,
                },
                ...(r.batchId ? [{ label: '批量任务', children: r.batchId }] : []),
              ]}
            />
          ),
        }}
        columns={[
          { title: '签章时间', dataIndex: 'createdAt', width: 170, render: formatTime },
          {
            title: '签章人',
            width: 170,
            render: (_, r) => (
              <span>
                <Tag color={r.actorType === 'client' ? 'purple' : 'blue'}>
                  {r.actorType === 'client' ? '接口' : '用户'}
                </Tag>
                {r.actorName}
              </span>
            ),
          },
          { title: '印章', dataIndex: 'sealName' },
          {
            title: '文件',
            render: (_, r) => (
              <span>
                <Tag>{r.format.toUpperCase()}</Tag>
                {r.fileName}
              </span>
            ),
          },
          { title: '原文件哈希', width: 140, render: (_, r) => <Hash label="SHA-256" value={r.inputSha256} /> },
          { title: '签章后哈希', width: 140, render: (_, r) => <Hash label="SHA-256" value={r.outputSha256} /> },
          { title: '客户端 IP', dataIndex: 'ip', width: 130, render: (v) => v ?? '—' },
          {
            title: '验证码',
            dataIndex: 'verifyCode',
            width: 190,
            render: (code: string) => (
              <Typography.Link href={`/verify/${code}`} target="_blank" rel="noopener">
                {code}
              </Typography.Link>
            ),
          },
        ]}
      />
    </PageCard>
  );
}
