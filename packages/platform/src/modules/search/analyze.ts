import { pinyinInitials, pinyinSyllables, type Segmenter, toSimplified } from '@jiyue/text';
import type { SearchFeedDocument } from '../cms/index.js';
import { publicDocumentUrl } from '../publishing/urls.js';

/*
 * Turning a cms document into an index row: plain text, result class (结果分类), type-specific
 * fields, and a tsvector built here from jieba tokens (PostgreSQL's parsers know no Chinese, so
 * the lexemes are written literally: `'营业执照':3A`).
 */

/** 结果分类: the result classes of the search page and their labels. */
export const KINDS = {
  article: '新闻资讯',
  policy: '政策文件',
  service: '办事服务',
  leader: '领导信息',
  topic: '专题专栏',
  interaction: '互动交流',
  image: '图片',
  video: '视频',
} as const;
export type Kind = keyof typeof KINDS;

const BODY_INDEX_CHARS = 4000;
const CONTENT_CHARS = 4000;
const MAX_POSITIONS = 64;
const MAX_POSITION = 16383;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Text of sanitized HTML: tags out, entities decoded, whitespace collapsed. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/li|\/h\d)[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** Control characters (NUL included, which PostgreSQL text cannot hold) become spaces. */
export function stripControls(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  return out;
}

/**
 * The normal form of text both sides are compared in: NFKC (full-width letters → ASCII),
 * traditional → simplified, lower case.
 */
export function normalizeText(text: string): string {
  return toSimplified(text.normalize('NFKC')).toLowerCase();
}

function custom(doc: SearchFeedDocument, key: string): string | undefined {
  const value = doc.custom?.[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Which result class a document shows as: an explicit custom field wins, then the channel. */
export function kindOf(doc: SearchFeedDocument): Kind {
  const explicit = custom(doc, 'searchKind');
  if (explicit && explicit in KINDS) return explicit as Kind;
  const name = doc.channelName;
  if (doc.channelCategory === 'consultation' || /信箱|咨询|征集|留言|访谈|互动/.test(name)) return 'interaction';
  if (doc.channelCategory === 'policy' || /政策|规范性文件|文件/.test(name)) return 'policy';
  if (/领导/.test(name)) return 'leader';
  if (doc.channelCategory === 'service' || /办事|服务指南|办事指南|便民/.test(name)) return 'service';
  if (/专题|专栏/.test(name)) return 'topic';
  if (doc.type === 'gallery') return 'image';
  if (doc.type === 'video') return 'video';
  return 'article';
}

/** Type-specific fields of a result (结果展现). */
export function fieldsOf(doc: SearchFeedDocument, kind: Kind): Record<string, unknown> {
  const pick = (...keys: string[]) => {
    const out: Record<string, string> = {};
    for (const key of keys) {
      const value = custom(doc, key);
      if (value) out[key] = value;
    }
    return out;
  };
  switch (kind) {
    case 'policy':
      return { issuer: doc.source ?? doc.siteName, ...pick('docNumber', 'level', 'theme', 'validity') };
    case 'service':
      return { department: doc.source ?? doc.siteName, ...pick('onlineUrl', 'timeLimit', 'fee', 'location') };
    case 'leader':
      return { position: doc.subtitle ?? custom(doc, 'position') ?? null, ...pick('duties', 'photoUrl') };
    case 'topic':
    case 'image':
    case 'video':
      return doc.coverFileId ? { cover: `/api/cms/files/${doc.coverFileId}/content` } : {};
    default:
      return doc.source ? { source: doc.source } : {};
  }
}

/** Public URL of a document: its article page in the site's static output (decision 0006), or its link. */
export function urlOf(doc: Pick<SearchFeedDocument, 'id' | 'siteCode' | 'channelPath' | 'type' | 'linkUrl'>): string {
  if (doc.type === 'link' && doc.linkUrl) return doc.linkUrl;
  return publicDocumentUrl({ code: doc.siteCode }, doc.channelPath.split('/'), doc.id);
}

/** A lexeme: letters and digits only, so it can never carry tsquery/tsvector syntax. */
export function lexeme(token: string): string {
  return normalizeText(token).replace(/[^\p{L}\p{N}]+/gu, '');
}

/** A tsvector literal (`'a':1A,4A 'b':2B`) from weighted token lists, in order. */
export function tsvectorOf(parts: Array<{ tokens: string[]; weight: 'A' | 'B' | 'C' | 'D' }>): string {
  const positions = new Map<string, string[]>();
  let position = 0;
  for (const part of parts) {
    for (const token of part.tokens) {
      const word = lexeme(token);
      if (word === '' || word.length > 100) continue;
      position = Math.min(position + 1, MAX_POSITION);
      const list = positions.get(word) ?? [];
      if (list.length < MAX_POSITIONS) list.push(`${position}${part.weight}`);
      positions.set(word, list);
    }
  }
  return [...positions].map(([word, list]) => `'${word}':${list.join(',')}`).join(' ');
}

/**
 * Date lexemes of a publish date (China time): its year, month and day as `zzy2026`, `zzm202612`,
 * `zzd20261207`. They make "published on or after a day" a GIN condition — an OR of a few such
 * lexemes (dateWindowQuery) — so a query that matches many documents is asked for its newest
 * ones inside the same index scan, without reading a date index (engine.ts runSearch). Letters
 * and digits only, without positions (they never take part in ranking).
 */
export function dateLexemes(date: Date | null): string[] {
  if (!date) return [];
  const day = new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return [`zzy${day.slice(0, 4)}`, `zzm${day.slice(0, 6)}`, `zzd${day}`];
}

/**
 * The site lexeme of a row: `zzs` + the site's id (hex digits only). A site filter becomes a GIN
 * condition too, so the index intersects the query's words with the site's documents instead of
 * producing every match of the words first (新乡市教育局 within one site). The id, not the code:
 * it never changes.
 */
export function siteLexeme(siteId: string): string {
  return `zzs${siteId.replace(/[^0-9a-z]/gi, '').toLowerCase()}`;
}

const wordPinyin = new Map<string, { pinyin: string; initials: string }>();

/**
 * Pinyin of a title for suggestions: full (no spaces) and initials. Read word by word (jieba
 * words carry the context pinyin-pro needs for polyphones: 银行 hang, 行长 zhang), with a
 * process-wide cache because titles share most of their words — a full pinyin-pro pass costs
 * ~1 ms a title.
 */
export function pinyinKeys(text: string, words?: string[]): { pinyin: string; initials: string } {
  let pinyin = '';
  let initials = '';
  for (const word of words ?? [text]) {
    const han = word.replace(/[^\p{Script=Han}]/gu, '');
    if (!han) continue;
    let keys = wordPinyin.get(han);
    if (!keys) {
      keys = { pinyin: pinyinSyllables(han).join(''), initials: pinyinInitials(han) };
      if (wordPinyin.size > 200_000) wordPinyin.clear();
      wordPinyin.set(han, keys);
    }
    pinyin += keys.pinyin;
    initials += keys.initials;
  }
  return { pinyin, initials };
}

export interface IndexRow {
  id: string;
  site_id: string;
  site_code: string;
  site_name: string;
  site_public: boolean;
  channel_id: string;
  channel_name: string;
  category: string | null;
  kind: Kind;
  doc_type: string;
  state: string;
  title: string;
  content: string;
  url: string;
  fields: string;
  pinyin: string;
  initials: string;
  tsv: string;
  publish_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The index row of a document and the title words for the vocabulary (智能纠错, 拼音转化). */
export function analyze(
  doc: SearchFeedDocument,
  segmenter: Pick<Segmenter, 'cutForSearch' | 'words'>,
  options: { pinyinKeys?: (title: string) => { pinyin: string; initials: string } } = {},
): { row: IndexRow; words: string[] } {
  const title = doc.title.trim();
  const normTitle = normalizeText(title);
  const text = htmlToText(doc.bodyHtml ?? '');
  const meta = [doc.subtitle, doc.keywords, doc.summary, ...(doc.tags ?? [])].filter(Boolean).join(' ');
  const kind = kindOf(doc);
  const tsv = tsvectorOf([
    { tokens: segmenter.cutForSearch(normTitle), weight: 'A' },
    { tokens: segmenter.cutForSearch(normalizeText(meta)), weight: 'B' },
    { tokens: segmenter.cutForSearch(normalizeText(text.slice(0, BODY_INDEX_CHARS))), weight: 'C' },
  ]);
  const filters = [...dateLexemes(doc.publishAt), siteLexeme(doc.siteId)].map((d) => `'${d}'`).join(' ');
  const tsvWithDates = tsv ? `${tsv} ${filters}` : filters;
  const titleWords = segmenter.words(normTitle);
  const words = titleWords.filter((w) => w.length >= 2 && w.length <= 12 && /\p{Script=Han}/u.test(w));
  const keys = options.pinyinKeys ? options.pinyinKeys(title) : pinyinKeys(normTitle, titleWords);
  return {
    row: {
      id: doc.id,
      site_id: doc.siteId,
      site_code: doc.siteCode,
      site_name: doc.siteName,
      site_public: doc.siteStatus !== 'closed',
      channel_id: doc.channelId,
      channel_name: doc.channelName,
      category: doc.channelCategory,
      kind,
      doc_type: doc.type,
      state: doc.state,
      title,
      content: (doc.summary && !text.startsWith(doc.summary) ? `${doc.summary} ${text}` : text).slice(0, CONTENT_CHARS),
      url: urlOf(doc),
      fields: JSON.stringify(fieldsOf(doc, kind)),
      pinyin: keys.pinyin.slice(0, 200),
      initials: keys.initials.slice(0, 60),
      tsv: tsvWithDates,
      publish_at: doc.publishAt,
      created_at: doc.createdAt,
      updated_at: doc.updatedAt,
    },
    words,
  };
}
