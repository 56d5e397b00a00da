import { LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, rememberCsrfToken, request } from '../../api/client';
import { applyServerErrors } from '../../api/forms';
import { useSession } from '../../auth/session';

interface Credentials {
  username: string;
  password: string;
  captcha?: string;
}

interface Captcha {
  required: boolean;
  id?: string;
  svg?: string;
}

interface Enrolment {
  secret: string;
  otpauthUrl?: string;
  qrSvg?: string;
}

/** The login goes password → (second factor | first-time 2FA enrolment) → console. */
type Step = { kind: 'password' } | { kind: 'otp' } | { kind: 'enrol'; enrolment: Enrolment };

interface Notice {
  type: 'error' | 'warning' | 'info';
  title: string;
  detail?: string;
}

const svgDataUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** Only same-app paths are followed after login, so a crafted link cannot send the user elsewhere. */
function safeRedirect(value: string | null): string {
  return value?.startsWith('/') && !value.startsWith('//') ? value : '/';
}

function noticeFrom(error: ApiError): Notice {
  return {
    type: error.status === 423 || error.status === 429 ? 'warning' : 'error',
    title: error.problem.title,
    detail: error.problem.detail,
  };
}

export function LoginPage() {
  const { state, refresh } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [form] = Form.useForm<Credentials>();
  const [otpForm] = Form.useForm<{ otp: string }>();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [captcha, setCaptcha] = useState<Captcha>({ required: false });
  const [notice, setNotice] = useState<Notice | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const redirect = safeRedirect(params.get('redirect'));
  // The password form unmounts during the 2FA step, so what it held is kept here for the second post.
  const credentials = useRef<Credentials | null>(null);

  const loadCaptcha = useCallback(async (username?: string) => {
    try {
      const next = await api.get<Captcha>('/auth/captcha', { username });
      setCaptcha(next);
    } catch {
      // The captcha probe is advisory: the login answer says captcha_required if it really is needed.
    }
  }, []);

  useEffect(() => {
    loadCaptcha();
  }, [loadCaptcha]);

  const login = async (extra: Record<string, string> = {}) => {
    if (!credentials.current) return;
    const { username, password, captcha: captchaText } = credentials.current;
    setSubmitting(true);
    setNotice(null);
    try {
      const body: Record<string, string> = { username, password, ...extra };
      if (captcha.required && captcha.id) {
        body.captchaId = captcha.id;
        body.captcha = captchaText ?? '';
      }
      const result = await request<{ csrfToken?: string }>('/auth/login', {
        method: 'POST',
        body,
        skipAuthRedirect: true,
      });
      rememberCsrfToken(result?.csrfToken);
      await refresh();
      navigate(redirect, { replace: true });
    } catch (error) {
      await onLoginError(error);
    } finally {
      setSubmitting(false);
    }
  };

  const onLoginError = async (error: unknown) => {
    if (!(error instanceof ApiError)) {
      setNotice({ type: 'error', title: '登录失败', detail: error instanceof Error ? error.message : undefined });
      return;
    }
    const { code, problem } = error;
    if (code === 'otp_required') {
      // Asking for the code is the normal second step, not a failure, unless a code was already sent.
      if (step.kind === 'otp') setNotice(noticeFrom(error));
      setStep({ kind: 'otp' });
      return;
    }
    if (code === 'otp_enrolment_required') {
      const enrolment = (problem.enrolment ?? problem) as Enrolment;
      setStep({ kind: 'enrol', enrolment });
      return;
    }
    if (step.kind !== 'password' && (code === 'otp_invalid' || code === 'invalid_otp')) {
      otpForm.setFields([{ name: 'otp', value: '', errors: [error.message] }]);
      return;
    }
    if (code === 'captcha_required' || code === 'captcha_invalid') {
      setStep({ kind: 'password' });
      await loadCaptcha(credentials.current?.username);
      form.setFields([
        {
          name: 'captcha',
          value: '',
          errors: [problem.detail ? `${problem.title}，${problem.detail}` : problem.title],
        },
      ]);
      return;
    }
    if (code === 'validation_failed') {
      const rest = applyServerErrors(form, error);
      if (rest.length) setNotice({ type: 'error', title: rest.join('；') });
      return;
    }
    // Wrong password, locked account, rate limit …: back to the first step with the server's words.
    setStep({ kind: 'password' });
    setNotice(noticeFrom(error));
    form.setFieldValue('password', '');
    await loadCaptcha(credentials.current?.username);
  };

  if (state.status === 'authenticated') return <Navigate to={redirect} replace />;

  const submitPassword = async (values: Credentials) => {
    credentials.current = values;
    await login();
  };

  const submitOtp = async ({ otp }: { otp: string }) => {
    await login(step.kind === 'enrol' ? { otp, enrolSecret: step.enrolment.secret } : { otp });
  };

  const backToPassword = () => {
    setStep({ kind: 'password' });
    otpForm.resetFields();
    setNotice(null);
  };

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(160deg, #e8f0fb 0%, #f5f7fa 55%, #fdf1ef 100%)',
      }}
    >
      <Space orientation="vertical" align="center" size={4} style={{ marginBottom: 24 }}>
        <Space align="center" size={12}>
          <span
            style={{
              display: 'inline-flex',
              width: 40,
              height: 40,
              alignItems: 'center',
              justifyContent: 'center',
              background: '#c0392b',
              color: '#fff',
              borderRadius: 8,
              fontSize: 22,
              fontWeight: 700,
            }}
          >
            集
          </span>
          <Typography.Title level={2} style={{ margin: 0 }}>
            集约平台管理后台
          </Typography.Title>
        </Space>
        <Typography.Text type="secondary">新乡市政府网站集约化平台 · 统一身份与权限管理</Typography.Text>
      </Space>
      <Card style={{ width: 400, boxShadow: '0 6px 16px rgba(0,0,0,.08)' }}>
        {notice && (
          <Alert
            role="alert"
            type={notice.type}
            showIcon
            title={notice.title}
            description={notice.detail}
            style={{ marginBottom: 16 }}
          />
        )}
        {step.kind === 'password' ? (
          <Form form={form} size="large" onFinish={submitPassword} autoComplete="on">
            <Typography.Title level={4} style={{ marginTop: 0 }}>
              账号登录
            </Typography.Title>
            <Form.Item name="username" rules={[{ required: true, message: '请输入账号' }]}>
              <Input
                prefix={<UserOutlined />}
                placeholder="账号"
                autoComplete="username"
                onBlur={(e) => e.target.value && loadCaptcha(e.target.value)}
              />
            </Form.Item>
            <Form.Item name="password" rules={[{ required: true, message: '请输入口令' }]}>
              <Input.Password prefix={<LockOutlined />} placeholder="口令" autoComplete="current-password" />
            </Form.Item>
            {captcha.required && captcha.svg && (
              <Form.Item required>
                <Space.Compact style={{ width: '100%' }}>
                  <Form.Item name="captcha" noStyle rules={[{ required: true, message: '请输入验证码' }]}>
                    <Input prefix={<SafetyOutlined />} placeholder="验证码" autoComplete="off" />
                  </Form.Item>
                  <button
                    type="button"
                    title="看不清？点击换一张"
                    aria-label="验证码图片，点击换一张"
                    onClick={() => loadCaptcha(form.getFieldValue('username'))}
                    style={{
                      padding: 0,
                      border: '1px solid #d9d9d9',
                      borderLeft: 0,
                      background: '#fff',
                      cursor: 'pointer',
                      height: 40,
                    }}
                  >
                    <img src={svgDataUrl(captcha.svg)} alt="验证码" style={{ height: 38, display: 'block' }} />
                  </button>
                </Space.Compact>
              </Form.Item>
            )}
            <Button type="primary" htmlType="submit" block loading={submitting}>
              登 录
            </Button>
          </Form>
        ) : (
          <Form form={otpForm} size="large" onFinish={submitOtp}>
            <Typography.Title level={4} style={{ marginTop: 0 }}>
              {step.kind === 'enrol' ? '绑定双因素认证' : '双因素认证'}
            </Typography.Title>
            {step.kind === 'enrol' ? (
              <EnrolmentGuide enrolment={step.enrolment} />
            ) : (
              <Typography.Paragraph type="secondary">
                请打开手机上的身份验证器（如 FreeOTP、Google Authenticator、微信小程序“腾讯身份验证器”），输入显示的 6
                位动态码。
              </Typography.Paragraph>
            )}
            <Form.Item
              name="otp"
              rules={[
                { required: true, message: '请输入 6 位动态码' },
                { pattern: /^\d{6}$/, message: '动态码为 6 位数字' },
              ]}
            >
              <Input
                prefix={<SafetyOutlined />}
                placeholder="6 位动态码"
                inputMode="numeric"
                maxLength={6}
                autoComplete="one-time-code"
                autoFocus
              />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={submitting}>
              {step.kind === 'enrol' ? '完成绑定并登录' : '验 证'}
            </Button>
            <Button type="link" block onClick={backToPassword} style={{ marginTop: 8 }}>
              返回账号登录
            </Button>
          </Form>
        )}
      </Card>
      <Typography.Text type="secondary" style={{ marginTop: 24, fontSize: 12 }}>
        为保障账号安全，连续多次输错口令将临时锁定账号；系统管理员类账号须绑定双因素认证。
      </Typography.Text>
    </div>
  );
}

function EnrolmentGuide({ enrolment }: { enrolment: Enrolment }) {
  return (
    <>
      <Typography.Paragraph type="secondary">
        您的账号具有管理员角色，须绑定双因素认证。请用手机身份验证器扫描下方二维码（或手动输入密钥），再输入验证器显示的
        6 位动态码。
      </Typography.Paragraph>
      {enrolment.qrSvg && (
        <div style={{ textAlign: 'center', marginBottom: 12 }}>
          <img src={svgDataUrl(enrolment.qrSvg)} alt="双因素认证绑定二维码" width={180} height={180} />
        </div>
      )}
      <Typography.Paragraph style={{ textAlign: 'center' }}>
        密钥：
        <Typography.Text code copyable data-testid="otp-secret">
          {enrolment.secret}
        </Typography.Text>
      </Typography.Paragraph>
    </>
  );
}
