import { Form, Input, Modal, Select, Switch, Typography } from 'antd';
import { useCallback, useEffect } from 'react';
import { api } from '../../api/client';
import { useFormSubmit } from '../../components/useFormSubmit';
import type { Term, TermInput, TermKind } from './api';
import { TERM_KIND } from './labels';
import { TERM_MAX } from './logic';

interface Values {
  term: string;
  targets?: string[];
  note?: string;
  enabled: boolean;
}

/**
 * Adds or edits one 检索词典 entry. Also opened from 检索日志 with a zero-result query filled in,
 * so an operator turns what citizens typed into a 百姓体 or 同义词 entry in one step.
 */
export function TermModal({
  kind,
  term,
  initialTerm,
  onClose,
  onSaved,
}: {
  kind: TermKind;
  /** The entry being edited; absent for a new one. */
  term?: Term;
  /** The word a new entry starts with (from a zero-result query). */
  initialTerm?: string;
  onClose: () => void;
  onSaved: (saved: Term) => void;
}) {
  const [form] = Form.useForm<Values>();
  const labels = TERM_KIND[kind];
  useEffect(() => {
    form.setFieldsValue(
      term
        ? { term: term.term, targets: term.targets, note: term.note ?? '', enabled: term.enabled }
        : { term: initialTerm ?? '', targets: [], note: '', enabled: true },
    );
  }, [form, term, initialTerm]);

  const save = useCallback(
    async (values: Values) => {
      const body: TermInput = {
        term: values.term.trim(),
        note: values.note?.trim() || null,
        enabled: values.enabled,
        ...(labels.targets ? { targets: values.targets ?? [] } : {}),
      };
      const saved = term
        ? await api.patch<Term>(`/search/dictionaries/${kind}/${term.id}`, body)
        : await api.post<Term>(`/search/dictionaries/${kind}`, body);
      onSaved(saved);
    },
    [kind, term, labels.targets, onSaved],
  );
  const { submit, submitting } = useFormSubmit(form, save, term ? '词条已保存' : '词条已添加');

  return (
    <Modal
      open
      title={`${term ? '编辑' : '添加'}${labels.name}`}
      okText="保存"
      confirmLoading={submitting}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{labels.hint}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item
          name="term"
          label={kind === 'plain' ? '口语词' : '词条'}
          rules={[
            { required: true, whitespace: true, message: '请输入词条' },
            { max: TERM_MAX, message: `不超过 ${TERM_MAX} 个字` },
          ]}
        >
          <Input maxLength={TERM_MAX} />
        </Form.Item>
        {labels.targets && (
          <Form.Item
            name="targets"
            label={labels.targets}
            extra="输入后按回车确认，可填多个"
            rules={[{ required: true, type: 'array', min: 1, message: `请至少填写一个${labels.targets}` }]}
          >
            <Select mode="tags" open={false} tokenSeparators={[',', '，', '、', ';', '；']} suffixIcon={null} />
          </Form.Item>
        )}
        <Form.Item name="note" label="备注">
          <Input.TextArea rows={2} maxLength={200} />
        </Form.Item>
        <Form.Item name="enabled" label="启用" valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
