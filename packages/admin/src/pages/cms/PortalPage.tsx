import {
  AuditOutlined,
  DeleteOutlined,
  FileTextOutlined,
  FormOutlined,
  GlobalOutlined,
  PictureOutlined,
} from '@ant-design/icons';
import { Badge, Button, Card, Col, Input, List, Row, Space, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { displayNameOf, useCan, useMe } from '../../auth/session';
import { asItems, useRemote } from '../../components/data';
import { formatTime } from '../../components/ui';
import type { DocumentState } from './api';
import { useSites } from './hooks';
import { DocumentStateTag } from './labels';

/** A document as the portal lists it: enough to show and open it. */
interface DocumentLine {
  id: string;
  title: string;
  /** Review inbox entries are pending by definition and carry no state. */
  state?: DocumentState;
  siteName?: string | null;
  channelName?: string | null;
  updatedAt?: string | null;
  publishAt?: string | null;
  submittedAt?: string | null;
}

interface OverdueChannel {
  id: string;
  name: string;
  siteId: string;
  siteName: string;
  updateCycleDays: number;
  lastPublishedAt: string | null;
}

/** GET /api/cms/portal (portal.ts). */
interface Portal {
  counts: {
    sites: number;
    myDrafts: number;
    mySubmissions: number;
    reviewInbox: number;
    publishedThisWeek: number;
    overdueChannels: number;
  };
  myDrafts: DocumentLine[];
  mySubmissions: DocumentLine[];
  reviewInbox: DocumentLine[];
  recentPublications: DocumentLine[];
  overdueChannels: OverdueChannel[];
}

const EMPTY: Portal = {
  counts: { sites: 0, myDrafts: 0, mySubmissions: 0, reviewInbox: 0, publishedThisWeek: 0, overdueChannels: 0 },
  myDrafts: [],
  mySubmissions: [],
  reviewInbox: [],
  recentPublications: [],
  overdueChannels: [],
};

function DocList({ items, empty, time }: { items: DocumentLine[]; empty: string; time: keyof DocumentLine }) {
  return (
    <List
      size="small"
      dataSource={items}
      locale={{ emptyText: empty }}
      renderItem={(d) => (
        <List.Item extra={<Typography.Text type="secondary">{formatTime(d[time] as string)}</Typography.Text>}>
          <Space size={4} style={{ minWidth: 0 }}>
            <DocumentStateTag state={d.state ?? 'pending'} />
            <Link to={`/cms/documents/${d.id}`} title={d.title}>
              {d.title}
            </Link>
            {d.channelName && <Typography.Text type="secondary">［{d.channelName}］</Typography.Text>}
          </Space>
        </List.Item>
      )}
    />
  );
}

function QuickAction({ icon, title, to }: { icon: ReactNode; title: string; to: string }) {
  const navigate = useNavigate();
  return (
    <Button size="large" icon={icon} onClick={() => navigate(to)} style={{ width: '100%' }}>
      {title}
    </Button>
  );
}

/** 工作门户: the editor's home — own drafts and submissions, the review inbox, recent publications, search. */
export default function PortalPage() {
  const me = useMe();
  const can = useCan();
  const { data: sites } = useSites();
  const { data: portal, loading } = useRemote(
    async () => ({ ...EMPTY, ...(await api.get<Portal>('/cms/portal')) }),
    [],
    EMPTY,
  );
  const [q, setQ] = useState('');
  const { data: hits, loading: searching } = useRemote(
    async () => (q ? asItems(await api.get<{ items: DocumentLine[] }>('/cms/search', { q })) : []),
    [q],
    [] as DocumentLine[],
  );
  const firstSite = sites[0]?.id;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card>
        <Row gutter={16} align="middle">
          <Col flex="auto">
            <Typography.Title level={4} style={{ margin: 0 }}>
              {displayNameOf(me.user)}，您好
            </Typography.Title>
            <Typography.Text type="secondary">
              您可管理 {portal.counts.sites} 个站点；草稿 {portal.counts.myDrafts} 篇，送审中{' '}
              {portal.counts.mySubmissions} 篇
              {can('document:review') ? `，待您审核 ${portal.counts.reviewInbox} 篇` : ''}；本周发布{' '}
              {portal.counts.publishedThisWeek} 篇。
            </Typography.Text>
          </Col>
          <Col flex="420px">
            <Input.Search
              size="large"
              placeholder="在我的站点中按标题搜索信息"
              aria-label="搜索信息"
              allowClear
              enterButton="搜索"
              loading={searching}
              onSearch={(v) => setQ(v.trim())}
            />
          </Col>
        </Row>
        {q && (
          <Card size="small" title={`“${q}” 的搜索结果`} style={{ marginTop: 16 }}>
            <DocList items={hits} empty="没有找到标题包含该关键字的信息" time="updatedAt" />
          </Card>
        )}
      </Card>
      <Card title="快捷操作" size="small">
        <Row gutter={[12, 12]}>
          {can('document:write') && firstSite && (
            <Col xs={12} md={4}>
              <QuickAction icon={<FormOutlined />} title="新建信息" to={`/cms/documents/new?siteId=${firstSite}`} />
            </Col>
          )}
          <Col xs={12} md={4}>
            <QuickAction icon={<FileTextOutlined />} title="信息管理" to="/cms/documents" />
          </Col>
          {can('document:review') && (
            <Col xs={12} md={4}>
              <Badge count={portal.counts.reviewInbox} style={{ zIndex: 2 }}>
                <QuickAction icon={<AuditOutlined />} title="信息审核" to="/cms/review" />
              </Badge>
            </Col>
          )}
          {can('file:read') && (
            <Col xs={12} md={4}>
              <QuickAction icon={<PictureOutlined />} title="文件资源" to="/cms/files" />
            </Col>
          )}
          <Col xs={12} md={4}>
            <QuickAction icon={<GlobalOutlined />} title="站点管理" to="/cms/sites" />
          </Col>
          {can('document:write') && (
            <Col xs={12} md={4}>
              <QuickAction icon={<DeleteOutlined />} title="回收站" to="/cms/recycle-bin" />
            </Col>
          )}
        </Row>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title="我的草稿" size="small" loading={loading} style={{ marginBottom: 16 }}>
            <DocList items={portal.myDrafts} empty="没有草稿" time="updatedAt" />
          </Card>
          <Card title="我的送审" size="small" loading={loading}>
            <DocList items={portal.mySubmissions} empty="没有等待审核的信息" time="updatedAt" />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          {can('document:review') && (
            <Card
              title="待我审核"
              size="small"
              loading={loading}
              style={{ marginBottom: 16 }}
              extra={<Link to="/cms/review">全部</Link>}
            >
              <DocList items={portal.reviewInbox} empty="没有待审核的信息" time="submittedAt" />
            </Card>
          )}
          <Card title="最近发布" size="small" loading={loading}>
            <DocList items={portal.recentPublications} empty="近期没有发布信息" time="publishAt" />
          </Card>
          {portal.counts.overdueChannels > 0 && (
            <Card
              title={`栏目更新提醒（${portal.counts.overdueChannels} 个栏目超过更新周期）`}
              size="small"
              style={{ marginTop: 16 }}
            >
              <List
                size="small"
                dataSource={portal.overdueChannels}
                renderItem={(c) => (
                  <List.Item
                    extra={
                      <Typography.Text type="warning">
                        {c.lastPublishedAt ? `上次发布 ${formatTime(c.lastPublishedAt)}` : '从未发布'}
                      </Typography.Text>
                    }
                  >
                    <Link to={`/cms/documents?siteId=${c.siteId}`}>
                      {c.siteName} · {c.name}
                    </Link>
                    <Typography.Text type="secondary">（每 {c.updateCycleDays} 天）</Typography.Text>
                  </List.Item>
                )}
              />
            </Card>
          )}
        </Col>
      </Row>
    </Space>
  );
}
