import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import type { Db, Tx } from './db.js';
import { AppError, badRequest, notFound } from './errors.js';
import type { Migration } from './migrations.js';

/*
 * Files (文件) for every module: blobs are stored by the SHA-256 of their content behind the
 * `FileStorage` interface, and the `files` / `file_references` tables say who uploaded what and
 * which business objects use it. Modules keep their own metadata (e.g. the cms adds `site_id`).
 *
 * Adding an S3-compatible store later means another `FileStorage`: `stage` uploads to a temporary
 * key while hashing, `commit` copies it to `sha256/<hash>` (skipping when it exists) and deletes
 * the temporary key; `get` streams the object; `localPath` stays undefined, so callers that need
 * a real file (ffmpeg) copy the stream to a temporary file first.
 */

export interface StoredBlob {
  sha256: string;
  size: number;
}

/** A blob written and hashed but not yet visible under its hash. */
export interface StagedBlob extends StoredBlob {
  /** The first bytes, for content sniffing before the blob is accepted. */
  head: Buffer;
  /** Makes the blob readable under its hash (a no-op beyond cleanup when it already exists). */
  commit(): Promise<void>;
  /** Throws the staged bytes away. Safe to call after commit or twice. */
  discard(): Promise<void>;
}

export interface ByteRange {
  start: number;
  end: number;
}

export interface StageOptions {
  /** Refuse with 413 `file_too_large` as soon as more bytes than this arrive. */
  maxBytes?: number;
}

