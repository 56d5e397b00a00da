import { Tag, Tooltip } from 'antd';
import dayjs from 'dayjs';
import type {
  AuthorizationStatus,
  ExpiryStatus,
  ImageShape,
  KeyAlgorithm,
  Seal,
  SealStatus,
  SealType,
  SubjectType,
} from './api';

export const SEAL_TYPES: Record<SealType, string> = {
  official: '公章',
  contract: '合同章',
  finance: '财务章',
  business: '业务专用章',
  legal_person: '法人名章',
};

export const sealTypeOptions = Object.entries(SEAL_TYPES).map(([value, label]) => ({ value, label }));

export const SHAPES: Record<ImageShape, string> = {
  round: '圆形公章（五角星）',
  oval: '椭圆形',
  square: '方形法人名章',
};

export const ALGORITHMS: Record<KeyAlgorithm, string> = { sm2: 'SM2（国密）', rsa: 'RSA' };

const SEAL_STATUS: Record<SealStatus, { color: string; text: string }> = {
  enabled: { color: 'success', text: '启用' },
  disabled: { color: 'default', text: '停用' },
  retired: { color: 'error', text: '已注销' },
};

export const sealStatusOptions = Object.entries(SEAL_STATUS).map(([value, s]) => ({ value, label: s.text }));

/** Stored status, plus why an enabled seal still cannot be used (expired seal or certificate). */
export function SealStatusTag({ seal }: { seal: Seal }) {
  const s = SEAL_STATUS[seal.status] ?? { color: 'default', text: seal.status };
  return (
    <>
      <Tag color={s.color}>{s.text}</Tag>
      {seal.status === 'enabled' && !seal.usable && (
        <Tooltip title="该印章当前不能用于签章">
          <Tag color="warning">{seal.unusableText ?? '不可用'}</Tag>
        </Tooltip>
      )}
    </>
  );
}

const AUTH_STATUS: Record<AuthorizationStatus, { color: string; text: string }> = {
  active: { color: 'success', text: '有效' },
  exhausted: { color: 'warning', text: '次数已用完' },
  expired: { color: 'default', text: '已过期' },
  not_yet_valid: { color: 'processing', text: '未生效' },
  revoked: { color: 'error', text: '已撤销' },
};

export const authorizationStatusOptions = Object.entries(AUTH_STATUS).map(([value, s]) => ({
  value,
  label: s.text,
}));

export function AuthorizationStatusTag({ status }: { status: AuthorizationStatus }) {
  const s = AUTH_STATUS[status] ?? { color: 'default', text: status };
  return <Tag color={s.color}>{s.text}</Tag>;
}

export const SUBJECT_TYPES: Record<SubjectType, string> = { user: '用户', org: '部门', client: '接口客户端' };

/** 证书有效期: the date, and a tag when it is close (≤ 30 days, the server's threshold) or past. */
export function ExpiryTag({ status, days }: { status: ExpiryStatus; days: number | null }) {
  if (status === 'no_certificate') return <Tag>未签发证书</Tag>;
  if (status === 'expired') return <Tag color="error">已过期</Tag>;
  if (status === 'expiring') return <Tag color="warning">{days != null ? `${days} 天后到期` : '即将到期'}</Tag>;
  return <Tag color="success">有效</Tag>;
}

export const expiryStatusOptions = [
  { value: 'valid', label: '有效' },
  { value: 'expiring', label: '即将到期' },
  { value: 'expired', label: '已过期' },
  { value: 'no_certificate', label: '未签发证书' },
];

export function formatDate(value: string | null | undefined): string {
  return value ? dayjs(value).format('YYYY-MM-DD') : '—';
}

/** 有效期 column: "长期" when open-ended on both sides. */
export function formatValidity(from: string | null, to: string | null): string {
  if (!from && !to) return '长期有效';
  return `${from ? formatDate(from) : '即日起'} 至 ${to ? formatDate(to) : '长期'}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Hashes are long: the first 12 characters with the whole value in a tooltip (and copyable). */
export function shortHash(hash: string | null | undefined): string {
  return hash ? `${hash.slice(0, 12)}…` : '—';
}
