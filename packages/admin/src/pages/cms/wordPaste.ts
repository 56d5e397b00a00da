/*
 * HTML pasted from Microsoft Word (and WPS, which copies its format) carries Office markup that
 * must not reach the stored body: `<o:p>` and other namespaced tags, conditional comments, `Mso*`
 * classes, `mso-*` style declarations, `<style>`/`<meta>` blocks and `lang` attributes. Editors
 * here paste almost every 通知 from Word, so this runs on every paste (TipTap's transformPastedHTML).
 * The server sanitizes again on save; this only keeps the editor's document clean and small.
 */

const DROP_ELEMENTS = 'style, meta, link, title, xml, script';

function isOfficeTag(el: Element): boolean {
  return el.tagName.includes(':');
}

function cleanStyle(style: string): string {
  return style
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d && !/^mso-/i.test(d) && !/^tab-stops\s*:/i.test(d))
    .join('; ');
}

function cleanElement(el: Element) {
  const cls = el.getAttribute('class');
  if (cls !== null) {
    const kept = cls.split(/\s+/).filter((c) => c && !/^Mso/i.test(c));
    if (kept.length) el.setAttribute('class', kept.join(' '));
    else el.removeAttribute('class');
  }
  const style = el.getAttribute('style');
  if (style !== null) {
    const kept = cleanStyle(style);
    if (kept) el.setAttribute('style', kept);
    else el.removeAttribute('style');
  }
  el.removeAttribute('lang');
}

/** Unwraps an element: its children take its place (Word wraps text in `<o:p>`, `<st1:…>` etc.). */
function unwrap(el: Element) {
  el.replaceWith(...Array.from(el.childNodes));
}

function removeComments(root: Node) {
  const walker = root.ownerDocument?.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
  const comments: Node[] = [];
  while (walker?.nextNode()) comments.push(walker.currentNode);
  for (const c of comments) c.parentNode?.removeChild(c);
}

export function cleanPastedHtml(html: string): string {
  // Conditional comments wrap VML (`<!--[if gte vml 1]>…<![endif]-->`) that DOMParser would keep as
  // comments or, for the downlevel-revealed form, as text; both go.
  const withoutConditionals = html.replace(/<!--\[if[\s\S]*?<!\[endif\]-->/gi, '').replace(/<!\[(end)?if[^>]*>/gi, '');
  const doc = new DOMParser().parseFromString(withoutConditionals, 'text/html');
  const body = doc.body;
  removeComments(body);
  for (const el of Array.from(body.querySelectorAll(DROP_ELEMENTS))) el.remove();
  // Office namespaced tags (o:p, v:shape, w:sdt, st1:chsdate …) are unwrapped; `o:p` holds only a nbsp.
  for (const el of Array.from(body.querySelectorAll('*')).reverse()) {
    if (el.tagName.toLowerCase() === 'o:p') el.remove();
    else if (isOfficeTag(el)) unwrap(el);
    else cleanElement(el);
  }
  // Word marks every paragraph as `<p class=MsoNormal><span style="mso-…">`; spans left without
  // attributes carry nothing and are unwrapped.
  for (const span of Array.from(body.querySelectorAll('span'))) if (!span.attributes.length) unwrap(span);
  return body.innerHTML;
}
