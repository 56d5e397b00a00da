import { describe, expect, it } from 'vitest';
import { DepRecorder } from './deps.js';
import { IncludeMemo } from './memo.js';
import { buildEngine } from './render.js';
import { type RenderState, STATE } from './tags.js';

/*
 * Remembered includes (memo.ts) must give exactly what a fresh render gives: same output, same
 * assigns seen by the page, same dependency keys — and render again when what they read changes.
 * No database: the engine with a template map and a bare render state.
 */

const templates: Record<string, string> = {
  'partials/nav.liquid':
    '<nav>{% for item in nav %}<a href="{{ item.url }}"{% if page.section == item.code %} aria-current="true"{% endif %}>{{ item.name }}</a>{% endfor %}</nav>',
  'partials/brand.liquid':
    "{% if page.kind == 'index' %}{% assign brand_tag = 'h1' %}{% else %}{% assign brand_tag = 'p' %}{% endif %}<{{ brand_tag }}>{{ site.name }}</{{ brand_tag }}>{% include 'emblem' %}",
  'partials/emblem.liquid': '<img alt="" src="{{ \'emblem.svg\' | asset }}">',
  'partials/links.liquid': '{% friendlinks as links %}<ul>{% for l in links %}<li>{{ l.name }}</li>{% endfor %}</ul>',
  'partials/counter.liquid': '{% increment n %}',
  'partials/title.liquid': '<h1>{{ page.title }}</h1>',
  'partials/panel.liquid': '<section>{{ heading }}:{% for d in items %}{{ d }};{% endfor %}</section>',
  // Holes: `switch` differs on every page; the partials around it use it in different ways.
  'partials/switch.liquid': '<a href="{{ page.url }}">切换</a>',
  'partials/top.liquid': '<header>{{ site.name }}{% include "switch" %}</header>',
  'partials/leaky.liquid': '{{ label }}:{{ page.url }}',
  'partials/argtop.liquid': '<header>{{ label }}{% include "leaky" %}</header>',
  'partials/cap.liquid': '{% capture x %}{% include "switch" %}{% endcapture %}[{{ x | size }}]{{ x }}',
  'partials/captop.liquid': '{% capture y %}{% include "top" %}{% endcapture %}{{ y | size }}|{{ y }}',
  'partials/setter.liquid': '{% assign who = page.url %}{{ who }}',
  'partials/wrap.liquid': '<div>{{ site.name }}{% include "setter" %}</div>',
  'holes.liquid':
    "{% include 'captop' %}{% include 'top' %}{% include 'top' %}{% include 'argtop', label: page.kind %}{% include 'cap' %}{% include 'wrap' %}({{ who }})",
  'page.liquid':
    "{% include 'brand' %}[{{ brand_tag }}]{% include 'nav' %}{% include 'links' %}{% include 'title' %}{% include 'panel', heading: 'A', items: list %}{% include 'counter' %}{% include 'counter' %}",
};

function stateFor(memo: IncludeMemo | undefined, root = ''): RenderState {
  const data = {
    site: { id: 'site-1' },
    friendLinks: [{ group: '', name: '市政府', url: 'https://www.xinxiang.gov.cn/' }],
  } as any;
  return { data, deps: new DepRecorder(), root, siteRoot: root, care: false, files: new Map(), memo };
}

