import { App, type FormInstance } from 'antd';
import { useCallback, useState } from 'react';
import { applyServerErrors } from '../api/forms';

/**
 * Wraps a form's save call: server field errors land under their fields, anything else becomes a
 * toast, and `submitting` drives the button's loading state. Resolves to whether the save succeeded.
 */
export function useFormSubmit<V>(form: FormInstance<V>, save: (values: V) => Promise<unknown>, success?: string) {
  const { message } = App.useApp();
  const [submitting, setSubmitting] = useState(false);
  const submit = useCallback(async (): Promise<boolean> => {
    let values: V;
    try {
      values = await form.validateFields();
    } catch {
      return false;
    }
    setSubmitting(true);
    try {
      await save(values);
      if (success) message.success(success);
      return true;
    } catch (error) {
      const rest = applyServerErrors(form, error);
      if (rest.length) message.error(rest.join('；'));
      return false;
    } finally {
      setSubmitting(false);
    }
  }, [form, save, success, message]);
  return { submit, submitting };
}

/** Runs a one-off action (enable, delete …) and reports the outcome as a toast. */
export function useAction() {
  const { message } = App.useApp();
  return useCallback(
    async (action: () => Promise<unknown>, success: string): Promise<boolean> => {
      try {
        await action();
        message.success(success);
        return true;
      } catch (error) {
        message.error(error instanceof Error ? error.message : '操作失败');
        return false;
      }
    },
    [message],
  );
}
