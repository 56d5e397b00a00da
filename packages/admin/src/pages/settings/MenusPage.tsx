import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
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
  Tag,
  Tree,
  TreeSelect,
} from 'antd';
import { useCallback, useMemo, useState } from 'react';
import { api } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { groupPermissions, type PermissionsBody } from '../../components/permissions';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import { consoleRoutes, iconNames } from '../../routes';

interface MenuItem {
  id: string;
  parentId: string | null;
  name: string;
  path: string | null;
  icon: string | null;
  permission: string | null;
  order: number;
  visible: boolean;
  children: MenuItem[];
}

interface MenuValues {
  parentId?: string | null;
  name: string;
  path?: string;
  icon?: string;
  permission?: string;
  order?: number;
  visible: boolean;
}

function find(nodes: MenuItem[], id: string): MenuItem | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const hit = find(n.children, id);
    if (hit) return hit;
  }
  return undefined;
}

function treeData(
  nodes: MenuItem[],
): { key: string; value: string; title: React.ReactNode; children?: ReturnType<typeof treeData> }[] {
  return nodes.map((n) => ({
    key: n.id,
    value: n.id,
    title: (
      <Space size={4}>
        {n.name}
        {!n.visible && <Tag>隐藏</Tag>}
        {n.path && <span style={{ color: '#8c8c8c', fontSize: 12 }}>{n.path}</span>}
      </Space>
    ),
    children: n.children.length ? treeData(n.children) : undefined,
  }));
}

/** Empty inputs mean "no value": the server stores null so the item becomes a group or public. */
function menuBody(values: MenuValues) {
  return {
    ...values,
    parentId: values.parentId ?? null,
    path: values.path || null,
    icon: values.icon || null,
    permission: values.permission || null,
  };
}

export default function MenusPage() {
  const action = useAction();
  const menus = useRemote(
    async () => asItems(await api.get<{ items: MenuItem[] }>('/settings/menus')),
    [],
    [] as MenuItem[],
  );
  const permissions = useRemote(
    async () => groupPermissions(await api.get<PermissionsBody>('/identity/permissions')),
    [],
    [],
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState<string | null | undefined>(undefined);
  const current = selected ? find(menus.data, selected) : undefined;
  const permissionOptions = useMemo(
    () =>
      permissions.data.map((g) => ({
        label: g.group,
        options: g.permissions.map((p) => ({ value: p.code, label: `${p.name}（${p.code}）` })),
      })),
    [permissions.data],
  );

  const remove = async (id: string) => {
    if (await action(() => api.delete(`/settings/menus/${id}`), '菜单已删除')) {
      setSelected(null);
      menus.reload();
    }
  };

  return (
    <Row gutter={16} wrap={false}>
      <Col flex="380px">
        <Card
          title="菜单配置"
          extra={
            <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setCreating(selected)}>
              新增菜单
            </Button>
          }
        >
          {menus.data.length ? (
            <Tree
              blockNode
              defaultExpandAll
              key={menus.data.length}
              treeData={treeData(menus.data)}
              selectedKeys={selected ? [selected] : []}
              onSelect={(keys) => setSelected(keys.length ? String(keys[0]) : null)}
            />
          ) : (
            <Empty description={menus.loading ? '加载中' : '暂无菜单'} />
          )}
        </Card>
      </Col>
      <Col flex="auto" style={{ minWidth: 0 }}>
        {current ? (
          <MenuForm
            key={current.id}
            menu={current}
            menus={menus.data}
            permissionOptions={permissionOptions}
            onSaved={menus.reload}
            extra={
              <Popconfirm
                title="删除该菜单？有下级菜单时不能删除。"
                okButtonProps={{ danger: true }}
                onConfirm={() => remove(current.id)}
              >
                <Button danger icon={<DeleteOutlined />}>
                  删除
                </Button>
              </Popconfirm>
            }
          />
        ) : (
          <Card>
            <Empty description="请选择菜单项" />
          </Card>
        )}
      </Col>
      <Modal
        title="新增菜单"
        open={creating !== undefined}
        footer={null}
        onCancel={() => setCreating(undefined)}
        destroyOnHidden
        width={600}
      >
        <MenuForm
          parentId={creating ?? null}
          menus={menus.data}
          permissionOptions={permissionOptions}
          onSaved={(id) => {
            setCreating(undefined);
            if (id) setSelected(id);
            menus.reload();
          }}
        />
      </Modal>
    </Row>
  );
}

function MenuForm({
  menu,
  parentId,
  menus,
  permissionOptions,
  onSaved,
  extra,
}: {
  menu?: MenuItem;
  parentId?: string | null;
  menus: MenuItem[];
  permissionOptions: { label: string; options: { value: string; label: string }[] }[];
  onSaved(id?: string): void;
  extra?: React.ReactNode;
}) {
  const [form] = Form.useForm<MenuValues>();
  const save = useCallback(
    async (values: MenuValues) => {
      if (menu) {
        await api.patch(`/settings/menus/${menu.id}`, menuBody(values));
        onSaved(menu.id);
      } else {
        const created = await api.post<{ id: string }>('/settings/menus', menuBody(values));
        onSaved(created.id);
      }
    },
    [menu, onSaved],
  );
  const { submit, submitting } = useFormSubmit(form, save, menu ? '菜单已保存' : '菜单已创建');
  const pathOptions = consoleRoutes.map((r) => ({ value: r.path, label: `${r.title}  ${r.path}` }));
  const body = (
    <Form
      form={form}
      layout="vertical"
      initialValues={
        menu
          ? {
              parentId: menu.parentId,
              name: menu.name,
              path: menu.path ?? undefined,
              icon: menu.icon ?? undefined,
              permission: menu.permission ?? undefined,
              order: menu.order,
              visible: menu.visible,
            }
          : { parentId: parentId ?? undefined, order: 0, visible: true }
      }
      onFinish={submit}
    >
      <Form.Item name="parentId" label="上级菜单" extra="不选择则为一级菜单">
        <TreeSelect treeData={treeData(menus)} allowClear treeDefaultExpandAll placeholder="一级菜单" />
      </Form.Item>
      <Form.Item name="name" label="菜单名称" rules={[{ required: true, message: '请输入菜单名称' }]}>
        <Input />
      </Form.Item>
      <Form.Item name="path" label="页面路径" extra="分组菜单不填路径；页面菜单填写管理后台内的路径，以 / 开头">
        <Select showSearch allowClear options={pathOptions} placeholder="选择已有页面" />
      </Form.Item>
      <Form.Item name="permission" label="所需权限" extra="不选择则所有登录用户可见">
        <Select
          showSearch
          allowClear
          options={permissionOptions}
          optionFilterProp="label"
          placeholder="所有登录用户可见"
        />
      </Form.Item>
      <Row gutter={16}>
        <Col span={10}>
          <Form.Item name="icon" label="图标">
            <Select allowClear options={iconNames.map((n) => ({ value: n, label: n }))} />
          </Form.Item>
        </Col>
        <Col span={7}>
          <Form.Item name="order" label="排序">
            <InputNumber precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col span={7}>
          <Form.Item name="visible" label="显示" valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Space>
        <Button type="primary" htmlType="submit" loading={submitting}>
          保存
        </Button>
        {extra}
      </Space>
    </Form>
  );
  return menu ? <Card title={`菜单：${menu.name}`}>{body}</Card> : body;
}
