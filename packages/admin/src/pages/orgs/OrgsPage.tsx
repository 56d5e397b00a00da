import { ApartmentOutlined, CheckCircleOutlined, DeleteOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import {
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Row,
  Select,
  Space,
  Spin,
  Tree,
  type TreeProps,
  TreeSelect,
  Typography,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { useDictionaryOptions, useRemote } from '../../components/data';
import { FormModal } from '../../components/FormModal';
import { fetchOrgTree, findOrg, moveTarget, type OrgNode, orgOptions } from '../../components/orgs';
import { StatusTag } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';

interface OrgValues {
  parentId?: string | null;
  name: string;
  shortName?: string;
  level: string;
  code?: string;
  order?: number;
}

type TreeNode = NonNullable<TreeProps['treeData']>[number];

function toTreeData(nodes: OrgNode[]): TreeNode[] {
  return nodes.map((n) => ({
    key: n.id,
    title: (
      <span style={{ color: n.status === 'disabled' ? '#bfbfbf' : undefined }}>
        {n.name}
        {n.status === 'disabled' && '（已停用）'}
      </span>
    ),
    children: n.children?.length ? toTreeData(n.children) : undefined,
  }));
}

/** Which org commands the signed-in user may run (the server checks scope per org as well). */
interface OrgRights {
  create: boolean;
  update: boolean;
  remove: boolean;
}

export default function OrgsPage() {
  const can = useCan();
  const action = useAction();
  const { data: tree, loading, reload } = useRemote(fetchOrgTree, [], []);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<React.Key[]>([]);
  const [creatingUnder, setCreatingUnder] = useState<string | null | undefined>(undefined);
  const [keyword, setKeyword] = useState('');
  const selected = selectedId ? findOrg(tree, selectedId) : undefined;
  const rights: OrgRights = { create: can('org:create'), update: can('org:update'), remove: can('org:delete') };

  useEffect(() => {
    if (tree.length && expanded.length === 0) setExpanded(tree.map((n) => n.id));
  }, [tree, expanded.length]);

  const visibleTree = useMemo(() => (keyword ? filterTree(tree, keyword) : tree), [tree, keyword]);

  const onDrop: TreeProps['onDrop'] = async (info) => {
    const dragId = String(info.dragNode.key);
    const dropId = String(info.node.key);
    const pos = info.node.pos.split('-');
    const after = info.dropPosition - Number(pos[pos.length - 1]) > 0;
    const target = moveTarget(tree, dragId, dropId, info.dropToGap, after);
    if (await action(() => api.post(`/identity/orgs/${dragId}/move`, target), '已调整组织位置')) reload();
    else reload();
  };

  return (
    <Row gutter={16} align="top">
      <Col flex="360px">
        <Card
          title={
            <Space>
              <ApartmentOutlined />
              组织机构
            </Space>
          }
          extra={
            rights.create && (
              <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setCreatingUnder(selectedId)}>
                新增
              </Button>
            )
          }
        >
          <Input.Search
            placeholder="搜索组织名称"
            allowClear
            onChange={(e) => setKeyword(e.target.value.trim())}
            style={{ marginBottom: 12 }}
          />
          <Spin spinning={loading}>
            {visibleTree.length ? (
              <Tree
                aria-label="组织机构树"
                blockNode
                draggable={rights.update && !keyword ? { icon: false } : false}
                treeData={toTreeData(visibleTree)}
                expandedKeys={keyword ? undefined : expanded}
                defaultExpandAll={Boolean(keyword)}
                onExpand={setExpanded}
                selectedKeys={selectedId ? [selectedId] : []}
                onSelect={(keys) => setSelectedId(keys.length ? String(keys[0]) : null)}
                onDrop={onDrop}
                style={{ maxHeight: 'calc(100vh - 260px)', overflow: 'auto' }}
              />
            ) : (
              <Empty description={loading ? '加载中' : '暂无组织'} />
            )}
          </Spin>
          {rights.update && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>
              提示：拖动节点可调整排序或移动到其他上级组织。
            </Typography.Paragraph>
          )}
        </Card>
      </Col>
      <Col flex="auto">
        {selected ? (
          <OrgDetail
            key={selected.id}
            org={selected}
            tree={tree}
            rights={rights}
            onChanged={reload}
            onDeleted={() => {
              setSelectedId(null);
              reload();
            }}
            onAddChild={() => setCreatingUnder(selected.id)}
          />
        ) : (
          <Card>
            <Empty description="请在左侧选择一个组织查看或编辑" />
          </Card>
        )}
      </Col>
      <CreateOrgModal
        open={creatingUnder !== undefined}
        parentId={creatingUnder ?? null}
        tree={tree}
        onClose={() => setCreatingUnder(undefined)}
        onCreated={(id) => {
          setCreatingUnder(undefined);
          setSelectedId(id);
          reload();
        }}
      />
    </Row>
  );
}

function filterTree(nodes: OrgNode[], keyword: string): OrgNode[] {
  return nodes.flatMap((n) => {
    const children = filterTree(n.children ?? [], keyword);
    const hit = n.name.includes(keyword) || (n.shortName ?? '').includes(keyword);
    return hit || children.length ? [{ ...n, children }] : [];
  });
}

