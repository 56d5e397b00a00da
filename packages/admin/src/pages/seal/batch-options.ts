import type { FormFields, SignOptions } from './api';
import type { Placement } from './placement';
import { buildSignOptions, type Mode, type OptionValues } from './sign-options';

/** Matches BATCH_MAX_FILES on the server (0003, "批量签章"). */
export const BATCH_MAX_FILES = 100;

export interface BatchFile {
  name: string;
  /** Sniffed from the file's first bytes; null when it is neither PDF nor OFD. */
  kind: 'pdf' | 'ofd' | null;
}

/**
 * One rule for every file, so a batch with any OFD in it is treated as OFD: the PDF-only options
 * (keyword, 签名域, barcode, protection) cannot apply to all of them.
 */
export function batchKind(files: BatchFile[]): 'pdf' | 'ofd' {
  return files.some((f) => f.kind === 'ofd') ? 'ofd' : 'pdf';
}

/**
 * The `POST /api/seal/sign/batch` fields for the 批量签章 form, or a Chinese reason why it cannot be
 * sent yet. The placement rule is built exactly as for a single file (`buildSignOptions`).
 */
export function buildBatchRequest(input: {
  sealId: string | undefined;
  files: BatchFile[];
  mode: Mode;
  placement: Placement | null;
  values: Partial<OptionValues>;
}): { sealId: string; options: SignOptions } | string {
  if (!input.sealId) return '请先选择印章';
  if (input.files.length === 0) return '请上传要签章的文件';
  if (input.files.length > BATCH_MAX_FILES) return `一次最多 ${BATCH_MAX_FILES} 个文件`;
  const bad = input.files.find((f) => !f.kind);
  if (bad) return `「${bad.name}」不是 PDF 或 OFD 文件，请移除`;
  const kind = batchKind(input.files);
  if (kind === 'ofd' && (input.mode === 'keyword' || input.mode === 'field')) {
    return '关键字和签名域定位只适用于 PDF，批次中有 OFD 文件时请用坐标或骑缝章';
  }
  const options = buildSignOptions(input.mode, input.placement, input.values, kind);
  if (typeof options === 'string') return options === '请把印章拖到页面上，或填写盖章位置' ? '请填写盖章位置' : options;
  return { sealId: input.sealId, options };
}

/** The multipart fields: sealId, options (JSON) and one repeated `file` part per document. */
export function batchFields(
  request: { sealId: string; options: SignOptions },
  files: { file: Blob; name: string }[],
): FormFields {
  return {
    sealId: request.sealId,
    options: JSON.stringify(request.options),
    file: files.map((f) => ({ blob: f.file, name: f.name })),
  };
}

/** `POST /api/seal/sign/batch` answer and `GET /api/seal/batches/:id` view. */
export interface BatchSubmitted {
  batchId: string;
  jobId: string;
  total: number;
}

export interface BatchItem {
  index: number;
  fileName: string;
  status: 'pending' | 'signed' | 'failed';
  recordId?: string;
  verifyCode?: string;
  error?: { code: string; title: string };
}

export interface BatchView {
  id: string;
  sealId: string;
  jobId: string | null;
  status: 'queued' | 'running' | 'done' | string;
  total: number;
  done: number;
  createdAt: string;
  items: BatchItem[];
}

/** Percentage for the progress bar; a finished batch is 100 whatever its failures. */
export function batchPercent(view: Pick<BatchView, 'status' | 'total' | 'done'> | null): number {
  if (!view || view.total === 0) return 0;
  if (view.status === 'done') return 100;
  return Math.min(99, Math.floor((view.done / view.total) * 100));
}
