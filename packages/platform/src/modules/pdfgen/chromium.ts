import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { AppError } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { Semaphore } from './semaphore.js';

/*
 * HTML → PDF with the system Chromium (Debian package `chromium`). One browser per kernel is
 * launched on first use and kept; each job gets its own context (own cookies, no JavaScript, no
 * network) and page, and at most `JIYUE_PDF_CONCURRENCY` (default 2) pages render at once, so a
 * burst of requests queues instead of exhausting the 2-core machine.
 */

export const CHROMIUM_PATH = process.env.JIYUE_CHROMIUM ?? '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
];

/** A browser left unused this long is closed; the next job launches it again (about a second). */
const IDLE_CLOSE_MS = 5 * 60_000;
const CONTENT_TIMEOUT_MS = 20_000;
/** Never resolved (.invalid is reserved): the page's own address, answered by the route below. */
const CONTENT_URL = 'http://document.pdfgen.invalid/';
const PDF_TIMEOUT_MS = 60_000;

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function chromiumUnavailable(): AppError {
  return new AppError(503, 'chromium_unavailable', '服务器未安装 Chromium，无法生成 PDF', {
    detail: `未找到 ${CHROMIUM_PATH}；请安装 Debian 软件包 chromium，或用环境变量 JIYUE_CHROMIUM 指定路径`,
  });
}

export interface PdfPageOptions {
  /** Paper: A4 (default), A3, A5, Letter, Legal. */
  size: 'A4' | 'A3' | 'A5' | 'Letter' | 'Legal';
  landscape: boolean;
  /** Margins in millimetres. */
  margin: { top: number; right: number; bottom: number; left: number };
  /** Chromium header/footer templates (HTML; `<span class="pageNumber">` etc.). Empty = none. */
  header: string;
  footer: string;
}

export const DEFAULT_PAGE: PdfPageOptions = {
  size: 'A4',
  landscape: false,
  margin: { top: 25, right: 20, bottom: 25, left: 20 },
  header: '',
  footer: '',
};

/**
 * Chinese text must never fall back to a font without CJK glyphs (tofu boxes); fonts-noto-cjk
 * gives Noto Serif/Sans CJK SC. FangSong/SimSun come first for servers that have the official ones.
 */
const BASE_STYLE = `<style>
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "FangSong", "STFangsong", "SimSun", "Noto Serif CJK SC", "Noto Sans CJK SC", serif; }
</style>`;

/** Header and footer boxes are rendered apart from the page and default to an unreadably small size. */
function headerFooter(html: string): string {
  return html
    ? `<div style="font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:9pt;width:100%;padding:0 12mm;">${html}</div>`
    : '<span></span>';
}

/** page.pdf() takes no timeout; the caller's `finally` closes the context, which ends the print. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError(504, 'pdf_render_timeout', 'PDF 生成超时', { detail: `超过 ${ms / 1000} 秒` })),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `<meta http-equiv="refresh">` would navigate away while Chromium prints (the navigation is
 * blocked, but the print fails with it); every http-equiv is renamed so none takes effect. Attribute
 * names are matched case-insensitively by HTML parsers and decode no entities, so renaming the
 * text is enough. The page is served as UTF-8 by its header, so no charset meta is needed.
 */
function inert(html: string): string {
  return BASE_STYLE + html.replace(/http-equiv/gi, 'data-http-equiv');
}

class PdfRenderer {
  private browser: Promise<Browser> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly slots: Semaphore;
  private closed = false;

  constructor(concurrency: number) {
    this.slots = new Semaphore(concurrency);
  }

  private launch(): Promise<Browser> {
    if (!this.browser) {
      const launching = chromium
        .launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS })
        .then((browser) => {
          browser.on('disconnected', () => {
            if (this.browser === launching) this.browser = null;
          });
          return browser;
        });
      launching.catch(() => {
        if (this.browser === launching) this.browser = null;
      });
      this.browser = launching;
    }
    return this.browser;
  }

  async render(html: string, page: PdfPageOptions): Promise<Buffer> {
    if (this.closed) throw new AppError(503, 'renderer_closed', 'PDF 生成服务正在停止');
    if (!chromiumAvailable()) throw chromiumUnavailable();
    return this.slots.run(async () => {
      this.cancelIdle();
      try {
        const browser = await this.launch();
        const context = await browser.newContext({ javaScriptEnabled: false, offline: true, locale: 'zh-CN' });
        try {
          const tab = await context.newPage();
          // The document is served as the answer to one made-up URL; every other request —
          // http(s) (SSRF), file:// (local files), a second navigation (meta refresh) — is aborted.
          // Only inline data: URLs load.
          let served = false;
          await tab.route('**/*', (route) => {
            const request = route.request();
            const url = request.url();
            if (url === CONTENT_URL && request.isNavigationRequest() && !served) {
              served = true;
              return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: inert(html) });
            }
            return url.startsWith('data:') ? route.continue() : route.abort('blockedbyclient');
          });
          await tab.goto(CONTENT_URL, { waitUntil: 'load', timeout: CONTENT_TIMEOUT_MS });
          const pdf = await withTimeout(
            tab.pdf({
              format: page.size,
              landscape: page.landscape,
              margin: {
                top: `${page.margin.top}mm`,
                right: `${page.margin.right}mm`,
                bottom: `${page.margin.bottom}mm`,
                left: `${page.margin.left}mm`,
              },
              printBackground: true,
              displayHeaderFooter: Boolean(page.header || page.footer),
              headerTemplate: headerFooter(page.header),
              footerTemplate: headerFooter(page.footer),
            }),
            PDF_TIMEOUT_MS,
          );
          return pdf;
        } finally {
          await context.close().catch(() => undefined);
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError(500, 'pdf_render_failed', 'PDF 生成失败', {
          detail: (err as Error).message.split('\n')[0],
          cause: err,
        });
      } finally {
        this.scheduleIdle();
      }
    });
  }

  private cancelIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private scheduleIdle(): void {
    this.cancelIdle();
    if (this.slots.busy > 1) return;
    this.idleTimer = setTimeout(() => void this.closeBrowser(), IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private async closeBrowser(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelIdle();
    await this.closeBrowser();
  }
}

const renderers = new WeakMap<Kernel, PdfRenderer>();

function concurrency(): number {
  const n = Number(process.env.JIYUE_PDF_CONCURRENCY ?? 2);
  return Number.isInteger(n) && n >= 1 && n <= 16 ? n : 2;
}

/** The kernel's renderer (created on first use; the module closes it with the app). */
export function rendererOf(kernel: Kernel): PdfRenderer {
  let renderer = renderers.get(kernel);
  if (!renderer) {
    renderer = new PdfRenderer(concurrency());
    renderers.set(kernel, renderer);
  }
  return renderer;
}

export async function closeRenderer(kernel: Kernel): Promise<void> {
  const renderer = renderers.get(kernel);
  renderers.delete(kernel);
  await renderer?.close();
}

export function htmlToPdf(kernel: Kernel, html: string, page: PdfPageOptions): Promise<Buffer> {
  return rendererOf(kernel).render(html, page);
}
