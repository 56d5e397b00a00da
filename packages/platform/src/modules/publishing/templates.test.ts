import { randomBytes } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleBed, call, importFixtureTheme, outbox, startConsoleBed, upload } from './console.test-support.js';
import {
  activeTemplateOverrides,
  checkLiquid,
  checkZipPath,
  importedThemeFiles,
  listImportedThemes,
  parseThemeZip,
} from './templates.js';
import { splitTemplateTail } from './templates.routes.js';

/*
 * 模板管理 through HTTP on a real database with the cms demo sites: saving (parsed first), versions,
 * diff, rollback, overrides per site and global, data scope, theme import with hostile zips, and
 * preview against real published content.
 */

let bed: ConsoleBed;
const THEME = 'dept-blue';
const url = (scope: string, path: string, theme = THEME) => `/api/publishing/templates/${scope}/${theme}/${path}`;

beforeAll(async () => {
  bed = await startConsoleBed();
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function themeZip(files: Record<string, string | Uint8Array>): Uint8Array {
  return zipSync(
    Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])),
  );
}

const GOOD_THEME = {
  'theme.json': JSON.stringify({
    name: 'lake-green',
    title: '湖绿',
    kind: 'department',
    description: '导入测试',
    colors: {},
  }),
  'layouts/base.liquid': '<!doctype html><html lang="zh-CN"><body>{{ content | raw }}</body></html>',
  'index.liquid': '{% layout "base" %}<h1>{{ site.name }}</h1>',
  'channel.liquid': '{% layout "base" %}<h1>{{ channel.name }}</h1>',
  'article.liquid': '{% layout "base" %}<h1>{{ document.title }}</h1>',
  'assets/style.css': 'body { color: #123; }',
  'assets/logo.png': PNG,
};

const importZip = (session = bed.admin, zip: Uint8Array, name?: string) =>
  upload(bed.t, session, '/api/publishing/themes/import', [
    ...(name ? [{ name: 'name', value: name }] : []),
    { name: 'file', filename: 'theme.zip', data: zip },
  ]);

describe('template syntax', () => {
  it('reports the line, column and reason of a Liquid error', () => {
    const problem = checkLiquid('<div>\n  <p>{{ site.name }}</p>\n  {% if site.name %}\n  <p>x</p>\n</div>');
    expect(problem).toMatchObject({ line: 3 });
    expect(problem?.column).toBeGreaterThan(0);
    expect(problem?.reason).toMatch(/not closed/);
    expect(
      checkLiquid('{% documents "xwdt" limit:8 as news %}{% for n in news %}{{ n.title }}{% endfor %}'),
    ).toBeNull();
    expect(checkLiquid('{{ "a" | no_such_filter }}')).toMatchObject({ line: 1 });
  });

  it('splits the URL tail into the template path and its sub-resource', () => {
    expect(splitTemplateTail('layouts/base.liquid')).toEqual({ kind: 'template', path: 'layouts/base.liquid' });
    expect(splitTemplateTail('index.liquid/versions/3')).toEqual({ kind: 'version', path: 'index.liquid', version: 3 });
    expect(splitTemplateTail('partials/x.liquid/diff')).toEqual({ kind: 'diff', path: 'partials/x.liquid' });
    expect(splitTemplateTail('index.liquid/rollback')).toEqual({ kind: 'rollback', path: 'index.liquid' });
  });
});