export interface FileStorage {
  stage(stream: Readable, options?: StageOptions): Promise<StagedBlob>;
  /** stage + commit. */
  put(stream: Readable, options?: StageOptions): Promise<StoredBlob>;
  /** Streams a blob, or the bytes `start`..`end` (inclusive); 404 `blob_missing` when it is not stored. */
  get(sha256: string, range?: ByteRange): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Path of the blob on this machine, when the store is a local disk. */
  localPath?(sha256: string): string;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** Bytes kept for sniffing: enough for file-type's longest signature check. */
const HEAD_BYTES = 4100;

function checkHash(sha256: string): void {
  // The hash becomes a path: anything but 64 hex digits could walk out of the store.
  if (!SHA256.test(sha256)) throw badRequest('invalid_sha256', '文件摘要格式不正确');
}

export function fileTooLarge(maxBytes: number): AppError {
  return new AppError(413, 'file_too_large', '文件超过大小限制', {
    detail: `最大允许 ${(maxBytes / 1024 / 1024).toFixed(maxBytes < 1024 * 1024 ? 2 : 0)} MB`,
    extra: { maxBytes },
  });
}

/**
 * Content-addressed store on the local disk: `<root>/ab/cd/<sha256>`. Uploads are written to
 * `<root>/tmp` (same file system, so the final rename is atomic) while hashed, fsynced, then
 * renamed under their hash; an identical blob already stored is kept and the new copy dropped.
 */
export class LocalFileStorage implements FileStorage {
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  localPath(sha256: string): string {
    checkHash(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  private swept = false;

  /**
   * Removes temporary files left by a crash mid-upload. No upload lasts a day, so anything that
   * old is garbage even on a data directory shared by several nodes.
   */
  async sweepTmp(olderThanMs = 24 * 3600_000): Promise<number> {
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.tmpDir, name);
      const info = await stat(file).catch(() => null);
      if (info && Date.now() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async stage(stream: Readable, options: StageOptions = {}): Promise<StagedBlob> {
    await mkdir(this.tmpDir, { recursive: true });
    if (!this.swept) {
      this.swept = true;
      await this.sweepTmp();
    }
    const tmp = path.join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    const headParts: Buffer[] = [];
    let size = 0;
    let headSize = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          done(fileTooLarge(options.maxBytes));
          return;
        }
        hash.update(chunk);
        if (headSize < HEAD_BYTES) {
          headParts.push(chunk.subarray(0, HEAD_BYTES - headSize));
          headSize += Math.min(chunk.length, HEAD_BYTES - headSize);
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, meter, createWriteStream(tmp, { flags: 'wx' }));
      const fd = await open(tmp, 'r');
      try {
        await fd.sync();
      } finally {
        await fd.close();
      }
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    const target = this.localPath(sha256);
    let settled = false;
    return {
      sha256,
      size,
      head: Buffer.concat(headParts),
      commit: async () => {
        if (settled) return;
        settled = true;
        if (await this.has(sha256)) {
          await rm(tmp, { force: true });
          return;
        }
        await mkdir(path.dirname(target), { recursive: true });
        await rename(tmp, target);
        await syncDir(path.dirname(target));
      },
      discard: async () => {
        settled = true;
        await rm(tmp, { force: true });
      },
    };
  }

  async put(stream: Readable, options?: StageOptions): Promise<StoredBlob> {
    const staged = await this.stage(stream, options);
    await staged.commit();
    return { sha256: staged.sha256, size: staged.size };
  }

  async get(sha256: string, range?: ByteRange): Promise<Readable> {
    const file = this.localPath(sha256);
    if (!(await this.has(sha256))) throw notFound('blob_missing', '文件内容不存在', { detail: sha256 });
    return createReadStream(file, range);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.localPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    await unlink(this.localPath(sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/** A rename is durable only once its directory entry is on disk. */
async function syncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

export const fileMigrations: Migration[] = [
  {
    name: '005_files',
    async up(db) {
      // sha256 is not unique: each upload is its own row (own name, uploader), sharing the blob.
      await sql`
        create table files (
          id uuid primary key default gen_random_uuid(),
          sha256 text not null,
          size bigint not null,
          mime text not null,
          ext text not null,
          name text not null,
          uploader_id text,
          uploader_ip text,
          created_at timestamptz not null default now(),
          deleted_at timestamptz
        );
        create index files_sha256 on files (sha256);
        create index files_created on files (created_at);
        create table file_references (
          file_id uuid not null references files(id),
          owner_type text not null,
          owner_id text not null,
          field text not null default '',
          created_at timestamptz not null default now(),
          primary key (file_id, owner_type, owner_id, field)
        );
        create index file_references_owner on file_references (owner_type, owner_id);
      `.execute(db);
    },
  },
];

export interface FileReference {
  fileId: string;
  ownerType: string;
  ownerId: string;
  field: string;
}

export type ReferenceInput = string | { fileId: string; field?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `kernel.files`: the store plus reference tracking (引用关系) shared by all modules. */
export class KernelFiles {
  constructor(
    private readonly db: Db,
    readonly storage: FileStorage,
  ) {}

  /**
   * Replaces every reference `owner` holds with `refs` (call it in the transaction that saves the
   * owner, so references always match the saved content). Unknown or deleted files → 400.
   */
  async setReferences(tx: Tx, ownerType: string, ownerId: string, refs: ReferenceInput[]): Promise<void> {
    const rows = uniqueRefs(refs);
    const ids = [...new Set(rows.map((r) => r.fileId))];
    const valid = ids.filter((id) => UUID.test(id));
    const found = valid.length
      ? await tx.selectFrom('files').select('id').where('id', 'in', valid).where('deleted_at', 'is', null).execute()
      : [];
    const known = new Set(found.map((r) => r.id as string));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length) {
      throw badRequest('file_not_found', '引用的文件不存在或已删除', { detail: missing.join(', ') });
    }
    await tx
      .deleteFrom('file_references')
      .where('owner_type', '=', ownerType)
      .where('owner_id', '=', ownerId)
      .execute();
    if (rows.length) {
      await tx
        .insertInto('file_references')
        .values(rows.map((r) => ({ file_id: r.fileId, owner_type: ownerType, owner_id: ownerId, field: r.field })))
        .execute();
    }
  }

  async referencesOf(fileId: string, db: Db | Tx = this.db): Promise<FileReference[]> {
    if (!UUID.test(fileId)) return [];
    const rows = await db
      .selectFrom('file_references')
      .selectAll()
      .where('file_id', '=', fileId)
      .orderBy('owner_type')
      .orderBy('owner_id')
      .execute();
    return rows.map((r) => ({ fileId: r.file_id, ownerType: r.owner_type, ownerId: r.owner_id, field: r.field }));
  }
}

function uniqueRefs(refs: ReferenceInput[]): { fileId: string; field: string }[] {
  const seen = new Map<string, { fileId: string; field: string }>();
  for (const ref of refs) {
    const r = typeof ref === 'string' ? { fileId: ref, field: '' } : { fileId: ref.fileId, field: ref.field ?? '' };
    seen.set(`${r.fileId}\u0000${r.field}`, r);
  }
  return [...seen.values()];
}

export function createKernelFiles(db: Db, dataDir: string): KernelFiles {
  return new KernelFiles(db, new LocalFileStorage(path.join(dataDir, 'files')));
}
