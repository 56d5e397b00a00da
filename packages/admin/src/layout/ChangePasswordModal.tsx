import { Alert, Form, Input, Modal } from 'antd';
import { useCallback } from 'react';
import { api } from '../api/client';
import { useSession } from '../auth/session';
import { useFormSubmit } from '../components/useFormSubmit';

interface Values {
  oldPassword: string;
  newPassword: string;
  confirm: string;
}

export function ChangePasswordModal({ open, forced, onClose }: { open: boolean; forced: boolean; onClose(): void }) {
  const [form] = Form.useForm<Values>();
  const { refresh } = useSession();
  const save = useCallback(
    async ({ oldPassword, newPassword }: Values) => {
      await api.post('/auth/password', { oldPassword, newPassword });
      await refresh();
    },
    [refresh],
  );
  const { submit, submitting } = useFormSubmit(form, save, '口令已修改');

  return (
    <Modal
      title="修改口令"
      open={open}
      okText="确认修改"
      confirmLoading={submitting}
      onOk={async () => {
        if (await submit()) {
          form.resetFields();
          onClose();
        }
      }}
      onCancel={onClose}
      destroyOnHidden
    >
      {forced && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title="您的口令已过期或为初始口令，请先修改口令。"
        />
      )}
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="oldPassword" label="原口令" rules={[{ required: true, message: '请输入原口令' }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label="新口令"
          rules={[{ required: true, message: '请输入新口令' }]}
          extra="须符合口令策略：长度与字符类别要求由安全管理员设定。"
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label="确认新口令"
          dependencies={['newPassword']}
          rules={[
            { required: true, message: '请再次输入新口令' },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || value === getFieldValue('newPassword')
                  ? Promise.resolve()
                  : Promise.reject(new Error('两次输入的口令不一致')),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
