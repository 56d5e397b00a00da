import { PlusOutlined } from '@ant-design/icons';
import { Button, Col, Form, Input, Modal, Row, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { useRemote } from '../../components/data';
import { fetchOrgTree, orgNameMap, orgOptions } from '../../components/orgs';
import { PageCard } from '../../components/ui';
import { useFormSubmit } from '../../components/useFormSubmit';
import type { Site } from './api';
import { useSites } from './hooks';
import { optionsOf, SITE_STATUS, SiteStatusTag } from './labels';

type SiteValues = Omit<Site, 'id'>;

/** 站点管理: the site matrix of every site the user may see, with links into its channels and documents. */
export default function SitesPage() {
  const can = useCan();
  const { data: sites, loading, reload } = useSites();
  const { data: orgs } = useRemote(fetchOrgTree, [], []);
  const orgNames = useMemo(() => orgNameMap(orgs), [orgs]);
  const [keyword, setKeyword] = useState('');
  const [editing, setEditing] = useState<Site | 'new' | null>(null);
  const shown = useMemo(
    () => sites.filter((s) => !keyword || s.name.includes(keyword) || s.code.includes(keyword)),
    [sites, keyword],
  );
  return (
    <PageCard
      title="站点管理"
      extra={
        <>
          <Input.Search placeholder="站点名称或代码" allowClear onSearch={setKeyword} style={{ width: 220 }} />
          {can('site:manage') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              新建站点
            </Button>
          )}
        </>
      }
    >
      <Table<Site>
        rowKey="id"
        aria-label="站点列表"
        loading={loading}
        dataSource={shown}
        pagination={{ pageSize: 20, showTotal: (t) => `共 ${t} 个站点` }}
        columns={[
          { title: '站点名称', dataIndex: 'name' },
          { title: '代码', dataIndex: 'code', width: 120 },
          { title: '状态', dataIndex: 'status', width: 90, render: (s) => <SiteStatusTag status={s} /> },
          {
            title: '域名',
            dataIndex: 'domains',
            render: (domains: string[]) => domains?.map((d) => <Tag key={d}>{d}</Tag>),
          },
          { title: '主办单位', dataIndex: 'ownerOrgId', render: (id: string) => orgNames.get(id) ?? '—' },
          { title: '网站标识码', dataIndex: 'siteCode', width: 130, render: (v) => v || '—' },
          {
            title: '操作',
            width: 300,
            render: (_, site) => (
              <Space size="small" wrap>
                {can('channel:manage') && <Link to={`/cms/channels?siteId=${site.id}`}>栏目管理</Link>}
                <Link to={`/cms/documents?siteId=${site.id}`}>信息管理</Link>
                <Typography.Link href={`/sites/${site.code}/`} target="_blank" rel="noopener">
                  浏览网站
                </Typography.Link>
                {can('site:manage') && <Typography.Link onClick={() => setEditing(site)}>编辑</Typography.Link>}
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <SiteModal
          site={editing === 'new' ? null : editing}
          onClose={(saved) => {
            setEditing(null);
            if (saved) reload();
          }}
        />
      )}
    </PageCard>
  );
}

/** Optional record numbers left empty are cleared (null), an empty theme keeps the default. */
function withNulls(values: SiteValues): SiteValues {
  const { theme, ...rest } = values;
  return {
    ...rest,
    ...(theme ? { theme } : {}),
    siteCode: values.siteCode || null,
    icp: values.icp || null,
    policeRecord: values.policeRecord || null,
  };
}

function SiteModal({ site, onClose }: { site: Site | null; onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<SiteValues>();
  const { data: orgs } = useRemote(fetchOrgTree, [], []);
  const { submit, submitting } = useFormSubmit(
    form,
    (values) => {
      const body = withNulls(values);
      return site ? api.patch(`/cms/sites/${site.id}`, body) : api.post('/cms/sites', body);
    },
    site ? '站点已保存' : '站点已创建',
  );
  return (
    <Modal
      open
      title={site ? `编辑站点：${site.name}` : '新建站点'}
      okText="保存"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={640}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={site ?? { status: 'building', domains: [] }}
        requiredMark="optional"
      >
        <Row gutter={12}>
          <Col span={15}>
            <Form.Item name="name" label="站点名称" rules={[{ required: true, message: '请输入站点名称' }]}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={9}>
            <Form.Item
              name="code"
              label="站点代码"
              rules={[{ required: true, pattern: /^[a-z][a-z0-9-]{1,31}$/, message: '小写字母开头，可含数字和连字符' }]}
            >
              <Input disabled={Boolean(site)} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="ownerOrgId" label="主办单位" rules={[{ required: true, message: '请选择主办单位' }]}>
          <TreeSelect treeData={orgOptions(orgs)} showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="domains" label="域名" extra="输入后回车，可填写多个">
          <Select mode="tags" open={false} />
        </Form.Item>
        <Form.Item name="status" label="状态">
          <Select options={optionsOf(SITE_STATUS)} />
        </Form.Item>
        <Form.Item name="theme" label="主题模板">
          <Input />
        </Form.Item>
        <Form.Item name="siteCode" label="网站标识码">
          <Input />
        </Form.Item>
        <Form.Item name="icp" label="ICP备案号">
          <Input />
        </Form.Item>
        <Form.Item name="policeRecord" label="公安机关备案号">
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}
