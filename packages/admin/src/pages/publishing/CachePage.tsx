import { ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Form, Input, Row, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { channelOptions, useChannelTree } from '../cms/hooks';
import { items, type PublishingSite, publishingApi, type RefreshKind, type RenderedPage } from './api';
import { JobProgress, useJob } from './JobProgress';
import './publishing.css';

const KIND_LABELS: Record<string, string> = {
  index: '首页',
  channel: '栏目页',
  article: '信息页',
  topic: '专题',
  '404': '404 页',
  sitemap: '站点地图',
  rss: 'RSS',
};

/**
 * 高速缓存服务: regenerate the static pages of one page (by its path), one channel (its list pages
 * and articles), a whole site, or pages picked from the table of rendered pages; each runs as a
 * job whose progress bar follows it.
 */
export default function CachePage() {
  const { message } = App.useApp();
  const sites = useRemote(async () => items(await publishingApi.sites()), [], [] as PublishingSite[]);
  const [siteId, setSiteId] = useState<string | undefined>();
  const site = sites.data.find((s) => s.id === siteId) ?? sites.data[0];
  const currentSite = site?.id;
  const channels = useChannelTree(currentSite);
  const [path, setPath] = useState('');
  const [channelId, setChannelId] = useState<string | undefined>();
  const [filters, setFilters] = useState<{ q?: string; kind?: string }>({});
  const [selected, setSelected] = useState<string[]>([]);
  const [paging, setPaging] = useState({ current: 1, pageSize: 20 });
  const pages = useRemote(
    async () =>
      currentSite
        ? await publishingApi.pages(currentSite, { ...filters, page: paging.current, pageSize: paging.pageSize })
        : { items: [] as RenderedPage[], total: 0 },
    [currentSite, filters.q, filters.kind, paging.current, paging.pageSize],
    { items: [] as RenderedPage[], total: 0 },
  );
  const { job, error, follow, active } = useJob((done) => {
    if (done.status === 'succeeded') message.success('刷新完成');
    pages.reload();
  });

  async function refresh(kind: RefreshKind, extra: { path?: string; channelId?: string; paths?: string[] }) {
    if (!currentSite) return;
    try {
      const { jobId } = await publishingApi.refresh({ siteId: currentSite, kind, ...extra });
      follow(jobId);
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  return (
    <PageCard
      title="高速缓存"
      extra={
        <Select
          aria-label="站点"
          showSearch
          optionFilterProp="label"
          style={{ width: 260 }}
          value={currentSite}
          placeholder="选择站点"
          options={sites.data.map((s) => ({ value: s.id, label: s.name }))}
          onChange={(id) => {
            setSiteId(id);
            setChannelId(undefined);
            setSelected([]);
          }}
        />
      }
    >
      <Typography.Paragraph type="secondary">
        信息发布、撤稿和模板修改会自动更新相关页面。页面内容与预期不一致时，可在这里重新生成：单个页面、一个栏目、整个网站或选中的一批页面。
      </Typography.Paragraph>
      <JobProgress job={job} error={error} label="刷新进度" />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>
          <Card size="small" title="刷新页面">
            <Form layout="vertical" onFinish={() => refresh('page', { path: path.trim().replace(/^\/+/, '') })}>
              <Form.Item label="页面路径" htmlFor="refresh-path" extra="如 index.html、xwdt/gzdt/index.html">
                <Input
                  id="refresh-path"
                  value={path}
                  onChange={(e) => setPath(e.target.value)}
                  placeholder="index.html"
                />
              </Form.Item>
              <Button htmlType="submit" icon={<ReloadOutlined />} disabled={!path.trim() || active || !currentSite}>
                刷新页面
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card size="small" title="刷新栏目">
            <Form layout="vertical">
              <Form.Item label="栏目" htmlFor="refresh-channel" extra="栏目的列表页及其下的信息页">
                <TreeSelect
                  id="refresh-channel"
                  aria-label="栏目"
                  key={channels.data.length}
                  treeDefaultExpandAll
                  showSearch
                  treeNodeFilterProp="title"
                  value={channelId}
                  onChange={setChannelId}
                  treeData={channelOptions(channels.data)}
                  placeholder="选择栏目"
                />
              </Form.Item>
              <Button
                icon={<ReloadOutlined />}
                disabled={!channelId || active}
                onClick={() => refresh('channel', { channelId })}
              >
                刷新栏目
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card size="small" title="刷新整站">
            <Typography.Paragraph>重新生成「{site?.name ?? '—'}」的全部页面（含关怀版）。</Typography.Paragraph>
            <Button icon={<ReloadOutlined />} disabled={!currentSite || active} onClick={() => refresh('site', {})}>
              刷新整站
            </Button>
          </Card>
        </Col>
      </Row>
      <Card
        size="small"
        title="已生成的页面"
        style={{ marginTop: 16 }}
        extra={
          <Button
            type="primary"
            icon={<ReloadOutlined />}
            disabled={!selected.length || active}
            onClick={() => refresh('batch', { paths: [...new Set(selected.map((k) => k.replace(/^care\//, '')))] })}
          >
            刷新选中（{selected.length}）
          </Button>
        }
      >
        <Space style={{ marginBottom: 12 }} wrap>
          <Input.Search
            allowClear
            aria-label="搜索页面"
            placeholder="按路径搜索"
            style={{ width: 280 }}
            onSearch={(q) => {
              setPaging((p) => ({ ...p, current: 1 }));
              setFilters((f) => ({ ...f, q: q || undefined }));
            }}
          />
          <Select
            allowClear
            aria-label="页面类型"
            placeholder="页面类型"
            style={{ width: 140 }}
            value={filters.kind}
            onChange={(kind) => setFilters((f) => ({ ...f, kind }))}
            options={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))}
          />
        </Space>
        <Table<RenderedPage>
          rowKey={(p) => `${p.care ? 'care/' : ''}${p.path}`}
          size="small"
          aria-label="已生成的页面"
          loading={pages.loading}
          dataSource={currentSite ? pages.data.items : []}
          pagination={{
            ...paging,
            total: pages.data.total,
            showSizeChanger: true,
            showTotal: (total) => `共 ${total} 个页面`,
            onChange: (current, pageSize) => setPaging({ current, pageSize }),
          }}
          rowSelection={{
            selectedRowKeys: selected,
            preserveSelectedRowKeys: true,
            onChange: (keys) => setSelected(keys as string[]),
          }}
          columns={[
            { title: '路径', dataIndex: 'path', render: (p: string, row) => (row.care ? `care/${p}` : p) },
            { title: '类型', dataIndex: 'kind', width: 100, render: (k: string) => <Tag>{KIND_LABELS[k] ?? k}</Tag> },
            { title: '模板', dataIndex: 'template', width: 160, render: (t?: string) => t || '—' },
            { title: '生成时间', dataIndex: 'renderedAt', width: 180, render: formatTime },
          ]}
        />
      </Card>
    </PageCard>
  );
}
