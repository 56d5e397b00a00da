import { DeleteOutlined, MergeCellsOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Row,
  Select,
  Space,
  Switch,
  Tree,
  type TreeProps,
  TreeSelect,
  Typography,
} from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import type { Channel, CustomFieldDef, Site } from './api';
import {
  CUSTOM_FIELD_KEY,
  CUSTOM_FIELD_TYPE,
  customFieldsBody,
  duplicateKeys,
  MAX_CUSTOM_FIELDS,
} from './customFields';
import { channelOptions, flattenChannels, useChannelTree } from './hooks';
import { CHANNEL_TYPE, optionsOf, REVIEW_MODE } from './labels';
import { type ChannelValues, channelBody, channelMoveTarget } from './logic';
import { SiteGate, SiteSelect, useSiteParam } from './SitePicker';

type TreeNode = NonNullable<TreeProps['treeData']>[number];

function toTreeData(nodes: Channel[]): TreeNode[] {
  return nodes.map((n) => ({
    key: n.id,
    title: `${n.name}${n.type === 'link' ? '（外链）' : n.type === 'page' ? '（单页）' : ''}`,
    children: n.children?.length ? toTreeData(n.children) : undefined,
  }));
}

/** 栏目管理: the channel tree of one site (drag and drop to move) and the selected channel's settings. */
export default function ChannelsPage() {
  const [siteId, setSiteId, sites] = useSiteParam();
  return (
    <PageCard title="栏目管理" extra={<SiteSelect sites={sites} value={siteId} onChange={setSiteId} />}>
      <SiteGate siteId={siteId}>{(site) => <SiteChannels key={site.id} site={site} />}</SiteGate>
    </PageCard>
  );
}

function SiteChannels({ site }: { site: Site }) {
  const { data: tree, reload } = useChannelTree(site.id);
  const action = useAction();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [creating, setCreating] = useState<{ parentId: string | null } | null>(null);
  const [merging, setMerging] = useState(false);
  const flat = useMemo(() => flattenChannels(tree), [tree]);
  const selected = flat.find((c) => c.id === selectedId) ?? null;

  const onDrop: TreeProps['onDrop'] = async (info) => {
    const dragId = String(info.dragNode.key);
    const pos = info.node.pos.split('-');
    const after = info.dropPosition - Number(pos[pos.length - 1]) > 0;
    const target = channelMoveTarget(flat, dragId, String(info.node.key), info.dropToGap, after);
    await action(() => api.post(`/cms/channels/${dragId}/move`, target), '栏目已移动');
    reload();
  };

  return (
    <Row gutter={16} align="top">
      <Col flex="340px">
        <Card
          size="small"
          title={`${site.name} 栏目`}
          extra={
            <Button size="small" icon={<PlusOutlined />} onClick={() => setCreating({ parentId: null })}>
              新增
            </Button>
          }
        >
          {tree.length ? (
            <Tree
              aria-label="栏目树"
              blockNode
              defaultExpandAll
              draggable={{ icon: false }}
              treeData={toTreeData(tree)}
              selectedKeys={selectedId ? [selectedId] : []}
              onSelect={(keys) => setSelectedId(keys.length ? String(keys[0]) : null)}
              onDrop={onDrop}
              style={{ maxHeight: 'calc(100vh - 300px)', overflow: 'auto' }}
            />
          ) : (
            <Empty description="暂无栏目" />
          )}
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>
            提示：拖动栏目可调整排序或移动到其他上级栏目；不能移动到自己的下级栏目中。
          </Typography.Paragraph>
        </Card>
      </Col>
      <Col flex="auto">
        {selected ? (
          <Card
            size="small"
            title={`栏目设置：${selected.name}`}
            extra={
              <Space>
                <Button size="small" icon={<PlusOutlined />} onClick={() => setCreating({ parentId: selected.id })}>
                  新增下级栏目
                </Button>
                <Button size="small" icon={<MergeCellsOutlined />} onClick={() => setMerging(true)}>
                  合并到…
                </Button>
                <Popconfirm
                  title="删除栏目"
                  description="栏目下有信息或下级栏目时不能删除。"
                  onConfirm={async () => {
                    if (await action(() => api.delete(`/cms/channels/${selected.id}`), '栏目已删除')) {
                      setSelectedId(null);
                      reload();
                    }
                  }}
                >
                  <Button size="small" danger icon={<DeleteOutlined />}>
                    删除
                  </Button>
                </Popconfirm>
              </Space>
            }
          >
            <ChannelForm
              key={`${selected.id}`}
              channel={selected}
              siteId={site.id}
              parentId={selected.parentId}
              onSaved={reload}
            />
          </Card>
        ) : (
          <Card size="small">
            <Empty description="请在左侧选择栏目" />
          </Card>
        )}
      </Col>
      <Modal
        open={Boolean(creating)}
        title="新增栏目"
        footer={null}
        destroyOnHidden
        onCancel={() => setCreating(null)}
        width={640}
      >
        {creating && (
          <ChannelForm
            channel={null}
            siteId={site.id}
            parentId={creating.parentId}
            onSaved={(created) => {
              setCreating(null);
              reload();
              if (created) setSelectedId(created);
            }}
          />
        )}
      </Modal>
      {merging && selected && (
        <MergeModal
          source={selected}
          tree={tree}
          onClose={(done) => {
            setMerging(false);
            if (done) {
              setSelectedId(null);
              reload();
            }
          }}
        />
      )}
    </Row>
  );
}

