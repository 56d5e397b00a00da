import { Alert, Button, Card, Checkbox, Col, Divider, Form, InputNumber, Radio, Row, Spin } from 'antd';
import { useCallback, useEffect } from 'react';
import { api } from '../../api/client';
import { useRemote } from '../../components/data';
import { useFormSubmit } from '../../components/useFormSubmit';

interface PasswordPolicy {
  minLength: number;
  requiredClasses: string[];
  expiryDays: number;
  historyCount: number;
  maxFailures: number;
  lockoutMinutes: number;
  captchaMode: 'off' | 'always' | 'afterFailures';
  captchaAfterFailures: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  loginLimitPerIp: number;
  loginLimitPerUsername: number;
}

const CLASSES = [
  { value: 'lower', label: '小写字母' },
  { value: 'upper', label: '大写字母' },
  { value: 'digit', label: '数字' },
  { value: 'symbol', label: '特殊字符' },
];

function NumberField({
  name,
  label,
  unit,
  min = 0,
  max,
  extra,
}: {
  name: keyof PasswordPolicy;
  label: string;
  unit: string;
  min?: number;
  max?: number;
  extra?: string;
}) {
  return (
    <Col xs={24} md={12} xl={8}>
      <Form.Item name={name} label={label} extra={extra} rules={[{ required: true, message: `请输入${label}` }]}>
        <InputNumber min={min} max={max} precision={0} suffix={unit} style={{ width: 200 }} />
      </Form.Item>
    </Col>
  );
}

export default function PasswordPolicyPage() {
  const [form] = Form.useForm<PasswordPolicy>();
  const policy = useRemote(
    () => api.get<PasswordPolicy>('/identity/password-policy'),
    [],
    null as PasswordPolicy | null,
  );
  const captchaMode = Form.useWatch('captchaMode', form);
  useEffect(() => {
    if (policy.data) form.setFieldsValue(policy.data);
  }, [policy.data, form]);
  const save = useCallback(
    async (values: PasswordPolicy) => {
      policy.setData(await api.put<PasswordPolicy>('/identity/password-policy', { ...policy.data, ...values }));
    },
    [policy],
  );
  const { submit, submitting } = useFormSubmit(form, save, '口令策略已保存');

  return (
    <Card
      title="口令策略"
      extra={
        <Button type="primary" loading={submitting} onClick={submit} disabled={!policy.data}>
          保存
        </Button>
      }
    >
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 24 }}
        title="口令策略对所有后台用户生效；修改后，已有口令在下次修改时按新策略校验，锁定与验证码设置立即生效。"
      />
      <Spin spinning={policy.loading}>
        <Form form={form} layout="vertical">
          <Divider titlePlacement="start">口令复杂度</Divider>
          <Row gutter={24}>
            <NumberField name="minLength" label="最小长度" unit="位" min={6} max={64} />
            <NumberField name="expiryDays" label="有效期" unit="天" extra="0 表示永不过期" />
            <NumberField name="historyCount" label="不得与最近口令重复" unit="次" max={24} />
          </Row>
          <Form.Item name="requiredClasses" label="必须包含的字符类别">
            <Checkbox.Group options={CLASSES} />
          </Form.Item>
          <Divider titlePlacement="start">登录失败处理</Divider>
          <Row gutter={24}>
            <NumberField name="maxFailures" label="连续失败锁定次数" unit="次" min={1} max={100} />
            <NumberField name="lockoutMinutes" label="锁定时长" unit="分钟" min={1} />
          </Row>
          <Row gutter={24}>
            <Col xs={24} md={12} xl={8}>
              <Form.Item name="captchaMode" label="图形验证码">
                <Radio.Group
                  options={[
                    { value: 'off', label: '关闭' },
                    { value: 'always', label: '始终要求' },
                    { value: 'afterFailures', label: '失败后要求' },
                  ]}
                />
              </Form.Item>
            </Col>
            {captchaMode === 'afterFailures' && (
              <NumberField name="captchaAfterFailures" label="失败多少次后要求验证码" unit="次" min={1} />
            )}
          </Row>
          <Divider titlePlacement="start">会话与限流</Divider>
          <Row gutter={24}>
            <NumberField name="sessionIdleMinutes" label="无操作自动退出" unit="分钟" min={1} />
            <NumberField name="sessionMaxHours" label="会话最长有效期" unit="小时" min={1} />
          </Row>
          <Row gutter={24}>
            <NumberField name="loginLimitPerIp" label="每 IP 每分钟登录次数上限" unit="次" min={1} />
            <NumberField name="loginLimitPerUsername" label="每账号每分钟登录次数上限" unit="次" min={1} />
          </Row>
        </Form>
      </Spin>
    </Card>
  );
}
