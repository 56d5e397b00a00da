import { App, Button, Input, Popconfirm, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { usePagedList } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import type { CmsDocument } from './api';
import { DocumentStateTag } from './labels';
import { SiteSelect, useSiteParam } from './SitePicker';

/** 回收站: deleted documents of a site; restore puts them back where they were, purge removes them for good. */
export default function RecycleBinPage() {
  const can = useCan();
  const { message } = App.useApp();
  const [siteId, setSiteId, sites] = useSiteParam();
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const { data, loading, pagination, reload } = usePagedList<CmsDocument>('/cms/recycle-bin', { siteId, q });

  /** One call per document: each is its own transaction, so one failure does not undo the others. */
  const runAll = async (ids: string[], kind: 'restore' | 'purge') => {
    let done = 0;
    const failures: string[] = [];
    for (const id of ids) {
      try {
        if (kind === 'restore') await api.post(`/cms/recycle-bin/${id}/restore`);
        else await api.delete(`/cms/recycle-bin/${id}`);
        done++;
      } catch (error) {
        failures.push(errorMessage(error));
      }
    }
    const verb = kind === 'restore' ? '恢复' : '彻底删除';
    if (failures.length) message.error(`${failures.length} 条${verb}失败：${[...new Set(failures)].join('；')}`);
    if (done) message.success(`已${verb} ${done} 条信息`);
    setSelected((s) => s.filter((id) => !ids.includes(id)));
    reload();
  };

  return (
    <PageCard
      title="回收站"
      extra={
        <>
          <SiteSelect sites={sites} value={siteId} onChange={setSiteId} />
          <Input.Search placeholder="标题关键字" allowClear onSearch={setQ} style={{ width: 200 }} />
        </>
      }
    >
      <Space style={{ marginBottom: 16 }}>
        <Button disabled={!selected.length} onClick={() => runAll(selected, 'restore')}>
          恢复选中
        </Button>
        {can('document:write') && (
          <Popconfirm
            title={`彻底删除选中的 ${selected.length} 条信息？`}
            description="彻底删除后不可恢复。"
            disabled={!selected.length}
            onConfirm={() => runAll(selected, 'purge')}
          >
            <Button danger disabled={!selected.length}>
              彻底删除选中
            </Button>
          </Popconfirm>
        )}
      </Space>
      <Table<CmsDocument>
        rowKey="id"
        aria-label="回收站"
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        locale={{ emptyText: '回收站是空的' }}
        rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(String)) }}
        columns={[
          { title: '标题', dataIndex: 'title' },
          { title: '栏目', dataIndex: 'channelName', width: 140, render: (v) => v ?? '—' },
          { title: '删除前状态', dataIndex: 'state', width: 100, render: (s) => <DocumentStateTag state={s} /> },
          { title: '删除时间', dataIndex: 'deletedAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 160,
            render: (_, doc) => (
              <Space>
                <Typography.Link onClick={() => runAll([doc.id], 'restore')}>恢复</Typography.Link>
                <Popconfirm title="彻底删除后不可恢复，确定？" onConfirm={() => runAll([doc.id], 'purge')}>
                  <Typography.Link type="danger">彻底删除</Typography.Link>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
    </PageCard>
  );
}
