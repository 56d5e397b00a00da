import type { FastifyRequest } from 'fastify';
import { AppError, badRequest, validationFailed } from '../../kernel/errors.js';
import { fileTooLarge } from '../../kernel/files.js';

/*
 * Multipart forms of the seal API, read into memory with hard limits. Signing needs the whole
 * document anyway (hashes before and after, the engine reads it twice), and the size limit is
 * enforced while the bytes arrive, so an oversized upload is refused before it is held.
 */

export interface UploadedFile {
  field: string;
  name: string;
  buf: Buffer;
}

export interface Upload {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
  fileFields: readonly string[];
  textFields: readonly string[];
}

export async function readMultipart(request: FastifyRequest, limits: UploadLimits): Promise<Upload> {
  if (!request.isMultipart()) {
    throw badRequest('multipart_required', '请以 multipart/form-data 方式上传文件');
  }
  const upload: Upload = { fields: {}, files: [] };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!limits.textFields.includes(part.fieldname)) {
          throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
        }
        upload.fields[part.fieldname] = String(part.value);
        continue;
      }
      if (!limits.fileFields.includes(part.fieldname)) {
        throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
      }
      if (upload.files.length >= limits.maxFiles) {
        throw badRequest('too_many_files', `一次最多上传 ${limits.maxFiles} 个文件`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file) {
        size += chunk.length;
        if (size > limits.maxFileBytes) throw fileTooLarge(limits.maxFileBytes);
        chunks.push(chunk);
      }
      upload.files.push({ field: part.fieldname, name: part.filename ?? '', buf: Buffer.concat(chunks) });
    }
  } catch (err) {
    // Refused mid-body: drain the rest so the client finishes sending and reads the error.
    request.raw.unpipe();
    request.raw.resume();
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw fileTooLarge(limits.maxFileBytes);
    if (err instanceof AppError) throw err;
    // Busboy's own failures (truncated body, bad boundary, too many parts) are the client's fault.
    throw badRequest('multipart_invalid', '上传的表单格式不正确', { detail: (err as Error).message });
  }
  return upload;
}

export function requireFile(upload: Upload, field = 'file'): UploadedFile {
  const file = upload.files.find((f) => f.field === field);
  if (!file) throw badRequest('file_missing', '请选择要上传的文件', { errors: [{ field, message: '必填' }] });
  if (file.buf.length === 0) throw badRequest('file_empty', '文件为空', { errors: [{ field, message: '文件为空' }] });
  return file;
}

/** Text of a PEM/PKCS#12 form part that may come either as a file or as a text field. */
export function fileOrText(upload: Upload, field: string): Buffer | undefined {
  const file = upload.files.find((f) => f.field === field);
  if (file) return file.buf;
  const text = upload.fields[field];
  return text ? Buffer.from(text) : undefined;
}
