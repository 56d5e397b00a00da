import { matchPinyin } from '@jiyue/text';
import { sql } from 'kysely';
import type { Kernel } from '../../kernel/module.js';
import { lexeme, normalizeText, stripControls } from './analyze.js';
import { lexiconOf, Vocabulary } from './lexicon.js';
import { tsqueryOf } from './query.js';
import { hotQueries } from './querylog.js';

/*
 * 智能提示: hot queries first (what others found something with), then vocabulary terms and
 * titles — matched by Hanzi (prefix or inside), full pinyin (gongjijin) and initials (yyzz).
 */

export interface Suggestion {
  text: string;
  source: 'hot' | 'term' | 'title';
}

const LIMIT = 10;
const HOT_TTL_MS = 60_000;
const hotCache = new WeakMap<object, { at: number; items: Array<{ query: string; count: number }> }>();

async function hot(kernel: Kernel) {
  const cached = hotCache.get(kernel);
  if (cached && Date.now() - cached.at < HOT_TTL_MS) return cached.items;
  const items = await hotQueries(kernel);
  hotCache.set(kernel, { at: Date.now(), items });
  return items;
}

export async function suggest(kernel: Kernel, raw: string, site?: string): Promise<{ q: string; items: Suggestion[] }> {
  const q = normalizeText(stripControls(raw)).trim();
  if (!q || q.length > 50) return { q: raw, items: [] };
  const latin = /^[a-z\s']+$/.test(q);
  const compact = q.replace(/[\s']+/g, '');
  if (!/[\p{L}\p{N}]/u.test(compact)) return { q: raw, items: [] };
  const out: Suggestion[] = [];
  const seen = new Set<string>();
  const add = (text: string, source: Suggestion['source']) => {
    const key = text.trim();
    if (!key || seen.has(key) || out.length >= LIMIT) return;
    seen.add(key);
    out.push({ text: key, source });
  };
  const matches = (text: string) =>
    latin ? matchPinyin(text, compact) !== null : normalizeText(text).includes(compact);

  for (const h of await hot(kernel)) if (matches(h.query)) add(h.query, 'hot');

  const lexicon = await lexiconOf(kernel);
  const { vocabulary } = lexicon;
  const terms = latin
    ? [
        ...Vocabulary.prefixed(vocabulary.pinyinIndex, compact, 40),
        ...Vocabulary.prefixed(vocabulary.initialsIndex, compact, 40),
      ]
    : [...vocabulary.freq.keys()].filter((w) => w.startsWith(compact)).slice(0, 40);
  terms.sort((a, b) => (vocabulary.freq.get(b) ?? 0) - (vocabulary.freq.get(a) ?? 0) || a.length - b.length);
  for (const t of terms.slice(0, 5)) add(t, 'term');

  if (out.length < LIMIT) {
    let titles = kernel.db
      .selectFrom('search_documents')
      .select('title')
      .where('state', '=', 'published')
      .where('site_public', '=', true);
    if (site) titles = titles.where('site_code', '=', site);
    titles = latin
      ? titles.where((eb) => eb.or([eb('pinyin', 'like', `${compact}%`), eb('initials', 'like', `${compact}%`)]))
      : titles.where(
          sql<boolean>`tsv @@ ${tsqueryOf([
            lexicon.segmenter
              .words(compact)
              .map(lexeme)
              .filter(Boolean)
              .map((w) => [w]),
          ])}::tsquery`,
        );
    const rows = await titles.orderBy('publish_at', 'desc').limit(LIMIT).execute();
    for (const r of rows) add(r.title as string, 'title');
  }
  return { q: raw, items: out };
}
