/** Test fixtures for the PDF side: a PKI, a seal image and a corpus of PDFs from several producers. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createCertificate, generateKeyPair, type KeyAlgorithm, loadSigner, type Signer } from '../src/crypto/index.js';
import { generateSealImage } from '../src/image/index.js';

export function tempDir(prefix = 'seal-pdf-'): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export interface TestIdentity {
  signer: Signer;
  keyPem: string;
  certPem: string;
  caCertPem: string;
}

/** A root CA and a signer certificate issued by it (so chains have two certificates). */
export function makeIdentity(alg: KeyAlgorithm): TestIdentity {
  const ca = generateKeyPair(alg);
  const caCertPem = createCertificate({
    subject: { CN: `测试根CA ${alg}`, O: '集约测试', C: 'CN' },
    publicKeyPem: ca.publicKeyPem,
    issuer: 'self',
    privateKeyPem: ca.privateKeyPem,
    isCa: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    days: 3650,
  } as Parameters<typeof createCertificate>[0]);
  const kp = generateKeyPair(alg);
  const certPem = createCertificate({
    subject: { CN: `新乡市测试单位 ${alg}`, O: '新乡市', C: 'CN' },
    publicKeyPem: kp.publicKeyPem,
    issuer: { keyPem: ca.privateKeyPem, certPem: caCertPem },
    keyUsage: ['digitalSignature', 'nonRepudiation'],
  } as Parameters<typeof createCertificate>[0]);
  return {
    signer: loadSigner({ keyPem: kp.privateKeyPem, certPem, chainPem: caCertPem }),
    keyPem: kp.privateKeyPem,
    certPem,
    caCertPem,
  };
}

let sealPng: Promise<Buffer> | undefined;
export function testSeal(): Promise<Buffer> {
  sealPng ??= generateSealImage({ type: 'round', name: '新乡市行政审批和政务信息管理局', dpi: 300 }).then((s) => s.png);
  return sealPng;
}

export async function pdfLibDoc(pages = 3, opts: { objectStreams?: boolean; text?: string } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const p = doc.addPage([595.28, 841.89]);
    p.drawText(`${opts.text ?? 'Seal engine test page'} ${i + 1}`, { x: 60, y: 760, size: 18, font });
  }
  return Buffer.from(await doc.save({ useObjectStreams: opts.objectStreams ?? true }));
}

/** A pdf-lib form with a text field (AcroForm present before signing). */
export async function pdfLibForm(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage();
  const form = doc.getForm();
  const tf = form.createTextField('applicant');
  tf.setText('Zhang San');
  tf.addToPage(page, { x: 50, y: 700, width: 200, height: 24 });
  return Buffer.from(await doc.save());
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'pipe' });
}

export interface CorpusFile {
  name: string;
  pdf: Buffer;
}

/** Two incremental updates (annotations added and saved incrementally by mupdf). */
export function twoIncrementalUpdates(dir: string, base: Buffer): Buffer {
  const script = join(dir, 'inc.js');
  writeFileSync(
    script,
    `var doc = new PDFDocument(scriptArgs[0]);
var page = doc.loadPage(0);
var a = page.createAnnotation("Text");
a.setRect([100, 100, 120, 120]); a.setContents("note " + scriptArgs[2]); a.update();
doc.save(scriptArgs[1], "incremental");`,
  );
  writeFileSync(join(dir, 'inc0.pdf'), base);
  run('mutool', ['run', script, join(dir, 'inc0.pdf'), join(dir, 'inc1.pdf'), '1']);
  run('mutool', ['run', script, join(dir, 'inc1.pdf'), join(dir, 'inc2.pdf'), '2']);
  return readFileSync(join(dir, 'inc2.pdf'));
}

/** Chromium's print-to-PDF (Skia), as produced by "Save as PDF" in Chrome. */
export function chromePdf(dir: string): Buffer {
  const html = join(dir, 'notice.html');
  writeFileSync(
    html,
    '<html><meta charset="utf-8"><body><h1>新乡市行政审批和政务信息管理局</h1><p>Chrome produced document</p></body></html>',
  );
  const out = join(dir, 'chrome.pdf');
  run('chromium', [
    '--headless',
    '--disable-gpu',
    '--no-sandbox',
    '--no-pdf-header-footer',
    `--user-data-dir=${join(dir, 'chrome-profile')}`,
    `--print-to-pdf=${out}`,
    `file://${html}`,
  ]);
  return readFileSync(out);
}

/**
 * A minimal Word document (WordprocessingML in its zip package) with Chinese text in a bold run and a
 * table, the shape a department's 公文 arrives in before it is converted and sealed.
 */
