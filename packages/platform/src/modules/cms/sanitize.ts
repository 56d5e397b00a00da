import sanitizeHtml from 'sanitize-html';

/*
 * Cleaning of rich text (正文) on save. The allow-list fits government articles: headings, lists,
 * tables, images, links, simple emphasis, quotes, figures and media players. Everything else —
 * scripts, event handlers, frames, forms, styles other than alignment, javascript:/data: URLs —
 * is removed, so whatever the editor (or an API client) sends can be shown on the public sites.
 */

const ALIGN = [/^(left|right|center|justify)$/];

/**
 * sanitize-html already refuses unlisted schemes; this second, stricter pass also drops values a
 * browser would resolve as odd relative URLs (a backtick-quoted "javascript:…"), so no stored
 * attribute even reads like a script URL.
 */
function safeUrls(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  const out = { ...attribs };
  for (const name of URL_ATTRIBUTES) {
    if (out[name] !== undefined && !isSafeUrl(out[name])) delete out[name];
  }
  return out;
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h2',
    'h3',
    'h4',
    'ul',
    'ol',
    'li',
    'table',
    'caption',
    'colgroup',
    'col',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'img',
    'a',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'sub',
    'sup',
    'span',
    'blockquote',
    'figure',
    'figcaption',
    'video',
    'audio',
    'source',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'target', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    video: ['src', 'poster', 'controls', 'width', 'height', 'preload'],
    audio: ['src', 'controls', 'preload'],
    source: ['src', 'type'],
    ol: ['start'],
    td: ['colspan', 'rowspan', 'style'],
    th: ['colspan', 'rowspan', 'style'],
    col: ['span'],
    p: ['style'],
    h2: ['style'],
    h3: ['style'],
    h4: ['style'],
  },
  allowedStyles: { '*': { 'text-align': ALIGN } },
  // Relative URLs (no scheme) stay allowed: /api/cms/files/<id>/content and site-relative links.
  allowedSchemes: ['http', 'https'],
  allowedSchemesByTag: { a: ['http', 'https', 'mailto', 'tel'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'poster', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  parseStyleAttributes: true,
  transformTags: {
    // A new window must not be able to script the console or the site through window.opener.
    a: (tagName, attribs) => {
      const out = safeUrls(attribs);
      if (out.target !== undefined && out.target !== '_blank') delete out.target;
      if (out.target === '_blank') out.rel = 'noopener noreferrer';
      else delete out.rel;
      return { tagName, attribs: out };
    },
    // Autoplaying media is an accessibility failure on a government site: always show controls.
    video: (tagName, attribs) => ({ tagName, attribs: { ...safeUrls(attribs), controls: 'controls' } }),
    audio: (tagName, attribs) => ({ tagName, attribs: { ...safeUrls(attribs), controls: 'controls' } }),
    '*': (tagName, attribs) => ({ tagName, attribs: safeUrls(attribs) }),
  },
  exclusiveFilter: (frame) => (frame.tag === 'img' || frame.tag === 'source') && !frame.attribs.src,
};

/** The body as it may be stored and shown on the public sites. */
export function sanitizeBody(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}

/** Plain text of a body (search, summaries, diffs of wording). */
export function bodyText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}

const SAFE_URL = /^(https?:\/\/|mailto:|tel:|\/(?!\/)|\.{0,2}\/|[^:/?#]+(?:[/?#]|$))/i;
const URL_ATTRIBUTES = new Set(['href', 'src', 'poster', 'url']);

const isIgnoredInUrl = (code: number) => code <= 0x20 || (code >= 0x7f && code <= 0xa0);

/** A URL is kept when it is http(s), mailto/tel, or relative — never javascript:, data:, vbscript:. */
export function isSafeUrl(url: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const compact = [...url].filter((ch) => !isIgnoredInUrl(ch.codePointAt(0) ?? 0)).join('');
  return SAFE_URL.test(compact);
}

/**
 * The TipTap JSON is loaded back into the editor, whose link and image nodes would render a
 * hostile URL; URL attributes that are not safe are dropped, everything else is kept as sent.
 */
export function sanitizeTiptapJson(node: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (Array.isArray(node)) return node.map((n) => sanitizeTiptapJson(n, depth + 1));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (URL_ATTRIBUTES.has(key) && typeof value === 'string' && !isSafeUrl(value)) continue;
    if (key.toLowerCase().startsWith('on')) continue;
    out[key] = sanitizeTiptapJson(value, depth + 1);
  }
  return out;
}

const FILE_URL = /\/api\/cms\/files\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/content/gi;

/** Ids of the uploaded files a body shows (images, media, linked attachments). */
export function fileIdsInBody(html: string): string[] {
  return [...new Set([...html.matchAll(FILE_URL)].map((m) => m[1].toLowerCase()))];
}