interface Category {
  code: string;
  name: string;
  enabled?: boolean;
}

function ChannelForm({
  channel,
  siteId,
  parentId,
  onSaved,
}: {
  channel: Channel | null;
  siteId: string;
  parentId: string | null;
  onSaved: (createdId?: string) => void;
}) {
  const [form] = Form.useForm<ChannelFormValues>();
  const type = Form.useWatch('type', form);
  const { data: categories } = useRemote(
    async () => asItems(await api.get<{ items: Category[] }>('/settings/channel-categories')),
    [],
    [] as Category[],
  );
  useEffect(() => {
    form.setFieldsValue((channel ?? { type: 'list', reviewMode: 'one', customFields: [] }) as ChannelFormValues);
  }, [channel, form]);
  const { submit, submitting } = useFormSubmit(
    form,
    async (raw) => {
      const values = { ...channelBody(raw), customFields: customFieldsBody(raw.customFields) };
      if (channel) {
        await api.patch(`/cms/channels/${channel.id}`, values);
        onSaved();
      } else {
        const created = await api.post<Channel>('/cms/channels', { ...values, siteId, parentId });
        onSaved(created.id);
      }
    },
    channel ? '栏目已保存' : '栏目已创建',
  );
  return (
    <Form form={form} layout="vertical" requiredMark="optional" style={{ maxWidth: 900 }}>
      <Row gutter={12}>
        <Col span={14}>
          <Form.Item name="name" label="栏目名称" rules={[{ required: true, message: '请输入栏目名称' }]}>
            <Input maxLength={60} />
          </Form.Item>
        </Col>
        <Col span={10}>
          <Form.Item
            name="code"
            label="栏目代码"
            rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_-]*$/, message: '小写字母、数字、下划线和连字符' }]}
          >
            <Input />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="type" label="栏目类型">
            <Select options={optionsOf(CHANNEL_TYPE)} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="category" label="栏目类别" extra="用于网站监测的栏目更新统计">
            <Select
              allowClear
              options={categories.filter((c) => c.enabled !== false).map((c) => ({ value: c.code, label: c.name }))}
            />
          </Form.Item>
        </Col>
        {type === 'link' && (
          <Col span={24}>
            <Form.Item name="linkUrl" label="外链地址" rules={[{ required: true, type: 'url', message: '请输入网址' }]}>
              <Input placeholder="https://" />
            </Form.Item>
          </Col>
        )}
        <Col span={12}>
          <Form.Item name="updateCycleDays" label="更新周期（天）" extra="超过该天数未更新视为不及时">
            <InputNumber min={1} max={365} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="reviewMode" label="审核方式">
            <Select options={optionsOf(REVIEW_MODE)} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item
            name="reviewProcess"
            label="审核流程"
            extra="选择流程中心的流程后，审核任务进入审核人的“我的任务”，级数仍按审核方式"
          >
            <Select
              allowClear
              placeholder="平台内置审核"
              options={[{ value: 'cms-review', label: '流程中心：信息审核（默认流程）' }]}
            />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name={['templates', 'list']} label="列表页模板">
            <Input placeholder="默认模板" />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name={['templates', 'article']} label="详情页模板">
            <Input placeholder="默认模板" />
          </Form.Item>
        </Col>
      </Row>
      <CustomFieldsEditor />
      <Button type="primary" loading={submitting} onClick={submit}>
        保存
      </Button>
    </Form>
  );
}