describe('template versions', () => {
  it('refuses invalid Liquid with 400 template_invalid naming line and column, storing nothing', async () => {
    const res = await call(bed.t, bed.admin, 'PUT', url(bed.jyjSite, 'index.liquid'), {
      source: '{% layout "base" %}\n<h1>{{ site.name }}</h1>\n{% for d in docs %}\n<p>{{ d.title }}</p>\n',
      comment: '坏模板',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'template_invalid', line: 3, path: 'index.liquid' });
    expect(res.body.column).toBeGreaterThan(0);
    expect(res.body.detail).toContain('第 3 行');
    const rows = await bed.t.kernel.db.selectFrom('publishing_template_versions').select('id').execute();
    expect(rows).toHaveLength(0);
  });

  it('saves versions, marks the override in the tree, diffs and rolls back (audited, with events)', async () => {
    const tree0 = await call(
      bed.t,
      bed.admin,
      'GET',
      `/api/publishing/themes/${THEME}/templates?siteId=${bed.jyjSite}`,
    );
    expect(tree0.status).toBe(200);
    const paths = tree0.body.items.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['index.liquid', 'article.liquid', 'layouts/base.liquid']));
    expect(tree0.body.items.find((i: { path: string }) => i.path === 'index.liquid').origin).toBe('theme');

    const original = await call(bed.t, bed.admin, 'GET', url(bed.jyjSite, 'index.liquid'));
    expect(original.status).toBe(200);
    expect(original.body).toMatchObject({ origin: 'theme', activeVersion: null, versions: [] });

    const v1 = await call(bed.t, bed.admin, 'PUT', url(bed.jyjSite, 'index.liquid'), {
      source: `${original.body.source}\n<!-- 第一版 -->`,
      comment: '加注释',
    });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ version: 1, active: true, comment: '加注释' });
    const v2 = await call(bed.t, bed.admin, 'PUT', url(bed.jyjSite, 'index.liquid'), {
      source: `${original.body.source}\n<!-- 第二版 -->`,
    });
    expect(v2.body.version).toBe(2);

    const current = await call(bed.t, bed.admin, 'GET', url(bed.jyjSite, 'index.liquid'));
    expect(current.body).toMatchObject({ origin: 'site', activeVersion: 2 });
    expect(current.body.versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(current.body.versions[0].createdByName).toBeTruthy();
    const tree = await call(bed.t, bed.admin, 'GET', `/api/publishing/themes/${THEME}/templates?siteId=${bed.jyjSite}`);
    expect(tree.body.items.find((i: { path: string }) => i.path === 'index.liquid')).toMatchObject({
      origin: 'site',
      siteVersion: 2,
    });

    const old = await call(bed.t, bed.admin, 'GET', `${url(bed.jyjSite, 'index.liquid')}/versions/1`);
    expect(old.body.source).toContain('第一版');
    const diff = await call(bed.t, bed.admin, 'GET', `${url(bed.jyjSite, 'index.liquid')}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    expect(diff.body.changes.find((c: { removed: boolean }) => c.removed).value).toContain('第一版');
    expect(diff.body.changes.find((c: { added: boolean }) => c.added).value).toContain('第二版');
    const missing = await call(bed.t, bed.admin, 'GET', `${url(bed.jyjSite, 'index.liquid')}/diff?from=1`);
    expect(missing.status).toBe(400);

    const rolled = await call(bed.t, bed.admin, 'POST', `${url(bed.jyjSite, 'index.liquid')}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: 3, rolledBackTo: 1, active: true });
    expect(rolled.body.source).toContain('第一版');
    const toTheme = await call(bed.t, bed.admin, 'POST', `${url(bed.jyjSite, 'index.liquid')}/rollback`, {
      version: 0,
    });
    expect(toTheme.body).toMatchObject({ version: 4 });
    expect(toTheme.body.source).toBe(original.body.source);
    const gone = await call(bed.t, bed.admin, 'POST', `${url(bed.jyjSite, 'index.liquid')}/rollback`, { version: 99 });
    expect(gone.status).toBe(404);

    const events = await outbox(bed.t, 'publishing.template.published');
    expect(events).toHaveLength(4);
    expect(events[0]).toEqual({ siteId: bed.jyjSite, theme: THEME });
    const audit = await bed.t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'summary'])
      .where('resource', '=', 'template')
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['save', 'save', 'rollback', 'rollback']);
  });

  it('site overrides win over global ones, which reach every other site', async () => {
    const global = await call(bed.t, bed.admin, 'PUT', url('global', 'article.liquid'), {
      source: '{% layout "base" %}<h1>全局 {{ document.title }}</h1>',
      comment: '全局',
    });
    expect(global.status).toBe(200);
    await call(bed.t, bed.admin, 'PUT', url(bed.jyjSite, 'article.liquid'), {
      source: '{% layout "base" %}<h1>教育局 {{ document.title }}</h1>',
    });
    const jyj = await activeTemplateOverrides(bed.t.kernel, bed.jyjSite, THEME);
    const wjw = await activeTemplateOverrides(bed.t.kernel, bed.wjwSite, THEME);
    expect(jyj['article.liquid']).toContain('教育局');
    expect(wjw['article.liquid']).toContain('全局');
    expect(wjw['index.liquid']).toBeUndefined();
    const inherited = await call(bed.t, bed.admin, 'GET', url(bed.wjwSite, 'article.liquid'));
    expect(inherited.body).toMatchObject({ origin: 'global', activeVersion: null });
    expect((await outbox(bed.t, 'publishing.template.published')).at(-2)).toEqual({ siteId: null, theme: THEME });
  });

  it('keeps to the data scope: own site only, no global edits, no permission no access', async () => {
    const own = await call(bed.t, bed.jyjAdmin, 'PUT', url(bed.jyjSite, 'channel.liquid'), {
      source: '{% layout "base" %}<h1>{{ channel.name }}</h1>',
    });
    expect(own.status).toBe(200);
    const other = await call(bed.t, bed.jyjAdmin, 'PUT', url(bed.wjwSite, 'channel.liquid'), { source: 'x' });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('site_forbidden');
    const otherRead = await call(bed.t, bed.jyjAdmin, 'GET', url(bed.wjwSite, 'channel.liquid'));
    expect(otherRead.status).toBe(403);
    const global = await call(bed.t, bed.jyjAdmin, 'PUT', url('global', 'channel.liquid'), { source: 'x' });
    expect(global.status).toBe(403);
    expect(global.body.code).toBe('template_global_forbidden');
    const editor = await call(bed.t, bed.jyjEditor, 'GET', url(bed.jyjSite, 'channel.liquid'));
    expect(editor.status).toBe(403);
    const traversal = await call(bed.t, bed.admin, 'GET', url(bed.jyjSite, 'partials/..%2F..%2Fetc.liquid'));
    expect(traversal.status).toBe(400);
    const notLiquid = await call(bed.t, bed.admin, 'PUT', url(bed.jyjSite, 'assets/style.css'), { source: 'x' });
    expect(notLiquid.status).toBe(400);
    const unknownTheme = await call(bed.t, bed.admin, 'GET', url(bed.jyjSite, 'index.liquid', 'no-such-theme'));
    expect(unknownTheme.status).toBe(404);
  });
});

