import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SealError } from './errors.js';

/**
 * Random access to the input. The reader asks for small windows (the tail, one object, one xref
 * section), so a 1 GB file is never held in memory: only the bytes actually needed are read.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
  close(): void;
}

export class BufferSource implements ByteSource {
  constructor(readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer {
    return this.buf.subarray(offset, Math.min(this.buf.length, offset + length));
  }
  close(): void {}
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      throw new SealError('seal_io_failed', `无法读取文件 ${path}`, `cannot read file ${path}`, { cause: e });
    }
  }
  read(offset: number, length: number): Buffer {
    return this.readInto(offset, Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - offset))));
  }
  /** Fills `out` from `offset` (reusing one buffer keeps streaming a 1 GB file at constant memory). */
  readInto(offset: number, out: Buffer): Buffer {
    const len = Math.max(0, Math.min(out.length, this.size - offset));
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, out, done, len - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === len ? out : out.subarray(0, done);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** A view of the first `limit` bytes of another source: the document as it was at an earlier revision. */
export class PrefixSource implements ByteSource {
  constructor(
    private readonly inner: ByteSource,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Buffer {
    return this.inner.read(offset, Math.max(0, Math.min(length, this.size - offset)));
  }
  close(): void {}
}