type ChannelFormValues = ChannelValues & { customFields?: Partial<CustomFieldDef>[] };

const typeOptions = Object.entries(CUSTOM_FIELD_TYPE).map(([value, label]) => ({ value, label }));

/** 自定义字段: one row per field; saved with the channel, rendered by the document editor. */
function CustomFieldsEditor() {
  return (
    <Form.List name="customFields">
      {(rows, { add, remove }) => (
        <Card
          size="small"
          title="自定义字段"
          style={{ marginBottom: 16 }}
          extra={
            <Button
              size="small"
              icon={<PlusOutlined />}
              disabled={rows.length >= MAX_CUSTOM_FIELDS}
              onClick={() => add({ type: 'text', required: false })}
            >
              添加字段
            </Button>
          }
        >
          {rows.length === 0 && <Typography.Text type="secondary">本栏目的信息没有自定义字段。</Typography.Text>}
          {rows.map((row) => (
            <Row key={row.key} gutter={8} align="top" aria-label={`自定义字段 ${row.name + 1}`} role="group">
              <Col span={5}>
                <Form.Item
                  name={[row.name, 'key']}
                  label="字段代码"
                  rules={[
                    { required: true, pattern: CUSTOM_FIELD_KEY, message: '小写字母开头，字母、数字、下划线' },
                    ({ getFieldValue }) => ({
                      validator: (_, value) =>
                        value && duplicateKeys(getFieldValue('customFields')).has(value)
                          ? Promise.reject(new Error('字段代码重复'))
                          : Promise.resolve(),
                    }),
                  ]}
                >
                  <Input placeholder="如 docNo" />
                </Form.Item>
              </Col>
              <Col span={5}>
                <Form.Item
                  name={[row.name, 'label']}
                  label="名称"
                  rules={[{ required: true, whitespace: true, max: 40, message: '请输入 1–40 字的名称' }]}
                >
                  <Input />
                </Form.Item>
              </Col>
              <Col span={4}>
                <Form.Item name={[row.name, 'type']} label="类型">
                  <Select aria-label="类型" options={typeOptions} />
                </Form.Item>
              </Col>
              <Col span={6}>
                <Form.Item
                  noStyle
                  shouldUpdate={(a, b) => a.customFields?.[row.name]?.type !== b.customFields?.[row.name]?.type}
                >
                  {({ getFieldValue }) =>
                    getFieldValue(['customFields', row.name, 'type']) === 'select' ? (
                      <Form.Item
                        name={[row.name, 'options']}
                        label="选项"
                        rules={[{ required: true, type: 'array', min: 1, message: '请至少输入一个选项' }]}
                      >
                        <Select aria-label="选项" mode="tags" open={false} placeholder="输入后回车" />
                      </Form.Item>
                    ) : null
                  }
                </Form.Item>
              </Col>
              <Col span={2}>
                <Form.Item name={[row.name, 'required']} label="必填" valuePropName="checked">
                  <Switch size="small" />
                </Form.Item>
              </Col>
              <Col span={2}>
                <Form.Item label=" ">
                  <Button
                    size="small"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label="删除字段"
                    onClick={() => remove(row.name)}
                  />
                </Form.Item>
              </Col>
            </Row>
          ))}
        </Card>
      )}
    </Form.List>
  );
}

function MergeModal({ source, tree, onClose }: { source: Channel; tree: Channel[]; onClose: (done: boolean) => void }) {
  const action = useAction();
  const [targetId, setTargetId] = useState<string>();
  const options = useMemo(() => channelOptions(tree, (c) => c.id === source.id), [tree, source.id]);
  return (
    <Modal
      open
      title={`合并栏目：${source.name}`}
      okText="合并"
      okButtonProps={{ disabled: !targetId, danger: true }}
      onCancel={() => onClose(false)}
      onOk={async () => {
        if (await action(() => api.post(`/cms/channels/${source.id}/merge`, { targetId }), '栏目已合并')) onClose(true);
      }}
    >
      <Typography.Paragraph>「{source.name}」的信息将移入目标栏目，随后删除该栏目。</Typography.Paragraph>
      <TreeSelect
        aria-label="目标栏目"
        showSearch
        treeNodeFilterProp="title"
        style={{ width: '100%' }}
        treeDefaultExpandAll
        placeholder="选择目标栏目"
        treeData={options}
        value={targetId}
        onChange={setTargetId}
      />
    </Modal>
  );
}
