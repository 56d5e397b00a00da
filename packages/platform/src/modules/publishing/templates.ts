import { listThemes, loadTheme } from '@jiyue/themes';
import { diffLines } from 'diff';
import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { Liquid, type Template } from 'liquidjs';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { loadSiteFor } from '../cms/index.js';
import { type Ctx, writeCommand } from '../settings/context.js';
import type { TemplateVersionRow } from './schema.js';
import { registerFilters, registerTags } from './tags.js';

/*
 * 模板管理: online edits of theme templates are stored as versions in publishing_template_versions.
 * The active version of a path overrides the theme's file, for one site (site_id) or for every site
 * using the theme (site_id null). Imported themes (模板库) are stored the same way: every file of the
 * zip is version 1 of a global row of the new theme name, so one mechanism serves both.
 */

export const TEMPLATE_PERMISSION = 'template:manage';
export const TEMPLATE_EVENT = 'publishing.template.published';

/** `global` or a site id, as it appears in the URL. */
export type TemplateScope = string | null;

let checker: Liquid | null = null;

/** A parser with the engine's tags and filters, as pages are rendered with (tags.ts). */
function liquidChecker(): Liquid {
  if (checker) return checker;
  const liquid = new Liquid({ outputEscape: 'escape', strictFilters: true });
  registerTags(liquid);
  registerFilters(liquid);
  checker = liquid;
  return liquid;
}

export interface LiquidProblem {
  line: number;
  column: number;
  reason: string;
}

/** Parses a template; returns where and why it is wrong, or null when it parses. */
export function checkLiquid(source: string): LiquidProblem | null {
  try {
    liquidChecker().parse(source) as Template[];
    return null;
  } catch (err) {
    const e = (err as { errors?: unknown[] }).errors?.[0] ?? err;
    const token = (e as { token?: { getPosition?: () => [number, number] } }).token;
    const [line, column] = token?.getPosition?.() ?? [1, 1];
    const message = String((e as Error).message ?? e).replace(/, line:\d+, col:\d+$/, '');
    return { line, column, reason: message };
  }
}

/** 400 `template_invalid` with line, column and reason, for the editor to point at. */
export function assertLiquid(source: string, path: string): void {
  if (!path.endsWith('.liquid')) return;
  const problem = checkLiquid(source);
  if (problem) {
    throw badRequest('template_invalid', '模板语法错误', {
      detail: `${path} 第 ${problem.line} 行第 ${problem.column} 列：${problem.reason}`,
      extra: { path, ...problem },
    });
  }
}

const PATH = /^(?:[a-z0-9_][a-z0-9_.-]*\/)*[a-z0-9_][a-z0-9_.-]*$/i;

/** A template path inside a theme: relative, no `..`, no backslashes, a .liquid file. */
export function checkTemplatePath(path: string): string {
  if (!PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.') || !path.endsWith('.liquid')) {
    throw badRequest('template_path_invalid', '模板路径不正确', { detail: path });
  }
  return path;
}

const THEME_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** Built-in themes (packages/themes) by name. */
function builtInThemes(): Set<string> {
  return new Set(listThemes().map((t: string | { name: string }) => (typeof t === 'string' ? t : t.name)));
}

export interface ThemeManifest {
  name: string;
  title?: string;
  kind?: string;
  description?: string;
  colors?: Record<string, string>;
  [key: string]: unknown;
}

/** Themes imported through 模板库 (stored in the database), with their theme.json. */
export async function listImportedThemes(db: Db | Tx): Promise<(ThemeManifest & { imported: true })[]> {
  const rows = await db
    .selectFrom('publishing_template_versions')
    .select(['theme', 'source'])
    .where('site_id', 'is', null)
    .where('path', '=', 'theme.json')
    .where('active', '=', true)
    .orderBy('theme')
    .execute();
  return rows.map((r) => {
    let manifest: Partial<ThemeManifest> = {};
    try {
      manifest = JSON.parse(r.source as string);
    } catch {
      // A stored manifest was validated on import; an unreadable one still lists under its name.
    }
    return { ...manifest, name: r.theme as string, imported: true as const };
  });
}

export async function themeExists(db: Db | Tx, theme: string): Promise<boolean> {
  if (builtInThemes().has(theme)) return true;
  return (await listImportedThemes(db)).some((t) => t.name === theme);
}

/**
 * The original files of a theme: the built-in theme's templates, or — for an imported theme — the
 * first version of each of its files.
 */
