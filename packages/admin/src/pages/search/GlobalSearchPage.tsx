import { DeleteOutlined, DragOutlined, StopOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  DatePicker,
  List,
  Select,
  Space,
  Table,
  type TablePaginationConfig,
  Tag,
  TreeSelect,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, useRemote } from '../../components/data';
import { FilterSelect, formatTime, PageCard } from '../../components/ui';
import { channelOptions, useChannelTree, useSites } from '../cms/hooks';
import { DOCUMENT_STATE, DocumentStateTag, optionsOf } from '../cms/labels';
import { TargetChannelModal } from '../cms/TargetChannelModal';
import type { BatchAction, BatchResult, GlobalAnswer, GlobalItem } from './api';
import { Highlight } from './Highlight';
import { RESULT_KIND } from './labels';
import { summarizeBatch } from './logic';
import { SuggestInput } from './SuggestInput';

interface Filters {
  siteId?: string;
  channelId?: string;
  state?: string;
  kind?: string;
  /** 栏目分类 code */
  category?: string;
  field: 'title' | 'all';
  sort: 'relevance' | 'newest';
  range?: [Dayjs | null, Dayjs | null] | null;
}

const BATCH_TEXT: Record<Exclude<BatchAction, 'publish'>, { verb: string; confirm?: string }> = {
  withdraw: { verb: '撤稿', confirm: '撤稿后信息不再在网站上显示，可在信息管理中重新发布。' },
  move: { verb: '移动' },
  delete: { verb: '删除', confirm: '删除的信息进入所属站点的回收站，可以恢复。' },
};

const RANGE_PRESETS = [
  { label: '近一周', value: [dayjs().subtract(6, 'day'), dayjs()] as [Dayjs, Dayjs] },
  { label: '近一月', value: [dayjs().subtract(1, 'month'), dayjs()] as [Dayjs, Dayjs] },
  { label: '近一年', value: [dayjs().subtract(1, 'year'), dayjs()] as [Dayjs, Dayjs] },
];

/**
 * 全局搜索 (运维工具): published and unpublished documents of every site the user may read, found
 * by title or full text with typo correction, pinyin and 百姓体, with batch 撤稿 / 移动 / 删除 on
 * the results. The query lives in the address (?q=) so a search can be bookmarked or shared.
 */