export function generatedDocx(): Buffer {
  const paragraph = (text: string, bold = false) =>
    `<w:p><w:r>${bold ? '<w:rPr><w:b/></w:rPr>' : ''}<w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
  const cell = (text: string) => `<w:tc><w:tcPr><w:tcW w:w="4000" w:type="dxa"/></w:tcPr>${paragraph(text)}</w:tc>`;
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
${paragraph('新乡市行政审批和政务信息管理局 关于办理事项的通知', true)}
${paragraph('各县（市、区）人民政府，市人民政府各部门：现将有关事项通知如下。')}
<w:tbl><w:tblPr><w:tblW w:w="8000" w:type="dxa"/></w:tblPr><w:tr>${cell('事项名称')}${cell('营业执照办理')}</w:tr></w:tbl>
${paragraph('This document was produced by LibreOffice from a generated .docx for the seal engine tests.')}
</w:body></w:document>`;
  return Buffer.from(
    zipSync({
      '[Content_Types].xml': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`),
      '_rels/.rels': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`),
      'word/document.xml': strToU8(document),
    }),
  );
}

export function libreOfficePdf(dir: string): Buffer {
  const docx = join(dir, 'notice.docx');
  writeFileSync(docx, generatedDocx());
  run('soffice', [
    '--headless',
    `-env:UserInstallation=file://${join(dir, 'lo-profile')}`,
    '--convert-to',
    'pdf',
    '--outdir',
    dir,
    docx,
  ]);
  return readFileSync(join(dir, 'notice.pdf'));
}

/** Runs qpdf with `args` on `input`, returning the output file. */
export function qpdf(dir: string, input: Buffer, args: string[], name: string): Buffer {
  const inPath = join(dir, `${name}.in.pdf`);
  const outPath = join(dir, `${name}.pdf`);
  writeFileSync(inPath, input);
  const r = spawnSync('qpdf', [...args, inPath, outPath]);
  // qpdf exits 3 for warnings with a usable output
  if (r.status !== 0 && r.status !== 3) throw new Error(`qpdf failed: ${r.stderr}`);
  return readFileSync(outPath);
}

/**
 * A hybrid-reference file (as Word writes them): the newest section is a classic table whose
 * trailer points with /XRefStm at an xref stream holding the compressed objects.
 */
export function hybridXref(xrefStreamPdf: Buffer): Buffer {
  const s = xrefStreamPdf.toString('latin1');
  const stm = Number(/startxref\s+(\d+)\s*%%EOF\s*$/.exec(s)![1]);
  const dict = s.slice(stm, s.indexOf('stream', stm));
  const size = /\/Size (\d+)/.exec(dict)![1];
  const root = /\/Root (\d+ \d+ R)/.exec(dict)![1];
  const at = xrefStreamPdf.length;
  return Buffer.concat([
    xrefStreamPdf,
    Buffer.from(
      `xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size ${size} /Root ${root} /XRefStm ${stm} >>\nstartxref\n${at}\n%%EOF\n`,
      'latin1',
    ),
  ]);
}

export async function buildCorpus(dir: string): Promise<{ files: CorpusFile[]; skipped: string[] }> {
  const classic = await pdfLibDoc(3, { objectStreams: false });
  const files: CorpusFile[] = [
    { name: 'pdf-lib xref stream + object streams', pdf: await pdfLibDoc(3) },
    { name: 'pdf-lib classic xref table', pdf: classic },
    { name: 'pdf-lib AcroForm with a text field', pdf: await pdfLibForm() },
    { name: 'hybrid: classic table + /XRefStm', pdf: hybridXref(await pdfLibDoc(3)) },
  ];
  const skipped: string[] = [];
  if (hasTool('qpdf')) {
    files.push({
      name: 'qpdf --object-streams=generate',
      pdf: qpdf(dir, classic, ['--object-streams=generate'], 'objstm'),
    });
    files.push({ name: 'qpdf --linearize', pdf: qpdf(dir, classic, ['--linearize'], 'lin') });
    files.push({
      name: 'qpdf AES-256 (empty user password)',
      pdf: qpdf(dir, classic, ['--encrypt', '', 'owner', '256', '--'], 'aes256'),
    });
    files.push({
      name: 'qpdf AES-256 + object streams (empty user password)',
      pdf: qpdf(dir, classic, ['--object-streams=generate', '--encrypt', '', 'owner', '256', '--'], 'aes256objstm'),
    });
    files.push({
      name: 'qpdf AES-128 (empty user password)',
      pdf: qpdf(dir, classic, ['--encrypt', '', 'owner', '128', '--use-aes=y', '--'], 'aes128'),
    });
    files.push({
      name: 'qpdf RC4-128 (empty user password)',
      pdf: qpdf(dir, classic, ['--allow-weak-crypto', '--encrypt', '', 'owner', '128', '--use-aes=n', '--'], 'rc4'),
    });
  } else skipped.push('qpdf not installed');
  if (hasTool('mutool'))
    files.push({ name: 'two earlier incremental updates (mupdf)', pdf: twoIncrementalUpdates(dir, classic) });
  else skipped.push('mutool not installed');
  if (hasTool('soffice')) files.push({ name: 'LibreOffice (from a generated .docx)', pdf: libreOfficePdf(dir) });
  else skipped.push('libreoffice not installed');
  if (hasTool('chromium')) files.push({ name: 'Chromium print-to-PDF', pdf: chromePdf(dir) });
  else skipped.push('chromium not installed');
  return { files, skipped };
}

export function pdfsig(path: string): string {
  const r = spawnSync('pdfsig', [path], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

export function mutoolVerify(path: string): string {
  const r = spawnSync('mutool', ['sign', '-v', path], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}
