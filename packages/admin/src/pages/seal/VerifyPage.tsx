import { CheckCircleFilled, CloseCircleFilled, InboxOutlined } from '@ant-design/icons';
import { Alert, Card, Col, Descriptions, Empty, List, Result, Row, Space, Spin, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { formatTime, PageCard } from '../../components/ui';
import { postMultipart, type VerifiedSignature, type VerifyReport } from './api';
import { formatBytes } from './labels';
import { pngSizeMm } from './png';

/** The seal picture of a data: URL at its true size when the PNG says how big it is. */
function sealPictureStyle(dataUrl: string): { width: string; height: string } | { maxWidth: number } {
  const base64 = dataUrl.split(',', 2)[1];
  if (!base64) return { maxWidth: 160 };
  try {
    const bytes = Uint8Array.from(atob(base64.slice(0, 200)), (c) => c.charCodeAt(0));
    const size = pngSizeMm(bytes);
    return size ? { width: `${size.widthMm}mm`, height: `${size.heightMm}mm` } : { maxWidth: 160 };
  } catch {
    return { maxWidth: 160 };
  }
}

/** 签章验证: upload a signed PDF or OFD; every signature is checked and explained in plain Chinese. */
export default function VerifyPage() {
  const [checking, setChecking] = useState(false);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  const check = async (file: File) => {
    setChecking(true);
    setError(null);
    setReport(null);
    try {
      setReport(await postMultipart<VerifyReport>('/seal/verify', { file: { blob: file, name: file.name } }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setChecking(false);
    }
  };

  return (
    <PageCard title="签章验证">
      <Upload.Dragger
        accept=".pdf,.ofd,application/pdf"
        showUploadList={false}
        disabled={checking}
        beforeUpload={(file) => {
          check(file);
          return false;
        }}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">点击或拖入已签章的 PDF / OFD 文件进行验证</p>
        <p className="ant-upload-hint">文件只用于本次验证，不会保存。公众可使用无需登录的验证页面：/verify</p>
      </Upload.Dragger>
      <div style={{ marginTop: 16 }} aria-live="polite">
        {checking && <Spin tip="正在验证…" style={{ display: 'block', margin: 40 }} />}
        {error && <Alert type="error" showIcon title={error} />}
        {report && <ReportView report={report} />}
      </div>
    </PageCard>
  );
}

function ReportView({ report }: { report: VerifyReport }) {
  return (
    <>
      <Result
        status={report.valid ? 'success' : 'error'}
        title={report.valid ? '验证通过：文件签章有效' : '验证未通过'}
        subTitle={report.summary}
        data-testid="verify-result"
        style={{ padding: '16px 0' }}
      />
      <Descriptions
        size="small"
        bordered
        column={{ xs: 1, md: 3 }}
        style={{ marginBottom: 16 }}
        items={[
          { label: '文件', children: report.fileName },
          { label: '格式', children: report.format.toUpperCase() },
          { label: '大小', children: formatBytes(report.size) },
          {
            label: 'SHA-256',
            span: 3,
            children: <Typography.Text copyable>{report.sha256}</Typography.Text>,
          },
        ]}
      />
      {report.signatures.length === 0 ? (
        <Empty description="文件中没有电子签章" />
      ) : (
        <Row gutter={[16, 16]}>
          {report.signatures.map((s) => (
            <Col key={s.index} xs={24} lg={12}>
              <SignatureCard signature={s} />
            </Col>
          ))}
        </Row>
      )}
    </>
  );
}

function SignatureCard({ signature: s }: { signature: VerifiedSignature }) {
  return (
    <Card
      size="small"
      title={`第 ${s.index} 个签章`}
      extra={
        s.valid ? (
          <Tag icon={<CheckCircleFilled />} color="success">
            {s.statusText}
          </Tag>
        ) : (
          <Tag icon={<CloseCircleFilled />} color="error">
            {s.statusText}
          </Tag>
        )
      }
    >
      <Space align="start" size={16} wrap>
        {s.sealImage ? (
          <img src={s.sealImage} alt={`印章：${s.sealName ?? s.signer}`} style={sealPictureStyle(s.sealImage)} />
        ) : (
          <div style={{ width: 120, textAlign: 'center' }}>
            <Typography.Text type="secondary">无印章图像</Typography.Text>
          </div>
        )}
        <Descriptions
          size="small"
          column={1}
          items={[
            { label: '签章人', children: s.signer || '—' },
            { label: '印章', children: s.sealName ?? '—' },
            { label: '签章时间', children: formatTime(s.signingTime) },
            { label: '算法', children: s.algorithm },
            {
              label: '证书',
              children: s.trusted ? (
                <Tag color="success">来自受信任的 CA</Tag>
              ) : (
                <Tag color="warning">签发机构不在信任列表中</Tag>
              ),
            },
            ...(s.record
              ? [
                  {
                    label: '本平台签章记录',
                    children: `验证码 ${s.record.verifyCode}，${formatTime(s.record.createdAt)}`,
                  },
                ]
              : []),
          ]}
        />
      </Space>
      {s.reasons.length > 0 && (
        <List
          size="small"
          header={<Typography.Text strong>原因</Typography.Text>}
          dataSource={s.reasons}
          renderItem={(r) => <List.Item>{r}</List.Item>}
        />
      )}
      {s.warnings.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 8 }}
          title="提示"
          description={
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {s.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          }
        />
      )}
    </Card>
  );
}
