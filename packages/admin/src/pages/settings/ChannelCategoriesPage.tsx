import { PlusOutlined } from '@ant-design/icons';
import { Button, Form, Input, InputNumber, Popconfirm, Space, Switch, Table } from 'antd';
import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { FormModal } from '../../components/FormModal';
import { PageCard } from '../../components/ui';
import { useAction } from '../../components/useFormSubmit';

/** 栏目类别: the kinds of channel a site can have (信息公开, 政务动态 …), used by the CMS later. */
interface Category {
  id: string;
  code: string;
  name: string;
  order: number;
  enabled: boolean;
}

export default function ChannelCategoriesPage() {
  const action = useAction();
  const list = useRemote(
    async () => asItems(await api.get<{ items: Category[] }>('/settings/channel-categories')),
    [],
    [] as Category[],
  );
  const [editing, setEditing] = useState<Category | 'new' | null>(null);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    if (await action(fn, done)) list.reload();
  };

  return (
    <PageCard
      title="栏目类别"
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
          新增类别
        </Button>
      }
    >
      <Table
        rowKey="id"
        loading={list.loading}
        dataSource={list.data}
        pagination={false}
        columns={[
          { title: '编码', dataIndex: 'code', width: 200 },
          { title: '名称', dataIndex: 'name' },
          { title: '排序', dataIndex: 'order', width: 100 },
          {
            title: '启用',
            dataIndex: 'enabled',
            width: 100,
            render: (on: boolean, c) => (
              <Switch
                size="small"
                checked={on}
                onChange={(next) =>
                  run(
                    () => api.patch(`/settings/channel-categories/${c.id}`, { enabled: next }),
                    next ? '已启用' : '已停用',
                  )
                }
              />
            ),
          },
          {
            title: '操作',
            key: 'op',
            width: 150,
            render: (_, c) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => setEditing(c)}>
                  编辑
                </Button>
                <Popconfirm
                  title={`删除栏目类别「${c.name}」？`}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => run(() => api.delete(`/settings/channel-categories/${c.id}`), '已删除')}
                >
                  <Button type="link" size="small" danger>
                    删除
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <CategoryModal
        category={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
      />
    </PageCard>
  );
}

function CategoryModal({
  category,
  onClose,
  onSaved,
}: {
  category: Category | 'new' | null;
  onClose(): void;
  onSaved(): void;
}) {
  const [form] = Form.useForm<Omit<Category, 'id'>>();
  const existing = category && category !== 'new' ? category : null;
  const save = useCallback(
    async (values: Omit<Category, 'id'>) => {
      if (existing) await api.patch(`/settings/channel-categories/${existing.id}`, values);
      else await api.post('/settings/channel-categories', values);
      onSaved();
    },
    [existing, onSaved],
  );
  return (
    <FormModal
      title={existing ? '编辑栏目类别' : '新增栏目类别'}
      open={category !== null}
      onClose={onClose}
      form={form}
      save={save}
      success="已保存"
      initialValues={existing ?? { order: 0, enabled: true }}
    >
      <Form.Item
        name="code"
        label="编码"
        rules={[
          { required: true, message: '请输入编码' },
          { pattern: /^[A-Za-z][A-Za-z0-9_.-]*$/, message: '以字母开头，只含字母、数字、_ . -' },
        ]}
      >
        <Input />
      </Form.Item>
      <Form.Item name="name" label="名称" rules={[{ required: true, message: '请输入名称' }]}>
        <Input />
      </Form.Item>
      <Form.Item name="order" label="排序">
        <InputNumber precision={0} />
      </Form.Item>
      <Form.Item name="enabled" label="启用" valuePropName="checked">
        <Switch />
      </Form.Item>
    </FormModal>
  );
}