export default function GlobalSearchPage() {
  const can = useCan();
  const { modal, message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  // Back and forward in the browser change ?q=; the box follows.
  useEffect(() => setText(q), [q]);
  const [filters, setFilters] = useState<Filters>({ field: 'title', sort: 'relevance' });
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  /** Ticked results by id, kept across pages so a batch can span them. */
  const [selected, setSelected] = useState<Map<string, GlobalItem>>(new Map());
  const [moving, setMoving] = useState(false);
  const [running, setRunning] = useState(false);
  const { data: sites } = useSites();
  const { data: tree, loading: channelsLoading } = useChannelTree(filters.siteId);
  const channelTree = useMemo(() => channelOptions(tree), [tree]);
  const { data: categories } = useRemote(
    async () =>
      asItems(await api.get<{ items: Array<{ code: string; name: string }> }>('/settings/channel-categories')),
    [],
    [] as Array<{ code: string; name: string }>,
  );

  const query = {
    q: q || undefined,
    field: filters.field,
    siteId: filters.siteId,
    channelId: filters.channelId,
    state: filters.state,
    kind: filters.kind,
    category: filters.category,
    // Relevance needs words to weigh; without a query the newest come first either way.
    sort: q ? filters.sort : undefined,
    from: filters.range?.[0]?.format('YYYY-MM-DD'),
    to: filters.range?.[1]?.format('YYYY-MM-DD'),
  };
  const key = JSON.stringify(query);
  const result = useRemote(
    () => api.get<GlobalAnswer>('/search/global', { ...query, page: page.current, pageSize: page.pageSize }),
    [key, page.current, page.pageSize],
    { items: [], total: 0 } as GlobalAnswer,
  );
  const answer = result.data;

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage((p) => ({ ...p, current: 1 }));
  };
  const search = (value: string) => {
    const next = value.trim();
    setText(next);
    setPage((p) => ({ ...p, current: 1 }));
    setParams(
      (p) => {
        if (next) p.set('q', next);
        else p.delete('q');
        return p;
      },
      { replace: false },
    );
    // The same query again is a deliberate refresh.
    if (next === q) result.reload();
  };

  const runBatch = async (action: Exclude<BatchAction, 'publish'>, targetChannelId?: string) => {
    const items = [...selected.values()];
    const verb = BATCH_TEXT[action].verb;
    setRunning(true);
    try {
      const { results } = await api.post<{ results: BatchResult[] }>('/search/global/batch', {
        action,
        ids: items.map((i) => i.id),
        targetChannelId,
      });
      const { done, failed } = summarizeBatch(results, (id) => selected.get(id)?.title ?? id);
      if (done) message.success(`已${verb} ${done} 条信息`);
      if (failed.length) {
        modal.warning({
          title: `${failed.length} 条信息未能${verb}`,
          width: 560,
          content: (
            <List
              size="small"
              aria-label="未完成的信息"
              dataSource={failed}
              renderItem={(f) => (
                <List.Item>
                  <List.Item.Meta title={f.title} description={f.reason} />
                </List.Item>
              )}
            />
          ),
        });
      }
      // What failed stays ticked, ready for another try.
      setSelected(new Map(items.filter((i) => failed.some((f) => f.id === i.id)).map((i) => [i.id, i])));
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setRunning(false);
    }
    result.reload();
  };

  const confirmBatch = (action: 'withdraw' | 'delete') =>
    modal.confirm({
      title: `${BATCH_TEXT[action].verb}选中的 ${selected.size} 条信息？`,
      content: BATCH_TEXT[action].confirm,
      okButtonProps: { danger: action === 'delete' },
      onOk: () => runBatch(action),
    });

  const pagination: TablePaginationConfig = {
    current: page.current,
    pageSize: page.pageSize,
    total: answer.total,
    showSizeChanger: true,
    pageSizeOptions: [20, 50, 100],
    showTotal: (total) => `共 ${total} 条`,
    onChange: (current, size) => setPage({ current: size === page.pageSize ? current : 1, pageSize: size }),
  };

  return (
    <PageCard title="全局搜索">
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Space wrap>
          <SuggestInput
            value={text}
            onChange={setText}
            onSearch={search}
            placeholder="输入标题关键字，可用拼音、简拼，错别字会自动纠正"
            style={{ width: 420 }}
          />
          <Select
            aria-label="检索范围"
            style={{ width: 110 }}
            value={filters.field}
            options={[
              { value: 'title', label: '仅标题' },
              { value: 'all', label: '标题和正文' },
            ]}
            onChange={(field) => set({ field })}
          />
        </Space>
        <Space wrap>
          <Select
            aria-label="站点"
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder="全部站点"
            style={{ width: 220 }}
            options={sites.map((s) => ({ value: s.id, label: s.name }))}
            value={filters.siteId}
            onChange={(siteId) => set({ siteId, channelId: undefined })}
          />
          <TreeSelect
            key={`${filters.siteId}:${channelTree.length}`}
            aria-label="栏目"
            showSearch
            treeNodeFilterProp="title"
            allowClear
            disabled={!filters.siteId || channelsLoading}
            placeholder={filters.siteId ? '全部栏目' : '先选站点再选栏目'}
            treeDefaultExpandAll
            style={{ width: 200 }}
            treeData={channelTree}
            value={filters.channelId}
            onChange={(channelId) => set({ channelId })}
          />
          <FilterSelect
            label="状态"
            width={120}
            options={optionsOf(DOCUMENT_STATE)}
            value={filters.state}
            onChange={(state) => set({ state })}
          />
          <FilterSelect
            label="类别"
            width={120}
            options={optionsOf(RESULT_KIND)}
            value={filters.kind}
            onChange={(kind) => set({ kind })}
          />
          <FilterSelect
            label="栏目分类"
            width={140}
            options={categories.map((c) => ({ value: c.code, label: c.name }))}
            value={filters.category}
            onChange={(category) => set({ category })}
          />
          <Select
            aria-label="排序"
            style={{ width: 130 }}
            disabled={!q}
            value={filters.sort}
            options={[
              { value: 'relevance', label: '按相关度' },
              { value: 'newest', label: '按添加时间' },
            ]}
            onChange={(sort) => set({ sort })}
          />
          <DatePicker.RangePicker
            aria-label="添加时间"
            placeholder={['添加时间起', '添加时间止']}
            presets={RANGE_PRESETS}
            value={filters.range ?? null}
            onChange={(range) => set({ range })}
          />
        </Space>
        <QueryNotes answer={answer} q={q} />
        <Space wrap>
          <Typography.Text type="secondary">
            {selected.size ? `已选 ${selected.size} 条` : '勾选结果后可批量操作'}
          </Typography.Text>
          {can('document:publish') && (
            <Button
              icon={<StopOutlined />}
              disabled={!selected.size}
              loading={running}
              onClick={() => confirmBatch('withdraw')}
            >
              撤稿
            </Button>
          )}
          {can('document:write') && (
            <Button icon={<DragOutlined />} disabled={!selected.size} loading={running} onClick={() => setMoving(true)}>
              移动到栏目…
            </Button>
          )}
          {can('document:write') && (
            <Button
              danger
              icon={<DeleteOutlined />}
              disabled={!selected.size}
              loading={running}
              onClick={() => confirmBatch('delete')}
            >
              删除
            </Button>
          )}
          {selected.size > 0 && <Typography.Link onClick={() => setSelected(new Map())}>清除选择</Typography.Link>}
        </Space>
        <Table<GlobalItem>
          rowKey="id"
          aria-label="搜索结果"
          loading={result.loading}
          dataSource={answer.items}
          pagination={pagination}
          rowSelection={{
            preserveSelectedRowKeys: true,
            selectedRowKeys: [...selected.keys()],
            onChange: (keys, rows) =>
              setSelected((prev) => {
                const next = new Map<string, GlobalItem>();
                for (const k of keys) {
                  const id = String(k);
                  const row = rows.find((r) => r?.id === id) ?? prev.get(id);
                  if (row) next.set(id, row);
                }
                return next;
              }),
          }}
          columns={[
            {
              title: '标题',
              dataIndex: 'title',
              render: (title: string, item) => (
                <Space direction="vertical" size={0}>
                  <Link to={`/cms/documents/${item.id}`}>
                    <Highlight html={item.titleHtml} fallback={title} />
                  </Link>
                  {item.snippet && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      <Highlight html={item.snippet} />
                    </Typography.Text>
                  )}
                </Space>
              ),
            },
            { title: '站点', dataIndex: 'siteName', width: 160, ellipsis: true },
            { title: '栏目', dataIndex: 'channelName', width: 110, ellipsis: true },
            {
              title: '类别',
              dataIndex: 'kind',
              width: 90,
              render: (k: GlobalItem['kind']) => RESULT_KIND[k] ?? k,
            },
            { title: '状态', dataIndex: 'state', width: 90, render: (s) => <DocumentStateTag state={s} /> },
            { title: '发布时间', dataIndex: 'publishAt', width: 160, render: formatTime },
            { title: '添加时间', dataIndex: 'createdAt', width: 160, render: formatTime },
            {
              title: '操作',
              width: 110,
              render: (_, item) => (
                <Space size={8}>
                  <Link to={`/cms/documents/${item.id}`}>编辑</Link>
                  {item.state === 'published' && item.url && (
                    <Typography.Link href={item.url} target="_blank" rel="noopener noreferrer">
                      查看
                    </Typography.Link>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Space>
      {moving && (
        <TargetChannelModal
          kind="move"
          defaultSiteId={[...selected.values()][0]?.siteId ?? sites[0]?.id ?? ''}
          onCancel={() => setMoving(false)}
          onOk={async (channelIds) => {
            setMoving(false);
            await runBatch('move', channelIds[0]);
          }}
        />
      )}
    </PageCard>
  );
}

/** 智能纠错 and 百姓体 notes above the results, so the user knows what was actually searched. */
function QueryNotes({ answer, q }: { answer: GlobalAnswer; q: string }) {
  if (!q) return null;
  const notes = [];
  if (answer.blocked)
    notes.push(<Alert key="blocked" type="error" showIcon message="检索词含屏蔽词，不返回结果（已记入检索日志）。" />);
  if (answer.correction)
    notes.push(
      <Alert
        key="correction"
        type="info"
        showIcon
        message={
          <span>
            您是不是要找：<Typography.Text strong>{answer.correction.to}</Typography.Text>
            <Typography.Text type="secondary">
              （已按「{answer.correction.to}」检索，原词「{answer.correction.from}」）
            </Typography.Text>
          </span>
        }
      />,
    );
  if (answer.expansions?.length)
    notes.push(
      <Alert
        key="expansions"
        type="success"
        showIcon
        message={
          <span>
            同时检索了：
            {answer.expansions.map((e) => (
              <span key={e.term} style={{ marginRight: 12 }}>
                {e.term} →{' '}
                {e.to.map((t) => (
                  <Tag key={t}>{t}</Tag>
                ))}
              </span>
            ))}
          </span>
        }
      />,
    );
  return notes.length ? notes : null;
}
