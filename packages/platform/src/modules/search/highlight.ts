import { WordMatcher } from '@jiyue/text';

/*
 * Highlighted titles and snippets (高亮): text is HTML-escaped first, matches are wrapped in
 * <em>. The words come from the query plan (after correction and 百姓体), so a page found
 * through 退休金 shows 养老保险待遇 marked.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export class Highlighter {
  private readonly matcher: WordMatcher | null;

  constructor(words: string[]) {
    const list = [...new Set(words.map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0 && w.length <= 50))];
    this.matcher = list.length ? new WordMatcher(list) : null;
  }

  /** `text` escaped, with every (longest, non-overlapping) match in <em>. */
  mark(text: string): string {
    if (!this.matcher) return escapeHtml(text);
    const hits = this.matcher.findLongest(text.toLowerCase());
    let out = '';
    let cursor = 0;
    for (const hit of hits) {
      out += escapeHtml(text.slice(cursor, hit.start));
      out += `<em>${escapeHtml(text.slice(hit.start, hit.end))}</em>`;
      cursor = hit.end;
    }
    return out + escapeHtml(text.slice(cursor));
  }

  /** About `length` characters of `text` around its first match, highlighted. */
  snippet(text: string, length = 150): string {
    if (!text) return '';
    let start = 0;
    if (this.matcher) {
      const first = this.matcher.findLongest(text.toLowerCase())[0];
      if (first) start = Math.max(0, first.start - Math.floor(length / 4));
    }
    const piece = text.slice(start, start + length);
    return `${start > 0 ? '…' : ''}${this.mark(piece)}${start + length < text.length ? '…' : ''}`;
  }
}
