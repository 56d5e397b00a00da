import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Every pass goes to the worker threads here, however small (read when render-pool.ts loads).
vi.hoisted(() => {
  process.env.JIYUE_RENDER_POOL_MIN_PAGES = '1';
});

import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { etagOf, siteDir } from './output.js';

/*
 * 多线程生成: a rebuild on the worker threads — pages dealt out in pairs to the workers, batches
 * queued ahead with their bodies, pages written by the workers themselves — gives the same files
 * and page rows as a rebuild rendered and written by the main thread alone.
 */

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full, base) : [path.relative(base, full)];
  });
}

describe('rebuild on the render workers', () => {
  let bed: EngineBed;
  let root: string;
  const workers = process.env.JIYUE_RENDER_WORKERS;

  const rebuild = async () => {
    await bed.rebuild();
    // RSS names its build time: the one file that differs between two rebuilds.
    const files = filesUnder(root).filter((f) => !f.endsWith('rss.xml') && !f.includes('.tmp'));
    return new Map(files.map((f) => [f, readFileSync(path.join(root, f), 'utf8')]));
  };

  beforeAll(async () => {
    bed = await startEngineBed();
    root = siteDir(bed.t.kernel, bed.siteCode);
  }, 300_000);
  afterAll(async () => {
    if (workers === undefined) delete process.env.JIYUE_RENDER_WORKERS;
    else process.env.JIYUE_RENDER_WORKERS = workers;
    await bed?.close();
  });

  it('writes the same pages and rows as the main thread alone', async () => {
    process.env.JIYUE_RENDER_WORKERS = '0';
    const alone = await rebuild();
    process.env.JIYUE_RENDER_WORKERS = '2';
    const pooled = await rebuild();
    expect(alone.size).toBeGreaterThan(20);
    expect([...pooled.keys()].sort()).toEqual([...alone.keys()].sort());
    for (const [file, body] of alone) expect(pooled.get(file), file).toBe(body);
    // No temporary file left behind, and every row's ETag is that of the file on disk.
    expect(filesUnder(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const rows = await bed.t.kernel.db
      .selectFrom('publishing_pages')
      .select(['path', 'etag'])
      .where('site_id', '=', bed.siteId)
      .execute();
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      if (r.path.endsWith('rss.xml')) continue;
      expect(r.etag, r.path).toBe(etagOf(readFileSync(path.join(root, r.path))));
    }
  }, 120_000);
});
