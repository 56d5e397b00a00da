import { ExportOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage } from '../../api/client';
import { useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { items, type PublishingSite, publishingApi, type Topic } from './api';
import { SLUG } from './logic';

/** 专题: every topic of the sites in scope; 新建 opens the designer. */
export default function TopicsPage() {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const sites = useRemote(async () => items(await publishingApi.sites()), [], [] as PublishingSite[]);
  const [siteId, setSiteId] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const [creating, setCreating] = useState(false);
  const list = useRemote(
    () => publishingApi.topics({ siteId, q: q || undefined, page: page.current, pageSize: page.pageSize }),
    [siteId, q, page.current, page.pageSize],
    { items: [] as Topic[], total: 0 },
  );

  async function remove(topic: Topic) {
    try {
      await publishingApi.deleteTopic(topic.id, topic.version);
      message.success(`已删除专题「${topic.title}」`);
      list.reload();
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  return (
    <PageCard
      title="专题"
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          新建专题
        </Button>
      }
    >
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          aria-label="站点"
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder="全部站点"
          style={{ width: 260 }}
          value={siteId}
          onChange={setSiteId}
          options={sites.data.map((s) => ({ value: s.id, label: s.name }))}
        />
        <Input.Search
          allowClear
          aria-label="搜索专题"
          placeholder="专题名称或地址"
          style={{ width: 240 }}
          onSearch={setQ}
        />
      </Space>
      <Table<Topic>
        rowKey="id"
        aria-label="专题列表"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={{
          ...page,
          total: list.data.total,
          showTotal: (t) => `共 ${t} 个专题`,
          onChange: (current, pageSize) => setPage({ current, pageSize }),
        }}
        columns={[
          {
            title: '专题',
            dataIndex: 'title',
            render: (title: string, t) => <Link to={`/publishing/topics/${t.id}`}>{title}</Link>,
          },
          { title: '网站', dataIndex: 'siteName', width: 200 },
          { title: '地址', dataIndex: 'slug', width: 160, render: (s: string) => `topics/${s}/` },
          {
            title: '状态',
            dataIndex: 'state',
            width: 100,
            render: (s: string) => (s === 'published' ? <Tag color="success">已发布</Tag> : <Tag>草稿</Tag>),
          },
          { title: '模块', dataIndex: 'modules', width: 80, render: (m: unknown[]) => m.length },
          { title: '更新时间', dataIndex: 'updatedAt', width: 180, render: formatTime },
          {
            title: '操作',
            width: 220,
            render: (_: unknown, t) => (
              <Space size={0}>
                <Button type="link" onClick={() => navigate(`/publishing/topics/${t.id}`)}>
                  设计
                </Button>
                {t.state === 'published' && t.url && (
                  <Button type="link" href={t.url} target="_blank" rel="noopener" icon={<ExportOutlined />}>
                    查看
                  </Button>
                )}
                <Popconfirm title={`删除专题「${t.title}」？`} onConfirm={() => remove(t)}>
                  <Button type="link" danger>
                    删除
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {creating && (
        <CreateTopicModal
          sites={sites.data}
          defaultSite={siteId}
          onClose={(created) => {
            setCreating(false);
            if (created) navigate(`/publishing/topics/${created.id}`);
          }}
        />
      )}
    </PageCard>
  );
}

function CreateTopicModal({
  sites,
  defaultSite,
  onClose,
}: {
  sites: PublishingSite[];
  defaultSite?: string;
  onClose(created?: Topic): void;
}) {
  const { message } = App.useApp();
  const [form] = Form.useForm<{ siteId: string; title: string; slug: string }>();
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      open
      title="新建专题"
      okText="创建并设计"
      okButtonProps={{ loading: busy }}
      onCancel={() => onClose()}
      onOk={async () => {
        const values = await form.validateFields();
        setBusy(true);
        try {
          const topic = await publishingApi.createTopic(values);
          message.success('已创建专题');
          onClose(topic);
        } catch (e) {
          message.error(errorMessage(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      <Form form={form} layout="vertical" initialValues={{ siteId: defaultSite ?? sites[0]?.id }}>
        <Form.Item name="siteId" label="所属网站" rules={[{ required: true, message: '请选择网站' }]}>
          <Select showSearch optionFilterProp="label" options={sites.map((s) => ({ value: s.id, label: s.name }))} />
        </Form.Item>
        <Form.Item name="title" label="专题名称" rules={[{ required: true, message: '请输入专题名称' }, { max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="slug"
          label="专题地址"
          extra="小写字母、数字和连字符，页面地址为 topics/<地址>/"
          rules={[
            { required: true, message: '请输入专题地址' },
            { pattern: SLUG, message: '只能包含小写字母、数字和连字符，且以字母或数字开头' },
          ]}
        >
          <Input addonBefore="topics/" addonAfter="/" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
