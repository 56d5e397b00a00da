import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The public-site themes (decision 0006): each folder under `themes/` is one theme; shared page
 * pieces live in `shared/partials/` and are found after the theme's own; `shared/assets/` holds the
 * accessibility toolbar and the CSS every theme uses. The publishing engine loads a theme through
 * `loadTheme`, overlays the site's template overrides and renders with its own tags.
 */

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const THEMES_DIR = join(PACKAGE_DIR, 'themes');
const SHARED_DIR = join(PACKAGE_DIR, 'shared');

/** 默认主题 — the theme a new site gets. */
export const DEFAULT_THEME = 'dept-blue';

export type ThemeKind = 'portal' | 'department';

/** theme.json */
export interface ThemeManifest {
  name: string;
  title: string;
  kind: ThemeKind;
  description: string;
  colors: Record<string, string>;
}

export interface LoadedTheme {
  manifest: ThemeManifest;
  /**
   * Every template the theme renders with, keyed by its path relative to the theme folder
   * (`index.liquid`, `layouts/base.liquid`, `partials/header.liquid`). Shared partials the theme
   * does not override are included as `partials/<name>.liquid`, so a renderer needs one map only.
   */
  templates: Record<string, string>;
  /** Paths in `templates` that came from `shared/partials/` (not the theme's own files). */
  sharedTemplates: string[];
  /** The theme's own `assets/` folder (copied to `_theme/` of the output). */
  assetsDir: string;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,39}$/;

export function listThemes(): ThemeManifest[] {
  return readdirSync(THEMES_DIR)
    .filter((name) => NAME_RE.test(name) && existsSync(join(THEMES_DIR, name, 'theme.json')))
    .sort((a, b) => (a === 'portal' ? -1 : b === 'portal' ? 1 : a.localeCompare(b)))
    .map((name) => readManifest(name));
}

export function themeDir(name: string): string {
  // The name comes from a site's settings or an HTTP request: never let it leave THEMES_DIR.
  if (!NAME_RE.test(name)) throw new Error(`主题名称无效: ${name}`);
  const dir = join(THEMES_DIR, name);
  if (!existsSync(join(dir, 'theme.json'))) throw new Error(`主题不存在: ${name}`);
  return dir;
}

export function sharedDir(): string {
  return SHARED_DIR;
}

function readManifest(name: string): ThemeManifest {
  const manifest = JSON.parse(readFileSync(join(THEMES_DIR, name, 'theme.json'), 'utf8')) as ThemeManifest;
  if (manifest.name !== name) throw new Error(`theme.json 的 name 与目录不一致: ${name}`);
  return manifest;
}

function liquidFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const full = join(d, entry);
      const rel = relative(dir, full).split(sep).join('/');
      if (skip(rel)) continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.liquid')) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

/** The shared partials, keyed `partials/<name>.liquid`. */
export function sharedTemplates(): Record<string, string> {
  const dir = join(SHARED_DIR, 'partials');
  const out: Record<string, string> = {};
  for (const rel of liquidFiles(dir)) out[`partials/${rel}`] = readFileSync(join(dir, rel), 'utf8');
  return out;
}

export function loadTheme(name: string): LoadedTheme {
  const dir = themeDir(name);
  const manifest = readManifest(name);
  const templates: Record<string, string> = {};
  for (const rel of liquidFiles(dir, (r) => r === 'assets')) templates[rel] = readFileSync(join(dir, rel), 'utf8');
  const shared: string[] = [];
  for (const [path, source] of Object.entries(sharedTemplates())) {
    if (path in templates) continue;
    templates[path] = source;
    shared.push(path);
  }
  return { manifest, templates, sharedTemplates: shared, assetsDir: join(dir, 'assets') };
}

/** Files of a theme's `assets/` folder, `{ name }` relative to it (`img/banner.svg`). */
export function themeAssetFiles(name: string): { name: string; path: string }[] {
  const dir = join(themeDir(name), 'assets');
  if (!existsSync(dir)) return [];
  const out: { name: string; path: string }[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push({ name: relative(dir, full).split(sep).join('/'), path: full });
    }
  };
  walk(dir);
  return out;
}

const require = createRequire(import.meta.url);

/**
 * Files to copy to `_shared/` of every output tree: `shared/assets/*` plus the browser bundles of
 * opencc-js (简繁转换) and pinyin-pro (拼音标注), taken from node_modules rather than copied into
 * the repository. The toolbar loads the two bundles only when the visitor uses them.
 */
export function sharedAssetFiles(): { name: string; path: string }[] {
  const dir = join(SHARED_DIR, 'assets');
  const files = readdirSync(dir)
    .sort()
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => ({ name: f, path: join(dir, f) }));
  // `require` resolves to the UMD builds (opencc-js: dist/umd/full.js → global OpenCC;
  // pinyin-pro: dist/index.js → global pinyinPro).
  files.push({ name: 'opencc.js', path: require.resolve('opencc-js') });
  files.push({ name: 'pinyin-pro.js', path: require.resolve('pinyin-pro') });
  return files;
}

export { createThemeFs, themeLiquidOptions } from './fs.js';
