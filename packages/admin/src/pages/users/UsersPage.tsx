import { DownOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  Drawer,
  Dropdown,
  Form,
  Input,
  type MenuProps,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Tree,
  TreeSelect,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useMemo, useRef, useState } from 'react';
import { api, type Page } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { fetchOrgTree, type OrgNode, orgNameMap, orgOptions } from '../../components/orgs';
import { formatTime, PageCard, StatusTag } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';

interface RoleGrant {
  roleId: string;
  code?: string;
  name?: string;
  roleName?: string;
  scopeOrgId?: string | null;
}

export interface UserItem {
  id: string;
  username: string;
  displayName: string;
  orgId: string;
  orgName?: string;
  phone?: string | null;
  email?: string | null;
  status: 'enabled' | 'disabled' | 'deleted';
  locked?: boolean;
  lockedUntil?: string | null;
  roles?: RoleGrant[];
  lastLoginAt?: string | null;
  createdAt?: string;
}

interface Role {
  id: string;
  code: string;
  name: string;
}

interface UserValues {
  displayName: string;
  username: string;
  password?: string;
  phone?: string;
  email?: string;
  orgId: string;
  grants: { roleId: string; scopeOrgId?: string | null }[];
}

type UserAction = 'enable' | 'disable' | 'unlock' | 'reset' | 'delete';
const ACTION_DONE: Record<UserAction, string> = {
  enable: '已启用',
  disable: '已停用',
  unlock: '已解锁',
  reset: '口令已重置',
  delete: '已删除',
};

/** The row's "更多" menu: only what the viewer's permissions and the user's state allow. */
function userActions(u: UserItem, can: (permission: string) => boolean): MenuProps['items'] & object {
  if (u.status === 'deleted') return [];
  const items: NonNullable<MenuProps['items']> = [];
  if (can('user:update')) {
    items.push(u.status === 'enabled' ? { key: 'disable', label: '停用' } : { key: 'enable', label: '启用' });
    items.push({ key: 'reset', label: '重置口令' });
  }
  if (can('user:unlock') && isLocked(u)) items.push({ key: 'unlock', label: '解锁' });
  if (can('user:delete')) items.push({ type: 'divider' }, { key: 'delete', label: '删除', danger: true });
  return items;
}

const isLocked = (u: UserItem) => Boolean(u.locked || (u.lockedUntil && new Date(u.lockedUntil) > new Date()));

