/*
 * pdf.js for the console (签章工作台, 签章验证), configured for Vite:
 * - the worker is emitted as an asset of the build (`?url`), so it is served from /admin/assets like
 *   everything else — no CDN;
 * - the predefined CMaps (Chinese PDFs with non-embedded fonts such as STSong-Light), the standard
 *   fonts and the image-decoder wasm are emitted as assets too and handed to pdf.js through a
 *   BinaryDataFactory that maps each file name to its hashed asset URL; pdf.js would otherwise
 *   fetch `${cMapUrl}${name}` from a folder the build does not have.
 * The module is imported only by the pages that render PDFs (route-level chunks), so the console's
 * first load does not carry pdf.js.
 */
import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

type AssetMap = Record<string, string>;

const cmaps = import.meta.glob('../../../../node_modules/pdfjs-dist/cmaps/*.bcmap', {
  query: '?url',
  import: 'default',
  eager: true,
}) as AssetMap;
const fonts = import.meta.glob('../../../../node_modules/pdfjs-dist/standard_fonts/*.{pfb,ttf}', {
  query: '?url',
  import: 'default',
  eager: true,
}) as AssetMap;
const wasm = import.meta.glob('../../../../node_modules/pdfjs-dist/wasm/*.{wasm,js}', {
  query: '?url',
  import: 'default',
  eager: true,
}) as AssetMap;

/** file name → asset URL, per kind of data pdf.js asks for. */
function byFileName(assets: AssetMap): Map<string, string> {
  return new Map(Object.entries(assets).map(([file, url]) => [file.slice(file.lastIndexOf('/') + 1), url]));
}

const ASSETS: Record<string, Map<string, string>> = {
  cMapUrl: byFileName(cmaps),
  standardFontDataUrl: byFileName(fonts),
  wasmUrl: byFileName(wasm),
};

/** pdf.js's BinaryDataFactory contract: `fetch({ kind, filename })` resolves to the file's bytes. */
class AssetBinaryDataFactory {
  async fetch({ kind, filename }: { kind: string; filename: string }): Promise<Uint8Array> {
    const url = ASSETS[kind]?.get(filename);
    if (!url) throw new Error(`pdf.js asked for ${kind} ${filename}, which the console does not ship`);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
}

/**
 * Opens a PDF from bytes. The buffer is copied because pdf.js transfers it to its worker, and the
 * caller usually still needs the file (to upload it for signing).
 */
export function openPdf(bytes: ArrayBuffer | Uint8Array): Promise<PDFDocumentProxy> {
  const data = bytes instanceof Uint8Array ? bytes.slice() : new Uint8Array(bytes.slice(0));
  return getDocument({
    data,
    // Sentinels: the factory resolves names itself, but pdf.js requires the options to be set.
    cMapUrl: 'pdfjs/cmaps/',
    cMapPacked: true,
    standardFontDataUrl: 'pdfjs/standard_fonts/',
    wasmUrl: 'pdfjs/wasm/',
    useWorkerFetch: false,
    BinaryDataFactory: AssetBinaryDataFactory,
    isEvalSupported: false,
  }).promise;
}

export type { PageViewport, PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist';
