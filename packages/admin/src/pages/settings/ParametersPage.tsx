import { PlusOutlined } from '@ant-design/icons';
import { Button, Form, Input, InputNumber, Modal, Select, Switch, Table, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useFormSubmit } from '../../components/useFormSubmit';

type ValueType = 'string' | 'number' | 'boolean' | 'json';

interface Parameter {
  key: string;
  valueType: ValueType;
  value: unknown;
  description?: string | null;
  updatedAt?: string;
}

const TYPE_LABELS: Record<ValueType, string> = { string: '文本', number: '数值', boolean: '开关', json: 'JSON' };

function showValue(p: Parameter) {
  if (p.valueType === 'boolean') return p.value ? <Tag color="success">开启</Tag> : <Tag>关闭</Tag>;
  if (p.valueType === 'json') return <Typography.Text code>{JSON.stringify(p.value)}</Typography.Text>;
  return String(p.value);
}

/** JSON values are edited as text; the form turns them back into data before sending. */
function toFormValue(type: ValueType, value: unknown) {
  return type === 'json' ? JSON.stringify(value, null, 2) : value;
}

function fromFormValue(type: ValueType, value: unknown): unknown {
  return type === 'json' ? JSON.parse(String(value)) : value;
}

function ValueInput({ type }: { type: ValueType }) {
  if (type === 'number') return <InputNumber style={{ width: '100%' }} />;
  if (type === 'boolean') return <Switch />;
  if (type === 'json') return <Input.TextArea rows={6} style={{ fontFamily: 'monospace' }} />;
  return <Input />;
}

const jsonRule = (type: ValueType) => ({
  validator: async (_: unknown, value: unknown) => {
    if (type !== 'json') return;
    try {
      JSON.parse(String(value));
    } catch {
      throw new Error('不是合法的 JSON');
    }
  },
});

export default function ParametersPage() {
  const list = useRemote(
    async () => asItems(await api.get<{ items: Parameter[] }>('/settings/parameters')),
    [],
    [] as Parameter[],
  );
  const [editing, setEditing] = useState<Parameter | 'new' | null>(null);
  return (
    <PageCard
      title="系统参数"
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
          新增参数
        </Button>
      }
    >
      <Table
        rowKey="key"
        loading={list.loading}
        dataSource={list.data}
        pagination={false}
        columns={[
          { title: '参数键', dataIndex: 'key', width: 260, render: (k) => <Typography.Text code>{k}</Typography.Text> },
          { title: '说明', dataIndex: 'description', render: (d) => d || '—' },
          { title: '类型', dataIndex: 'valueType', width: 90, render: (t: ValueType) => TYPE_LABELS[t] ?? t },
          { title: '当前值', key: 'value', render: (_, p) => showValue(p) },
          { title: '更新时间', dataIndex: 'updatedAt', width: 180, render: formatTime },
          {
            title: '操作',
            key: 'op',
            width: 80,
            render: (_, p) => (
              <Button type="link" size="small" onClick={() => setEditing(p)}>
                修改
              </Button>
            ),
          },
        ]}
      />
      <ParameterModal
        parameter={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
      />
    </PageCard>
  );
}

interface ParameterValues {
  key: string;
  valueType: ValueType;
  value: unknown;
  description?: string;
}

function ParameterModal({
  parameter,
  onClose,
  onSaved,
}: {
  parameter: Parameter | 'new' | null;
  onClose(): void;
  onSaved(): void;
}) {
  const [form] = Form.useForm<ParameterValues>();
  const existing = parameter && parameter !== 'new' ? parameter : null;
  const type: ValueType = Form.useWatch('valueType', form) ?? existing?.valueType ?? 'string';
  const save = useCallback(
    async (values: ParameterValues) => {
      const value = fromFormValue(values.valueType ?? existing?.valueType ?? 'string', values.value);
      if (existing) await api.put(`/settings/parameters/${encodeURIComponent(existing.key)}`, { value });
      else
        await api.post('/settings/parameters', {
          key: values.key,
          valueType: values.valueType,
          value,
          description: values.description || null,
        });
      onSaved();
    },
    [existing, onSaved],
  );
  const { submit, submitting } = useFormSubmit(form, save, '参数已保存');
  return (
    <Modal
      title={existing ? `修改参数 ${existing.key}` : '新增参数'}
      open={parameter !== null}
      onOk={submit}
      confirmLoading={submitting}
      onCancel={onClose}
      destroyOnHidden
      okText="保存"
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={
          existing
            ? {
                key: existing.key,
                valueType: existing.valueType,
                value: toFormValue(existing.valueType, existing.value),
              }
            : { valueType: 'string', value: '' }
        }
      >
        {existing ? (
          existing.description && <Typography.Paragraph type="secondary">{existing.description}</Typography.Paragraph>
        ) : (
          <>
            <Form.Item
              name="key"
              label="参数键"
              rules={[
                { required: true, message: '请输入参数键' },
                { pattern: /^[a-z][a-zA-Z0-9_.-]*$/, message: '以小写字母开头，只含字母、数字、_ . -' },
              ]}
            >
              <Input placeholder="如：site.maxUploadMb" />
            </Form.Item>
            <Form.Item name="valueType" label="类型">
              <Select
                options={Object.entries(TYPE_LABELS).map(([value, label]) => ({ value, label }))}
                onChange={(t: ValueType) =>
                  form.setFieldValue('value', t === 'boolean' ? false : t === 'number' ? 0 : '')
                }
              />
            </Form.Item>
            <Form.Item name="description" label="说明">
              <Input />
            </Form.Item>
          </>
        )}
        <Form.Item
          name="value"
          label="值"
          valuePropName={type === 'boolean' ? 'checked' : 'value'}
          rules={[jsonRule(type)]}
        >
          <ValueInput type={type} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