function OrgFields({ withParent, tree }: { withParent: boolean; tree: OrgNode[] }) {
  const options = useMemo(() => orgOptions(tree), [tree]);
  const levels = useDictionaryOptions('org_level');
  return (
    <>
      {withParent && (
        <Form.Item name="parentId" label="上级组织" extra="不选择则作为顶级组织">
          <TreeSelect
            treeData={options}
            allowClear
            showSearch
            treeNodeFilterProp="title"
            placeholder="请选择上级组织"
            treeDefaultExpandAll={false}
          />
        </Form.Item>
      )}
      <Form.Item
        name="name"
        label="全称"
        rules={[
          { required: true, message: '请输入组织全称' },
          { max: 100, message: '全称最多 100 个字' },
        ]}
      >
        <Input placeholder="如：新乡市人民政府办公室" />
      </Form.Item>
      <Form.Item name="shortName" label="简称" rules={[{ max: 30, message: '简称最多 30 个字' }]}>
        <Input placeholder="如：市政府办" />
      </Form.Item>
      <Form.Item
        name="level"
        label="行政级别"
        rules={[{ required: true, message: '请选择行政级别' }]}
        extra="选项来自数据字典「行政级别」"
      >
        <Select
          options={levels}
          showSearch
          optionFilterProp="label"
          placeholder="请选择行政级别"
          style={{ width: 200 }}
        />
      </Form.Item>
      <Form.Item
        name="code"
        label="组织编码"
        extra="统一社会信用代码，18 位"
        rules={[{ pattern: /^[0-9A-Z]{18}$/, message: '统一社会信用代码为 18 位数字或大写字母' }]}
      >
        <Input placeholder="如：11410700005XXXXXXX" maxLength={18} />
      </Form.Item>
      <Form.Item name="order" label="排序" extra="在同级组织中的位置，0 为第一个；不填则排在最后">
        <InputNumber min={0} precision={0} style={{ width: 160 }} />
      </Form.Item>
    </>
  );
}

/** Empty optional text becomes null so it clears the stored value. */
function orgFields(values: OrgValues) {
  return { name: values.name, shortName: values.shortName || null, level: values.level, code: values.code || null };
}

function CreateOrgModal({
  open,
  parentId,
  tree,
  onClose,
  onCreated,
}: {
  open: boolean;
  parentId: string | null;
  tree: OrgNode[];
  onClose(): void;
  onCreated(id: string): void;
}) {
  const [form] = Form.useForm<OrgValues>();
  const save = useCallback(
    async (values: OrgValues) => {
      const created = await api.post<{ id: string }>('/identity/orgs', {
        ...orgFields(values),
        parentId: values.parentId ?? null,
        order: values.order ?? undefined,
      });
      onCreated(created.id);
    },
    [onCreated],
  );
  return (
    <FormModal
      title="新增组织"
      open={open}
      onClose={onClose}
      width={560}
      form={form}
      save={save}
      success="组织已创建"
      initialValues={{ parentId: parentId ?? undefined }}
    >
      <OrgFields withParent tree={tree} />
    </FormModal>
  );
}

function OrgDetail({
  org,
  tree,
  rights,
  onChanged,
  onDeleted,
  onAddChild,
}: {
  org: OrgNode;
  tree: OrgNode[];
  rights: OrgRights;
  onChanged(): void;
  onDeleted(): void;
  onAddChild(): void;
}) {
  const [form] = Form.useForm<OrgValues>();
  const action = useAction();
  const save = useCallback(
    async (values: OrgValues) => {
      await api.patch(`/identity/orgs/${org.id}`, orgFields(values));
      // Position among siblings is changed by the move command, which renumbers the other siblings.
      if (values.order !== undefined && values.order !== null && values.order !== (org.order ?? 0)) {
        await api.post(`/identity/orgs/${org.id}/move`, { parentId: org.parentId, order: values.order });
      }
      onChanged();
    },
    [org, onChanged],
  );
  const { submit, submitting } = useFormSubmit(form, save, '已保存');
  const enabled = org.status === 'enabled';
  // A move or save elsewhere changes this org's data (its position at least); show the fresh values.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `org` is the trigger, not a value read inside.
  useEffect(() => {
    form.resetFields();
  }, [org, form]);

  const toggle = async () => {
    const verb = enabled ? 'disable' : 'enable';
    if (await action(() => api.post(`/identity/orgs/${org.id}/${verb}`), enabled ? '已停用' : '已启用')) onChanged();
  };
  const remove = async () => {
    if (await action(() => api.delete(`/identity/orgs/${org.id}`), '已删除')) onDeleted();
  };

  return (
    <Card
      title={
        <Space>
          {org.name}
          <StatusTag status={org.status} />
        </Space>
      }
      extra={
        <Space>
          {rights.create && (
            <Button icon={<PlusOutlined />} onClick={onAddChild}>
              新增下级
            </Button>
          )}
          {rights.update && (
            <Popconfirm
              title={enabled ? '停用后该组织下的用户将无法被分配到此组织，确定停用？' : '确定启用该组织？'}
              onConfirm={toggle}
            >
              <Button icon={enabled ? <StopOutlined /> : <CheckCircleOutlined />}>{enabled ? '停用' : '启用'}</Button>
            </Popconfirm>
          )}
          {rights.remove && (
            <Popconfirm
              title="删除后不可恢复。仍有下级组织或用户的组织不能删除，确定删除？"
              okButtonProps={{ danger: true }}
              onConfirm={remove}
            >
              <Button danger icon={<DeleteOutlined />}>
                删除
              </Button>
            </Popconfirm>
          )}
        </Space>
      }
    >
      <Form
        form={form}
        layout="horizontal"
        labelCol={{ flex: '100px' }}
        wrapperCol={{ style: { maxWidth: 480 } }}
        disabled={!rights.update}
        initialValues={{
          name: org.name,
          shortName: org.shortName ?? '',
          level: org.level,
          code: org.code ?? '',
          order: org.order ?? org.sortOrder ?? 0,
        }}
        onFinish={submit}
      >
        <OrgFields withParent={false} tree={tree} />
        {rights.update && (
          <Form.Item label=" " colon={false}>
            <Button type="primary" htmlType="submit" loading={submitting}>
              保存
            </Button>
          </Form.Item>
        )}
      </Form>
    </Card>
  );
}