export default function UsersPage() {
  const can = useCan();
  const action = useAction();
  const { modal } = App.useApp();
  const [filters, setFilters] = useState<{ q?: string; status?: string; orgId?: string }>({});
  const list = usePagedList<UserItem>('/identity/users', filters);
  const orgs = useRemote(fetchOrgTree, [], []);
  const roles = useRemote(
    async () => asItems(await api.get<Page<Role> | Role[]>('/identity/roles', { pageSize: 200 })),
    [],
    [] as Role[],
  );
  const [editing, setEditing] = useState<UserItem | 'new' | null>(null);
  const names = useMemo(() => orgNameMap(orgs.data), [orgs.data]);
  const shortNames = useMemo(() => orgNameMap(orgs.data, new Map(), true), [orgs.data]);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    if (await action(fn, done)) list.reload();
  };

  const onAction = (u: UserItem, key: UserAction) => {
    if (key === 'reset') {
      modal.confirm({
        title: `重置 ${u.displayName} 的口令？`,
        content: '原口令立即失效，用户下次登录须修改口令。',
        onOk: () => resetPassword(u),
      });
    } else if (key === 'delete') {
      modal.confirm({
        title: `删除用户 ${u.displayName}？`,
        content: '删除后该账号不能再登录，操作记录仍保留。',
        okButtonProps: { danger: true },
        onOk: () => run(() => api.delete(`/identity/users/${u.id}`), '已删除'),
      });
    } else {
      run(() => api.post(`/identity/users/${u.id}/${key}`), ACTION_DONE[key]);
    }
  };

  const resetPassword = async (user: UserItem) => {
    try {
      const result = await api.post<{ password?: string; temporaryPassword?: string }>(
        `/identity/users/${user.id}/reset-password`,
      );
      const password = result?.password ?? result?.temporaryPassword;
      modal.success({
        title: '口令已重置',
        content: password ? (
          <>
            <p>请通过安全渠道将临时口令告知 {user.displayName}，用户首次登录后须修改口令：</p>
            <Typography.Text code copyable>
              {password}
            </Typography.Text>
          </>
        ) : (
          '新口令已按系统设置发送给用户。'
        ),
      });
      list.reload();
    } catch (error) {
      modal.error({ title: '重置口令失败', content: error instanceof Error ? error.message : String(error) });
    }
  };

  const columns: ColumnsType<UserItem> = [
    { title: '姓名', dataIndex: 'displayName', width: 120 },
    { title: '账号', dataIndex: 'username', width: 140 },
    {
      title: '所属组织',
      dataIndex: 'orgId',
      width: 200,
      ellipsis: true,
      render: (_, u) => u.orgName ?? names.get(u.orgId) ?? '—',
    },
    { title: '手机号', dataIndex: 'phone', width: 130, render: (v) => v || '—' },
    {
      title: '角色（数据范围）',
      dataIndex: 'roles',
      width: 260,
      render: (grants: RoleGrant[] | undefined) =>
        grants?.length ? (
          <Space size={[0, 4]} wrap>
            {grants.map((g) => (
              <Tag key={g.roleId} title={g.scopeOrgId ? names.get(g.scopeOrgId) : '全部组织'}>
                {g.name ?? g.roleName ?? g.code}
                {g.scopeOrgId ? `（${shortNames.get(g.scopeOrgId) ?? '指定组织'}）` : ''}
              </Tag>
            ))}
          </Space>
        ) : (
          '—'
        ),
    },
    {
      title: '状态',
      dataIndex: 'status',
      width: 140,
      render: (_, u) => (
        <Space size={4}>
          <StatusTag status={u.status} />
          {isLocked(u) && <StatusTag status="locked" />}
        </Space>
      ),
    },
    { title: '最近登录', dataIndex: 'lastLoginAt', width: 170, render: formatTime },
    {
      title: '操作',
      key: 'actions',
      width: 150,
      fixed: 'right',
      render: (_, u) => {
        const items = userActions(u, can);
        return (
          <Space size={0}>
            {(can('user:update') || can('user:grant')) && (
              <Button type="link" size="small" onClick={() => setEditing(u)}>
                编辑
              </Button>
            )}
            {items.length > 0 && (
              <Dropdown menu={{ items, onClick: ({ key }) => onAction(u, key as UserAction) }}>
                <Button type="link" size="small">
                  更多 <DownOutlined />
                </Button>
              </Dropdown>
            )}
          </Space>
        );
      },
    },
  ];

  return (
    <Row gutter={16} wrap={false}>
      <Col flex="260px">
        <Card title="组织筛选" size="small" styles={{ body: { maxHeight: 'calc(100vh - 220px)', overflow: 'auto' } }}>
          <Tree
            blockNode
            treeData={toTree(orgs.data)}
            selectedKeys={filters.orgId ? [filters.orgId] : []}
            onSelect={(keys) => setFilters((f) => ({ ...f, orgId: keys.length ? String(keys[0]) : undefined }))}
            defaultExpandedKeys={orgs.data.map((o) => o.id)}
            key={orgs.data.length}
          />
        </Card>
      </Col>
      <Col flex="auto" style={{ minWidth: 0 }}>
        <PageCard
          title="用户管理"
          extra={
            can('user:create') && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
                新建用户
              </Button>
            )
          }
        >
          <Form
            layout="inline"
            style={{ marginBottom: 16 }}
            onFinish={(v: { q?: string; status?: string }) =>
              setFilters((f) => ({ ...f, q: v.q?.trim(), status: v.status }))
            }
          >
            <Form.Item name="q">
              <Input placeholder="姓名 / 账号 / 手机号" allowClear style={{ width: 220 }} />
            </Form.Item>
            <Form.Item name="status">
              <Select
                placeholder="状态"
                allowClear
                style={{ width: 120 }}
                options={[
                  { value: 'enabled', label: '启用' },
                  { value: 'disabled', label: '停用' },
                ]}
              />
            </Form.Item>
            <Form.Item>
              <Button type="primary" htmlType="submit">
                查询
              </Button>
            </Form.Item>
          </Form>
          <Table
            rowKey="id"
            size="middle"
            columns={columns}
            dataSource={list.data.items}
            loading={list.loading}
            pagination={list.pagination}
            scroll={{ x: 1100 }}
          />
        </PageCard>
      </Col>
      <UserDrawer
        user={editing}
        orgs={orgs.data}
        roles={roles.data}
        defaultOrgId={filters.orgId}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
      />
    </Row>
  );
}

function toTree(nodes: OrgNode[]): { key: string; title: string; children?: ReturnType<typeof toTree> }[] {
  return nodes.map((n) => ({
    key: n.id,
    title: n.shortName || n.name,
    children: n.children?.length ? toTree(n.children) : undefined,
  }));
}

