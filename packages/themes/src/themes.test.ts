import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_THEME,
  listThemes,
  loadTheme,
  sharedAssetFiles,
  sharedDir,
  themeAssetFiles,
  themeDir,
} from './index.js';
import { ThemePreview } from './preview.js';
import { sampleSite } from './sample-site.js';

/*
 * Every theme parses, renders every page kind of the sample site in the standard and the 关怀版
 * tree, carries the footer a government site must have, and loads nothing from the internet.
 */

const NAMES = ['portal', 'dept-blue', 'dept-red', 'dept-green', 'dept-teal', 'dept-gold', 'dept-ink'];
const REQUIRED = [
  'layouts/base.liquid',
  'index.liquid',
  'channel.liquid',
  'article.liquid',
  'topic.liquid',
  'search.liquid',
  '404.liquid',
];
const KINDS = [
  { kind: 'index', path: 'index.html' },
  { kind: 'channel', path: 'zwgk/tzgg/index.html' },
  { kind: 'channel', path: 'xwdt/index_2.html' },
  { kind: 'article', path: 'zwgk/zcwj/1001.html' },
  { kind: 'article', path: 'xwdt/tpxw/1052.html' },
  { kind: 'topic', path: 'topics/ysh/index.html' },
  { kind: 'search', path: 'search/index.html' },
  { kind: '404', path: '404.html' },
] as const;

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** External URLs a page loads (scripts, stylesheets, images, fonts, CSS url()). */
function externalResources(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<(script|img|iframe|source|video|audio)\b[^>]*\ssrc="([^"]*)"/gi))
    if (/^(https?:)?\/\//i.test(m[2])) out.push(m[2]);
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = /\shref="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (!/rel="canonical"/.test(m[0]) && /^(https?:)?\/\//i.test(href)) out.push(href);
  }
  for (const m of html.matchAll(/url\(\s*['"]?((?:https?:)?\/\/[^'")]+)/gi)) out.push(m[1]);
  for (const m of html.matchAll(/@import\s+['"]?((?:https?:)?\/\/[^'";]+)/gi)) out.push(m[1]);
  return out;
}

describe('theme catalogue', () => {
  it('lists the seven themes with manifests; default is dept-blue', () => {
    const themes = listThemes();
    expect(themes.map((t) => t.name).sort()).toEqual([...NAMES].sort());
    expect(themes[0].name).toBe('portal');
    expect(themes.find((t) => t.name === 'portal')!.kind).toBe('portal');
    for (const t of themes) {
      expect(t.title).toBeTruthy();
      expect(t.description).toBeTruthy();
      expect(t.colors.primary).toMatch(/^#[0-9a-f]{6}$/i);
      if (t.name !== 'portal') expect(t.kind).toBe('department');
    }
    expect(DEFAULT_THEME).toBe('dept-blue');
    // Six distinct colour schemes for the department themes.
    expect(new Set(themes.map((t) => t.colors.primary)).size).toBe(7);
  });

  it('refuses names that would leave the themes folder', () => {
    expect(() => themeDir('../shared')).toThrow();
    expect(() => themeDir('nope')).toThrow(/不存在/);
    expect(existsSync(join(sharedDir(), 'partials', 'footer.liquid'))).toBe(true);
  });

  it('every theme has the contract files and every template parses', () => {
    const liquid = new Liquid();
    for (const tag of ['documents', 'channel', 'channels', 'friendlinks', 'topics'])
      liquid.registerTag(tag, { parse() {}, render() {} });
    for (const name of NAMES) {
      const t = loadTheme(name);
      for (const f of REQUIRED) expect(t.templates[f], `${name}/${f}`).toBeTypeOf('string');
      expect(existsSync(join(t.assetsDir, 'theme.css'))).toBe(true);
      for (const [path, source] of Object.entries(t.templates))
        expect(() => liquid.parse(source), `${name}/${path}`).not.toThrow();
    }
  });

  it('a theme overrides a shared partial of the same name', () => {
    const ink = loadTheme('dept-ink');
    expect(ink.sharedTemplates).not.toContain('partials/emblem.liquid');
    expect(ink.templates['partials/emblem.liquid']).toContain('<rect');
    const blue = loadTheme('dept-blue');
    expect(blue.sharedTemplates).toContain('partials/emblem.liquid');
    expect(blue.templates['partials/footer.liquid']).toBe(
      readFileSync(join(sharedDir(), 'partials', 'footer.liquid'), 'utf8'),
    );
  });

  it('shared assets include the toolbar, CSS and the opencc / pinyin-pro browser bundles from node_modules', () => {
    const files = sharedAssetFiles();
    const names = files.map((f) => f.name);
    for (const n of ['toolbar.js', 'a11y.css', 'care.css', 'base.css', 'opencc.js', 'pinyin-pro.js'])
      expect(names).toContain(n);
    const opencc = files.find((f) => f.name === 'opencc.js')!;
    expect(opencc.path).toMatch(/node_modules[\\/]opencc-js[\\/]/);
    expect(readFileSync(opencc.path, 'utf8').slice(0, 400)).toContain('OpenCC');
    expect(readFileSync(files.find((f) => f.name === 'pinyin-pro.js')!.path, 'utf8').slice(0, 400)).toContain(
      'pinyinPro',
    );
    // No copy of the libraries in the repository.
    expect(files.filter((f) => f.path.startsWith(sharedDir())).map((f) => f.name)).not.toContain('opencc.js');
  });
});

describe('assets', () => {
  it('CSS and the toolbar load nothing from outside: no web fonts, imports or remote URLs', () => {
    const files = [
      ...sharedAssetFiles().filter((f) => f.path.startsWith(sharedDir())),
      ...NAMES.flatMap((n) => themeAssetFiles(n)),
    ];
    expect(files.length).toBeGreaterThan(NAMES.length);
    for (const f of files) {
      if (!/\.(css|js)$/.test(f.name)) continue;
      // The SVG namespace inside data: URIs is the only http text allowed.
      const text = readFileSync(f.path, 'utf8').replaceAll('http://www.w3.org/2000/svg', '');
      expect(text, f.path).not.toMatch(/https?:\/\/|@font-face|@import|url\(\s*['"]?\/\//i);
    }
    const toolbar = readFileSync(join(sharedDir(), 'assets', 'toolbar.js'), 'utf8');
    expect(toolbar).toContain("loadScript('opencc.js', 'OpenCC')");
    expect(toolbar).toContain("loadScript('pinyin-pro.js', 'pinyinPro')");
  });
});

describe.each(NAMES)('theme %s renders the sample site', (name) => {
  const preview = new ThemePreview(name);

  it.each([false, true])('every page kind (care=%s)', async (care) => {
    for (const { kind, path } of KINDS) {
      const html = await preview.render({ kind, path, care });
      const where = `${name} ${care ? 'care' : 'standard'} ${path}`;
      expect(html, where).toMatch(/^<!DOCTYPE html>\s*<html lang="zh-CN"/);
      expect(/<html[^>]*class="care"/.test(html), where).toBe(care);
      expect(html.includes('_shared/care.css'), where).toBe(care);
      // One h1, a skip link first in the body, landmarks.
      expect(html.match(/<h1[\s>]/g)?.length, where).toBe(1);
      expect(/<body[^>]*>\s*<div class="skip-links">\s*<a class="skip" href="#main">/.test(html), where).toBe(true);
      for (const landmark of ['<header', '<main id="main"', '<footer', 'aria-label="主导航"'])
        expect(html, where).toContain(landmark);
      // Footer of a government site.
      expect(html, where).toContain('网站标识码：4107000001');
      expect(html, where).toContain('href="https://beian.miit.gov.cn/"');
      expect(html, where).toMatch(/href="https:\/\/beian\.mps\.gov\.cn\/[^"]*"[^>]*>.*豫公网安备41070202000123号/s);
      expect(html, where).toContain('本站支持IPv6');
      expect(html, where).toMatch(/<a [^>]*data-a11y-open[^>]*>无障碍<\/a>/);
      expect(html, where).toContain(care ? '>标准版</a>' : '>关怀版</a>');
      // Search box: a GET form to page.searchUrl.
      expect(html, where).toMatch(
        /<form class="search-form" role="search" method="get" action="[^"]*search\/index\.html">/,
      );
      expect(html, where).toContain('<script src="');
      expect(html, where).toMatch(/<script src="[^"]*_shared\/toolbar\.js" defer><\/script>/);
      expect(externalResources(html), where).toEqual([]);
      // The only external links a template writes itself are the two record links.
      const site = sampleSite();
      const fromData = new Set([...site.friendLinks.map((l) => l.url), ...site.channels.map((c) => c.linkUrl)]);
      const external = [...html.matchAll(/<a\b[^>]*href="(https?:[^"]*)"/g)]
        .map((m) => m[1])
        .filter((u) => !fromData.has(u));
      expect(new Set(external.map((u) => new URL(u).host)), where).toEqual(
        new Set(['beian.miit.gov.cn', 'beian.mps.gov.cn']),
      );
      expect(html, where).not.toContain('[object Object]');
      expect(html, where).not.toMatch(/Liquid|undefined/);
    }
  });

  it('home page has the four blocks, 要闻, 图片新闻, 专题 and friend links', async () => {
    const html = await preview.render({ kind: 'index', path: 'index.html' });
    for (const text of [
      '政务公开',
      '新闻动态',
      '政务服务',
      '互动交流',
      '要闻',
      '图片新闻',
      '专题专栏',
      '友情链接',
      '中国政府网',
    ])
      expect(html, text).toContain(text);
    expect(html).toMatch(/<h1 class="brand">/);
    // Picture news come from tpxw with covers, relative to the page.
    expect(html).toMatch(/<img src="_files\/pic-\d+\.svg"/);
  });

  it('list, article and 404 pages carry their content with relative links', async () => {
    const list = await preview.render({ kind: 'channel', path: 'zwgk/tzgg/index.html' });
    expect(list).toContain('<h1 id="list-h" class="list-title">通知公告</h1>');
    expect(list).toContain('href="../../index.html"');
    expect(list).toContain('href="../../_shared/base.css"');
    expect(list).toMatch(/aria-current="page">通知公告<\/a>/);
    const paged = await preview.render({ kind: 'channel', path: 'xwdt/index_2.html' });
    expect(paged).toMatch(/<nav class="pager" aria-label="分页">/);
    expect(paged).toContain('rel="prev"');
    const article = await preview.render({ kind: 'article', path: 'zwgk/zcwj/1001.html' });
    expect(article).toContain('<h1>新乡市人民政府关于印发新乡市优化营商环境三年行动方案的通知</h1>');
    expect(article).toContain('<div class="article-body" id="article-body"><p>');
    expect(article).toContain('发布机构');
    expect(article).toMatch(/<a href="\.\.\/\.\.\/_files\/att-1001\.pdf" download>/);
    expect(article).toContain('<meta name="ArticleTitle"');
    const notFound = await preview.render({ kind: '404', path: '404.html' });
    expect(notFound).toContain('抱歉，您访问的页面不存在');
  });

  it('links between the standard and the care tree point at the same page', async () => {
    const std = await preview.render({ kind: 'channel', path: 'zwgk/tzgg/index.html' });
    expect(std).toContain('href="../../care/zwgk/tzgg/index.html">关怀版</a>');
    const care = await preview.render({ kind: 'channel', path: 'zwgk/tzgg/index.html', care: true });
    expect(care).toContain('href="../../../zwgk/tzgg/index.html">标准版</a>');
  });
});

describe('templates cope with missing channels', () => {
  it('a site without zwgk, tpxw, zwfw and hdjl still renders its home page', async () => {
    const site = sampleSite();
    const gone = new Set([
      'zwgk',
      'zcwj',
      'tzgg',
      'rsxx',
      'ghjh',
      'czxx',
      'tpxw',
      'zwfw',
      'hdjl',
      'ldxx',
      'zwzx',
      'myzj',
    ]);
    site.channels = site.channels.filter((c) => !gone.has(c.code));
    site.documents = site.documents.filter((d) => !gone.has(d.channel));
    site.friendLinks = [];
    site.topics = [];
    for (const name of NAMES) {
      const html = await new ThemePreview(name, site).render({ kind: 'index', path: 'index.html' });
      expect(html, name).toContain('新闻动态');
      expect(html, name).not.toContain('id="zwgk-h"');
      expect(html, name).not.toContain('id="pic-h"');
      expect(html, name).not.toContain('友情链接');
      expect(html, name).toContain('本站支持IPv6');
    }
  });
});

describe('preview writer', () => {
  it('writes both trees with theme, shared and uploaded files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jy-theme-'));
    tmp.push(out);
    const written = await new ThemePreview('dept-red').build(out);
    expect(written).toContain('index.html');
    expect(written).toContain('care/index.html');
    expect(written).toContain('xwdt/gzdt/index.html');
    for (const f of [
      '_theme/theme.css',
      '_shared/toolbar.js',
      '_shared/opencc.js',
      '_shared/pinyin-pro.js',
      'care/_shared/care.css',
      '_files/topic-ysh.svg',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'care/index.html'), 'utf8')).toContain('<html lang="zh-CN" class="care">');
  });
});