async function themeOriginals(db: Db | Tx, theme: string): Promise<Record<string, string>> {
  if (builtInThemes().has(theme)) return loadTheme(theme).templates as Record<string, string>;
  const rows = await db
    .selectFrom('publishing_template_versions')
    .select(['path', 'source'])
    .where('site_id', 'is', null)
    .where('theme', '=', theme)
    .where('version', '=', 1)
    .execute();
  return Object.fromEntries(rows.filter((r) => r.path.endsWith('.liquid')).map((r) => [r.path, r.source]));
}

/**
 * Active overrides for a site rendering `theme`: the site's own active versions over the global
 * ones. Only templates (`.liquid`); an imported theme's assets are read with `importedThemeFiles`.
 * The engine's theme loader calls this (decision 0006).
 */
export async function activeTemplateOverrides(
  kernel: Pick<Kernel, 'db'>,
  siteId: string | null,
  theme: string,
): Promise<Record<string, string>> {
  let query = kernel.db
    .selectFrom('publishing_template_versions')
    .select(['site_id', 'path', 'source'])
    .where('theme', '=', theme)
    .where('active', '=', true)
    .where('path', 'like', '%.liquid');
  query = siteId
    ? query.where((eb) => eb.or([eb('site_id', 'is', null), eb('site_id', '=', siteId)]))
    : query.where('site_id', 'is', null);
  const rows = await query.execute();
  const out: Record<string, string> = {};
  for (const r of rows) if (r.site_id === null) out[r.path] = r.source;
  for (const r of rows) if (r.site_id !== null) out[r.path] = r.source;
  return out;
}

/**
 * Every file of an imported theme (its current active versions): templates as text, assets
 * (`assets/…`) as bytes. Null for a built-in theme. The engine copies `assets` to `_theme/`.
 */
export async function importedThemeFiles(
  kernel: Pick<Kernel, 'db'>,
  theme: string,
): Promise<{ manifest: ThemeManifest; templates: Record<string, string>; assets: Record<string, Buffer> } | null> {
  const rows = await kernel.db
    .selectFrom('publishing_template_versions')
    .select(['path', 'source'])
    .where('site_id', 'is', null)
    .where('theme', '=', theme)
    .where('active', '=', true)
    .execute();
  const manifestRow = rows.find((r) => r.path === 'theme.json');
  if (!manifestRow || builtInThemes().has(theme)) return null;
  const templates: Record<string, string> = {};
  const assets: Record<string, Buffer> = {};
  for (const r of rows) {
    if (r.path.endsWith('.liquid')) templates[r.path] = r.source;
    else if (r.path.startsWith('assets/')) assets[r.path.slice('assets/'.length)] = decodeStored(r.source);
  }
  return { manifest: { ...JSON.parse(manifestRow.source), name: theme }, templates, assets };
}

const BASE64 = 'base64:';

/** Binary files of an imported theme are kept as `base64:…` text in the same column. */
function decodeStored(source: string): Buffer {
  return source.startsWith(BASE64) ? Buffer.from(source.slice(BASE64.length), 'base64') : Buffer.from(source, 'utf8');
}

/* --- scope and permissions ----------------------------------------------------------------- */

/**
 * template:manage on the site (its owner org in scope), or — for global templates and imports —
 * template:manage over every org, since a global edit changes every site using the theme.
 */
export async function assertTemplateScope(db: Db | Tx, principal: Principal | null, siteId: string | null) {
  if (!principal) throw unauthorized();
  if (siteId) return loadSiteFor(db, principal, TEMPLATE_PERMISSION, siteId);
  const scope = principal.permissions.get(TEMPLATE_PERMISSION);
  if (scope?.kind !== 'all') {
    throw forbidden('template_global_forbidden', '无权修改全局模板', {
      detail: '全局模板影响所有使用该主题的网站，需要不限范围的 template:manage 权限',
    });
  }
  return null;
}

async function assertTheme(db: Db | Tx, theme: string): Promise<void> {
  if (!THEME_NAME.test(theme) || !(await themeExists(db, theme))) {
    throw notFound('theme_not_found', '主题不存在', { detail: theme });
  }
}

/* --- reading ------------------------------------------------------------------------------- */

export interface TemplateTreeItem {
  path: string;
  /** Where the effective source comes from. */
  origin: 'site' | 'global' | 'theme';
  siteVersion: number | null;
  globalVersion: number | null;
}

