import { Form, type FormInstance, Modal } from 'antd';
import type { ReactNode } from 'react';
import { useFormSubmit } from './useFormSubmit';

/**
 * The console's create/edit dialog: a vertical form in a modal whose 保存 button validates, saves,
 * puts server field errors under their fields and reports success. The form is rebuilt on every
 * opening, so a cancelled edit leaves nothing behind.
 */
export function FormModal<V>({
  title,
  open,
  form,
  save,
  success,
  onClose,
  onSaved,
  initialValues,
  okText = '保存',
  width,
  children,
}: {
  title: ReactNode;
  open: boolean;
  form: FormInstance<V>;
  save: (values: V) => Promise<unknown>;
  success?: string;
  /** Cancel or close without saving. */
  onClose: () => void;
  /** After a successful save (e.g. close and reload the list); without it the dialog stays for the caller to close. */
  onSaved?: () => void;
  initialValues?: Partial<V>;
  okText?: string;
  width?: number;
  children: ReactNode;
}) {
  const { submit, submitting } = useFormSubmit(form, save, success);
  return (
    <Modal
      title={title}
      open={open}
      onOk={async () => {
        if ((await submit()) && onSaved) onSaved();
      }}
      confirmLoading={submitting}
      onCancel={onClose}
      destroyOnHidden
      okText={okText}
      width={width}
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={initialValues}>
        {children}
      </Form>
    </Modal>
  );
}
