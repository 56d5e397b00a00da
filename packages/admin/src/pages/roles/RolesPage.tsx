import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Empty,
  Form,
  Input,
  Popconfirm,
  Row,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, type Page } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, useRemote } from '../../components/data';
import { groupPermissions, type PermissionGroup, type PermissionsBody } from '../../components/permissions';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';

interface Role {
  id: string;
  code: string;
  name: string;
  description?: string | null;
  builtin?: boolean;
  permissions: string[];
}

interface RoleValues {
  name: string;
  code: string;
  description?: string;
  permissions: string[];
}

export default function RolesPage() {
  const can = useCan();
  const roles = useRemote(
    async () => asItems(await api.get<Page<Role> | Role[]>('/identity/roles', { pageSize: 200 })),
    [],
    [] as Role[],
  );
  const registry = useRemote(
    async () => groupPermissions(await api.get<PermissionsBody>('/identity/permissions')),
    [],
    [] as PermissionGroup[],
  );
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  const role = selected && selected !== 'new' ? roles.data.find((r) => r.id === selected) : undefined;
  const canWrite = can('role:manage');

  useEffect(() => {
    if (selected === null && roles.data.length) setSelected(roles.data[0].id);
  }, [roles.data, selected]);

  return (
    <Row gutter={16} wrap={false}>
      <Col flex="300px">
        <Card
          title="角色列表"
          extra={
            canWrite && (
              <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setSelected('new')}>
                新建角色
              </Button>
            )
          }
          styles={{ body: { padding: 0 } }}
        >
          <Table
            rowKey="id"
            showHeader={false}
            pagination={false}
            loading={roles.loading}
            dataSource={roles.data}
            onRow={(r) => ({
              onClick: () => setSelected(r.id),
              style: { cursor: 'pointer', background: r.id === selected ? '#e6f0fb' : undefined },
            })}
            columns={[
              {
                key: 'role',
                render: (_, r) => (
                  <>
                    <Space>
                      <strong>{r.name}</strong>
                      {r.builtin && <Tag color="blue">内置</Tag>}
                    </Space>
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {r.code} · {r.permissions.length} 项权限
                      </Typography.Text>
                    </div>
                  </>
                ),
              },
            ]}
          />
        </Card>
      </Col>
      <Col flex="auto" style={{ minWidth: 0 }}>
        {selected === 'new' || role ? (
          <RoleEditor
            key={role?.id ?? 'new'}
            role={role}
            groups={registry.data}
            canWrite={canWrite}
            onSaved={(id) => {
              roles.reload();
              setSelected(id);
            }}
            onDeleted={() => {
              setSelected(null);
              roles.reload();
            }}
          />
        ) : (
          <Card>
            <Empty description="请选择角色" />
          </Card>
        )}
      </Col>
    </Row>
  );
}

function RoleEditor({
  role,
  groups,
  canWrite,
  onSaved,
  onDeleted,
}: {
  role?: Role;
  groups: PermissionGroup[];
  canWrite: boolean;
  onSaved(id: string): void;
  onDeleted(): void;
}) {
  const [form] = Form.useForm<RoleValues>();
  const action = useAction();
  const save = useCallback(
    async (values: RoleValues) => {
      const body = { ...values, description: values.description || null, permissions: values.permissions ?? [] };
      if (role) {
        await api.patch(`/identity/roles/${role.id}`, body);
        onSaved(role.id);
      } else {
        const created = await api.post<{ id: string }>('/identity/roles', body);
        onSaved(created.id);
      }
    },
    [role, onSaved],
  );
  const { submit, submitting } = useFormSubmit(form, save, role ? '角色已保存' : '角色已创建');
  const remove = async () => {
    if (role && (await action(() => api.delete(`/identity/roles/${role.id}`), '角色已删除'))) onDeleted();
  };

  return (
    <Card
      title={role ? `角色：${role.name}` : '新建角色'}
      extra={
        canWrite && (
          <Space>
            {role && !role.builtin && (
              <Popconfirm
                title="删除角色后，已授予该角色的用户将失去相应权限。确定删除？"
                okButtonProps={{ danger: true }}
                onConfirm={remove}
              >
                <Button danger icon={<DeleteOutlined />}>
                  删除
                </Button>
              </Popconfirm>
            )}
            <Button type="primary" loading={submitting} onClick={submit}>
              保存
            </Button>
          </Space>
        )
      }
    >
      {role?.builtin && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title="内置角色"
          description="系统管理员、安全管理员、审计管理员实行三权分立，同一用户不能同时拥有其中两个角色。"
        />
      )}
      <Form
        form={form}
        layout="vertical"
        disabled={!canWrite}
        initialValues={{
          name: role?.name,
          code: role?.code,
          description: role?.description ?? '',
          permissions: role?.permissions ?? [],
        }}
      >
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item name="name" label="角色名称" rules={[{ required: true, message: '请输入角色名称' }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="code"
              label="角色编码"
              rules={[
                { required: true, message: '请输入角色编码' },
                { pattern: /^[a-z][a-z0-9_-]*$/, message: '以小写字母开头，只含小写字母、数字、_ 和 -' },
              ]}
            >
              <Input disabled={Boolean(role?.builtin)} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="description" label="说明">
              <Input />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="permissions" label="功能权限">
          <PermissionMatrix groups={groups} />
        </Form.Item>
      </Form>
    </Card>
  );
}

/** One row per module: a 全选 box that ticks the whole group, then the group's permissions. */
function PermissionMatrix({
  groups,
  value = [],
  onChange,
  disabled,
}: {
  groups: PermissionGroup[];
  value?: string[];
  onChange?(v: string[]): void;
  disabled?: boolean;
}) {
  const held = useMemo(() => new Set(value), [value]);
  const setGroup = (group: PermissionGroup, on: boolean) => {
    const codes = group.permissions.map((p) => p.code);
    const rest = value.filter((c) => !codes.includes(c));
    onChange?.(on ? [...rest, ...codes] : rest);
  };
  return (
    <div style={{ border: '1px solid #f0f0f0', borderRadius: 4 }}>
      {groups.map((group, index) => {
        const count = group.permissions.filter((p) => held.has(p.code)).length;
        return (
          <div key={group.group} style={{ display: 'flex', borderTop: index ? '1px solid #f0f0f0' : undefined }}>
            <div style={{ width: 170, flex: 'none', padding: '10px 12px', background: '#fafafa' }}>
              <Checkbox
                disabled={disabled}
                checked={count > 0 && count === group.permissions.length}
                indeterminate={count > 0 && count < group.permissions.length}
                onChange={(e) => setGroup(group, e.target.checked)}
              >
                <strong>{group.group}</strong>
              </Checkbox>
            </div>
            <div style={{ padding: '10px 12px', flex: 'auto' }}>
              <Checkbox.Group
                disabled={disabled}
                value={value.filter((c) => group.permissions.some((p) => p.code === c))}
                onChange={(checked) =>
                  onChange?.([
                    ...value.filter((c) => !group.permissions.some((p) => p.code === c)),
                    ...(checked as string[]),
                  ])
                }
                options={group.permissions.map((p) => ({ value: p.code, label: <span title={p.code}>{p.name}</span> }))}
              />
            </div>
          </div>
        );
      })}
      {groups.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="暂无权限定义" />}
    </div>
  );
}
