import { PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  DatePicker,
  Dropdown,
  Form,
  Input,
  type MenuProps,
  Modal,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Tooltip,
  TreeSelect,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { fetchOrgTree, orgOptions } from '../../components/orgs';
import { PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import { imagePngUrl, type Seal, type SealImage, type SealKey, type SealType } from './api';
import { ExpiryTag, formatDate, formatValidity, SealStatusTag, sealStatusOptions, sealTypeOptions } from './labels';
import { SealThumb } from './SealImageBox';

interface Filters {
  q?: string;
  type?: SealType;
  status?: string;
}

type SealAction = 'enable' | 'disable' | 'retire' | 'delete';

const CONFIRM: Record<SealAction, { title: string; content: string; ok: string; done: string; danger?: boolean }> = {
  enable: { title: '启用印章', content: '启用后，获得授权的用户即可使用该印章签章。', ok: '启用', done: '印章已启用' },
  disable: {
    title: '停用印章',
    content: '停用立即生效：此后的签章请求都会被拒绝。已签章的文件不受影响，可随时重新启用。',
    ok: '停用',
    done: '印章已停用',
    danger: true,
  },
  retire: {
    title: '注销印章',
    content: '注销后印章永久不能再使用，也不能重新启用；签章记录仍然保留。',
    ok: '注销',
    done: '印章已注销',
    danger: true,
  },
  delete: {
    title: '删除印章',
    content: '只能删除从未签章的印章；已有签章记录的印章请改为停用或注销。',
    ok: '删除',
    done: '印章已删除',
    danger: true,
  },
};

/** 印章管理: seals made from an image and a key with its certificate; enable, disable, retire, delete. */
export default function SealsPage() {
  const can = useCan();
  const action = useAction();
  const { modal } = App.useApp();
  const manage = can('seal:manage');
  const [filters, setFilters] = useState<Filters>({});
  const list = usePagedList<Seal>('/seal/seals', { ...filters });
  const [editing, setEditing] = useState<Seal | 'new' | null>(null);

  const run = (seal: Seal, key: SealAction) => {
    const c = CONFIRM[key];
    modal.confirm({
      title: `${c.title}「${seal.name}」？`,
      content: c.content,
      okText: c.ok,
      okButtonProps: { danger: c.danger },
      onOk: async () => {
        const ok = await action(
          () => (key === 'delete' ? api.delete(`/seal/seals/${seal.id}`) : api.post(`/seal/seals/${seal.id}/${key}`)),
          c.done,
        );
        if (ok) list.reload();
      },
    });
  };

  const actionsOf = (s: Seal): MenuProps['items'] => {
    const items: NonNullable<MenuProps['items']> = [];
    if (s.status === 'enabled') items.push({ key: 'disable', label: '停用' });
    if (s.status === 'disabled') items.push({ key: 'enable', label: '启用' });
    if (s.status !== 'retired') items.push({ key: 'retire', label: '注销', danger: true });
    items.push({ type: 'divider' }, { key: 'delete', label: '删除', danger: true, disabled: s.signCount > 0 });
    return items;
  };

  return (
    <PageCard
      title="印章管理"
      extra={
        <>
          <Input.Search
            placeholder="印章名称或编码"
            allowClear
            onSearch={(q) => setFilters((f) => ({ ...f, q: q || undefined }))}
            style={{ width: 200 }}
          />
          <Select
            aria-label="印章类型"
            allowClear
            placeholder="全部类型"
            style={{ width: 130 }}
            options={sealTypeOptions}
            onChange={(type) => setFilters((f) => ({ ...f, type }))}
          />
          <Select
            aria-label="印章状态"
            allowClear
            placeholder="全部状态"
            style={{ width: 110 }}
            options={sealStatusOptions}
            onChange={(status) => setFilters((f) => ({ ...f, status }))}
          />
          {manage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              制作印章
            </Button>
          )}
        </>
      }
    >
      <Table<Seal>
        rowKey="id"
        aria-label="印章列表"
        scroll={{ x: 1100 }}
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          {
            title: '印模',
            width: 72,
            render: (_, s) => <SealThumb src={imagePngUrl(s.imageId)} alt={s.imageName} />,
          },
          {
            title: '印章名称',
            dataIndex: 'name',
            render: (name: string, s) => (
              <span>
                {name}
                {s.code && (
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    编码 {s.code}
                  </Typography.Text>
                )}
              </span>
            ),
          },
          { title: '类型', dataIndex: 'typeName', width: 100 },
          { title: '所属单位', dataIndex: 'orgName', width: 140, render: (v) => v ?? '—' },
          {
            title: '证书',
            width: 190,
            render: (_, s) =>
              s.certificate ? (
                <Tooltip title={`${s.certificate.subject}（序列号 ${s.certificate.serialNumber}）`}>
                  <span>
                    {s.algorithm.toUpperCase()} · 至 {formatDate(s.certificate.notAfter)}{' '}
                    <CertExpiry notAfter={s.certificate.notAfter} />
                  </span>
                </Tooltip>
              ) : (
                '—'
              ),
          },
          {
            title: '有效期',
            width: 170,
            render: (_, s) => formatValidity(s.validFrom, s.validTo),
          },
          {
            title: '状态',
            width: 130,
            render: (_, s) => (
              <Space size={4} wrap>
                <SealStatusTag seal={s} />
                {s.requiresApproval && <Tag color="purple">需审批</Tag>}
              </Space>
            ),
          },
          { title: '签章次数', dataIndex: 'signCount', width: 80 },
          {
            title: '操作',
            width: 150,
            render: (_, s) => (
              <Space size={0}>
                <Link to={`/seal/authorizations?sealId=${s.id}`}>授权</Link>
                {manage && s.status !== 'retired' && (
                  <Button type="link" size="small" onClick={() => setEditing(s)}>
                    编辑
                  </Button>
                )}
                {manage && (
                  <Dropdown
                    menu={{ items: actionsOf(s), onClick: ({ key }) => run(s, key as SealAction) }}
                    trigger={['click']}
                  >
                    <Button type="link" size="small">
                      更多
                    </Button>
                  </Dropdown>
                )}
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <SealModal
          seal={editing === 'new' ? null : editing}
          onClose={(saved) => {
            setEditing(null);
            if (saved) list.reload();
          }}
        />
      )}
    </PageCard>
  );
}

/** A seal's certificate expiry as the same tag the 密钥与证书 page shows (30-day warning). */
function CertExpiry({ notAfter }: { notAfter: string }) {
  const days = dayjs(notAfter).diff(dayjs(), 'day');
  const status = days < 0 ? 'expired' : days <= 30 ? 'expiring' : 'valid';
  return status === 'valid' ? null : <ExpiryTag status={status} days={days} />;
}

interface SealValues {
  name: string;
  type: SealType;
  imageId: string;
  keyId: string;
  code?: string;
  orgId?: string;
  validity?: [Dayjs | null, Dayjs | null] | null;
  description?: string;
  requiresApproval?: boolean;
}

function SealModal({ seal, onClose }: { seal: Seal | null; onClose: (saved: boolean) => void }) {
  const [form] = Form.useForm<SealValues>();
  const orgs = useRemote(fetchOrgTree, [], []);
  const images = useRemote(
    async () => (seal ? [] : asItems(await api.get<{ items: SealImage[] }>('/seal/images', { pageSize: 100 }))),
    [],
    [] as SealImage[],
  );
  const keys = useRemote(
    async () => (seal ? [] : asItems(await api.get<{ items: SealKey[] }>('/seal/keys', { pageSize: 100 }))),
    [],
    [] as SealKey[],
  );
  const { submit, submitting } = useFormSubmit(
    form,
    (v) => {
      const common = {
        name: v.name.trim(),
        code: v.code?.trim() || null,
        orgId: v.orgId ?? null,
        validFrom: v.validity?.[0]?.startOf('day').toISOString() ?? null,
        validTo: v.validity?.[1]?.endOf('day').toISOString() ?? null,
        // The server's 说明 is a string ('' = none), not nullable.
        description: v.description?.trim() ?? '',
        requiresApproval: Boolean(v.requiresApproval),
      };
      return seal
        ? api.patch(`/seal/seals/${seal.id}`, common)
        : api.post('/seal/seals', { ...withoutNulls(common), type: v.type, imageId: v.imageId, keyId: v.keyId });
    },
    seal ? '印章已保存' : '印章已制作',
  );
  const initial: Partial<SealValues> = seal
    ? {
        name: seal.name,
        type: seal.type,
        code: seal.code ?? undefined,
        orgId: seal.orgId ?? undefined,
        validity: [seal.validFrom ? dayjs(seal.validFrom) : null, seal.validTo ? dayjs(seal.validTo) : null],
        description: seal.description ?? undefined,
        requiresApproval: seal.requiresApproval,
      }
    : { type: 'official', requiresApproval: false };
  return (
    <Modal
      open
      title={seal ? `编辑印章：${seal.name}` : '制作印章'}
      okText="保存"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
      width={640}
    >
      <Form form={form} layout="vertical" initialValues={initial} requiredMark="optional">
        <Form.Item
          name="name"
          label="印章名称"
          rules={[{ required: true, whitespace: true, message: '请输入印章名称' }]}
        >
          <Input maxLength={100} placeholder="如：新乡市行政审批和政务信息管理局公章" />
        </Form.Item>
        <Form.Item name="type" label="印章类型" rules={[{ required: true }]}>
          <Select options={sealTypeOptions} disabled={Boolean(seal)} />
        </Form.Item>
        {!seal && (
          <>
            <Form.Item name="imageId" label="印模" rules={[{ required: true, message: '请选择印模' }]}>
              <Select
                showSearch
                filterOption={byTitle}
                placeholder="选择印模（可在「印模管理」中生成或导入）"
                loading={images.loading}
                options={images.data.map((img) => ({
                  value: img.id,
                  title: img.name,
                  label: (
                    <Space>
                      <SealThumb src={imagePngUrl(img.id)} alt="" size={22} />
                      {img.name}（{img.widthMm} × {img.heightMm} mm）
                    </Space>
                  ),
                }))}
              />
            </Form.Item>
            <Form.Item
              name="keyId"
              label="密钥与证书"
              rules={[{ required: true, message: '请选择密钥' }]}
              extra="只列出已签发证书的密钥；印模和密钥在制作后不能更换"
            >
              <Select
                showSearch
                filterOption={byTitle}
                placeholder="选择密钥"
                loading={keys.loading}
                options={keys.data
                  .filter((k) => k.certificate)
                  .map((k) => ({
                    value: k.id,
                    title: k.name,
                    disabled: k.expiryStatus === 'expired',
                    label: `${k.name}（${k.algorithm.toUpperCase()}，证书至 ${formatDate(k.certificate?.notAfter)}${
                      k.expiryStatus === 'expired' ? '，已过期' : ''
                    }）`,
                  }))}
              />
            </Form.Item>
          </>
        )}
        <Form.Item name="code" label="印章编码" rules={[{ pattern: /^\d{13}$/, message: '印章编码为 13 位数字' }]}>
          <Input maxLength={13} />
        </Form.Item>
        <Form.Item name="orgId" label="所属单位">
          <TreeSelect allowClear showSearch treeNodeFilterProp="title" treeData={orgOptions(orgs.data)} />
        </Form.Item>
        <Form.Item name="validity" label="有效期" extra="不填表示长期有效；过期的印章不能签章">
          <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item
          name="requiresApproval"
          label="需要审批"
          valuePropName="checked"
          extra="开启后每次用章须提出用章申请，经用章审批人（角色 seal_keeper）在「我的任务」中批准后方可使用；不能再直接授权，已有的直接授权随即失效"
        >
          <Switch checkedChildren="需要" unCheckedChildren="不需要" />
        </Form.Item>
        <Form.Item name="description" label="说明">
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Options whose label is a picture plus text are searched by their plain-text title. */
function byTitle(input: string, option?: { title?: string }): boolean {
  return (option?.title ?? '').toLowerCase().includes(input.trim().toLowerCase());
}

/** Creation takes optional fields as absent rather than null. */
function withoutNulls<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as Partial<T>;
}
