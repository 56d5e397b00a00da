import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { threadId } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';
import type { RenderedPage, ThemeFiles } from './render.js';
import { currentThemeSource, sourceOf } from './render.js';
import type { FileRef } from './site-data.js';
import { fileName } from './urls.js';

/*
 * Atomic output (原子发布): every file is written under a temporary name in its own directory
 * and renamed over the old one, so a reader (or a crash) sees the old page or the new page,
 * never half of one. Pages are rendered to memory first and written only when every page of the
 * batch rendered, so a template error replaces nothing. Files are not fsynced one by one: a
 * rename is atomic against a crashed process, and a power loss is covered by the next rebuild.
 */

export function sitesRoot(kernel: Pick<Kernel, 'config'>): string {
  return path.join(kernel.config.dataDir, 'sites');
}

const SITE_CODE = /^[a-z][a-z0-9-]{0,63}$/;

export function siteDir(kernel: Pick<Kernel, 'config'>, code: string): string {
  // The code becomes a folder name: only what cms accepts for a site code.
  if (!SITE_CODE.test(code)) throw new Error(`invalid site code ${code}`);
  return path.join(sitesRoot(kernel), code);
}

export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

const madeDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  if (madeDirs.has(dir)) return;
  await mkdir(dir, { recursive: true });
  if (madeDirs.size > 100_000) madeDirs.clear();
  madeDirs.add(dir);
}

function safeJoin(root: string, rel: string): string {
  const full = path.resolve(root, rel);
  if (full !== root && !full.startsWith(root + path.sep)) throw new Error(`path escapes the site folder: ${rel}`);
  return full;
}

/** Writes `body` to `root/rel` through a temporary file in the same folder and a rename. */
export async function writeAtomic(root: string, rel: string, body: string | Buffer): Promise<void> {
  const target = safeJoin(root, rel);
  const dir = path.dirname(target);
  await ensureDir(dir);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, body);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The folder was removed under us (a cleanup of the site): make it again once.
    madeDirs.delete(dir);
    await ensureDir(dir);
    await writeFile(tmp, body);
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

let tmpSequence = 0;

/**
 * writeAtomic for a render worker, synchronously: a worker has nothing else to do meanwhile, and
 * a blocking write costs a fraction of the promise and thread-pool round trips of the async one.
 */
