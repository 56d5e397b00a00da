import { ApiError, buildUrl, csrfHeaders, problemOf } from '../../api/client';

/*
 * Shapes of the /api/seal and /api/gateway answers (docs/decisions/0003-seal-service-contracts.md)
 * as the console uses them. Only the fields a page reads are listed; the server may send more.
 */

export type SealType = 'official' | 'contract' | 'finance' | 'business' | 'legal_person';
export type SealStatus = 'enabled' | 'disabled' | 'retired';
export type KeyAlgorithm = 'sm2' | 'rsa';
export type ImageShape = 'round' | 'oval' | 'square';

export interface GenerateSpec {
  name?: string;
  shape: ImageShape;
  text: string;
  bottomText?: string;
  code?: string;
  color?: string;
  sizeMm?: number;
  widthMm?: number;
  heightMm?: number;
}

/** 印模 */
export interface SealImage {
  id: string;
  name: string;
  source: 'upload' | 'generated';
  format: 'png' | 'gif';
  widthPx: number;
  heightPx: number;
  widthMm: number;
  heightMm: number;
  dpi: number;
  hasAlpha: boolean;
  opaqueBackground: boolean;
  spec: GenerateSpec | null;
  size: number;
  usedBy: number;
  createdAt: string;
  createdByName?: string | null;
}

export interface Certificate {
  subject: string;
  subjectFields?: Record<string, string>;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm?: string;
  issuedByDevCa: boolean;
}

export type ExpiryStatus = 'no_certificate' | 'valid' | 'expiring' | 'expired';

/** 密钥（及其证书） */
export interface SealKey {
  id: string;
  name: string;
  algorithm: KeyAlgorithm;
  rsaBits: number | null;
  source: 'generated' | 'imported';
  certificate: Certificate | null;
  expiresInDays: number | null;
  expiryStatus: ExpiryStatus;
  usedBy: number;
  createdAt: string;
  createdByName?: string | null;
}

export interface DevCa {
  algorithm: KeyAlgorithm;
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
}

