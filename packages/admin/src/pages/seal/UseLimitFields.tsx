import { DatePicker, Form, InputNumber, Radio } from 'antd';

/**
 * 使用次数 and 期限 of a seal's use, as a grant (用章授权) and a request (用章申请) ask for them:
 * a count that is either open or limited, and an optional date range.
 */
export function UseLimitFields({
  limited,
  countName,
  countLabel,
  maxCount,
  validityLabel,
  validityExtra,
}: {
  /** The form's current `limited` value (the count field shows only when limited). */
  limited: boolean;
  countName: string;
  countLabel: string;
  maxCount: number;
  validityLabel: string;
  validityExtra: string;
}) {
  return (
    <>
      <Form.Item name="limited" label="使用次数">
        <Radio.Group
          options={[
            { value: false, label: '不限次数' },
            { value: true, label: '限定次数' },
          ]}
        />
      </Form.Item>
      {limited && (
        <Form.Item name={countName} label={countLabel} rules={[{ required: true, message: '请输入次数' }]}>
          <InputNumber min={1} max={maxCount} style={{ width: 200 }} addonAfter="次" />
        </Form.Item>
      )}
      <Form.Item name="validity" label={validityLabel} extra={validityExtra}>
        <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: '100%' }} />
      </Form.Item>
    </>
  );
}
