import { Form, Input } from 'antd';
import { FormModal } from './FormModal';

/** 重命名: one required name field, trimmed before it is saved. */
export function RenameModal({
  title,
  label = '名称',
  name,
  save,
  onClose,
}: {
  title: string;
  label?: string;
  name: string;
  save: (name: string) => Promise<unknown>;
  onClose: (saved: boolean) => void;
}) {
  const [form] = Form.useForm<{ name: string }>();
  return (
    <FormModal
      title={title}
      open
      form={form}
      save={(v) => save(v.name.trim())}
      success="已重命名"
      onClose={() => onClose(false)}
      onSaved={() => onClose(true)}
      initialValues={{ name }}
    >
      <Form.Item name="name" label={label} rules={[{ required: true, whitespace: true, message: '请输入名称' }]}>
        <Input maxLength={100} />
      </Form.Item>
    </FormModal>
  );
}