/** 印章 */
export interface Seal {
  id: string;
  name: string;
  type: SealType;
  typeName: string;
  code: string | null;
  orgId: string | null;
  orgName: string | null;
  imageId: string;
  imageName: string;
  keyId: string;
  keyName: string;
  algorithm: KeyAlgorithm;
  certificate: { subject: string; serialNumber: string; notAfter: string } | null;
  validFrom: string | null;
  validTo: string | null;
  status: SealStatus;
  /** 用章审批: uses need an approved 用章申请 */
  requiresApproval: boolean;
  usable: boolean;
  unusableReason: string | null;
  unusableText: string | null;
  signCount: number;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export type SubjectType = 'user' | 'org' | 'client';
export type AuthorizationStatus = 'active' | 'exhausted' | 'expired' | 'not_yet_valid' | 'revoked';

/** 用章授权 */
export interface Authorization {
  id: string;
  sealId: string;
  sealName: string;
  subjectType: SubjectType;
  subjectId: string;
  subjectName: string;
  maxUses: number | null;
  usedCount: number;
  remaining: number | null;
  validFrom: string | null;
  validTo: string | null;
  note: string | null;
  status: AuthorizationStatus;
  createdAt: string;
  createdByName?: string | null;
  revokedAt: string | null;
  /** The approved 用章申请 that made this grant; null for a direct grant. */
  requestId: string | null;
}

export type RequestState = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'cancelled';

/** 用章申请 */
export interface SealUseRequest {
  id: string;
  sealId: string;
  sealName: string;
  sealTypeName: string;
  applicantId: string;
  applicantName: string;
  applicantOrgId: string | null;
  applicantOrgName: string | null;
  reason: string;
  countLimit: number | null;
  validFrom: string | null;
  validTo: string | null;
  state: RequestState;
  stateName: string;
  workflowInstanceId: string | null;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  opinion: string | null;
  authorizationId: string | null;
  usedCount: number | null;
  authorizationRevoked: boolean;
  createdAt: string;
}

/** A seal one may apply for (`GET /api/seal/requestable-seals`). */
export interface RequestableSeal {
  id: string;
  name: string;
  typeName: string;
  orgName: string | null;
  validTo: string | null;
}

export interface MySeal {
  seal: Seal;
  authorizationId: string;
  remaining: number | null;
  validTo: string | null;
}

/** 签章记录 */
export interface SignRecord {
  id: string;
  verifyCode: string;
  sealId: string;
  sealName: string;
  format: 'pdf' | 'ofd';
  fileName: string;
  inputSize: number;
  outputSize: number;
  inputSha256: string;
  inputSm3: string;
  outputSha256: string;
  outputSm3: string;
  actorType: 'user' | 'client';
  actorId: string;
  actorName: string;
  ip: string | null;
  batchId: string | null;
  createdAt: string;
}

export interface SignOptions {
  position?: { page: number; x: number; y: number };
  keyword?: { text: string; occurrence?: number | 'all' };
  field?: string;
  pages?: string;
  straddle?: { side?: 'right' | 'left'; every?: number; y?: number };
  barcode?: {
    type?: 'qr' | 'pdf417' | 'code128' | 'code39';
    text?: string;
    page: number;
    x: number;
    y: number;
    widthMm?: number;
  };
  protection?: { print?: boolean; copy?: boolean; certify?: 1 | 2 | 3 };
  reason?: string;
  location?: string;
}

export interface VerifiedSignature {
  index: number;
  valid: boolean;
  statusText: string;
  signer: string;
  sealName: string | null;
  signingTime: string | null;
  algorithm: string;
  trusted: boolean;
  reasons: string[];
  warnings: string[];
  sealImage: string | null;
  record: { id: string; verifyCode: string; sealName: string; createdAt: string } | null;
}

export interface VerifyReport {
  format: 'pdf' | 'ofd';
  fileName: string;
  size: number;
  sha256: string;
  valid: boolean;
  summary: string;
  signatures: VerifiedSignature[];
}

/** 接口客户端 (module gateway) */
export interface ApiClient {
  id: string;
  name: string;
  description: string | null;
  scopes: string[];
  keyPrefix: string;
  status: 'active' | 'revoked';
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  createdAt: string;
  createdByName?: string | null;
  revokedAt: string | null;
}

export const imagePngUrl = (id: string) => buildUrl(`/seal/images/${id}/png`);
export const certificateUrl = (keyId: string) => buildUrl(`/seal/keys/${keyId}/certificate`);
export const caCertificateUrl = (algorithm: KeyAlgorithm) => buildUrl(`/seal/ca/${algorithm}/certificate`);

export type FormValue = string | Blob | { blob: Blob; name: string };

/** A field's value, or several (repeated parts of the same name, as 批量签章's `file`). */
export type FormFields = Record<string, FormValue | FormValue[] | undefined | null>;

export function formData(fields: FormFields): FormData {
  const form = new FormData();
  // Text fields first: the server may stream the file part, and the options tell it what to do.
  const entries = Object.entries(fields).flatMap(([key, value]) =>
    value == null ? [] : (Array.isArray(value) ? value : [value]).map((v) => [key, v] as const),
  );
  for (const [key, value] of entries) if (typeof value === 'string') form.append(key, value);
  for (const [key, value] of entries) {
    if (value instanceof Blob) form.append(key, value);
    else if (typeof value === 'object') form.append(key, value.blob, value.name);
  }
  return form;
}

async function send(path: string, fields: FormFields): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(buildUrl(path), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json, application/pdf, application/ofd, */*', ...csrfHeaders() },
      body: formData(fields),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', title: '无法连接服务器，请检查网络' });
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

/** A multipart POST answered with JSON (uploads, imports, verification). */
export async function postMultipart<T>(path: string, fields: FormFields): Promise<T> {
  return (await (await send(path, fields)).json()) as T;
}

export interface SignedFile {
  blob: Blob;
  fileName: string;
  recordId: string | null;
  verifyCode: string | null;
}

/** `POST /api/seal/sign`: the signed file plus the record id and verification code from the headers. */
export async function signFile(file: File, sealId: string, options: SignOptions): Promise<SignedFile> {
  const response = await send('/seal/sign', { sealId, options: JSON.stringify(options), file });
  const blob = await response.blob();
  return {
    blob,
    fileName: fileNameOf(response.headers.get('content-disposition')) ?? signedName(file.name),
    recordId: response.headers.get('x-seal-record-id'),
    verifyCode: response.headers.get('x-seal-verify-code'),
  };
}

/** `filename*=UTF-8''…` (RFC 6266) first, then a plain `filename="…"`. */
export function fileNameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain?.[1]?.trim() ?? null;
}

export function signedName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-signed${name.slice(dot)}` : `${name}-signed`;
}

/** Starts a browser download of a Blob under `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: Chromium reads the blob asynchronously after the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** What kind of document the bytes are: PDF by its header, OFD as a zip (the server checks for OFD.xml). */
export async function sniffDocument(file: Blob): Promise<'pdf' | 'ofd' | null> {
  const head = new Uint8Array(await file.slice(0, 1024).arrayBuffer());
  const text = String.fromCharCode(...head);
  if (text.includes('%PDF-')) return 'pdf';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'ofd';
  return null;
}

/** A JSON POST answered with binary data (the 印模 preview PNG). */
export async function postForBlob(path: string, body: unknown, signal?: AbortSignal): Promise<Blob> {
  const response = await fetch(buildUrl(path), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'image/png, application/json', ...csrfHeaders() },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await problemOf(response);
  return response.blob();
}
