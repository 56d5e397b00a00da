import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build-admin-if-needed.mjs');

function run(pkg: string) {
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, JIYUE_ADMIN_PACKAGE: pkg },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** A scratch package whose "build" counts its runs, standing in for the Vite console build. */
const scratchDirs: string[] = [];
function scratchDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'jiyue-admin-'));
  scratchDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function scratchPackage(buildExit = 0) {
  const dir = scratchDir();
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'main.tsx'), 'export {}');
  writeFileSync(path.join(dir, 'vite.config.ts'), 'export default {}');
  writeFileSync(
    path.join(dir, 'build.mjs'),
    `import fs from 'node:fs';
     const n = fs.existsSync('builds') ? Number(fs.readFileSync('builds', 'utf8')) : 0;
     fs.writeFileSync('builds', String(n + 1));
     fs.mkdirSync('dist', { recursive: true });
     fs.writeFileSync('dist/index.html', '<html></html>');
     process.exit(${buildExit});`,
  );
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'scratch', scripts: { build: 'node build.mjs' } }),
  );
  return dir;
}

const builds = (dir: string) =>
  existsSync(path.join(dir, 'builds')) ? Number(readFileSync(path.join(dir, 'builds'), 'utf8')) : 0;

describe('build-admin-if-needed', { timeout: 60_000 }, () => {
  it('builds when dist is missing, skips when fresh, rebuilds when sources are newer', () => {
    const dir = scratchPackage();
    expect(run(dir).code).toBe(0);
    expect(builds(dir)).toBe(1);
    const second = run(dir);
    expect(second.out).toContain('up to date');
    expect(builds(dir)).toBe(1);
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'src', 'main.tsx'), later, later);
    expect(run(dir).code).toBe(0);
    expect(builds(dir)).toBe(2);
  });

  it('does nothing without a vite config', () => {
    const dir = scratchDir();
    const r = run(dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('no vite config');
  });

  it('lets the server start after a failed build, saying so', () => {
    const dir = scratchPackage(1);
    const r = run(dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('管理后台构建失败');
  });
});
