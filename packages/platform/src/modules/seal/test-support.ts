import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { TestApp } from '../../kernel/testing.js';
import { formsModule } from '../forms/index.js';
import { gatewayModule } from '../gateway/index.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { workflowModule } from '../workflow/index.js';
import { createSealModule } from './index.js';

/* Helpers for the seal tests: an app with identity + gateway + seal, hand-built multipart bodies. */

export const MAX_FILE_BYTES = 512 * 1024;

export function sealTestApp(opts: { seed?: boolean; workflow?: boolean } = {}): Promise<TestApp> {
  const seal = createSealModule({ maxFileBytes: MAX_FILE_BYTES, seed: opts.seed ?? false });
  // 用章审批 needs the workflow module (and forms, which the workflow validates task forms with).
  return identityTestApp({
    modules: opts.workflow ? [gatewayModule, formsModule, workflowModule, seal] : [gatewayModule, seal],
  });
}

export interface Part {
  name: string;
  value?: string;
  filename?: string;
  content?: Buffer;
  type?: string;
}

/** A multipart/form-data body built byte for byte (file names with `../` or quotes reach the server as sent). */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----jiyue${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition =
      p.filename === undefined
        ? `form-data; name="${p.name}"`
        : `form-data; name="${p.name}"; filename="${p.filename}"`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.filename !== undefined ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head), p.content ?? Buffer.from(p.value ?? ''), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export async function makePdf(pages = 1, text = '新乡市 Jiyue test document'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`${text.replace(/[^\x20-\x7e]/g, '')} page ${i + 1}`, { x: 72, y: 760, size: 14, font });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

export type Headers = Record<string, string>;

/** Administrator session headers (admin holds every seal permission through sysadmin). */
export async function adminHeaders(t: TestApp): Promise<Headers> {
  return (await login(t.app, 'admin')).headers;
}

/** Generates a round image, an SM2 (or RSA) key with a dev-CA certificate and a seal from them. */
export async function createSeal(
  t: TestApp,
  h: Headers,
  opts: { algorithm?: 'sm2' | 'rsa'; name?: string; validTo?: string } = {},
): Promise<{ sealId: string; imageId: string; keyId: string }> {
  const name = opts.name ?? '新乡市行政审批和政务信息管理局';
  const image = await t.app.inject({
    method: 'POST',
    url: '/api/seal/images/generate',
    headers: h,
    payload: { name, shape: 'round', text: name },
  });
  if (image.statusCode !== 201) throw new Error(image.body);
  const key = await t.app.inject({
    method: 'POST',
    url: '/api/seal/keys',
    headers: h,
    payload: { name: `${name} 密钥`, algorithm: opts.algorithm ?? 'sm2', issue: { subject: { CN: name } } },
  });
  if (key.statusCode !== 201) throw new Error(key.body);
  const seal = await t.app.inject({
    method: 'POST',
    url: '/api/seal/seals',
    headers: h,
    payload: {
      name,
      type: 'official',
      imageId: image.json().id,
      keyId: key.json().id,
      ...(opts.validTo ? { validTo: opts.validTo } : {}),
    },
  });
  if (seal.statusCode !== 201) throw new Error(seal.body);
  return { sealId: seal.json().id, imageId: image.json().id, keyId: key.json().id };
}

export async function userId(t: TestApp, username: string): Promise<string> {
  const row = await t.kernel.db
    .selectFrom('identity_users')
    .select('id')
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  return row.id as string;
}

export async function authorize(
  t: TestApp,
  h: Headers,
  sealId: string,
  subjectType: 'user' | 'org' | 'client',
  subjectId: string,
  extra: Record<string, unknown> = {},
) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/seal/authorizations',
    headers: h,
    payload: { sealId, subjectType, subjectId, ...extra },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json();
}

export function signForm(
  file: Buffer,
  sealId: string,
  options: unknown = { position: { page: 1, x: 100, y: 100 } },
  filename = 'a.pdf',
) {
  return multipart([
    { name: 'sealId', value: sealId },
    { name: 'options', value: JSON.stringify(options) },
    { name: 'file', filename, content: file },
  ]);
}
