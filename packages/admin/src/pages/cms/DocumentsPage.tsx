import { PlusOutlined } from '@ant-design/icons';
import { App, Button, DatePicker, Dropdown, Input, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, errorMessage } from '../../api/client';
import { useCan, useMe } from '../../auth/session';
import { usePagedList } from '../../components/data';
import { FilterSelect, formatTime, PageCard } from '../../components/ui';
import { useAction } from '../../components/useFormSubmit';
import type { CmsDocument, Site } from './api';
import { channelOptions, useChannelTree } from './hooks';
import { DOCUMENT_STATE, DOCUMENT_TYPE, DocumentStateTag, optionsOf } from './labels';
import { SiteGate, SiteSelect, useSiteParam } from './SitePicker';
import { TargetChannelModal, type TargetKind } from './TargetChannelModal';

/** 信息管理: the documents of one site with filters, paging and batch operations. */
export default function DocumentsPage() {
  const [siteId, setSiteId, sites] = useSiteParam();
  return (
    <PageCard title="信息管理" extra={<SiteSelect sites={sites} value={siteId} onChange={setSiteId} />}>
      <SiteGate siteId={siteId}>{(site) => <SiteDocuments key={site.id} site={site} />}</SiteGate>
    </PageCard>
  );
}

interface Filters {
  channelId?: string;
  state?: string;
  type?: string;
  q?: string;
  mine?: boolean;
  range?: [Dayjs | null, Dayjs | null] | null;
}

interface BatchResult {
  id: string;
  ok: boolean;
  title?: string;
  detail?: string;
}

type BatchAction = 'submit' | 'publish' | 'withdraw' | 'delete' | 'move' | 'copy';

const BATCH: { key: BatchAction; label: string; permission: string }[] = [
  { key: 'submit', label: '送审', permission: 'document:write' },
  { key: 'publish', label: '直接发布', permission: 'document:publish' },
  { key: 'withdraw', label: '撤稿', permission: 'document:publish' },
  { key: 'move', label: '移动到栏目…', permission: 'document:write' },
  { key: 'copy', label: '复制到栏目…', permission: 'document:write' },
  { key: 'delete', label: '删除（移入回收站）', permission: 'document:write' },
];

