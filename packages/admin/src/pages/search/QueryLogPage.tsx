import {
  Card,
  Checkbox,
  Col,
  DatePicker,
  Dropdown,
  Empty,
  Input,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { usePagedList, useRemote } from '../../components/data';
import { RankingBarChart, TimeLineChart } from '../../components/search-charts';
import { formatTime, PageCard } from '../../components/ui';
import type { QueryLogEntry, QueryStats, TermKind } from './api';
import { IndexStatusButton } from './IndexPanel';
import { TERM_KIND } from './labels';
import { fillDays, formatCount } from './logic';
import { TermModal } from './TermModal';

const DAY_OPTIONS = [7, 30, 90, 365].map((d) => ({ value: d, label: `近 ${d} 天` }));

const EMPTY_STATS: QueryStats = {
  totals: { queries: 0, distinct: 0, zeroResult: 0, blocked: 0 },
  daily: [],
  hot: [],
  zeroResults: [],
};

interface LogFilters {
  q?: string;
  zero?: boolean;
  blocked?: boolean;
  range?: [Dayjs | null, Dayjs | null] | null;
}

/**
 * 检索日志: what citizens search for (热词), what finds nothing (无结果 — the list to turn into
 * 百姓体 or 同义词 entries), how many searches a day, and the searches themselves.
 */
export default function QueryLogPage() {
  const can = useCan();
  const [days, setDays] = useState(30);
  const stats = useRemote(() => api.get<QueryStats>('/search/queries/stats', { days }), [days], EMPTY_STATS);
  const [filters, setFilters] = useState<LogFilters>({});
  /** A zero-result query being turned into a dictionary entry. */
  const [adding, setAdding] = useState<{ kind: TermKind; term: string } | null>(null);
  const daily = useMemo(
    () => fillDays(stats.data.daily, days, (date) => ({ date, queries: 0, zeroResult: 0 })),
    [stats.data.daily, days],
  );
  const { totals } = stats.data;

  return (
    <PageCard
      title="检索日志"
      extra={
        <>
          <Select aria-label="统计范围" value={days} options={DAY_OPTIONS} onChange={setDays} style={{ width: 120 }} />
          <IndexStatusButton />
        </>
      }
    >
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <Row gutter={16}>
          {[
            { title: '检索次数', value: totals.queries },
            { title: '不同检索词', value: totals.distinct },
            { title: '无结果检索', value: totals.zeroResult },
            { title: '命中屏蔽词', value: totals.blocked },
          ].map((s) => (
            <Col span={6} key={s.title}>
              <Card size="small" loading={stats.loading}>
                <Statistic title={s.title} value={s.value} formatter={(v) => formatCount(Number(v))} />
              </Card>
            </Col>
          ))}
        </Row>
        <Row gutter={16}>
          <Col span={14}>
            <Card size="small" title="检索量趋势">
              <TimeLineChart
                dates={daily.map((d) => d.date.slice(5))}
                series={[
                  { name: '检索次数', values: daily.map((d) => d.queries) },
                  { name: '无结果', values: daily.map((d) => d.zeroResult) },
                ]}
              />
            </Card>
          </Col>
          <Col span={10}>
            <Card size="small" title="热门检索词（点击查看记录）">
              {stats.data.hot.length ? (
                <RankingBarChart
                  label="检索次数"
                  data={stats.data.hot.map((h) => ({ name: h.query, value: h.count }))}
                  onClickItem={(q) => setFilters({ q })}
                  style={{ maxHeight: 560 }}
                />
              ) : (
                <Empty description="暂无检索" />
              )}
            </Card>
          </Col>
        </Row>
        <Card size="small" title="无结果检索词">
          <Typography.Paragraph type="secondary">
            群众检索却没有找到信息的词。常见的口语说法可添加为百姓体，换一种说法的可添加为同义词，下次即可检索到。
          </Typography.Paragraph>
          <Table
            rowKey="query"
            size="small"
            aria-label="无结果检索词"
            loading={stats.loading}
            dataSource={stats.data.zeroResults}
            pagination={false}
            columns={[
              { title: '检索词', dataIndex: 'query' },
              { title: '次数', dataIndex: 'count', width: 80 },
              { title: '最近一次', dataIndex: 'lastAt', width: 170, render: formatTime },
              {
                title: '操作',
                width: 200,
                render: (_, row) => (
                  <Space size={12}>
                    <Typography.Link onClick={() => setFilters({ q: row.query })}>查看记录</Typography.Link>
                    {can('search:dictionary') && (
                      <Dropdown
                        trigger={['click']}
                        menu={{
                          items: (['plain', 'synonym'] as const).map((kind) => ({
                            key: kind,
                            label: `添加为${TERM_KIND[kind].name}…`,
                          })),
                          onClick: ({ key }) => setAdding({ kind: key as TermKind, term: row.query }),
                        }}
                      >
                        <Typography.Link>加入词典</Typography.Link>
                      </Dropdown>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        </Card>
        <RecentQueries filters={filters} onFilters={setFilters} />
      </Space>
      {adding && (
        <TermModal
          kind={adding.kind}
          initialTerm={adding.term}
          onClose={() => setAdding(null)}
          onSaved={() => setAdding(null)}
        />
      )}
    </PageCard>
  );
}

function RecentQueries({ filters, onFilters }: { filters: LogFilters; onFilters: (f: LogFilters) => void }) {
  const query = useMemo(
    () => ({
      q: filters.q,
      zero: filters.zero || undefined,
      blocked: filters.blocked || undefined,
      from: filters.range?.[0]?.format('YYYY-MM-DD'),
      to: filters.range?.[1]?.format('YYYY-MM-DD'),
    }),
    [filters],
  );
  const { data, loading, pagination } = usePagedList<QueryLogEntry>('/search/queries', query);
  const set = (patch: Partial<LogFilters>) => onFilters({ ...filters, ...patch });
  return (
    <Card size="small" title="检索记录">
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          key={filters.q ?? ''}
          aria-label="筛选检索词"
          placeholder="检索词"
          allowClear
          defaultValue={filters.q}
          onSearch={(q) => set({ q: q.trim() || undefined })}
          style={{ width: 200 }}
        />
        <Checkbox checked={!!filters.zero} onChange={(e) => set({ zero: e.target.checked })}>
          仅无结果
        </Checkbox>
        <Checkbox checked={!!filters.blocked} onChange={(e) => set({ blocked: e.target.checked })}>
          仅命中屏蔽词
        </Checkbox>
        <DatePicker.RangePicker value={filters.range ?? null} onChange={(range) => set({ range })} />
      </Space>
      <Table<QueryLogEntry>
        rowKey="id"
        size="small"
        aria-label="检索记录"
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        columns={[
          { title: '时间', dataIndex: 'at', width: 170, render: formatTime },
          { title: '检索词', dataIndex: 'query' },
          {
            title: '实际检索',
            dataIndex: 'searched',
            render: (searched: string | null, row) =>
              row.correction ? (
                <Space size={4}>
                  {searched ?? row.correction}
                  <Tag color="blue">纠错</Tag>
                </Space>
              ) : (
                (searched ?? '—')
              ),
          },
          {
            title: '结果数',
            dataIndex: 'total',
            width: 100,
            render: (total: number, row) =>
              row.blocked ? <Tag color="red">屏蔽</Tag> : total === 0 ? <Tag color="orange">无结果</Tag> : total,
          },
          { title: '站点', dataIndex: 'site', width: 100, render: (v) => v ?? '全部' },
          { title: '耗时', dataIndex: 'ms', width: 80, render: (v) => (v == null ? '—' : `${v} ms`) },
        ]}
      />
    </Card>
  );
}
