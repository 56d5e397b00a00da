import { readFileSync } from 'node:fs';
import { Liquid } from 'liquidjs';
import { toAppError } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { renderInSiteLayout } from '../publishing/index.js';
import { KINDS } from './analyze.js';
import { type PublicSearchInput, publicSearch, type SearchAnswer } from './engine.js';
import { searchHome } from './home.js';

/*
 * The public search page (搜索页), rendered on the server from search.liquid so that it works
 * without JavaScript: a GET form, facets and pages as links. A small inline script adds 智能提示.
 * Until the themes (#6) land, every site uses this one page at /search and /sites/<code>/search.
 */

const engine = new Liquid({ outputEscape: 'escape', strictFilters: true });
const template = engine.parse(readFileSync(new URL('./search.liquid', import.meta.url), 'utf8'));
const embeddedCss = readFileSync(new URL('./search-embedded.css', import.meta.url), 'utf8');

type Params = Record<string, string | number | string[] | undefined>;

/** The page URL with `changes` applied to the current parameters (page reset unless given). */
function linkTo(base: string, current: Params, changes: Params): string {
  const merged: Params = { ...current, page: undefined, ...changes };
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, v);
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${base}?${text}` : base;
}

/**
 * The search page. With a site, its body is shown inside the site's theme (header, navigation,
 * footer, 关怀版 when `care`); a site that has no theme output yet gets the stand-alone page.
 */
export async function renderSearchPage(
  kernel: Kernel,
  input: PublicSearchInput,
  siteCode?: string,
  options: { care?: boolean } = {},
) {
  let site: { code: string; name: string } | null = null;
  if (siteCode) {
    const row = await kernel.db
      .selectFrom('search_documents')
      .select(['site_code', 'site_name'])
      .where('site_code', '=', siteCode)
      .limit(1)
      .executeTakeFirst();
    if (!row) {
      const html = await engine.render(template, { notFound: true, title: '网站不存在' });
      return { status: 404, html };
    }
    site = { code: row.site_code as string, name: row.site_name as string };
  }
  const base = site ? `/sites/${site.code}/search` : '/search';
  // 关怀版 stays 关怀版 through facets, pages and new searches.
  const care = site && options.care ? '1' : undefined;
  const current: Params = { ...input, site: site ? undefined : input.site, care } as Params;
  const q = (input.q ?? '').trim();
  let answer: SearchAnswer | null = null;
  let error: string | null = null;
  if (q || input.within?.length) {
    try {
      answer = await publicSearch(kernel, { ...input, site: site?.code ?? input.site });
    } catch (thrown) {
      const err = toAppError(thrown);
      if (err.status >= 500) throw thrown;
      error = err.detail ?? err.title;
    }
  }
  const home = answer || error ? null : await searchHome(kernel, { site: site?.code, perBlock: 6 });
  const facet = (key: string, values: Array<{ value: string; label: string; count: number }>, all: string) => [
    { label: all, href: linkTo(base, current, { [key]: undefined }), active: !current[key], count: null },
    ...values.map((v) => ({
      label: v.label,
      count: v.count,
      href: linkTo(base, current, { [key]: v.value }),
      active: current[key] === v.value,
    })),
  ];
  const pages = answer ? Math.min(50, Math.ceil(answer.total / answer.pageSize)) : 0;
  const pageNo = answer?.page ?? 1;
  const data = {
    title: q ? `${q} - 搜索结果` : '站内搜索',
    siteName: site?.name ?? '新乡市人民政府网站群',
    base,
    q,
    input,
    error,
    answer,
    home,
    kinds: KINDS,
    hidden: Object.entries({
      care,
      site: site ? undefined : input.site,
      type: input.type,
      category: input.category,
      range: input.range,
      sort: input.sort,
      from: input.from,
      to: input.to,
    })
      .filter(([, v]) => v)
      .map(([name, value]) => ({ name, value })),
    withinLink: answer && q ? { base, q } : null,
    withinValues: [...(input.within ?? []), ...(q ? [q] : [])],
    correctionHref: answer?.correction ? linkTo(base, current, { q: answer.correction.to }) : null,
    originalHref: answer?.correction ? linkTo(base, current, { q: answer.correction.from, mode: 'exact' }) : null,
    facets: answer
      ? {
          sites: site ? [] : facet('site', answer.facets.sites.slice(0, 12), '全部网站'),
          types: facet('type', answer.facets.types, '全部'),
          categories: facet('category', answer.facets.categories, '全部'),
          ranges: facet('range', answer.facets.ranges, '不限'),
          sorts: [
            { label: '按相关度', href: linkTo(base, current, { sort: undefined }), active: input.sort !== 'newest' },
            { label: '按时间', href: linkTo(base, current, { sort: 'newest' }), active: input.sort === 'newest' },
          ],
        }
      : null,
    pager:
      pages > 1
        ? {
            prev: pageNo > 1 ? linkTo(base, current, { page: pageNo - 1 }) : null,
            next: pageNo < pages ? linkTo(base, current, { page: pageNo + 1 }) : null,
            pages: Array.from({ length: pages }, (_, i) => i + 1)
              .filter((n) => Math.abs(n - pageNo) <= 3 || n === 1 || n === pages)
              .map((n) => ({ n, href: linkTo(base, current, { page: n }), current: n === pageNo })),
          }
        : null,
    suggestUrl: site ? `/api/search/suggest?site=${site.code}&q=` : '/api/search/suggest?q=',
    qid: 'q',
  };
  if (site) {
    const body = await engine.render(template, { ...data, embedded: true, embeddedCss, qid: 'jy-q' });
    const themed = await renderInSiteLayout(kernel, site.code, { title: data.title, html: body, care: options.care });
    if (themed) return { status: 200, html: themed };
  }
  return { status: 200, html: await engine.render(template, data) };
}