describe('preview', () => {
  it('renders unsaved source against the site’s real published content', async () => {
    await importFixtureTheme(bed.t, bed.admin, 'preview-fixture');
    const purl = (scope: string, path: string) => url(scope, path, 'preview-fixture');
    const doc = await bed.t.kernel.db
      .selectFrom('cms_documents')
      .select(['id', 'title'])
      .where('site_id', '=', bed.jyjSite)
      .where('state', '=', 'published')
      .where('type', '!=', 'link')
      .where('reference_of', 'is', null)
      .executeTakeFirstOrThrow();
    const res = await call(bed.t, bed.admin, 'POST', `${purl(bed.jyjSite, 'article.liquid')}/preview`, {
      source: '<h1>预览标记 {{ document.title }}</h1>',
      documentId: doc.id,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.html).toContain(`预览标记 ${doc.title}`);
    expect(res.body.html).toMatch(/<base href="\/sites\/jyj\/[a-z]+\/[a-z]+\/">/);

    const home = await call(bed.t, bed.admin, 'POST', `${purl('global', 'index.liquid')}/preview`, {
      source: '<h1>首页预览 {{ site.name }}</h1>',
      siteId: bed.jyjSite,
    });
    expect(home.status, JSON.stringify(home.body)).toBe(200);
    expect(home.body.html).toContain('首页预览 ');

    const bad = await call(bed.t, bed.admin, 'POST', `${purl(bed.jyjSite, 'index.liquid')}/preview`, {
      source: '{% if x %}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('template_invalid');
    const noSite = await call(bed.t, bed.admin, 'POST', `${purl('global', 'index.liquid')}/preview`, { source: 'x' });
    expect(noSite.status).toBe(400);
    const scope = await call(bed.t, bed.jyjAdmin, 'POST', `${purl(bed.wjwSite, 'index.liquid')}/preview`, {});
    expect(scope.status).toBe(403);
  });
});

describe('theme import (模板库)', () => {
  it('imports a valid theme zip as a new theme whose files are its first versions', async () => {
    const res = await importZip(
      bed.admin,
      themeZip(Object.fromEntries(Object.entries(GOOD_THEME).map(([k, v]) => [`lake-green/${k}`, v]))),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.theme).toBe('lake-green');
    expect(res.body.files).toEqual(expect.arrayContaining(['theme.json', 'index.liquid', 'assets/logo.png']));
    expect((await listImportedThemes(bed.t.kernel.db)).map((t) => t.name)).toContain('lake-green');
    const files = await importedThemeFiles(bed.t.kernel, 'lake-green');
    expect(files?.assets['logo.png']).toEqual(PNG);
    expect(files?.templates['index.liquid']).toContain('site.name');
    const tree = await call(bed.t, bed.admin, 'GET', '/api/publishing/themes/lake-green/templates');
    expect(tree.body.items.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['index.liquid', 'layouts/base.liquid']),
    );
    expect(tree.body.items.every((i: { origin: string }) => i.origin === 'theme')).toBe(true);
    const again = await importZip(bed.admin, themeZip(GOOD_THEME));
    expect(again.status).toBe(409);
    const renamed = await importZip(bed.admin, themeZip(GOOD_THEME), 'lake-blue');
    expect(renamed.status).toBe(201);
    // The preview test imported its fixture theme before: only this test's two imports are checked.
    const audit = await bed.t.kernel.db
      .selectFrom('audit_log')
      .select('resource_id')
      .where('resource', '=', 'theme')
      .execute();
    expect(audit.map((a) => a.resource_id)).toEqual(expect.arrayContaining(['lake-green', 'lake-blue']));
  });

  it('refuses path tricks, unknown file types, missing files, bad Liquid, oversize zips and non-admins', async () => {
    const bad = async (files: Record<string, string | Uint8Array>, code = 'theme_invalid', status = 400) => {
      const res = await importZip(
        bed.admin,
        themeZip({ ...GOOD_THEME, ...files }),
        `t-${randomBytes(3).toString('hex')}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.code).toBe(code);
      return res.body;
    };
    expect((await bad({ '../evil.liquid': 'x' })).detail).toContain('../evil.liquid');
    await bad({ '/etc/passwd.liquid': 'x' });
    await bad({ 'partials/../../x.liquid': 'x' });
    await bad({ 'C:/x.liquid': 'x' });
    await bad({ 'assets/run.php': '<?php' });
    await bad({ 'assets/tool.exe': new Uint8Array([0x4d, 0x5a]) });
    await bad({ 'logo.png': PNG });
    const invalid = await bad({ 'channel.liquid': '{% layout "base" %}\n{% for x in y %}' }, 'template_invalid');
    expect(invalid).toMatchObject({ path: 'channel.liquid', line: 2 });
    const { 'article.liquid': _a, ...noArticle } = GOOD_THEME;
    const res = await importZip(bed.admin, themeZip(noArticle), 'no-article');
    expect(res.body).toMatchObject({ code: 'theme_invalid', missing: ['article.liquid'] });
    const notZip = await importZip(bed.admin, new Uint8Array(Buffer.from('这不是压缩包')), 'not-zip');
    expect(notZip.body.code).toBe('theme_invalid');
    // Incompressible bytes, stored: past the 10 MB limit.
    const huge = zipSync({ 'assets/big.png': randomBytes(11 * 1024 * 1024) }, { level: 0 });
    const tooBig = await importZip(bed.admin, huge, 'too-big');
    expect(tooBig.status).toBe(413);
    const scoped = await importZip(bed.jyjAdmin, themeZip(GOOD_THEME), 'jyj-theme');
    expect(scoped.status).toBe(403);
    const names = (await listImportedThemes(bed.t.kernel.db)).map((t) => t.name);
    expect(names).toEqual(['lake-blue', 'lake-green', 'preview-fixture']);
  });

  it('checks zip entry names and unpacked size without the server', () => {
    expect(() => checkZipPath('a/../../b')).toThrow();
    expect(() => checkZipPath('a\\b')).toThrow();
    expect(() => checkZipPath('a/\u0000b')).toThrow();
    expect(checkZipPath('partials/header.liquid')).toBe('partials/header.liquid');
    // 40 MB of zeros compresses to a few KB: refused by its unpacked size, not its zip size.
    const bomb = zipSync({
      ...Object.fromEntries(Object.entries(GOOD_THEME).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])),
      'assets/a.css': new Uint8Array(40 * 1024 * 1024),
    });
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    expect(() => parseThemeZip(bomb, 'bomb')).toThrow(/解压后超过/);
  });
});
