#!/usr/bin/env node
// Builds the console (packages/admin) only when its dist is missing or older than its sources,
// so `npm start` stays fast on every start after the first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Overridable so the script's own test can point it at a scratch package.
const admin = path.resolve(root, process.env.JIYUE_ADMIN_PACKAGE || path.join('packages', 'admin'));
const dist = path.join(admin, 'dist');

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

const viteConfig = ['vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs'].find((f) =>
  existsSync(path.join(admin, f)),
);
if (!viteConfig) {
  console.log('build-admin: packages/admin has no vite config yet; skipping the console build.');
  process.exit(0);
}

const inputs = ['src', 'index.html', 'package.json', viteConfig, 'public'].map((p) => path.join(admin, p));
const sourceTime = Math.max(...inputs.map(newestMtime));
const distTime = existsSync(path.join(dist, 'index.html')) ? statSync(path.join(dist, 'index.html')).mtimeMs : 0;
if (distTime >= sourceTime) {
  console.log('build-admin: packages/admin/dist is up to date.');
  process.exit(0);
}

console.log(distTime ? 'build-admin: console sources changed; rebuilding…' : 'build-admin: building the console…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// Vitest and some shells export NODE_ENV=test/development; the served console must be a production build.
const result = spawnSync(npm, ['run', 'build', '--prefix', admin], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
if (result.status !== 0) {
  // The API server does not need the console, so a broken console build must not stop it from
  // starting; /admin then answers 503 console_not_built (or serves the previous build).
  console.error('\nbuild-admin: 管理后台构建失败（见上方错误）；服务仍将启动，/admin 不可用或为旧版本。');
  process.exit(process.argv.includes('--strict') ? 1 : 0);
}
