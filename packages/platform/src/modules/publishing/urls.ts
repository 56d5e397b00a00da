/*
 * Where every page of a site lives in its output folder, and how pages link to each other.
 * Every link in a page is relative to that page, so the same tree works under /sites/<code>/
 * and at / of the site's own domain (decision 0006).
 */

export const CARE_DIR = 'care';

/** `zwgk/tzgg` → `zwgk/tzgg/index.html`, page 2 → `zwgk/tzgg/index_2.html`. */
export function channelPath(chainOfCodes: readonly string[] | string, page = 1): string {
  const dir = typeof chainOfCodes === 'string' ? chainOfCodes : chainOfCodes.join('/');
  return `${dir}/${page > 1 ? `index_${page}` : 'index'}.html`;
}

/** An article page: `<channelPath>/<documentId>.html`. */
export function documentPath(channelDir: readonly string[] | string, documentId: string): string {
  const dir = typeof channelDir === 'string' ? channelDir : channelDir.join('/');
  return `${dir}/${documentId}.html`;
}

export function topicPath(slug: string): string {
  return `topics/${slug}/index.html`;
}

export function rssPath(channelDir: string): string {
  return `${channelDir}/rss.xml`;
}

/** The path in the output folder: the care tree is a full copy under `care/`. */
export function treePath(path: string, care: boolean): string {
  return care ? `${CARE_DIR}/${path}` : path;
}

/** The site path of a tree path (drops `care/`). */
export function sitePathOf(outputPath: string): { path: string; care: boolean } {
  return outputPath.startsWith(`${CARE_DIR}/`)
    ? { path: outputPath.slice(CARE_DIR.length + 1), care: true }
    : { path: outputPath, care: false };
}

/** Prefix from a page at `outputPath` back to the root of its tree (`zwgk/a.html` → `../`). */
export function rootPrefix(outputPath: string): string {
  const depth = outputPath.split('/').length - 1;
  return depth === 0 ? '' : '../'.repeat(depth);
}

/** Public base URL of a site: its first domain, else `<publicUrl>/sites/<code>/`. */
export function siteBaseUrl(site: { code: string; domains: readonly string[] }, publicUrl: string): string {
  if (site.domains.length > 0) return `https://${site.domains[0]}/`;
  return `${publicUrl.replace(/\/+$/, '')}/sites/${site.code}/`;
}

export function canonicalUrl(site: { code: string; domains: readonly string[] }, publicUrl: string, path: string) {
  return siteBaseUrl(site, publicUrl) + (path === 'index.html' ? '' : path.replace(/(^|\/)index\.html$/, '$1'));
}

/** The `/sites/<code>/…` URL of a published document (the search module links results with it). */
export function publicDocumentUrl(site: { code: string }, channelChain: readonly string[], documentId: string): string {
  return `/sites/${site.code}/${documentPath(channelChain, documentId)}`;
}

/** Extension used for `_files/<sha256>.<ext>`: only safe characters survive. */
export function fileName(sha256: string, ext: string): string {
  const clean = ext
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 10);
  return clean ? `${sha256}.${clean}` : sha256;
}
