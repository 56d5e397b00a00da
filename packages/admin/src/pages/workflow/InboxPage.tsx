/* 我的任务: 待办 / 已办 / 我发起的 / 抄送, with counts on the tabs, filters, and claim from the list. */
import { App, Badge, Button, Checkbox, DatePicker, Form, Input, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../api/client';
import { usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { type InstanceView, outcomeLabels, type TaskCounts, type TaskView, workflowApi } from './api';
import { DeadlineTag, InstanceStateTag } from './widgets';

type Box = 'todo' | 'done' | 'started' | 'cc';

interface Filters {
  q?: string;
  overdue?: boolean;
  range?: [Dayjs, Dayjs] | null;
}

interface CcItem {
  id: string;
  instanceId: string;
  instanceTitle: string | null;
  definitionName: string;
  taskId: string | null;
  name: string | null;
  outcome: string | null;
  opinion: string | null;
  sentByName: string | null;
  createdAt: string;
  readAt: string | null;
}

type Row = TaskView & InstanceView & CcItem;

export default function InboxPage() {
  const [params, setParams] = useSearchParams();
  const box = (params.get('box') as Box | null) ?? 'todo';
  const counts = useRemote(() => workflowApi.counts(), [], null as TaskCounts | null);
  const tab = (key: Box, label: string, count?: number, danger?: number) => ({
    key,
    label: (
      <Space size={6}>
        {label}
        {count !== undefined && count > 0 && (
          <Badge
            count={count}
            overflowCount={999}
            color={danger ? '#ff4d4f' : key === 'todo' ? '#1677ff' : '#8c8c8c'}
          />
        )}
      </Space>
    ),
  });
  const c = counts.data;
  return (
    <PageCard title="我的任务">
      <Tabs
        activeKey={box}
        onChange={(key) => setParams({ box: key })}
        items={[
          tab('todo', '待办', c?.todo, c?.overdue),
          tab('done', '已办'),
          tab('started', '我发起的', c?.started),
          tab('cc', '抄送', c?.ccUnread),
        ]}
      />
      {c && c.overdue > 0 && box === 'todo' && (
        <Typography.Paragraph type="danger">其中 {c.overdue} 件已超期，请尽快办理。</Typography.Paragraph>
      )}
      <BoxTable key={box} box={box} onChanged={counts.reload} />
    </PageCard>
  );
}

function BoxTable({ box, onChanged }: { box: Box; onChanged: () => void }) {
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [filters, setFilters] = useState<Filters>({});
  const list = usePagedList<Row>('/workflow/tasks', {
    box,
    q: filters.q,
    overdue: box === 'todo' && filters.overdue ? true : undefined,
    from: filters.range?.[0]?.startOf('day').toISOString(),
    to: filters.range?.[1]?.endOf('day').toISOString(),
  });
  const refresh = () => {
    list.reload();
    onChanged();
  };
  const claim = async (task: TaskView) => {
    try {
      await workflowApi.taskAction(task.id, 'claim');
      message.success('已认领，可以办理了');
      refresh();
    } catch (error) {
      message.error(errorMessage(error));
      refresh();
    }
  };
  const markRead = (item: CcItem) => {
    if (!item.readAt) workflowApi.readCc(item.id).catch(() => undefined);
  };
  const taskLink = (name: string, t: Row) => <Link to={`/workflow/tasks/${t.id}`}>{name}</Link>;
  const columns: Record<Box, ColumnsType<Row>> = {
    todo: [
      { title: '任务', dataIndex: 'name', render: taskLink },
      { title: '事项', dataIndex: 'instanceTitle', render: (v, t) => v ?? t.definitionName },
      { title: '流程', dataIndex: 'definitionName', width: 160 },
      { title: '发起人', dataIndex: 'initiatorName', width: 100, render: (v) => v ?? '—' },
      { title: '到达时间', dataIndex: 'createdAt', width: 170, render: formatTime },
      {
        title: '期限',
        width: 170,
        render: (_, t) => <DeadlineTag dueAt={t.dueAt} overdue={t.overdue} warning={t.warning} />,
      },
      {
        title: '操作',
        width: 150,
        render: (_, t) => (
          <Space>
            {t.candidate && <Tag color="gold">待认领</Tag>}
            {t.delegationState === 'pending' && <Tag color="purple">委派</Tag>}
            {t.candidate ? (
              <Button size="small" onClick={() => claim(t)}>
                认领
              </Button>
            ) : (
              <Button size="small" type="primary" onClick={() => navigate(`/workflow/tasks/${t.id}`)}>
                办理
              </Button>
            )}
          </Space>
        ),
      },
    ],
    done: [
      { title: '任务', dataIndex: 'name', render: taskLink },
      { title: '事项', dataIndex: 'instanceTitle', render: (v, t) => v ?? t.definitionName },
      { title: '流程', dataIndex: 'definitionName', width: 160 },
      {
        title: '结果',
        width: 100,
        render: (_, t) =>
          t.outcome ? (
            <Tag color={t.outcome === 'reject' ? 'red' : 'green'}>{outcomeLabels[t.outcome] ?? t.outcome}</Tag>
          ) : (
            '—'
          ),
      },
      { title: '批示', dataIndex: 'opinion', ellipsis: true, render: (v) => v ?? '—' },
      { title: '完成时间', dataIndex: 'completedAt', width: 170, render: formatTime },
    ],
    started: [
      {
        title: '事项',
        dataIndex: 'title',
        render: (v, i) => <Link to={`/workflow/inbox/instances/${i.id}`}>{v ?? i.definitionName}</Link>,
      },
      { title: '流程', dataIndex: 'definitionName', width: 160 },
      { title: '状态', width: 90, render: (_, i) => <InstanceStateTag state={i.state} /> },
      {
        title: '当前环节',
        render: (_, i) =>
          i.currentTasks?.length
            ? i.currentTasks.map((t) => <Tag key={t.id}>{`${t.name}（${t.assigneeName ?? '待认领'}）`}</Tag>)
            : '—',
      },
      { title: '发起时间', dataIndex: 'startedAt', width: 170, render: formatTime },
    ],
    cc: [
      {
        title: '事项',
        dataIndex: 'instanceTitle',
        render: (v, item) => (
          <Space>
            {!item.readAt && <Badge status="processing" />}
            <Link to={`/workflow/inbox/instances/${item.instanceId}`} onClick={() => markRead(item)}>
              {v ?? item.definitionName}
            </Link>
          </Space>
        ),
      },
      { title: '环节', dataIndex: 'name', width: 140, render: (v) => v ?? '—' },
      {
        title: '结果',
        width: 90,
        render: (_, t) => (t.outcome ? <Tag>{outcomeLabels[t.outcome] ?? t.outcome}</Tag> : '—'),
      },
      { title: '批示', dataIndex: 'opinion', ellipsis: true, render: (v) => v ?? '—' },
      { title: '抄送人', dataIndex: 'sentByName', width: 100, render: (v) => v ?? '—' },
      { title: '时间', dataIndex: 'createdAt', width: 170, render: formatTime },
    ],
  };
  const empty: Record<Box, string> = {
    todo: '没有待办任务',
    done: '还没有办过任务',
    started: '还没有发起过流程',
    cc: '没有抄送给我的流程',
  };
  return (
    <>
      <Form<Filters>
        layout="inline"
        style={{ marginBottom: 16, rowGap: 8 }}
        onValuesChange={(_, all) => setFilters(all)}
      >
        <Form.Item name="q">
          <Input.Search placeholder="任务或事项名称" allowClear style={{ width: 220 }} aria-label="搜索任务" />
        </Form.Item>
        {(box === 'todo' || box === 'done') && (
          <Form.Item name="range">
            <DatePicker.RangePicker placeholder={['到达自', '到达至']} />
          </Form.Item>
        )}
        {box === 'todo' && (
          <Form.Item name="overdue" valuePropName="checked">
            <Checkbox>仅看超期</Checkbox>
          </Form.Item>
        )}
      </Form>
      <Table<Row>
        rowKey="id"
        aria-label={{ todo: '待办任务', done: '已办任务', started: '我发起的流程', cc: '抄送我的' }[box]}
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        locale={{ emptyText: empty[box] }}
        columns={columns[box]}
        rowClassName={(t) => (box === 'todo' && t.overdue ? 'jy-row-overdue' : '')}
      />
    </>
  );
}