/** 模板文件树: every template of the theme, with the overrides of this site and the global ones marked. */
export async function templateTree(
  kernel: Kernel,
  principal: Principal | null,
  theme: string,
  siteId: string | null,
): Promise<{ theme: string; siteId: string | null; items: TemplateTreeItem[] }> {
  await assertTheme(kernel.db, theme);
  if (siteId) await loadSiteFor(kernel.db, principal, TEMPLATE_PERMISSION, siteId);
  const originals = await themeOriginals(kernel.db, theme);
  let query = kernel.db
    .selectFrom('publishing_template_versions')
    .select(['site_id', 'path', 'version'])
    .where('theme', '=', theme)
    .where('active', '=', true)
    .where('path', 'like', '%.liquid');
  query = siteId
    ? query.where((eb) => eb.or([eb('site_id', 'is', null), eb('site_id', '=', siteId)]))
    : query.where('site_id', 'is', null);
  const rows = await query.execute();
  const imported = !builtInThemes().has(theme);
  const paths = new Set([...Object.keys(originals), ...rows.map((r) => r.path)]);
  const items = [...paths].sort(comparePaths).map((path) => {
    const site = rows.find((r) => r.path === path && r.site_id !== null);
    const global = rows.find((r) => r.path === path && r.site_id === null);
    // An imported theme's version 1 is its original, not an override.
    const globalVersion = global && !(imported && global.version === 1) ? global.version : null;
    return {
      path,
      origin: site ? 'site' : globalVersion ? 'global' : 'theme',
      siteVersion: site?.version ?? null,
      globalVersion,
    } as TemplateTreeItem;
  });
  return { theme, siteId, items };
}

/** Top-level files first, then folders (layouts, partials), alphabetically. */
function comparePaths(a: string, b: string): number {
  const da = a.includes('/') ? 1 : 0;
  const dbb = b.includes('/') ? 1 : 0;
  return da - dbb || a.localeCompare(b);
}

export interface VersionView {
  version: number;
  comment: string | null;
  createdBy: string | null;
  createdByName: string | null;
  createdAt: Date;
  active: boolean;
}

function scopeWhere<T extends { where: (...args: any[]) => T }>(query: T, siteId: string | null): T {
  return siteId ? query.where('site_id', '=', siteId) : query.where('site_id', 'is', null);
}

async function versionRows(db: Db | Tx, siteId: string | null, theme: string, path: string) {
  const rows = (await scopeWhere(
    db
      .selectFrom('publishing_template_versions as v')
      .leftJoin('identity_users as u', 'u.id', 'v.created_by')
      .select([
        'v.id',
        'v.site_id',
        'v.theme',
        'v.path',
        'v.version',
        'v.source',
        'v.comment',
        'v.created_by',
        'v.created_at',
        'v.active',
        'u.display_name as created_by_name',
      ])
      .where('v.theme', '=', theme)
      .where('v.path', '=', path) as any,
    siteId,
  )
    .orderBy('v.version', 'desc')
    .execute()) as (TemplateVersionRow & { created_by_name: string | null })[];
  return rows;
}

/** The source that applies when this scope has no override: the global override, else the theme file. */
async function inheritedSource(db: Db | Tx, siteId: string | null, theme: string, path: string) {
  if (siteId) {
    const global = await db
      .selectFrom('publishing_template_versions')
      .select(['source', 'version'])
      .where('site_id', 'is', null)
      .where('theme', '=', theme)
      .where('path', '=', path)
      .where('active', '=', true)
      .executeTakeFirst();
    if (global) return { source: global.source, origin: 'global' as const };
  }
  const originals = await themeOriginals(db, theme);
  const source = originals[path];
  return source === undefined ? null : { source, origin: 'theme' as const };
}

/** Current source of a template in a scope plus its versions. */
export async function getTemplate(
  kernel: Kernel,
  principal: Principal | null,
  siteId: string | null,
  theme: string,
  path: string,
) {
  checkTemplatePath(path);
  await assertTheme(kernel.db, theme);
  await assertTemplateScope(kernel.db, principal, siteId);
  const rows = await versionRows(kernel.db, siteId, theme, path);
  const active = rows.find((r) => r.active);
  const inherited = await inheritedSource(kernel.db, siteId, theme, path);
  if (!active && !inherited) throw notFound('template_not_found', '模板不存在', { detail: path });
  return {
    siteId,
    theme,
    path,
    source: active ? active.source : (inherited?.source as string),
    origin: active ? (siteId ? 'site' : 'global') : (inherited?.origin as 'global' | 'theme'),
    activeVersion: active?.version ?? null,
    inheritedSource: inherited?.source ?? null,
    versions: rows.map(versionView),
  };
}

