import { DeleteOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
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
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { asItems, type DictionaryEntry, useRemote } from '../../components/data';
import { FormModal } from '../../components/FormModal';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';

interface Dictionary {
  id: string;
  code: string;
  name: string;
  description?: string | null;
  valueType: 'string' | 'integer' | 'boolean';
  builtin: boolean;
  entryCount?: number;
}

const VALUE_TYPES = [
  { value: 'string', label: '文本' },
  { value: 'integer', label: '整数' },
  { value: 'boolean', label: '布尔' },
];

export default function DictionariesPage() {
  const action = useAction();
  const list = useRemote(
    async () => asItems(await api.get<{ items: Dictionary[] }>('/settings/dictionaries')),
    [],
    [] as Dictionary[],
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const current = list.data.find((d) => d.code === selected);

  useEffect(() => {
    if (!selected && list.data.length) setSelected(list.data[0].code);
  }, [list.data, selected]);

  const remove = async (d: Dictionary) => {
    if (await action(() => api.delete(`/settings/dictionaries/${d.code}`), '字典已删除')) {
      setSelected(null);
      list.reload();
    }
  };

  return (
    <Row gutter={16} wrap={false}>
      <Col flex="420px">
        <Card
          title="数据字典"
          extra={
            <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              新建字典
            </Button>
          }
        >
          <Table
            rowKey="code"
            size="small"
            loading={list.loading}
            dataSource={list.data}
            pagination={false}
            onRow={(d) => ({
              onClick: () => setSelected(d.code),
              style: { cursor: 'pointer', background: d.code === selected ? '#e6f0fb' : undefined },
            })}
            columns={[
              {
                title: '名称',
                dataIndex: 'name',
                render: (v, d) => (
                  <Space>
                    {v}
                    {d.builtin && <Tag color="blue">内置</Tag>}
                  </Space>
                ),
              },
              { title: '编码', dataIndex: 'code' },
              { title: '条目', dataIndex: 'entryCount', width: 60 },
              {
                title: '',
                key: 'op',
                width: 40,
                render: (_, d) =>
                  !d.builtin && (
                    <Popconfirm
                      title={`删除字典「${d.name}」及其全部条目？`}
                      okButtonProps={{ danger: true }}
                      onConfirm={() => remove(d)}
                    >
                      <Button
                        type="text"
                        danger
                        size="small"
                        icon={<DeleteOutlined />}
                        aria-label="删除"
                        onClick={(e) => e.stopPropagation()}
                      />
                    </Popconfirm>
                  ),
              },
            ]}
          />
        </Card>
      </Col>
      <Col flex="auto" style={{ minWidth: 0 }}>
        {current ? (
          <EntriesEditor key={current.code} dictionary={current} onSaved={list.reload} />
        ) : (
          <Card>
            <Empty description="请选择字典" />
          </Card>
        )}
      </Col>
      <CreateDictionaryModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(code) => {
          setCreating(false);
          setSelected(code);
          list.reload();
        }}
      />
    </Row>
  );
}

interface EntryRow {
  value: string;
  label: string;
  order?: number;
  enabled: boolean;
}

/** The server replaces a dictionary's entries as a whole, so the editor saves the full list at once. */
function EntriesEditor({ dictionary, onSaved }: { dictionary: Dictionary; onSaved(): void }) {
  const [form] = Form.useForm<{ entries: EntryRow[] }>();
  const entries = useRemote(
    async () =>
      (await api.get<{ entries: DictionaryEntry[] }>(`/settings/dictionaries/${dictionary.code}/entries`)).entries,
    [dictionary.code],
    [] as DictionaryEntry[],
  );
  useEffect(() => {
    form.setFieldsValue({
      entries: entries.data.map(({ value, label, order, enabled }) => ({ value, label, order, enabled })),
    });
  }, [entries.data, form]);
  const save = useCallback(
    async ({ entries: rows }: { entries: EntryRow[] }) => {
      await api.put(`/settings/dictionaries/${dictionary.code}/entries`, {
        entries: (rows ?? []).map((r, i) => ({ ...r, order: r.order ?? i })),
      });
      entries.reload();
      onSaved();
    },
    [dictionary.code, entries, onSaved],
  );
  const { submit, submitting } = useFormSubmit(form, save, '字典条目已保存');
  const valueRule =
    dictionary.valueType === 'integer'
      ? [{ pattern: /^-?\d+$/, message: '该字典的值须为整数' }]
      : dictionary.valueType === 'boolean'
        ? [{ pattern: /^(true|false)$/, message: '该字典的值须为 true 或 false' }]
        : [];

  return (
    <Card
      title={`${dictionary.name}（${dictionary.code}）`}
      extra={
        <Button type="primary" loading={submitting} onClick={submit}>
          保存条目
        </Button>
      }
    >
      {dictionary.description && <Typography.Paragraph type="secondary">{dictionary.description}</Typography.Paragraph>}
      <Spin spinning={entries.loading}>
        <Form form={form} component={false}>
          <Form.List name="entries">
            {(fields, { add, remove }) => (
              <>
                <Row gutter={8} style={{ fontWeight: 500, marginBottom: 8 }}>
                  <Col span={6}>值</Col>
                  <Col span={9}>显示名称</Col>
                  <Col span={4}>排序</Col>
                  <Col span={3}>启用</Col>
                </Row>
                {fields.map((field) => (
                  <Row gutter={8} key={field.key} align="top">
                    <Col span={6}>
                      <Form.Item
                        name={[field.name, 'value']}
                        rules={[{ required: true, message: '请输入值' }, ...valueRule]}
                      >
                        <Input aria-label="值" />
                      </Form.Item>
                    </Col>
                    <Col span={9}>
                      <Form.Item name={[field.name, 'label']} rules={[{ required: true, message: '请输入显示名称' }]}>
                        <Input aria-label="显示名称" />
                      </Form.Item>
                    </Col>
                    <Col span={4}>
                      <Form.Item name={[field.name, 'order']}>
                        <InputNumber precision={0} style={{ width: '100%' }} aria-label="排序" />
                      </Form.Item>
                    </Col>
                    <Col span={3}>
                      <Form.Item name={[field.name, 'enabled']} valuePropName="checked">
                        <Switch size="small" aria-label="启用" />
                      </Form.Item>
                    </Col>
                    <Col span={2}>
                      <MinusCircleOutlined
                        style={{ marginTop: 9 }}
                        onClick={() => remove(field.name)}
                        aria-label="删除条目"
                      />
                    </Col>
                  </Row>
                ))}
                <Button
                  type="dashed"
                  block
                  icon={<PlusOutlined />}
                  onClick={() => add({ enabled: true, order: fields.length })}
                >
                  添加条目
                </Button>
              </>
            )}
          </Form.List>
        </Form>
      </Spin>
    </Card>
  );
}

function CreateDictionaryModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(code: string): void;
}) {
  const [form] = Form.useForm<{ code: string; name: string; description?: string; valueType: string }>();
  const save = useCallback(
    async (values: { code: string; name: string; description?: string; valueType: string }) => {
      await api.post('/settings/dictionaries', { ...values, description: values.description || null });
      onCreated(values.code);
    },
    [onCreated],
  );
  return (
    <FormModal
      title="新建字典"
      open={open}
      onClose={onClose}
      form={form}
      save={save}
      success="字典已创建"
      initialValues={{ valueType: 'string' }}
    >
      <Form.Item
        name="code"
        label="编码"
        rules={[
          { required: true, message: '请输入编码' },
          { pattern: /^[A-Za-z][A-Za-z0-9_.-]*$/, message: '以字母开头，只含字母、数字、_ . -' },
        ]}
      >
        <Input placeholder="如：org_level" />
      </Form.Item>
      <Form.Item name="name" label="名称" rules={[{ required: true, message: '请输入名称' }]}>
        <Input />
      </Form.Item>
      <Form.Item name="valueType" label="值类型">
        <Select options={VALUE_TYPES} />
      </Form.Item>
      <Form.Item name="description" label="说明">
        <Input.TextArea rows={2} />
      </Form.Item>
    </FormModal>
  );
}