describe('remembered includes', () => {
  const engine = buildEngine('test', 'memo-test', { name: 'test', templates, assets: [] });
  const nav = [
    { code: 'xwdt', name: '新闻动态', url: 'xwdt/index.html' },
    { code: 'zwgk', name: '政务公开', url: 'zwgk/index.html' },
  ];
  const site = { name: '新乡市教育局' };
  const list = ['一', '二'];
  const pages = [
    { kind: 'index', section: '', title: '首页' },
    { kind: 'article', section: 'xwdt', title: '第一篇' },
    { kind: 'article', section: 'xwdt', title: '第二篇' },
    { kind: 'article', section: 'zwgk', title: '第三篇' },
    { kind: 'channel', section: 'xwdt', title: '新闻动态' },
  ];

  async function render(memo: IncludeMemo | undefined, page: (typeof pages)[number], root = '') {
    const state = stateFor(memo, root);
    const html = engine.liquid.renderSync(
      engine.parse('page.liquid'),
      {},
      {
        globals: { [STATE]: state, nav, site, list, page },
      },
    ) as string;
    return { html, deps: state.deps.list() };
  }

  it('gives the output, assigns and dependency keys of a fresh render, page after page', async () => {
    const memo = new IncludeMemo(templates);
    for (const root of ['', '../']) {
      for (const page of [...pages, ...pages]) {
        const fresh = await render(undefined, page, root);
        const remembered = await render(memo, page, root);
        expect(remembered).toEqual(fresh);
      }
    }
    expect(memo.hits).toBeGreaterThan(20);
    // The page's assign made inside a remembered partial is seen after it.
    expect((await render(memo, pages[0])).html).toContain('[h1]');
    expect((await render(memo, pages[1])).html).toContain('[p]');
    // Tags inside a remembered partial still record their keys on every page.
    expect((await render(memo, pages[2])).deps).toContain('links:site-1');
  });

  it('renders again when a value the partial read changes', async () => {
    const memo = new IncludeMemo(templates);
    const a = await render(memo, pages[1]);
    const b = await render(memo, pages[3]);
    expect(a.html).toMatch(/<a href="xwdt\/index.html" aria-current="true">/);
    expect(b.html).toMatch(/<a href="zwgk\/index.html" aria-current="true">/);
    expect(b.html).not.toMatch(/<a href="xwdt\/index.html" aria-current="true">/);
    // Relative links: a page one folder deeper gets its own emblem path.
    expect((await render(memo, pages[1], '../')).html).toContain('src="../_theme/emblem.svg"');
  });

  it('never remembers partials with tags whose effects it cannot replay', async () => {
    const memo = new IncludeMemo(templates);
    expect(memo.safe('counter')).toBe(false);
    expect(memo.safe('brand')).toBe(true);
    const first = await render(memo, pages[1]);
    const second = await render(memo, pages[1]);
    expect(first.html.endsWith('01')).toBe(true);
    expect(second.html.endsWith('01')).toBe(true);
    expect(memo.partials.has('counter')).toBe(false);
  });

  it('keeps at most MAX_ENTRIES outputs however many distinct arguments it sees', async () => {
    const memo = new IncludeMemo(templates);
    const state = stateFor(memo);
    const render = (items: string[]) =>
      engine.liquid.parseAndRenderSync(
        "{% include 'panel', heading: 'B', items: items %}",
        { items },
        {
          globals: { [STATE]: state },
        },
      ) as string;
    const same = ['甲'];
    expect(render(same)).toBe(render(same));
    for (let i = 0; i < IncludeMemo.MAX_ENTRIES + 100; i++) expect(render([`第${i}条`])).toContain(`第${i}条;`);
    expect(memo.entries).toBe(IncludeMemo.MAX_ENTRIES);
    expect(memo.partials.get('panel')?.hits).toBe(1);
  });

  it('stops recording a partial that misses on every page', async () => {
    const memo = new IncludeMemo(templates);
    for (let i = 0; i < 60; i++) await render(memo, { ...pages[1], title: `标题${i}` });
    const title = memo.partials.get('title');
    expect(title?.hits).toBe(0);
    expect(title?.volatile).toBe(true);
    expect(title?.misses).toBeLessThan(10);
    expect((await render(memo, { ...pages[1], title: '最后一篇' })).html).toContain('<h1>最后一篇</h1>');
  });

  it('leaves a hole for a partial that differs on every page, and renders only the hole', async () => {
    const memo = new IncludeMemo(templates);
    const renderHoles = (remember: IncludeMemo | undefined, url: string) => {
      const state = stateFor(remember);
      const html = engine.liquid.renderSync(
        engine.parse('holes.liquid'),
        {},
        {
          globals: { [STATE]: state, site, page: { kind: 'article', url } },
        },
      ) as string;
      return { html, deps: state.deps.list() };
    };
    for (let i = 0; i < 30; i++) {
      const url = `a/${i}.html`;
      const remembered = renderHoles(memo, url);
      expect(remembered).toEqual(renderHoles(undefined, url));
      expect(remembered.html).toContain(`<header>新乡市教育局<a href="${url}">切换</a></header>`);
      expect(remembered.html).toContain(`<header>articlearticle:${url}</header>`);
      expect(remembered.html).toContain(`[${`<a href="${url}">切换</a>`.length}]`);
      expect(remembered.html).toContain(`<div>新乡市教育局${url}</div>(${url})`);
    }
    expect(memo.partials.get('switch')?.volatile).toBe(true);
    // The header around the switch is replayed; the partials whose hole depends on them are not:
    // `leaky` reads argtop's argument, `setter` assigns, and in `cap` and `captop` the switch goes
    // into a capture.
    expect(memo.partials.get('top')?.hits).toBeGreaterThan(40);
    for (const name of ['argtop', 'cap', 'captop', 'wrap']) expect(memo.partials.get(name)?.hits, name).toBe(0);
  });
});
