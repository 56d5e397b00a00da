import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kernel } from '../../kernel/module.js';
import { sitesRoot } from './output.js';
import { CARE_DIR } from './urls.js';

/*
 * Serving the public sites (站点访问) from their output folders: under /sites/<code>/ for local
 * use, and at / for a request whose Host is one of a site's domains. Reading a page never touches
 * the database (the Host → site map is cached); ETag and Last-Modified come from the file, so a
 * browser revalidates cheaply (Cache-Control: no-cache) and gets 304 when nothing changed.
 * nginx can serve the same folders in production (docs/nginx.conf).
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
};

const SITE_CODE = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * The site-relative file a request path names, or null for anything that could leave the site
 * folder or reach a hidden file: `..`, `.` segments, encoded slashes or backslashes, NUL, dot files
 * (temporary files of atomic writes), over-long paths.
 */
export function safeSitePath(rawPath: string): string | null {
  if (rawPath.length > 1024) return null;
  if (/%2f|%5c|%00|\\|\0/i.test(rawPath)) return null;
  const segments = rawPath.split('/');
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    let seg: string;
    try {
      seg = decodeURIComponent(segments[i]);
    } catch {
      return null;
    }
    if (seg === '') {
      if (i === segments.length - 1) out.push('');
      continue;
    }
    if (seg === '.' || seg === '..' || seg.startsWith('.') || /[\\/\0]/.test(seg)) return null;
    out.push(seg);
  }
  let rel = out.join('/');
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  return rel;
}

interface Served {
  file: string;
  size: number;
  mtime: Date;
}

async function fileOf(root: string, rel: string): Promise<Served | null> {
  const full = path.join(root, rel);
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  const info = await stat(full).catch(() => null);
  if (!info) return null;
  if (info.isDirectory()) return fileOf(root, `${rel}/index.html`);
  if (!info.isFile()) return null;
  return { file: full, size: info.size, mtime: info.mtime };
}

function etagOf(f: Served): string {
  return `W/"${f.size.toString(16)}-${Math.floor(f.mtime.getTime()).toString(16)}"`;
}

function notModified(request: FastifyRequest, etag: string, mtime: Date): boolean {
  const inm = request.headers['if-none-match'];
  if (inm) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const ims = request.headers['if-modified-since'];
  if (ims) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

function send(request: FastifyRequest, reply: FastifyReply, f: Served, status = 200, rel = '') {
  const etag = etagOf(f);
  const type = TYPES[path.extname(f.file).toLowerCase()] ?? 'application/octet-stream';
  reply.header('etag', etag);
  reply.header('last-modified', f.mtime.toUTCString());
  reply.header('x-content-type-options', 'nosniff');
  if (rel.startsWith('_files/')) {
    // Content-addressed uploads never change; sandboxed so an uploaded SVG runs no script here.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    reply.header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
  } else {
    reply.header('cache-control', 'no-cache');
  }
  if (status === 200 && notModified(request, etag, f.mtime)) return reply.code(304).send();
  reply.code(status).type(type).header('content-length', f.size);
  if (request.method === 'HEAD') return reply.send();
  return reply.send(createReadStream(f.file));
}

/** Serves `rel` of site `code`; a missing file answers the site's 404 page. */
export async function serveSiteFile(
  kernel: Pick<Kernel, 'config'>,
  request: FastifyRequest,
  reply: FastifyReply,
  code: string,
  rawPath: string,
  /** URL prefix the site is served under: `/sites/<code>/`, or `/` for its own domain. */
  mount = `/sites/${code}/`,
) {
  const root = path.join(sitesRoot(kernel), code);
  const rel = SITE_CODE.test(code) ? safeSitePath(rawPath) : null;
  const found = rel ? await fileOf(root, rel) : null;
  if (found && rel) return send(request, reply, found, 200, rel);
  const care = rel?.startsWith(`${CARE_DIR}/`);
  const page404 =
    (SITE_CODE.test(code) &&
      ((care && (await fileOf(root, `${CARE_DIR}/404.html`))) || (await fileOf(root, '404.html')))) ||
    null;
  if (page404) {
    reply.header('cache-control', 'no-cache');
    reply.code(404).type('text/html; charset=utf-8');
    if (request.method === 'HEAD') return reply.send();
    // The 404 page answers any depth of URL; its links are relative to the tree root, so it
    // names that root as its base.
    const base = `${mount}${care ? `${CARE_DIR}/` : ''}`;
    const html = await readFile(page404.file, 'utf8');
    return reply.send(html.replace(/<head([^>]*)>/i, (m) => `${m}<base href="${base}">`));
  }
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>页面不存在</title><h1>页面不存在</h1></html>',
    );
}

/** Host → site code, read from cms_sites at most every few seconds. */
class DomainMap {
  private map = new Map<string, string>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly kernel: Kernel,
    private readonly ttlMs = 5000,
  ) {}

  async lookup(host: string): Promise<string | undefined> {
    if (Date.now() - this.loadedAt > this.ttlMs) {
      this.loading ??= this.load().finally(() => {
        this.loading = null;
      });
      await this.loading;
    }
    return this.map.get(host);
  }

  private async load() {
    const rows = await this.kernel.db
      .selectFrom('cms_sites')
      .select(['code', 'domains'])
      .where('status', '!=', 'closed')
      .execute();
    const map = new Map<string, string>();
    for (const r of rows) for (const d of r.domains ?? []) map.set(String(d).toLowerCase(), r.code);
    this.map = map;
    this.loadedAt = Date.now();
  }

  forget() {
    this.loadedAt = 0;
  }
}

const LEFT_ALONE = /^\/(api|admin|verify|search|sites|healthz|metrics)(\/|$|\?)/;

export async function serveRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const schema = { tags: ['站点访问'], hide: true };
  app.get('/sites/:code', { schema }, async (request, reply) => {
    const { code } = request.params as { code: string };
    if (!SITE_CODE.test(code)) return serveSiteFile(kernel, request, reply, '-', '');
    return reply.redirect(`/sites/${code}/`);
  });
  app.get('/sites/:code/*', { schema }, async (request, reply) => {
    const { code } = request.params as { code: string };
    // The raw URL, not Fastify's decoded wildcard: encoded tricks must be seen as sent.
    const raw = request.raw.url ?? '';
    const pathname = raw.split('?')[0];
    const prefix = `/sites/${code}/`;
    const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : '\u0000';
    return serveSiteFile(kernel, request, reply, code, rest);
  });
}

/**
 * Serving by Host: a request for one of a site's domains gets that site's files (every GET of the
 * server outside the API, console and local paths). A server hook (kernel/module.ts), since module
 * routes live in an encapsulated context whose hooks would see only the module's own routes.
 */
export function serveByHost(app: FastifyInstance, kernel: Kernel): void {
  const domains = new DomainMap(kernel);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const host = String(request.headers.host ?? '')
      .toLowerCase()
      .replace(/:\d+$/, '');
    if (!host || host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[')) return;
    const pathname = (request.raw.url ?? '/').split('?')[0];
    if (LEFT_ALONE.test(pathname)) return;
    const code = await domains.lookup(host);
    if (!code) return;
    await serveSiteFile(kernel, request, reply, code, pathname.replace(/^\/+/, ''), '/');
    return reply;
  });
}