function versionView(r: TemplateVersionRow & { created_by_name?: string | null }): VersionView {
  return {
    version: r.version,
    comment: r.comment,
    createdBy: r.created_by,
    createdByName: r.created_by_name ?? null,
    createdAt: r.created_at,
    active: r.active,
  };
}

/** One version's source; version 0 is the inherited source (global override or theme file). */
export async function getTemplateVersion(
  kernel: Kernel,
  principal: Principal | null,
  siteId: string | null,
  theme: string,
  path: string,
  version: number,
) {
  checkTemplatePath(path);
  await assertTheme(kernel.db, theme);
  await assertTemplateScope(kernel.db, principal, siteId);
  return versionSource(kernel.db, siteId, theme, path, version);
}

async function versionSource(db: Db | Tx, siteId: string | null, theme: string, path: string, version: number) {
  if (version === 0) {
    const inherited = await inheritedSource(db, siteId, theme, path);
    if (!inherited) throw notFound('template_version_not_found', '模板版本不存在', { detail: `${path} 第 0 版` });
    return { version: 0, source: inherited.source, comment: '主题原始文件', active: false };
  }
  const row = await scopeWhere(
    db
      .selectFrom('publishing_template_versions')
      .selectAll()
      .where('theme', '=', theme)
      .where('path', '=', path)
      .where('version', '=', version) as any,
    siteId,
  ).executeTakeFirst();
  if (!row) throw notFound('template_version_not_found', '模板版本不存在', { detail: `${path} 第 ${version} 版` });
  return { ...versionView(row as TemplateVersionRow), source: (row as TemplateVersionRow).source };
}

export interface DiffChange {
  value: string;
  added: boolean;
  removed: boolean;
  count: number;
}

/** Line diff between two versions (0 = inherited source) for the side-by-side view. */
export async function diffTemplateVersions(
  kernel: Kernel,
  principal: Principal | null,
  siteId: string | null,
  theme: string,
  path: string,
  from: number,
  to: number,
) {
  checkTemplatePath(path);
  await assertTheme(kernel.db, theme);
  await assertTemplateScope(kernel.db, principal, siteId);
  const a = await versionSource(kernel.db, siteId, theme, path, from);
  const b = await versionSource(kernel.db, siteId, theme, path, to);
  const changes: DiffChange[] = diffLines(a.source, b.source).map((c) => ({
    value: c.value,
    added: !!c.added,
    removed: !!c.removed,
    count: c.count ?? 0,
  }));
  return { from, to, changes };
}

/* --- writing ------------------------------------------------------------------------------- */

/**
 * Stores `source` as the next version of the path in this scope and makes it active, in one
 * transaction with the audit entry and the event that re-renders the pages using the template.
 */
async function storeVersion(
  tx: Tx,
  kernel: Kernel,
  ctx: Ctx,
  input: { siteId: string | null; theme: string; path: string; source: string; comment: string | null },
) {
  // Two saves of the same template must not both take the next number.
  await sql`select pg_advisory_xact_lock(hashtext(${`tpl:${input.siteId ?? 'global'}:${input.theme}:${input.path}`}))`.execute(
    tx,
  );
  const last = await scopeWhere(
    tx
      .selectFrom('publishing_template_versions')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('theme', '=', input.theme)
      .where('path', '=', input.path) as any,
    input.siteId,
  ).executeTakeFirst();
  const version = Number((last as { max: number | null } | undefined)?.max ?? 0) + 1;
  await scopeWhere(
    tx
      .updateTable('publishing_template_versions')
      .set({ active: false })
      .where('theme', '=', input.theme)
      .where('path', '=', input.path)
      .where('active', '=', true) as any,
    input.siteId,
  ).execute();
  const row = (await tx
    .insertInto('publishing_template_versions')
    .values({
      site_id: input.siteId,
      theme: input.theme,
      path: input.path,
      version,
      source: input.source,
      comment: input.comment,
      created_by: ctx.principal?.userId ?? null,
      active: true,
    })
    .returningAll()
    .executeTakeFirstOrThrow()) as TemplateVersionRow;
  await kernel.events.emit(tx, TEMPLATE_EVENT, { siteId: input.siteId, theme: input.theme });
  return row;
}

