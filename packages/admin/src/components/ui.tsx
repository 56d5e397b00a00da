import { Card, Select, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';

/** Ant Design Pro style page frame: a title row with actions above the page body. */
export function PageCard({ title, extra, children }: { title: ReactNode; extra?: ReactNode; children: ReactNode }) {
  return (
    <Card
      title={
        <Typography.Title level={5} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
      }
      extra={extra ? <Space>{extra}</Space> : undefined}
      styles={{ body: { paddingTop: 16 } }}
    >
      {children}
    </Card>
  );
}

const STATUS: Record<string, { color: string; text: string }> = {
  enabled: { color: 'success', text: '启用' },
  disabled: { color: 'default', text: '停用' },
  deleted: { color: 'error', text: '已删除' },
  locked: { color: 'warning', text: '已锁定' },
};

export function StatusTag({ status }: { status: string }) {
  const s = STATUS[status] ?? { color: 'default', text: status };
  return <Tag color={s.color}>{s.text}</Tag>;
}

export const statusOptions = [
  { value: 'enabled', label: '启用' },
  { value: 'disabled', label: '停用' },
];

export function formatTime(value: string | null | undefined): string {
  return value ? dayjs(value).format('YYYY-MM-DD HH:mm:ss') : '—';
}

/** A filter of a list page: a labelled, clearable select whose empty value reads 全部…. */
export function FilterSelect<T extends string | number>({
  label,
  placeholder,
  width,
  options,
  value,
  onChange,
  clearable = true,
  disabled,
}: {
  label: string;
  placeholder?: string;
  width: number;
  options: { value: T; label: ReactNode }[];
  value: T | undefined;
  onChange: (value: T | undefined) => void;
  clearable?: boolean;
  disabled?: boolean;
}) {
  return (
    <Select<T>
      aria-label={label}
      allowClear={clearable}
      placeholder={placeholder ?? `全部${label}`}
      style={{ width }}
      options={options}
      value={value}
      onChange={(v) => onChange(v ?? undefined)}
      disabled={disabled}
    />
  );
}
