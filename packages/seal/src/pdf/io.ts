import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SealError } from './errors.js';
import { BufferSource, type ByteSource, FileSource } from './source.js';

export type PdfInput = Buffer | Uint8Array | { path: string };

export function openSource(input: PdfInput): ByteSource {
  if (input instanceof Uint8Array)
    return new BufferSource(
      Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength),
    );
  if (input && typeof input === 'object' && typeof input.path === 'string') return new FileSource(input.path);
  throw new SealError('seal_invalid_option', '输入须为 PDF 数据或 { path }', 'input must be PDF bytes or { path }');
}

const CHUNK = 1024 * 1024;

/** Feeds bytes [start, end) of the source to `update`, in chunks for files (bounded memory). */
export function feed(src: ByteSource, start: number, end: number, update: (b: Buffer) => void): void {
  if (src instanceof BufferSource) {
    update(src.buf.subarray(start, end));
    return;
  }
  if (src instanceof FileSource) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (let p = start; p < end; p += CHUNK) update(src.readInto(p, chunk.subarray(0, Math.min(CHUNK, end - p))));
    return;
  }
  for (let p = start; p < end; p += CHUNK) update(src.read(p, Math.min(CHUNK, end - p)));
}

/**
 * Writes original + appended bytes to `out` through a temporary file in the same directory that
 * is renamed at the end, so a failure never leaves a partial output file behind.
 */
export function writeOutput(src: ByteSource, appended: Buffer, out: string): void {
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    if (src instanceof FileSource) copyFileSync(src.path, tmp);
    else if (src instanceof BufferSource) writeFileSync(tmp, src.buf);
    else throw new Error('unsupported source');
    appendFileSync(tmp, appended);
    renameSync(tmp, out);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {}
    if (e instanceof SealError) throw e;
    throw new SealError('seal_io_failed', `无法写入输出文件 ${out}`, `cannot write output file ${out}`, { cause: e });
  }
}

export function concatOutput(src: ByteSource, appended: Buffer): Buffer {
  if (src instanceof BufferSource) return Buffer.concat([src.buf, appended]);
  const parts: Buffer[] = [];
  feed(src, 0, src.size, (b) => parts.push(Buffer.from(b)));
  parts.push(appended);
  return Buffer.concat(parts);
}
