/* 流程监控: every instance in the caller's data scope, filtered by process, state, initiator, overdue. */
import { Checkbox, DatePicker, Form, Input, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { type DefinitionView, type InstanceView, instanceStateLabels, workflowApi } from './api';
import { InstanceStateTag, UserSelect } from './widgets';

interface Filters {
  q?: string;
  definitionKey?: string;
  state?: string;
  initiatorId?: string;
  overdue?: boolean;
  range?: [Dayjs, Dayjs] | null;
}

export default function InstancesPage() {
  const [filters, setFilters] = useState<Filters>({});
  const { data, loading, pagination } = usePagedList<InstanceView>('/workflow/instances', {
    q: filters.q,
    definitionKey: filters.definitionKey,
    state: filters.state,
    initiatorId: filters.initiatorId,
    overdue: filters.overdue || undefined,
    from: filters.range?.[0]?.startOf('day').toISOString(),
    to: filters.range?.[1]?.endOf('day').toISOString(),
  });
  const rows = data.items;
  const definitions = useRemote(
    async () => (await workflowApi.definitions({ pageSize: '200' } as Record<string, string>)).items,
    [],
    [] as DefinitionView[],
  );
  return (
    <PageCard title="流程监控">
      <Form<Filters>
        layout="inline"
        style={{ marginBottom: 16, rowGap: 8 }}
        onValuesChange={(_, all) => setFilters(all)}
      >
        <Form.Item name="q">
          <Input.Search placeholder="标题或业务编号" allowClear style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="definitionKey">
          <Select
            placeholder="流程"
            allowClear
            style={{ width: 180 }}
            options={definitions.data.map((d) => ({ value: d.key, label: d.name }))}
            aria-label="流程"
          />
        </Form.Item>
        <Form.Item name="state">
          <Select
            placeholder="状态"
            allowClear
            style={{ width: 120 }}
            aria-label="状态"
            options={Object.entries(instanceStateLabels).map(([value, s]) => ({ value, label: s.text }))}
          />
        </Form.Item>
        <Form.Item name="initiatorId">
          <UserSelect placeholder="发起人" style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="range">
          <DatePicker.RangePicker placeholder={['发起自', '发起至']} />
        </Form.Item>
        <Form.Item name="overdue" valuePropName="checked">
          <Checkbox>仅看超期</Checkbox>
        </Form.Item>
      </Form>
      <Table<InstanceView>
        rowKey="id"
        aria-label="流程实例"
        loading={loading}
        dataSource={rows}
        pagination={pagination}
        locale={{ emptyText: '没有符合条件的流程实例' }}
        columns={[
          {
            title: '标题',
            dataIndex: 'title',
            render: (t, i) => <Link to={`/workflow/instances/${i.id}`}>{t || i.definitionName}</Link>,
          },
          { title: '流程', width: 170, render: (_, i) => `${i.definitionName} · v${i.version}` },
          {
            title: '状态',
            width: 130,
            render: (_, i) => (
              <Space size={4}>
                <InstanceStateTag state={i.state} />
                {isOverdue(i) && <Tag color="red">超期</Tag>}
              </Space>
            ),
          },
          {
            title: '当前环节',
            render: (_, i) =>
              i.currentTasks.length
                ? i.currentTasks.map((t) => (
                    <Tag key={t.id}>
                      {t.name}
                      {t.assigneeName ? `（${t.assigneeName}）` : '（待认领）'}
                    </Tag>
                  ))
                : '—',
          },
          { title: '发起人', dataIndex: 'initiatorName', width: 110, render: (v) => v ?? '—' },
          { title: '发起时间', dataIndex: 'startedAt', width: 170, render: formatTime },
          { title: '结束时间', dataIndex: 'endedAt', width: 170, render: formatTime },
        ]}
      />
    </PageCard>
  );
}

/** An instance is overdue while one of its open tasks is past its deadline. */
function isOverdue(instance: InstanceView): boolean {
  const now = Date.now();
  return instance.currentTasks.some((t) => t.dueAt && Date.parse(t.dueAt) <= now);
}
