import { DownloadOutlined, ImportOutlined, KeyOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Checkbox,
  Col,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Radio,
  Row,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { useState } from 'react';
import { ApiError, api } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { RenameModal } from '../../components/RenameModal';
import { formatTime, PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import {
  caCertificateUrl,
  certificateUrl,
  type DevCa,
  type FormValue,
  type KeyAlgorithm,
  postMultipart,
  type SealKey,
} from './api';
import { ALGORITHMS, ExpiryTag, expiryStatusOptions, formatDate } from './labels';

/** 密钥与证书: SM2/RSA keys, certificates from the development CA or imported, expiry warnings. */
export default function CertsPage() {
  const can = useCan();
  const action = useAction();
  const manage = can('seal-key:manage');
  const [filters, setFilters] = useState<{ q?: string; expiryStatus?: string }>({});
  const list = usePagedList<SealKey>('/seal/keys', filters);
  const expiring = useRemote(
    async () => asItems(await api.get<{ items: SealKey[] }>('/seal/keys/expiring', { days: 30 })),
    [list.data],
    [] as SealKey[],
  );
  const [dialog, setDialog] = useState<'generate' | 'import' | null>(null);
  const [issuing, setIssuing] = useState<SealKey | null>(null);
  const [renaming, setRenaming] = useState<SealKey | null>(null);
  const [showCa, setShowCa] = useState(false);
  const closed = (saved: boolean) => {
    setDialog(null);
    setIssuing(null);
    setRenaming(null);
    if (saved) list.reload();
  };

  return (
    <PageCard
      title="密钥与证书"
      extra={
        <>
          <Input.Search
            placeholder="名称或证书主题"
            allowClear
            onSearch={(q) => setFilters((f) => ({ ...f, q: q || undefined }))}
            style={{ width: 200 }}
          />
          <Select
            aria-label="证书状态"
            allowClear
            placeholder="证书状态"
            style={{ width: 120 }}
            options={expiryStatusOptions}
            onChange={(expiryStatus) => setFilters((f) => ({ ...f, expiryStatus }))}
          />
          <Button onClick={() => setShowCa(true)}>开发测试 CA</Button>
          {manage && (
            <>
              <Button icon={<ImportOutlined />} onClick={() => setDialog('import')}>
                导入证书
              </Button>
              <Button type="primary" icon={<KeyOutlined />} onClick={() => setDialog('generate')}>
                生成密钥
              </Button>
            </>
          )}
        </>
      }
    >
      {expiring.data.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={`${expiring.data.length} 个证书已过期或将在 30 天内到期，到期后相关印章将无法签章`}
          description={
            <Space wrap>
              {expiring.data.map((k) => (
                <Tag key={k.id} color={k.expiryStatus === 'expired' ? 'error' : 'warning'}>
                  {k.name}：{k.expiryStatus === 'expired' ? '已过期' : `${k.expiresInDays} 天后到期`}（
                  {formatDate(k.certificate?.notAfter)}）
                </Tag>
              ))}
            </Space>
          }
        />
      )}
      <Table<SealKey>
        rowKey="id"
        aria-label="密钥列表"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          { title: '名称', dataIndex: 'name' },
          {
            title: '算法',
            width: 110,
            render: (_, k) => (k.algorithm === 'rsa' ? `RSA ${k.rsaBits ?? ''}` : 'SM2'),
          },
          {
            title: '来源',
            dataIndex: 'source',
            width: 80,
            render: (s: SealKey['source']) => (s === 'generated' ? '系统生成' : '导入'),
          },
          {
            title: '证书主题',
            render: (_, k) =>
              k.certificate ? (
                <Tooltip title={k.certificate.subject}>
                  {k.certificate.subjectFields?.CN ?? k.certificate.subject}
                  {k.certificate.issuedByDevCa && (
                    <Tag color="purple" style={{ marginLeft: 6 }}>
                      开发CA
                    </Tag>
                  )}
                </Tooltip>
              ) : (
                '—'
              ),
          },
          {
            title: '有效期至',
            width: 210,
            render: (_, k) => (
              <Space size={4}>
                {k.certificate ? formatDate(k.certificate.notAfter) : ''}
                <ExpiryTag status={k.expiryStatus} days={k.expiresInDays} />
              </Space>
            ),
          },
          { title: '使用中的印章', dataIndex: 'usedBy', width: 110, render: (n: number) => (n ? `${n} 枚` : '—') },
          { title: '创建时间', dataIndex: 'createdAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 260,
            render: (_, k) => (
              <Space size={0} wrap>
                {manage && k.source === 'generated' && (
                  <Button type="link" size="small" onClick={() => setIssuing(k)}>
                    {k.certificate ? '续签证书' : '签发证书'}
                  </Button>
                )}
                {k.certificate && (
                  <Button type="link" size="small" href={certificateUrl(k.id)} icon={<DownloadOutlined />}>
                    证书
                  </Button>
                )}
                {manage && (
                  <Button type="link" size="small" onClick={() => setRenaming(k)}>
                    重命名
                  </Button>
                )}
                {manage && (
                  <Popconfirm
                    title={`删除密钥「${k.name}」？`}
                    description={k.usedBy ? '该密钥已被印章使用，不能删除。' : '私钥将被销毁，不可恢复。'}
                    okText="删除"
                    okButtonProps={{ danger: true, disabled: k.usedBy > 0 }}
                    onConfirm={async () => {
                      if (await action(() => api.delete(`/seal/keys/${k.id}`), '密钥已删除')) list.reload();
                    }}
                  >
                    <Button type="link" size="small" danger>
                      删除
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        私钥以国密 SM4 加密保存，任何接口都不会返回私钥；证书可下载（仅含公开信息）。
      </Typography.Paragraph>
      {dialog === 'generate' && <GenerateKeyModal onClose={closed} />}
      {dialog === 'import' && <ImportModal onClose={closed} />}
      {issuing && <IssueModal sealKey={issuing} onClose={closed} />}
      {renaming && (
        <RenameModal
          title="重命名密钥"
          name={renaming.name}
          save={(name) => api.patch(`/seal/keys/${renaming.id}`, { name })}
          onClose={closed}
        />
      )}
      {showCa && <CaModal onClose={() => setShowCa(false)} />}
    </PageCard>
  );
}

interface SubjectValues {
  CN: string;
  O?: string;
  OU?: string;
  L?: string;
  ST?: string;
  days: number;
}

/** Only the filled-in subject fields; the country defaults to CN on the server. */
function issueBody(v: SubjectValues) {
  const subject: Record<string, string> = { CN: v.CN.trim() };
  for (const key of ['O', 'OU', 'L', 'ST'] as const) {
    const value = v[key]?.trim();
    if (value) subject[key] = value;
  }
  return { subject, days: v.days };
}

function SubjectFields() {
  return (
    <>
      <Form.Item
        name="CN"
        label="证书主题名称（CN）"
        rules={[{ required: true, whitespace: true, message: '请输入证书主题名称，一般为单位全称' }]}
        extra="一般为用章单位全称，验证页面上显示为签章人"
      >
        <Input maxLength={64} />
      </Form.Item>
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item name="O" label="单位（O）">
            <Input maxLength={64} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="OU" label="部门（OU）">
            <Input maxLength={64} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="ST" label="省（ST）">
            <Input maxLength={64} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="L" label="市（L）">
            <Input maxLength={64} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="days" label="有效天数">
            <InputNumber min={1} max={3650} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
      </Row>
    </>
  );
}

const SUBJECT_DEFAULTS = { days: 730, ST: '河南省', L: '新乡市' };

interface GenerateKeyValues extends Partial<SubjectValues> {
  name: string;
  algorithm: KeyAlgorithm;
  rsaBits?: number;
  issue: boolean;
}

function GenerateKeyModal({ onClose }: { onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<GenerateKeyValues>();
  const algorithm = Form.useWatch('algorithm', form);
  const issue = Form.useWatch('issue', form);
  const { submit, submitting } = useFormSubmit(
    form,
    (v) =>
      api.post('/seal/keys', {
        name: v.name.trim(),
        algorithm: v.algorithm,
        ...(v.algorithm === 'rsa' ? { rsaBits: v.rsaBits } : {}),
        ...(v.issue ? { issue: issueBody(v as SubjectValues) } : {}),
      }),
    '密钥已生成',
  );
  return (
    <Modal
      open
      title="生成密钥"
      okText="生成"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={620}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ algorithm: 'sm2', rsaBits: 2048, issue: true, ...SUBJECT_DEFAULTS }}
        onValuesChange={(changed: Partial<GenerateKeyValues>) => {
          // The certificate usually names the same unit as the key.
          if (changed.name !== undefined && !form.isFieldTouched('CN')) form.setFieldsValue({ CN: changed.name });
        }}
      >
        <Form.Item
          name="name"
          label="密钥名称"
          rules={[{ required: true, whitespace: true, message: '请输入密钥名称' }]}
        >
          <Input maxLength={100} placeholder="如：新乡市行政审批和政务信息管理局" />
        </Form.Item>
        <Form.Item name="algorithm" label="算法" extra="OFD 签章（GB/T 38540）需使用 SM2">
          <Radio.Group
            optionType="button"
            options={Object.entries(ALGORITHMS).map(([value, label]) => ({ value, label }))}
          />
        </Form.Item>
        {algorithm === 'rsa' && (
          <Form.Item name="rsaBits" label="RSA 密钥长度">
            <Select options={[2048, 3072, 4096].map((n) => ({ value: n, label: `${n} 位` }))} />
          </Form.Item>
        )}
        <Form.Item name="issue" valuePropName="checked">
          <Checkbox>同时由开发测试 CA 签发证书</Checkbox>
        </Form.Item>
        {issue && <SubjectFields />}
      </Form>
    </Modal>
  );
}

function IssueModal({ sealKey, onClose }: { sealKey: SealKey; onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<SubjectValues>();
  const { submit, submitting } = useFormSubmit(
    form,
    (v) => api.post(`/seal/keys/${sealKey.id}/issue`, issueBody(v)),
    sealKey.certificate ? '证书已续签' : '证书已签发',
  );
  const fields = sealKey.certificate?.subjectFields ?? {};
  return (
    <Modal
      open
      title={`${sealKey.certificate ? '续签' : '签发'}证书：${sealKey.name}`}
      okText={sealKey.certificate ? '续签' : '签发'}
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={620}
    >
      {sealKey.certificate && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title="续签会以新证书替换当前证书，已签章文件不受影响。"
        />
      )}
      <Form form={form} layout="vertical" initialValues={{ ...SUBJECT_DEFAULTS, CN: sealKey.name, ...fields }}>
        <SubjectFields />
      </Form>
    </Modal>
  );
}

interface ImportValues {
  name: string;
  password?: string;
  keyText?: string;
  certText?: string;
  chainText?: string;
}

/** 导入: a PKCS#12 file with its password, or a PEM private key and certificate (files or pasted). */
function ImportModal({ onClose }: { onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<ImportValues>();
  const [kind, setKind] = useState<'p12' | 'pem'>('p12');
  const [files, setFiles] = useState<Record<string, UploadFile[]>>({});
  const fileOf = (field: string): FormValue | undefined => {
    const f = files[field]?.[0]?.originFileObj;
    return f ? { blob: f, name: f.name } : undefined;
  };
  const { submit, submitting } = useFormSubmit(
    form,
    async (v) => {
      const fields: Record<string, FormValue | undefined> =
        kind === 'p12'
          ? { name: v.name.trim(), password: v.password ?? '', p12: fileOf('p12') }
          : {
              name: v.name.trim(),
              key: fileOf('key') ?? (v.keyText?.trim() || undefined),
              cert: fileOf('cert') ?? (v.certText?.trim() || undefined),
              chain: fileOf('chain') ?? (v.chainText?.trim() || undefined),
            };
      if (kind === 'p12' && !fields.p12) {
        throw new ApiError({ status: 400, code: 'import_incomplete', title: '请选择 PKCS#12（.p12/.pfx）文件' });
      }
      if (kind === 'pem' && (!fields.key || !fields.cert)) {
        throw new ApiError({
          status: 400,
          code: 'import_incomplete',
          title: '请提供私钥和证书（文件或粘贴 PEM 文本）',
        });
      }
      await postMultipart('/seal/keys/import', fields);
    },
    '证书已导入',
  );
  const picker = (field: string, accept: string, label: string) => (
    <Upload
      accept={accept}
      maxCount={1}
      fileList={files[field] ?? []}
      beforeUpload={() => false}
      onChange={({ fileList }) => setFiles((f) => ({ ...f, [field]: fileList }))}
    >
      <Button icon={<UploadOutlined />}>{label}</Button>
    </Upload>
  );
  return (
    <Modal
      open
      title="导入证书"
      okText="导入"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={640}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="name" label="名称" rules={[{ required: true, whitespace: true, message: '请输入名称' }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Tabs
          activeKey={kind}
          onChange={(k) => setKind(k as 'p12' | 'pem')}
          items={[
            {
              key: 'p12',
              label: 'PKCS#12（.p12 / .pfx）',
              children: (
                <>
                  <Form.Item label="证书文件" required>
                    {picker('p12', '.p12,.pfx', '选择 .p12 / .pfx 文件')}
                  </Form.Item>
                  <Form.Item name="password" label="文件密码">
                    <Input.Password autoComplete="off" />
                  </Form.Item>
                </>
              ),
            },
            {
              key: 'pem',
              label: 'PEM 私钥 + 证书',
              children: (
                <>
                  <Form.Item label="私钥" required extra="选择文件，或在下方粘贴 -----BEGIN PRIVATE KEY----- 文本">
                    {picker('key', '.pem,.key', '选择私钥文件')}
                  </Form.Item>
                  <Form.Item name="keyText" aria-label="私钥 PEM 文本">
                    <Input.TextArea rows={3} placeholder="-----BEGIN PRIVATE KEY-----" autoComplete="off" />
                  </Form.Item>
                  <Form.Item label="证书" required>
                    {picker('cert', '.pem,.crt,.cer', '选择证书文件')}
                  </Form.Item>
                  <Form.Item name="certText">
                    <Input.TextArea rows={3} placeholder="-----BEGIN CERTIFICATE-----" />
                  </Form.Item>
                  <Form.Item label="证书链（可选）">{picker('chain', '.pem,.crt,.cer', '选择证书链文件')}</Form.Item>
                  <Form.Item name="chainText">
                    <Input.TextArea rows={2} placeholder="上级 CA 证书（PEM，可多个）" />
                  </Form.Item>
                </>
              ),
            },
          ]}
        />
      </Form>
    </Modal>
  );
}

function CaModal({ onClose }: { onClose: () => void }) {
  const { data, loading } = useRemote(
    async () => asItems(await api.get<{ items: DevCa[] }>('/seal/ca')),
    [],
    [] as DevCa[],
  );
  return (
    <Modal open title="开发测试 CA" footer={null} onCancel={onClose} width={640}>
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 12 }}
        title="开发测试 CA 仅用于测试和内部演示"
        description="正式环境请导入依法设立的电子认证服务机构签发的证书。验证方可下载 CA 证书导入阅读器的信任列表。"
      />
      {loading && <Typography.Text type="secondary">加载中…</Typography.Text>}
      {data.map((ca) => (
        <Descriptions
          key={ca.algorithm}
          bordered
          size="small"
          column={1}
          style={{ marginBottom: 12 }}
          title={ALGORITHMS[ca.algorithm]}
          extra={
            <Button size="small" href={caCertificateUrl(ca.algorithm)} icon={<DownloadOutlined />}>
              下载 CA 证书
            </Button>
          }
          items={[
            { label: '主题', children: ca.subject },
            { label: '序列号', children: <Typography.Text copyable>{ca.serialNumber}</Typography.Text> },
            { label: '有效期', children: `${formatDate(ca.notBefore)} 至 ${formatDate(ca.notAfter)}` },
          ]}
        />
      ))}
    </Modal>
  );
}