function SiteDocuments({ site }: { site: Site }) {
  const me = useMe();
  const can = useCan();
  const navigate = useNavigate();
  const action = useAction();
  const { modal, message } = App.useApp();
  const { data: tree, loading: channelsLoading } = useChannelTree(site.id);
  const [filters, setFilters] = useState<Filters>({});
  const [selected, setSelected] = useState<string[]>([]);
  /** The open target picker: for the ticked documents (batch) or for one document. */
  const [target, setTarget] = useState<{ kind: TargetKind; documentId?: string } | null>(null);
  const query = useMemo(
    () => ({
      siteId: site.id,
      channelId: filters.channelId,
      state: filters.state,
      type: filters.type,
      q: filters.q,
      authorId: filters.mine ? me.user.id : undefined,
      from: filters.range?.[0]?.startOf('day').toISOString(),
      to: filters.range?.[1]?.endOf('day').toISOString(),
    }),
    [site.id, filters, me.user.id],
  );
  const { data, loading, pagination, reload } = usePagedList<CmsDocument>('/cms/documents', query);
  const options = useMemo(() => channelOptions(tree), [tree]);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  /** Each document is handled on its own (POST /documents/batch): report successes and refusals apart. */
  const runBatch = async (kind: BatchAction, targetChannelId?: string) => {
    const label = BATCH.find((b) => b.key === kind)?.label.replace(/（.*|…/, '') ?? kind;
    try {
      const { results } = await api.post<{ results: BatchResult[] }>('/cms/documents/batch', {
        action: kind,
        ids: selected,
        targetChannelId,
      });
      const failed = results.filter((r) => !r.ok);
      const done = results.length - failed.length;
      if (done) message.success(`已${label} ${done} 条信息`);
      if (failed.length) {
        const reasons = [...new Set(failed.map((r) => (r.detail ? `${r.title}：${r.detail}` : r.title)))];
        message.error(`${failed.length} 条未能${label}：${reasons.join('；')}`);
      }
      setSelected(failed.map((r) => r.id));
    } catch (error) {
      message.error(errorMessage(error));
    }
    reload();
  };

  const runSingle = async (kind: TargetKind, id: string, channelIds: string[]) => {
    const body = kind === 'push' ? { targetChannelIds: channelIds } : { targetChannelId: channelIds[0] };
    const done = { move: '已移动', copy: '已复制', reference: '已引用', push: '已推送' }[kind];
    await action(() => api.post(`/cms/documents/${id}/${kind}`, body), done);
    reload();
  };

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <TreeSelect
          key={options.length}
          aria-label="栏目"
          showSearch
          treeNodeFilterProp="title"
          disabled={channelsLoading}
          allowClear
          placeholder="全部栏目"
          treeDefaultExpandAll
          style={{ width: 200 }}
          treeData={options}
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
          label="类型"
          width={110}
          options={optionsOf(DOCUMENT_TYPE)}
          value={filters.type}
          onChange={(type) => set({ type })}
        />
        <Select
          aria-label="作者"
          style={{ width: 120 }}
          value={filters.mine ? 'mine' : 'all'}
          options={[
            { value: 'all', label: '全部作者' },
            { value: 'mine', label: '我创建的' },
          ]}
          onChange={(v) => set({ mine: v === 'mine' })}
        />
        <DatePicker.RangePicker value={filters.range ?? null} onChange={(range) => set({ range })} />
        <Input.Search placeholder="标题关键字" allowClear onSearch={(q) => set({ q })} style={{ width: 200 }} />
        {can('document:write') && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() =>
              navigate(
                `/cms/documents/new?siteId=${site.id}${filters.channelId ? `&channelId=${filters.channelId}` : ''}`,
              )
            }
          >
            新建信息
          </Button>
        )}
        <Dropdown
          trigger={['click']}
          disabled={!selected.length}
          menu={{
            items: BATCH.filter((b) => can(b.permission)).map((b) => ({
              key: b.key,
              label: b.label,
              danger: b.key === 'delete',
            })),
            onClick: ({ key }) => {
              const kind = key as BatchAction;
              if (kind === 'move' || kind === 'copy') setTarget({ kind });
              else if (kind === 'delete')
                modal.confirm({
                  title: `删除选中的 ${selected.length} 条信息？`,
                  content: '删除的信息进入回收站，可以恢复。',
                  onOk: () => runBatch(kind),
                });
              else runBatch(kind);
            },
          }}
        >
          <Button>批量操作{selected.length ? `（${selected.length}）` : ''}</Button>
        </Dropdown>
      </Space>
      <Table<CmsDocument>
        rowKey="id"
        aria-label="信息列表"
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(String)) }}
        columns={[
          {
            title: '标题',
            dataIndex: 'title',
            render: (title, doc) => (
              <Space size={4}>
                <Link to={`/cms/documents/${doc.id}`}>{title}</Link>
                {doc.referenceOf && <Typography.Text type="secondary">（引用）</Typography.Text>}
                {doc.pinned && <Tag color="red">置顶</Tag>}
                {doc.isNew && <Tag color="orange">新</Tag>}
              </Space>
            ),
          },
          { title: '栏目', dataIndex: 'channelName', width: 140, render: (v) => v ?? '—' },
          { title: '类型', dataIndex: 'type', width: 70, render: (t: CmsDocument['type']) => DOCUMENT_TYPE[t] ?? t },
          { title: '状态', dataIndex: 'state', width: 90, render: (s) => <DocumentStateTag state={s} /> },
          { title: '作者', dataIndex: 'createdByName', width: 110, render: (v, d) => v ?? d.author ?? '—' },
          { title: '发布时间', dataIndex: 'publishAt', width: 170, render: formatTime },
          { title: '更新时间', dataIndex: 'updatedAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 130,
            render: (_, doc) => (
              <Space size={4}>
                <Link to={`/cms/documents/${doc.id}`}>编辑</Link>
                {can('document:write') && (
                  <Dropdown
                    trigger={['click']}
                    menu={{
                      items: [
                        { key: 'copy', label: '复制到…' },
                        { key: 'move', label: '移动到…' },
                        { key: 'reference', label: '引用到…' },
                        { key: 'push', label: '推送到其他站点…' },
                      ],
                      onClick: ({ key }) => setTarget({ kind: key as TargetKind, documentId: doc.id }),
                    }}
                  >
                    <Typography.Link>更多</Typography.Link>
                  </Dropdown>
                )}
              </Space>
            ),
          },
        ]}
      />
      {target && (
        <TargetChannelModal
          kind={target.kind}
          defaultSiteId={site.id}
          onCancel={() => setTarget(null)}
          onOk={async (channelIds) => {
            const { kind, documentId } = target;
            setTarget(null);
            if (!documentId) await runBatch(kind as 'move' | 'copy', channelIds[0]);
            else await runSingle(kind, documentId, channelIds);
          }}
        />
      )}
    </>
  );
}
