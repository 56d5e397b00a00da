import { Drop, Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { compileSyncRenders } from './compiled.js';
import { failureOf } from './render.js';

/*
 * The compiled synchronous renderer (compiled.ts) against LiquidJS itself: each template below is
 * rendered by a plain engine and by one with compiled renders, with the same options and data; the
 * outputs (or the errors) must be the same. The themes' pages are compared in memo-themes.test.ts.
 */

class Money extends Drop {
  constructor(private readonly cents: number) {
    super();
  }
  yuan() {
    return (this.cents / 100).toFixed(2);
  }
  liquidMethodMissing(key: string) {
    return `无${key}`;
  }
  valueOf() {
    return this.cents;
  }
}

const data = {
  site: { name: '新乡市教育局', tags: ['教育', '通知'], empty: [], nested: { a: { b: '深' } } },
  docs: [
    { title: '第一篇', pinned: true, n: 3, date: new Date('2026-03-01T02:00:00Z') },
    { title: '第二篇 <b>粗</b>', pinned: false, n: 10, date: new Date('2026-03-02T18:30:00Z') },
    { title: '第三篇', n: 0 },
  ],
  key: 'name',
  money: new Money(12345),
  zero: 0,
  blankText: '  ',
  html: '<script>alert(1)</script>',
  map: { x: 1, y: 2 },
};

const cases: Record<string, string> = {
  text: '纯文本，没有标签。',
  output: '{{ site.name }}|{{ missing }}|{{ missing.deep.er }}|{{ site.nested.a.b }}|{{ html }}|{{ html | raw }}',
  brackets: "{{ site[key] }}|{{ site['name'] }}|{{ docs[1].title }}|{{ docs[-1].title }}|{{ site.tags[0] }}",
  special: '{{ docs.size }}|{{ docs.first.title }}|{{ docs.last.title }}|{{ site.name.size }}|{{ map.size }}',
  filters:
    "{{ site.name | append: '网站' | prepend: '欢迎' }}|{{ docs | map: 'title' | join: '、' }}|{{ zero | default: '无' }}|{{ missing | default: '缺省' }}|{{ 3 | plus: 4 | times: 2 }}|{{ docs[0].date | date: '%Y-%m-%d %H:%M' }}|{{ site.tags | size }}",
  named:
    "{{ '%Y' | append: 'x' }}|{{ docs | where: 'pinned', true | map: 'title' | join }}|{{ site.tags | join: sep }}",
  operators:
    "{% if docs.size > 2 and site.name contains '教育' %}A{% endif %}{% if zero == 0 or missing %}B{% endif %}{% if not missing %}C{% endif %}{% if site.tags contains '通知' %}D{% endif %}{% if site.empty == empty %}E{% endif %}{% if blankText == blank %}F{% endif %}{% if missing == nil %}G{% endif %}{% if 'a' < 'b' %}H{% endif %}{% if docs[0].n >= 3 %}I{% endif %}{% if docs[1].n != 10 %}X{% else %}J{% endif %}",
  branches:
    '{% for d in docs %}{% if d.n > 5 %}大{% elsif d.n > 0 %}中{% else %}零{% endif %}{% unless d.pinned %}-{% endunless %}{% endfor %}',
  loops:
    '{% for d in docs %}{{ forloop.index }}/{{ forloop.length }}{% if forloop.first %}^{% endif %}{% if forloop.last %}!{% endif %}{{ forloop.rindex0 }}:{{ d.title }};{% endfor %}',
  loopElse: '{% for t in site.empty %}{{ t }}{% else %}空{% endfor %}|{% for t in missing %}x{% else %}无{% endfor %}',
  loopControl:
    '{% for d in docs %}{% if d.n == 10 %}{% continue %}{% endif %}{{ d.title }}{% if d.n == 0 %}{% break %}{% endif %}{% endfor %}|{% for i in (1..5) %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}',
  loopModifiers:
    '{% for d in docs limit: 2 %}{{ d.title }}{% endfor %}|{% for d in docs offset: 1 reversed %}{{ d.title }}{% endfor %}|{% for d in docs limit: 1 %}{{ d.n }}{% endfor %}{% for d in docs offset: continue %}{{ d.n }}{% endfor %}',
  nestedLoops:
    '{% for d in docs %}{% for t in site.tags %}{{ forloop.index }}{{ t }}{% endfor %}{{ forloop.index }}{% endfor %}',
  loopOverMap: '{% for p in map %}{{ p[0] }}={{ p[1] }};{% endfor %}|{% for c in site.name %}{{ c }}{% endfor %}',
  assign:
    "{% assign n = docs.size | plus: 1 %}{{ n }}{% assign t = site.tags | first %}{{ t }}{% for d in docs %}{% assign last = d.title %}{% endfor %}{{ last }}|{% assign list = docs | map: 'title' %}{{ list.size }}{% for t in list %}{{ t }}{% endfor %}|{% capture c %}{{ site.name }}!{% endcapture %}{{ c | size }}{{ c }}",
  caseTag:
    '{% for d in docs %}{% case d.n %}{% when 3 %}三{% when 10, 0 %}十或零{% else %}其他{% endcase %}{% endfor %}',
  drops: '{{ money.yuan }}|{{ money.other }}|{{ money }}|{% if money > 100 %}多{% endif %}',
  whitespace: '  {%- if true -%}  紧  {%- endif -%}  |{{- site.name -}}  |',
  comments: '前{% comment %}{{ 不渲染 }}{% endcomment %}后{% # 行内注释 %}',
  raw: '{% raw %}{{ site.name }}{% endraw %}',
  increment: '{% increment k %}{% increment k %}{% decrement k %}{{ k }}',
  cycle: "{% for d in docs %}{% cycle 'a', 'b' %}{% endfor %}",
  echoLiquid: "{% liquid\n assign x = 'X'\n echo x | downcase\n %}",
  tablerow: '{% tablerow t in site.tags %}{{ t }}{% endtablerow %}',
};

function engines(options: Record<string, unknown> = {}) {
  const plain = new Liquid({ outputEscape: 'escape', timezoneOffset: -480, ...options });
  const compiled = new Liquid({ outputEscape: 'escape', timezoneOffset: -480, ...options });
  compileSyncRenders(compiled);
  return { plain, compiled };
}

function outcome(liquid: Liquid, source: string, scope: object): { html?: string; error?: string } {
  try {
    // A copy: `increment` keeps its counters in the scope object.
    return { html: liquid.parseAndRenderSync(source, { ...scope }) as string };
  } catch (err) {
    const failure = failureOf(err, 'case.liquid');
    return { error: `${(err as Error).name}: ${failure.line}: ${failure.reason}` };
  }
}

describe('compiled synchronous renders', () => {
  const { plain, compiled } = engines();

  for (const [name, source] of Object.entries(cases)) {
    it(`renders ${name} as LiquidJS does`, () => {
      const scope = { ...data, sep: '／' };
      const expected = outcome(plain, source, scope);
      expect(expected.error).toBeUndefined();
      expect(outcome(compiled, source, scope)).toEqual(expected);
    });
  }

  it('fails where LiquidJS fails, naming the same line', () => {
    const throwing = engines();
    for (const e of [throwing.plain, throwing.compiled]) {
      e.registerFilter('boom', () => {
        throw new Error('爆了');
      });
    }
    const failing = [
      '{% if true %}\n{% for d in docs %}\n\n{{ d.title | boom }}{% endfor %}{% endif %}',
      '第一行\n{% if docs.size > 1 %}\n{% if site.name | boom %}是{% endif %}{% endif %}',
      '{% for d in docs %}{% assign x = d.title %}\n{% assign y = x | boom %}{% endfor %}',
      "{% case 1 %}{% when 1 %}\n\n{{ 'a' | append: 'b' | boom }}{% endcase %}",
    ];
    for (const source of failing) {
      const expected = outcome(throwing.plain, source, data);
      expect(expected.error, source).toContain('爆了');
      expect(outcome(throwing.compiled, source, data), source).toEqual(expected);
    }
    // The line of the failing node, whatever encloses it.
    expect(outcome(throwing.compiled, failing[0], data).error).toContain(': 4:');
    const strict = engines({ strictVariables: true });
    const undefinedRead = '{% for d in docs %}\n{{ d.title }}\n{{ d.nothing.here }}{% endfor %}';
    const expected = outcome(strict.plain, undefinedRead, data);
    expect(expected.error).toContain('UndefinedVariableError');
    expect(outcome(strict.compiled, undefinedRead, data)).toEqual(expected);
  });

  it('keeps strictVariables and lenientIf', () => {
    const strict = engines({ strictVariables: true, lenientIf: true });
    for (const source of [
      '{{ missing }}',
      '{% if missing %}有{% else %}无{% endif %}',
      "{{ missing | default: '缺' }}",
    ]) {
      expect(outcome(strict.compiled, source, data)).toEqual(outcome(strict.plain, source, data));
    }
  });

  it('leaves asynchronous renders to LiquidJS', async () => {
    const source = cases.loops;
    expect(await compiled.parseAndRender(source, data)).toBe(await plain.parseAndRender(source, data));
  });
});