function UserDrawer({
  user,
  orgs,
  roles,
  defaultOrgId,
  onClose,
  onSaved,
}: {
  user: UserItem | 'new' | null;
  orgs: OrgNode[];
  roles: Role[];
  defaultOrgId?: string;
  onClose(): void;
  onSaved(): void;
}) {
  const [form] = Form.useForm<UserValues>();
  const creating = user === 'new';
  const existing = user && user !== 'new' ? user : null;
  const options = useMemo(() => orgOptions(orgs), [orgs]);

  // Creating is two commands (user, then grants); once the user exists a retry must not create it again.
  const created = useRef<string | null>(null);
  const save = useCallback(
    async (values: UserValues) => {
      const grants = (values.grants ?? []).map((g) => ({ roleId: g.roleId, scopeOrgId: g.scopeOrgId ?? null }));
      const profile = {
        displayName: values.displayName,
        email: values.email || null,
        orgId: values.orgId,
        // The list only shows a masked phone, so an empty field means "keep the stored one".
        ...(values.phone ? { phone: values.phone } : {}),
      };
      const id = existing?.id ?? created.current;
      if (id) {
        await api.patch(`/identity/users/${id}`, profile);
      } else {
        const user = await api.post<{ id: string }>('/identity/users', {
          ...profile,
          username: values.username,
          password: values.password,
        });
        created.current = user.id;
      }
      const userId = existing?.id ?? created.current;
      if (grants.length || existing) await api.post(`/identity/users/${userId}/roles`, { grants });
      created.current = null;
      onSaved();
    },
    [existing, onSaved],
  );
  const { submit, submitting } = useFormSubmit(form, save, creating ? '用户已创建' : '已保存');
  const close = () => {
    created.current = null;
    onClose();
  };

  const initialValues = existing
    ? {
        displayName: existing.displayName,
        username: existing.username,
        phone: '',
        email: existing.email ?? '',
        orgId: existing.orgId,
        grants: (existing.roles ?? []).map((g) => ({ roleId: g.roleId, scopeOrgId: g.scopeOrgId ?? undefined })),
      }
    : { orgId: defaultOrgId, grants: [] };

  return (
    <Drawer
      title={creating ? '新建用户' : `编辑用户：${existing?.displayName ?? ''}`}
      open={user !== null}
      size={560}
      onClose={close}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={close}>取消</Button>
          <Button type="primary" loading={submitting} onClick={submit}>
            保存
          </Button>
        </Space>
      }
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={initialValues}>
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item
              name="displayName"
              label="姓名"
              rules={[
                { required: true, message: '请输入姓名' },
                { max: 50, message: '姓名最多 50 个字' },
              ]}
            >
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="username"
              label="账号"
              rules={[
                { required: true, message: '请输入账号' },
                {
                  pattern: /^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$/,
                  message: '账号为 2-64 位字母、数字或 _ . @ -，以字母或数字开头',
                },
              ]}
            >
              <Input disabled={!creating} autoComplete="off" />
            </Form.Item>
          </Col>
        </Row>
        {creating && (
          <Form.Item
            name="password"
            label="初始口令"
            rules={[{ required: true, message: '请输入初始口令' }]}
            extra="须符合口令策略；用户首次登录后应修改。"
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item
              name="phone"
              label="手机号"
              extra={existing?.phone ? `当前：${existing.phone}（留空则不修改）` : undefined}
              rules={[{ pattern: /^1[3-9]\d{9}$/, message: '请输入 11 位手机号' }]}
            >
              <Input maxLength={11} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="email" label="电子邮箱" rules={[{ type: 'email', message: '邮箱格式不正确' }]}>
              <Input />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="orgId" label="所属组织" rules={[{ required: true, message: '请选择所属组织' }]}>
          <TreeSelect treeData={options} showSearch treeNodeFilterProp="title" placeholder="请选择所属组织" />
        </Form.Item>
        <Typography.Title level={5}>角色授权</Typography.Title>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          数据范围为空表示该角色在全部组织内有效；选择组织则仅限该组织及其下级。只能授予您自己拥有的权限范围内的角色。
        </Typography.Paragraph>
        <Form.List name="grants">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field) => (
                <Space key={field.key} align="baseline" style={{ display: 'flex' }}>
                  <Form.Item
                    name={[field.name, 'roleId']}
                    rules={[{ required: true, message: '请选择角色' }]}
                    style={{ width: 200 }}
                  >
                    <Select
                      placeholder="角色"
                      aria-label="角色"
                      options={roles.map((r) => ({ value: r.id, label: r.name }))}
                      showSearch
                      optionFilterProp="label"
                    />
                  </Form.Item>
                  <Form.Item name={[field.name, 'scopeOrgId']} style={{ width: 240 }}>
                    <TreeSelect
                      treeData={options}
                      allowClear
                      showSearch
                      treeNodeFilterProp="title"
                      placeholder="数据范围：全部组织"
                      aria-label="数据范围"
                    />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(field.name)} aria-label="移除此角色" />
                </Space>
              ))}
              <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({ scopeOrgId: defaultOrgId })}>
                添加角色
              </Button>
            </>
          )}
        </Form.List>
      </Form>
    </Drawer>
  );
}