const MAX_SOURCE = 512 * 1024;

function scopeLabel(site: { name: string } | null): string {
  return site ? `网站「${site.name}」` : '全局';
}

export async function saveTemplate(
  kernel: Kernel,
  ctx: Ctx,
  siteId: string | null,
  theme: string,
  path: string,
  input: { source: string; comment?: string },
) {
  checkTemplatePath(path);
  if (input.source.length > MAX_SOURCE)
    throw badRequest('template_too_large', '模板内容过大', { detail: '最大 512 KB' });
  assertLiquid(input.source, path);
  await assertTheme(kernel.db, theme);
  return writeCommand(kernel, ctx, async (tx) => {
    const site = await assertTemplateScope(tx, ctx.principal, siteId);
    const row = await storeVersion(tx, kernel, ctx, {
      siteId,
      theme,
      path,
      source: input.source,
      comment: input.comment?.trim() || null,
    });
    return {
      result: { ...versionView(row), source: row.source },
      audit: {
        action: 'save',
        resource: 'template',
        resourceId: row.id,
        summary: `保存模板 ${theme}/${path}（${scopeLabel(site)}，第 ${row.version} 版）`,
        detail: { siteId, theme, path, version: row.version, comment: row.comment },
      },
    };
  });
}

/** 回滚: a new version copying an old one (0 = back to the inherited source), so history stays whole. */
export async function rollbackTemplate(
  kernel: Kernel,
  ctx: Ctx,
  siteId: string | null,
  theme: string,
  path: string,
  version: number,
) {
  checkTemplatePath(path);
  await assertTheme(kernel.db, theme);
  return writeCommand(kernel, ctx, async (tx) => {
    const site = await assertTemplateScope(tx, ctx.principal, siteId);
    const old = await versionSource(tx, siteId, theme, path, version);
    const row = await storeVersion(tx, kernel, ctx, {
      siteId,
      theme,
      path,
      source: old.source,
      comment: version === 0 ? '回滚到主题原始文件' : `回滚到第 ${version} 版`,
    });
    return {
      result: { ...versionView(row), source: row.source, rolledBackTo: version },
      audit: {
        action: 'rollback',
        resource: 'template',
        resourceId: row.id,
        summary: `回滚模板 ${theme}/${path}（${scopeLabel(site)}）到第 ${version} 版，保存为第 ${row.version} 版`,
        detail: { siteId, theme, path, from: version, version: row.version },
      },
    };
  });
}

/* --- theme import (模板库) ---------------------------------------------------------------- */

export const MAX_THEME_ZIP = 10 * 1024 * 1024;
/** Unpacked size bound: a small zip can expand enormously (zip bomb). */
const MAX_THEME_UNPACKED = 30 * 1024 * 1024;
const MAX_THEME_FILES = 500;
const TEXT_EXT = new Set(['liquid', 'css', 'js', 'json', 'svg']);
const BINARY_EXT = new Set(['png', 'jpg', 'gif', 'webp']);
const REQUIRED = ['theme.json', 'layouts/base.liquid', 'index.liquid', 'channel.liquid', 'article.liquid'];

function importError(detail: string, extra: Record<string, unknown> = {}) {
  return badRequest('theme_invalid', '主题包不合法', { detail, extra });
}

/** A zip entry name made safe, or an error: no absolute paths, drive letters, `..`, backslashes. */
export function checkZipPath(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and control bytes are the trick being refused
  if (name.startsWith('/') || name.includes('\\') || /^[a-z]:/i.test(name) || /[\u0000-\u001f]/.test(name)) {
    throw importError(`不允许的路径：${name}`, { path: name });
  }
  const segments = name.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw importError(`不允许的路径：${name}`, { path: name });
  }
  return name;
}

export interface ParsedTheme {
  name: string;
  manifest: ThemeManifest;
  files: Record<string, string>;
}

/**
 * Validates a theme zip: size limits, safe paths, allowed file types, the required files, a valid
 * theme.json and every template parsing. A single top folder (a zipped theme directory) is stripped.
 */