export function writeAtomicSync(root: string, rel: string, body: string): void {
  const target = safeJoin(root, rel);
  const dir = path.dirname(target);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  // Unique per process and thread without asking for random bytes per page.
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}-${threadId}-${++tmpSequence}.tmp`);
  try {
    writeFileSync(tmp, body);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes the pages of a worker's batch that show no uploaded file (those wait for the main
 * thread, which publishes the files first); written pages keep their ETag and drop their body.
 */
export function writeRenderedSync(root: string, pages: (RenderedPage | null)[]): void {
  for (const p of pages) {
    if (!p || p.files.length > 0) continue;
    writeAtomicSync(root, p.outputPath, p.body);
    p.etag = etagOf(p.body);
    p.written = true;
    p.body = '';
  }
}

export async function removeFile(root: string, rel: string): Promise<void> {
  await unlink(safeJoin(root, rel)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** Copies uploaded files a page shows to `_files/<sha256>.<ext>` (once: the name is the content). */
export async function publishFiles(kernel: Pick<Kernel, 'files'>, root: string, files: FileRef[]): Promise<void> {
  const unique = new Map(files.map((f) => [fileName(f.sha256, f.ext), f]));
  await eachLimit([...unique], 4, async ([name, f]) => {
    const target = path.join(root, '_files', name);
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      return;
    if (!(await kernel.files.storage.has(f.sha256))) return;
    await ensureDir(path.dirname(target));
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await pipeline(await kernel.files.storage.get(f.sha256), createWriteStream(tmp));
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  });
}

async function copyIfChanged(from: string, target: string): Promise<void> {
  const [a, b] = await Promise.all([stat(from), stat(target).catch(() => null)]);
  if (b && b.size === a.size && b.mtimeMs >= a.mtimeMs) return;
  await ensureDir(path.dirname(target));
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await copyFile(from, tmp);
  await rename(tmp, target);
}

/** Theme assets → `_theme/`, shared assets (toolbar, bundles) → `_shared/`. */
export async function publishAssets(root: string, theme: ThemeFiles): Promise<void> {
  for (const a of theme.assets) {
    const target = safeJoin(path.join(root, '_theme'), a.name);
    if (a.path) await copyIfChanged(a.path, target);
    else if (a.bytes) await writeAtomic(root, path.join('_theme', a.name), a.bytes);
  }
  for (const a of currentThemeSource().sharedAssets()) {
    await copyIfChanged(a.path, safeJoin(path.join(root, '_shared'), a.name));
  }
}

const assetsPublished = new WeakMap<ThemeFiles, Set<string>>();

/**
 * publishAssets, once per site folder and theme in this process: a publish need not look at every
 * asset again (a rebuild and a theme change do, through publishAssets).
 */
export async function publishAssetsOnce(root: string, theme: ThemeFiles): Promise<void> {
  let roots = assetsPublished.get(theme);
  if (roots?.has(root)) return;
  await publishAssets(root, theme);
  if (!roots) assetsPublished.set(theme, (roots = new Set()));
  roots.add(root);
}

/** Writes a batch of rendered pages (but those a worker wrote) and records them (deps, etag) in one statement. */
export async function writePages(
  kernel: Pick<Kernel, 'db' | 'files'>,
  siteId: string,
  root: string,
  pages: RenderedPage[],
  db: Db | Tx = kernel.db,
): Promise<void> {
  if (pages.length === 0) return;
  const files: FileRef[] = [];
  for (const p of pages) files.push(...p.files);
  // Files first: a page is never live before the images it shows.
  await publishFiles(kernel, root, files);
  const etags = new Map<string, string>();
  for (const p of pages) if (p.written && p.etag) etags.set(p.outputPath, p.etag);
  await eachLimit(
    pages.filter((p) => !p.written),
    16,
    async (p) => {
      etags.set(p.outputPath, etagOf(p.body));
      await writeAtomic(root, p.outputPath, p.body);
    },
  );
  const rows = pages.map((p) => ({
    site_id: siteId,
    path: p.outputPath,
    kind: p.spec.kind,
    template: p.template,
    care: p.spec.care,
    rendered_at: sql`now()`,
    etag: etags.get(p.outputPath) as string,
    deps: sql`${sql.val(p.deps)}::text[]`,
    source: JSON.stringify(sourceOf(p.spec)),
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('publishing_pages')
      .values(rows.slice(i, i + 500) as any)
      .onConflict((oc) =>
        oc.columns(['site_id', 'path']).doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          template: eb.ref('excluded.template'),
          care: eb.ref('excluded.care'),
          rendered_at: eb.ref('excluded.rendered_at'),
          etag: eb.ref('excluded.etag'),
          deps: eb.ref('excluded.deps'),
          source: eb.ref('excluded.source'),
        })),
      )
      .execute();
  }
}

/** Removes pages (files and rows): a withdrawn article, a list page past the last one. */
export async function removePages(
  kernel: Pick<Kernel, 'db'>,
  siteId: string,
  root: string,
  outputPaths: string[],
): Promise<void> {
  if (outputPaths.length === 0) return;
  await eachLimit(outputPaths, 16, (p) => removeFile(root, p));
  for (let i = 0; i < outputPaths.length; i += 1000) {
    await kernel.db
      .deleteFrom('publishing_pages')
      .where('site_id', '=', siteId)
      .where('path', 'in', outputPaths.slice(i, i + 1000))
      .execute();
  }
}

/**
 * 网站关停: a closed (or deleted) site's output leaves the served tree — its folder is renamed to a
 * hidden name first, so neither this server nor nginx (which refuses dot paths) serves a page of it
 * from that moment, then deleted — and its page rows go (with a site id). Reopening the site
 * rebuilds it.
 */
export async function removeSiteOutput(kernel: Pick<Kernel, 'config' | 'db'>, code: string, siteId?: string) {
  const dir = siteDir(kernel, code);
  const hidden = path.join(sitesRoot(kernel), `.${code}.removed-${Date.now().toString(36)}`);
  let moved = true;
  await rename(dir, hidden).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    moved = false;
  });
  for (const d of [...madeDirs]) if (d === dir || d.startsWith(dir + path.sep)) madeDirs.delete(d);
  if (siteId) {
    await kernel.db.deleteFrom('publishing_pages').where('site_id', '=', siteId).execute();
    await kernel.db
      .updateTable('publishing_sites')
      .set({ output_bytes: 0, output_files: 0 })
      .where('site_id', '=', siteId)
      .execute();
  }
  if (moved) await rm(hidden, { recursive: true, force: true });
}

/** Bytes and files under a site's folder (for the console's site list). */
export async function folderSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) {
        files++;
        bytes += (await stat(full)).size;
      }
    }
  };
  await walk(dir);
  return { bytes, files };
}
