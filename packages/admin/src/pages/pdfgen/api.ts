import { ApiError, buildUrl, csrfHeaders, problemOf } from '../../api/client';

/* Types and calls of the PDF 文档生成服务 API (/api/pdfgen, docs/pdfgen.md). */

export type TemplateKind = 'html' | 'docx';
export type PaperSize = 'A4' | 'A3' | 'A5' | 'Letter' | 'Legal';

export interface PageSettings {
  size: PaperSize;
  landscape: boolean;
  margin: { top: number; right: number; bottom: number; left: number };
  header: string;
  footer: string;
}

export interface PdfTemplate {
  id: string;
  code: string;
  name: string;
  kind: TemplateKind;
  description: string;
  status: 'enabled' | 'disabled';
  currentVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateContent {
  body: string | null;
  docxFileId: string | null;
  page: PageSettings;
  dataSchema: Record<string, unknown> | null;
  sampleData: Record<string, unknown> | null;
}

export interface TemplateVersion extends TemplateContent {
  version: number;
  comment: string;
  savedByName: string | null;
  savedAt: string;
  docx: DocxInfo | null;
}

export interface DocxInfo {
  fileId: string;
  name: string;
  size: number;
  fields: string[];
}

export interface TemplateDetail extends PdfTemplate {
  content: TemplateVersion;
}

export interface VersionSummary {
  version: number;
  comment: string;
  savedByName: string | null;
  savedAt: string;
}

export interface Capabilities {
  chromium: boolean;
  libreoffice: boolean;
}

export const KIND_LABELS: Record<TemplateKind, string> = { html: 'HTML/Liquid', docx: 'Word（.docx）' };

/** A PDF produced by the server, kept as an object URL for an iframe or a download link. */
export interface PdfResult {
  url: string;
  size: number;
  fileName: string;
}

function fileNameOf(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  return star ? decodeURIComponent(star[1] as string) : fallback;
}

async function pdfFrom(response: Response, fallback: string): Promise<PdfResult> {
  if (!response.ok) throw await problemOf(response);
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), size: blob.size, fileName: fileNameOf(response, fallback) };
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(buildUrl(path), { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', title: '无法连接服务器，请检查网络' });
  }
}

/** POSTs JSON and returns the PDF answer. */
export async function postForPdf(path: string, body: unknown, fallback = '文档.pdf'): Promise<PdfResult> {
  const response = await send(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/pdf, application/problem+json',
      ...csrfHeaders(),
    },
    body: JSON.stringify(body),
  });
  return pdfFrom(response, fallback);
}

/** GETs a PDF (the preview of a saved version). */
export async function getPdf(path: string, fallback = '预览.pdf'): Promise<PdfResult> {
  return pdfFrom(await send(path, { headers: { accept: 'application/pdf, application/problem+json' } }), fallback);
}

/** Uploads files as multipart/form-data (`file` parts plus text fields). */
export async function uploadForm(path: string, files: File[], fields: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  for (const file of files) form.append('file', file, file.name);
  return send(path, { method: 'POST', headers: csrfHeaders(), body: form });
}

export async function uploadForPdf(path: string, files: File[], fields: Record<string, string> = {}) {
  return pdfFrom(await uploadForm(path, files, fields), '文档.pdf');
}

export async function uploadDocxTemplate(file: File): Promise<DocxInfo> {
  const response = await uploadForm('/pdfgen/uploads', [file]);
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as DocxInfo;
}