export function parseThemeZip(zip: Uint8Array, nameOverride?: string): ParsedTheme {
  if (zip.byteLength > MAX_THEME_ZIP) {
    throw new AppError(413, 'file_too_large', '文件超过大小限制', {
      detail: `主题包最大 ${MAX_THEME_ZIP / 1024 / 1024} MB`,
      extra: { maxBytes: MAX_THEME_ZIP },
    });
  }
  let entries: Record<string, Uint8Array>;
  let unpacked = 0;
  let count = 0;
  try {
    entries = unzipSync(zip, {
      filter(file) {
        count++;
        unpacked += file.originalSize;
        if (count > MAX_THEME_FILES) throw importError(`文件数超过 ${MAX_THEME_FILES} 个`);
        if (unpacked > MAX_THEME_UNPACKED) throw importError(`解压后超过 ${MAX_THEME_UNPACKED / 1024 / 1024} MB`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw importError('不是有效的 zip 文件');
  }
  const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
  for (const n of Object.keys(entries)) checkZipPath(n.endsWith('/') ? n.slice(0, -1) : n);
  const tops = new Set(names.map((n) => n.split('/')[0]));
  const prefix = tops.size === 1 && names.every((n) => n.includes('/')) ? `${[...tops][0]}/` : '';
  const files: Record<string, string> = {};
  for (const full of names) {
    const path = full.slice(prefix.length);
    if (path.startsWith('__MACOSX/') || path.split('/').pop() === '.DS_Store') continue;
    const ext = path.includes('.') ? (path.split('.').pop() as string).toLowerCase() : '';
    const data = entries[full] as Uint8Array;
    if (TEXT_EXT.has(ext)) {
      const text = strFromU8(data);
      if (text.includes('\u0000')) throw importError(`${path} 不是文本文件`, { path });
      files[path] = text;
    } else if (BINARY_EXT.has(ext)) {
      if (!path.startsWith('assets/')) throw importError(`图片只能放在 assets/ 目录：${path}`, { path });
      files[path] = BASE64 + Buffer.from(data).toString('base64');
    } else {
      throw importError(`不允许的文件类型：${path}（允许 .liquid .css .js .json .png .jpg .svg .gif .webp）`, {
        path,
      });
    }
  }
  const missing = REQUIRED.filter((r) => files[r] === undefined);
  if (missing.length) throw importError(`缺少必需文件：${missing.join('、')}`, { missing });
  let manifest: ThemeManifest;
  try {
    manifest = JSON.parse(files['theme.json'] as string);
  } catch {
    throw importError('theme.json 不是合法的 JSON');
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw importError('theme.json 应为对象');
  }
  const name = nameOverride ?? manifest.name;
  if (typeof name !== 'string' || !THEME_NAME.test(name)) {
    throw importError('主题名称应为小写英文字母开头，只含小写字母、数字和连字符', { name });
  }
  for (const [path, source] of Object.entries(files)) assertLiquid(source, path);
  return { name, manifest: { ...manifest, name }, files };
}

/** 导入主题: stored as version 1 of global rows of a new theme name; a taken name is refused. */
export async function importTheme(kernel: Kernel, ctx: Ctx, zip: Uint8Array, nameOverride?: string) {
  const parsed = parseThemeZip(zip, nameOverride);
  return writeCommand(kernel, ctx, async (tx) => {
    await assertTemplateScope(tx, ctx.principal, null);
    await sql`select pg_advisory_xact_lock(hashtext(${`theme:${parsed.name}`}))`.execute(tx);
    const taken =
      builtInThemes().has(parsed.name) ||
      !!(await tx
        .selectFrom('publishing_template_versions')
        .select('id')
        .where('theme', '=', parsed.name)
        .limit(1)
        .executeTakeFirst());
    if (taken) {
      throw new AppError(409, 'theme_exists', '主题名称已存在', {
        detail: `请修改 theme.json 的 name 或导入时另起名称：${parsed.name}`,
      });
    }
    const paths = Object.keys(parsed.files).sort();
    const manifestSource = JSON.stringify(parsed.manifest, null, 2);
    await tx
      .insertInto('publishing_template_versions')
      .values(
        paths.map((path) => ({
          site_id: null,
          theme: parsed.name,
          path,
          version: 1,
          source: path === 'theme.json' ? manifestSource : (parsed.files[path] as string),
          comment: '导入主题',
          created_by: ctx.principal?.userId ?? null,
          active: true,
        })),
      )
      .execute();
    return {
      result: { theme: parsed.name, manifest: parsed.manifest, files: paths },
      audit: {
        action: 'import',
        resource: 'theme',
        resourceId: parsed.name,
        summary: `导入主题「${parsed.manifest.title ?? parsed.name}」（${parsed.name}，${paths.length} 个文件）`,
        detail: { theme: parsed.name, files: paths },
      },
    };
  });
}
