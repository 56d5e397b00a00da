import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { LocalFileStorage } from './files.js';
import { createTestApp, type TestApp } from './testing.js';

const text = (s: string) => Readable.from([Buffer.from(s)]);
const readAll = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('LocalFileStorage', () => {
  let root: string;
  let store: LocalFileStorage;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'jiyue-files-'));
    store = new LocalFileStorage(root);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('stores content under its SHA-256 in two levels of folders and reads it back', async () => {
    const blob = await store.put(text('公告内容'));
    expect(blob).toEqual({
      sha256: createHash('sha256').update('公告内容').digest('hex'),
      size: Buffer.byteLength('公告内容'),
    });
    const file = path.join(root, blob.sha256.slice(0, 2), blob.sha256.slice(2, 4), blob.sha256);
    expect(readFileSync(file, 'utf8')).toBe('公告内容');
    expect(await store.has(blob.sha256)).toBe(true);
    expect(await readAll(await store.get(blob.sha256))).toBe('公告内容');
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('keeps one blob for identical content', async () => {
    const a = await store.put(text('same'));
    const b = await store.put(text('same'));
    expect(b.sha256).toBe(a.sha256);
    expect(readdirSync(path.dirname(store.localPath(a.sha256)))).toEqual([a.sha256]);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('refuses more than maxBytes with 413 and leaves no temporary file', async () => {
    const err = await store.put(text('x'.repeat(100)), { maxBytes: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 413, code: 'file_too_large' });
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('discards a staged blob without ever making it visible', async () => {
    const staged = await store.stage(text('draft upload'));
    expect(staged.head.toString()).toBe('draft upload');
    await staged.discard();
    expect(await store.has(staged.sha256)).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('sweeps temporary files left by a crash on the first upload of the process', async () => {
    const fresh = new LocalFileStorage(root);
    const stale = path.join(fresh.tmpDir, 'crashed-upload');
    const recent = path.join(fresh.tmpDir, 'running-upload');
    writeFileSync(stale, 'half');
    writeFileSync(recent, 'half');
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    await fresh.put(text('after the crash'));
    expect(readdirSync(fresh.tmpDir)).toEqual(['running-upload']);
    rmSync(recent);
  });

  it('deletes blobs and rejects hashes that are not 64 hex digits', async () => {
    const blob = await store.put(text('to delete'));
    await store.delete(blob.sha256);
    expect(await store.has(blob.sha256)).toBe(false);
    await store.delete(blob.sha256); // already gone: no error
    await expect(store.get(blob.sha256)).rejects.toMatchObject({ status: 404, code: 'blob_missing' });
    expect(() => store.localPath('../../etc/passwd')).toThrow(AppError);
  });
});

describe('kernel.files references', () => {
  let t: TestApp;
  let fileA: string;
  let fileB: string;

  beforeAll(async () => {
    t = await createTestApp();
    const insert = async (name: string) => {
      const blob = await t.kernel.files.storage.put(text(name));
      const row = await t.kernel.db
        .insertInto('files')
        .values({ sha256: blob.sha256, size: blob.size, mime: 'text/plain', ext: 'txt', name })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id as string;
    };
    fileA = await insert('a.txt');
    fileB = await insert('b.txt');
  });
  afterAll(() => t?.close());

  const set = (ownerId: string, refs: Parameters<TestApp['kernel']['files']['setReferences']>[3]) =>
    t.kernel.db.transaction().execute((tx) => t.kernel.files.setReferences(tx, 'test.doc', ownerId, refs));

  it('stores blobs under the data directory', () => {
    expect(existsSync(path.join(t.kernel.config.dataDir, 'files', 'tmp'))).toBe(true);
  });

  it('replaces an owner’s references on every save', async () => {
    await set('d1', [fileA, { fileId: fileB, field: 'cover' }, fileA]);
    expect((await t.kernel.files.referencesOf(fileA)).map((r) => r.ownerId)).toEqual(['d1']);
    expect(await t.kernel.files.referencesOf(fileB)).toEqual([
      { fileId: fileB, ownerType: 'test.doc', ownerId: 'd1', field: 'cover' },
    ]);
    await set('d1', [fileB]);
    expect(await t.kernel.files.referencesOf(fileA)).toEqual([]);
    expect((await t.kernel.files.referencesOf(fileB)).map((r) => r.field)).toEqual(['']);
    await set('d1', []);
    expect(await t.kernel.files.referencesOf(fileB)).toEqual([]);
  });

  it('refuses unknown files and leaves the old references in place', async () => {
    await set('d2', [fileA]);
    await expect(set('d2', [fileB, '00000000-0000-4000-8000-000000000000', 'not-a-uuid'])).rejects.toMatchObject({
      status: 400,
      code: 'file_not_found',
    });
    expect((await t.kernel.files.referencesOf(fileA)).map((r) => r.ownerId)).toEqual(['d2']);
  });
});
