import { type Expression, type SqlBool, sql } from 'kysely';
import type { Kernel } from '../../kernel/module.js';
import { COUNTY_SITE_CODES, PORTAL } from '../cms/index.js';
import { KINDS, type Kind } from './analyze.js';
import { dateOf } from './engine.js';

/*
 * 信息资源聚合: the search home's blocks, each the newest published items of one kind of
 * content across all sites.
 */

const COUNTIES = Object.values(COUNTY_SITE_CODES);
const OPEN_CATEGORIES = ['notice', 'personnel', 'planning', 'finance'];

type Where = (eb: any) => Expression<SqlBool>;

export const HOME_BLOCKS: Array<{ key: string; name: string; where: Where }> = [
  { key: 'home', name: '首页', where: (eb) => eb('site_code', '=', PORTAL.code) },
  { key: 'news', name: '资讯', where: (eb) => eb.and([eb('kind', '=', 'article'), eb('category', '=', 'news')]) },
  { key: 'open', name: '公开', where: (eb) => eb('category', 'in', OPEN_CATEGORIES) },
  { key: 'policy', name: '政策', where: (eb) => eb('kind', '=', 'policy') },
  { key: 'service', name: '服务', where: (eb) => eb('kind', '=', 'service') },
  { key: 'interaction', name: '互动', where: (eb) => eb('kind', '=', 'interaction') },
  { key: 'image', name: '图片', where: (eb) => eb('kind', '=', 'image') },
  { key: 'video', name: '视频', where: (eb) => eb('kind', '=', 'video') },
  {
    key: 'org',
    name: '单位机构',
    where: (eb) => eb.and([eb('site_code', '<>', PORTAL.code), eb('site_code', 'not in', COUNTIES)]),
  },
  { key: 'county', name: '区县', where: (eb) => eb('site_code', 'in', COUNTIES) },
];

export interface HomeItem {
  title: string;
  url: string;
  site: string;
  siteName: string;
  date: string | null;
  kind: Kind;
  kindName: string;
}

export async function searchHome(kernel: Kernel, options: { site?: string; perBlock?: number } = {}) {
  const perBlock = Math.min(20, options.perBlock ?? 8);
  const blocks = [];
  for (const block of HOME_BLOCKS) {
    let query = kernel.db
      .selectFrom('search_documents')
      .select(['title', 'url', 'site_code', 'site_name', 'publish_at', 'kind'])
      .where('state', '=', 'published')
      .where('site_public', '=', true)
      .where(block.where);
    if (options.site) query = query.where('site_code', '=', options.site);
    const rows = await query.orderBy(sql`publish_at desc nulls last`).limit(perBlock).execute();
    blocks.push({
      key: block.key,
      name: block.name,
      items: rows.map(
        (r: any): HomeItem => ({
          title: r.title,
          url: r.url,
          site: r.site_code,
          siteName: r.site_name,
          date: dateOf(r.publish_at),
          kind: r.kind,
          kindName: KINDS[r.kind as Kind] ?? r.kind,
        }),
      ),
    });
  }
  return { blocks };
}
