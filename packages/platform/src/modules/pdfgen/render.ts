import { conflict } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { htmlToPdf } from './chromium.js';
import { parseXmlData, validateData } from './data.js';
import { fillDocx, unpackDocx } from './docx.js';
import { renderLiquid } from './liquid.js';
import { officeToPdf } from './office.js';
import { fileBytes, loadTemplate, loadVersion, type TemplateContent, type TemplateKind } from './templates.js';

/*
 * 模板 + 业务数据 → PDF. HTML templates go through Liquid and Chromium, Word templates through
 * docxtemplater and LibreOffice. Data is JSON (an object) or XML (a string), validated against
 * the template's JSON Schema first, so a bad request fails before any browser or soffice starts.
 */

/** Business data as sent: an object, or an XML document as text. */
export type TemplateData = Record<string, unknown> | string | null | undefined;

export function dataOf(data: TemplateData): Record<string, unknown> {
  if (typeof data === 'string') return parseXmlData(data);
  return data ?? {};
}

/** Renders content that may not be saved yet (the editor's preview) or a stored version. */
export async function renderContent(
  kernel: Kernel,
  kind: TemplateKind,
  content: Pick<TemplateContent, 'body' | 'docxFileId' | 'page' | 'dataSchema'>,
  data: TemplateData,
): Promise<Buffer> {
  const values = dataOf(data);
  validateData(content.dataSchema, values);
  if (kind === 'html') {
    const [html, header, footer] = await Promise.all([
      renderLiquid(content.body ?? '', values, 'body'),
      content.page.header ? renderLiquid(content.page.header, values, 'page.header') : '',
      content.page.footer ? renderLiquid(content.page.footer, values, 'page.footer') : '',
    ]);
    return htmlToPdf(kernel, html, { ...content.page, header, footer });
  }
  const { bytes } = await fileBytes(kernel, content.docxFileId ?? '');
  const filled = fillDocx(unpackDocx(bytes), values);
  return officeToPdf(filled, 'docx');
}

export interface RenderedDocument {
  pdf: Buffer;
  template: { id: string; code: string; name: string; version: number };
}

/** Renders a saved template (current version unless `version`); disabled templates are refused. */
export async function renderTemplate(
  kernel: Kernel,
  templateIdOrCode: string,
  data: TemplateData,
  options: { version?: number; allowDisabled?: boolean } = {},
): Promise<RenderedDocument> {
  const template = await loadTemplate(kernel.db, templateIdOrCode);
  if (template.status !== 'enabled' && !options.allowDisabled) {
    throw conflict('template_disabled', '文书模板已停用', { detail: template.name });
  }
  const version = options.version ?? template.currentVersion;
  const content = await loadVersion(kernel.db, template.id, version);
  const pdf = await renderContent(kernel, template.kind, content, data);
  return { pdf, template: { id: template.id, code: template.code, name: template.name, version } };
}

/**
 * For other modules (电子印章 signing, 一件事 receipts): the PDF of a template (by id or code)
 * filled with `data` (an object, or XML text). Throws AppError (problem+json codes as the API).
 */
export async function renderTemplateToPdf(
  kernel: Kernel,
  templateIdOrCode: string,
  data: TemplateData,
): Promise<Buffer> {
  return (await renderTemplate(kernel, templateIdOrCode, data)).pdf;
}
