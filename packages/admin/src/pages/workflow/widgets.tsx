/* Small pieces shared by the workflow pages. */
import './workflow.css';
import { Input, Select, Tag, Timeline, Typography } from 'antd';
import dayjs from 'dayjs';
import { type CSSProperties, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { formatTime } from '../../components/ui';
import {
  type HistoryEntry,
  historyActionLabel,
  historyDetail,
  type InstanceState,
  instanceStateLabels,
  outcomeLabels,
} from './api';

export function InstanceStateTag({ state }: { state: InstanceState }) {
  const s = instanceStateLabels[state] ?? { text: state, color: 'default' };
  return <Tag color={s.color}>{s.text}</Tag>;
}

/** 期限 of a task: overdue in red, within the warning window in orange, otherwise the due time. */
export function DeadlineTag({
  dueAt,
  overdue,
  warning,
}: {
  dueAt: string | null;
  overdue?: boolean;
  warning?: boolean;
}) {
  if (!dueAt) return <Typography.Text type="secondary">无期限</Typography.Text>;
  const when = dayjs(dueAt).format('MM-DD HH:mm');
  if (overdue) return <Tag color="red">已超期 · {when}</Tag>;
  if (warning) return <Tag color="orange">即将到期 · {when}</Tag>;
  return <Tag>截止 {when}</Tag>;
}

/** The instance's history, oldest first, with opinions (批示) quoted. */
export function HistoryTimeline({ history }: { history: HistoryEntry[] }) {
  if (!history.length) return <Typography.Text type="secondary">暂无记录</Typography.Text>;
  return (
    <section aria-label="流转记录">
      <Timeline
        items={history.map((h) => {
          const detail = historyDetail(h);
          const outcome = (detail.outcome ?? detail.result) as string | undefined;
          const negative = h.action === 'reject' || outcome === 'reject' || outcome === 'rejected';
          return {
            key: h.id,
            color: negative ? 'red' : h.action === 'complete' || h.action === 'end' ? 'green' : 'blue',
            content: (
              <div className="jy-history-item">
                <Typography.Text strong>{historyActionLabel(h.action)}</Typography.Text>
                {h.taskName && <Typography.Text> · {h.taskName}</Typography.Text>}
                {h.actorName && <Typography.Text type="secondary"> · {h.actorName}</Typography.Text>}
                {outcome && (
                  <Tag style={{ marginLeft: 8 }} color={negative ? 'red' : 'green'}>
                    {outcomeLabels[outcome] ?? outcome}
                  </Tag>
                )}
                <div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {formatTime(h.at)}
                  </Typography.Text>
                </div>
                {h.opinion && <blockquote className="jy-opinion">{h.opinion}</blockquote>}
              </div>
            ),
          };
        })}
      />
    </section>
  );
}

interface UserOption {
  value: string;
  label: string;
}

/**
 * Picks a user by name. Searching needs 用户管理 read access; without it the field accepts a
 * username typed in (the server resolves usernames as well as ids).
 */
export function UserSelect({
  value,
  onChange,
  placeholder = '输入姓名或用户名搜索',
  style,
  id,
}: {
  value?: string;
  onChange?: (value: string | undefined) => void;
  placeholder?: string;
  style?: CSSProperties;
  id?: string;
}) {
  const [options, setOptions] = useState<UserOption[]>([]);
  const [searchable, setSearchable] = useState(true);
  const [q, setQ] = useState('');
  useEffect(() => {
    let alive = true;
    const timer = setTimeout(async () => {
      try {
        const body = await api.get<{ items: { id: string; username: string; displayName?: string }[] }>(
          '/identity/users',
          { q: q || undefined, pageSize: 20, status: 'enabled' },
        );
        if (alive)
          setOptions(
            body.items.map((u) => ({ value: u.id, label: `${u.displayName ?? u.username}（${u.username}）` })),
          );
      } catch {
        if (alive) setSearchable(false);
      }
    }, 250);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [q]);
  if (!searchable) {
    return (
      <Input
        id={id}
        value={value}
        placeholder="用户名"
        style={style}
        onChange={(e) => onChange?.(e.target.value || undefined)}
      />
    );
  }
  return (
    <Select
      id={id}
      value={value}
      onChange={onChange}
      placeholder={placeholder}
      style={style}
      allowClear
      showSearch={{ filterOption: false, onSearch: setQ }}
      options={options}
      notFoundContent="无匹配用户"
    />
  );
}
