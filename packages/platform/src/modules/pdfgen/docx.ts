import Docxtemplater from 'docxtemplater';
import { strFromU8, unzipSync } from 'fflate';
import PizZip from 'pizzip';
import { AppError, badRequest } from '../../kernel/errors.js';

/*
 * .docx templates (Office Open XML). A .docx is a zip, so it is opened with limits before any
 * library sees it: the declared uncompressed sizes are summed from the central directory and
 * fflate inflates each part into a buffer of exactly its declared size (a lying "zip bomb" is cut
 * off there), then docxtemplater works on those bytes. Placeholders use Word-friendly
 * `{字段}` / `{#列表}…{/列表}` syntax (docxtemplater's default).
 */

/** Largest .docx upload (template or Word → PDF). */
export const MAX_DOCX_BYTES = 20 * 1024 * 1024;
/** Sum of the parts' uncompressed sizes. */
export const MAX_DOCX_UNPACKED = 100 * 1024 * 1024;
const MAX_DOCX_PARTS = 3000;

export type DocxParts = Record<string, Uint8Array>;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(buf: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

/** Which Word format the bytes are (sniffed, never trusted from the name): 'docx', 'doc' or null. */
export function sniffWord(buf: Uint8Array): 'docx' | 'doc' | null {
  if (startsWith(buf, ZIP_MAGIC)) return 'docx';
  if (startsWith(buf, CFB_MAGIC)) return 'doc';
  return null;
}

function notDocx(detail: string): AppError {
  return badRequest('docx_invalid', '不是有效的 Word（.docx）文档', { detail });
}

/** Opens a .docx within the limits above; 400 `docx_invalid` / 413 `docx_too_large` otherwise. */
export function unpackDocx(buf: Uint8Array): DocxParts {
  if (buf.length > MAX_DOCX_BYTES) {
    throw new AppError(413, 'file_too_large', '文件超过大小限制', {
      detail: `最大允许 ${MAX_DOCX_BYTES / 1024 / 1024} MB`,
    });
  }
  if (!startsWith(buf, ZIP_MAGIC)) throw notDocx('文件不是 zip 格式');
  let total = 0;
  let count = 0;
  let parts: DocxParts;
  try {
    parts = unzipSync(buf, {
      filter(file) {
        total += file.originalSize;
        count += 1;
        if (total > MAX_DOCX_UNPACKED || count > MAX_DOCX_PARTS) {
          throw new AppError(413, 'docx_too_large', 'Word 文档解压后过大（疑似压缩炸弹）', {
            detail: `解压后不能超过 ${MAX_DOCX_UNPACKED / 1024 / 1024} MB、${MAX_DOCX_PARTS} 个部件`,
          });
        }
        return true;
      },
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw notDocx((err as Error).message);
  }
  if (!parts['word/document.xml'] || !parts['[Content_Types].xml']) throw notDocx('缺少 word/document.xml');
  refuseExternalResources(parts);
  return parts;
}

/**
 * Relationships with TargetMode="External" other than hyperlinks (linked images, attached
 * templates, OLE links, subdocuments) make LibreOffice fetch a URL or read a local path while
 * converting — an SSRF or file-read in a document. Such documents are refused.
 */
function refuseExternalResources(parts: DocxParts): void {
  for (const [name, bytes] of Object.entries(parts)) {
    if (!name.endsWith('.rels')) continue;
    const xml = strFromU8(bytes);
    for (const rel of xml.match(/<Relationship\b[^>]*>/g) ?? []) {
      if (!/TargetMode\s*=\s*["']External["']/i.test(rel)) continue;
      if (/Type\s*=\s*["'][^"']*\/hyperlink["']/i.test(rel)) continue;
      const target = /Target\s*=\s*["']([^"']*)["']/i.exec(rel)?.[1] ?? '';
      throw badRequest('docx_external_reference', 'Word 文档引用了外部资源，已拒绝', {
        detail: `${name}: ${target.slice(0, 200)}`,
      });
    }
  }
}

function zipOf(parts: DocxParts): PizZip {
  const zip = new PizZip();
  for (const [name, bytes] of Object.entries(parts)) zip.file(name, bytes);
  return zip;
}

/**
 * Placeholder lookup: dotted paths over own properties only (`{申请人.姓名}`), so a tag such as
 * `{constructor}` finds nothing; `{.}` is the current item inside a loop.
 */
function ownPropertyParser(tag: string) {
  const path = tag === '.' ? [] : tag.trim().split('.');
  return {
    get(scope: unknown) {
      let value: unknown = scope;
      for (const key of path) {
        if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
        value = (value as Record<string, unknown>)[key];
      }
      return value;
    },
  };
}

function templater(zip: PizZip) {
  try {
    return new Docxtemplater(zip, {
      paragraphLoop: true,
      linebreaks: true,
      parser: ownPropertyParser,
      nullGetter: () => '',
      // Errors reach the client as problem+json; no need to print them on the server as well.
      errorLogging: false,
    });
  } catch (err) {
    throw docxTemplateError(err);
  }
}

function docxTemplateError(err: unknown): AppError {
  const inner = (err as { properties?: { errors?: { properties?: { explanation?: string; xtag?: string } }[] } })
    .properties?.errors;
  const errors = (inner ?? []).slice(0, 20).map((e) => ({
    field: e.properties?.xtag ?? 'docx',
    message: e.properties?.explanation ?? '占位符有误',
  }));
  return badRequest('docx_template_invalid', 'Word 模板的占位符有错误', {
    detail: errors.length ? errors.map((e) => e.message).join('；') : (err as Error).message,
    errors: errors.length ? errors : undefined,
  });
}

/**
 * Placeholder names used by a .docx template (for the console's field list): the tags in the text
 * of the body, headers and footers once docxtemplater has checked them (docxtemplater's own
 * InspectModule needs lodash, which is not worth a dependency for a list of names).
 */
export function docxFields(parts: DocxParts): string[] {
  const doc = templater(zipOf(parts));
  const names = new Set<string>();
  for (const name of Object.keys(parts)) {
    if (!/^word\/(document|header\d*|footer\d*)\.xml$/.test(name)) continue;
    for (const [, tag] of doc.getFullText(name).matchAll(/\{([^{}]+)\}/g)) {
      const field = (tag as string)
        .trim()
        .replace(/^[#^/]/, '')
        .trim();
      if (field && field !== '.') names.add(field);
    }
  }
  return [...names].sort();
}

/** Fills the template's placeholders with `data`; returns the new .docx bytes. */
export function fillDocx(parts: DocxParts, data: unknown): Buffer {
  const doc = templater(zipOf(parts));
  try {
    doc.render(data ?? {});
  } catch (err) {
    throw docxTemplateError(err);
  }
  return doc.getZip().generate({ type: 'nodebuffer', compression: 'DEFLATE' }) as Buffer;
}
