// Test helper: real PDFs from several producers, for keyword positioning tests. Not part of the public API.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { degrees, PDFDocument, rgb } from 'pdf-lib';

const require = createRequire(import.meta.url);

export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'seal-kw-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A flat ODF text document. Paragraph strings may contain `**x**` to make x bold, which LibreOffice writes as a
 * separate text run, so a keyword straddling the marker is split across pdf.js text items.
 */
export function libreOfficePdf(paragraphs: string[]): Buffer {
  const soffice = which('soffice') ?? which('libreoffice');
  if (!soffice) throw new Error('libreoffice not installed');
  const body = paragraphs
    .map((p) => {
      const runs = p
        .split('**')
        .map((t, i) => (i % 2 ? `<text:span text:style-name="B">${xmlEscape(t)}</text:span>` : xmlEscape(t)));
      // A leading form feed starts a new page.
      const style = p.startsWith('\f') ? 'PB' : 'P';
      return `<text:p text:style-name="${style}">${runs.join('').replace(/^\f/, '')}</text:p>`;
    })
    .join('\n');
  const fodt = `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
 <style:style style:name="P" style:family="paragraph"><style:text-properties fo:font-size="14pt" style:font-name-asian="Noto Serif CJK SC" style:font-size-asian="14pt"/></style:style>
 <style:style style:name="PB" style:family="paragraph" style:parent-style-name="P"><style:paragraph-properties fo:break-before="page"/><style:text-properties fo:font-size="14pt" style:font-name-asian="Noto Serif CJK SC" style:font-size-asian="14pt"/></style:style>
 <style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
</office:automatic-styles>
<office:body><office:text>
${body}
</office:text></office:body></office:document>`;
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'doc.fodt'), fodt);
    execFileSync(
      soffice,
      [
        '--headless',
        `-env:UserInstallation=file://${dir}/profile`,
        '--convert-to',
        'pdf',
        '--outdir',
        dir,
        join(dir, 'doc.fodt'),
      ],
      {
        stdio: 'pipe',
        timeout: 120_000,
      },
    );
    return readFileSync(join(dir, 'doc.pdf'));
  });
}

/** Chrome's print-to-PDF of an HTML body (CJK through the system's Noto CJK fonts). */
export function chromePdf(htmlBody: string): Buffer {
  const chrome = which('chromium') ?? which('chromium-browser') ?? which('google-chrome');
  if (!chrome) throw new Error('chromium not installed');
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
    @page { size: A4; margin: 20mm } body { font-family: 'Noto Serif CJK SC', 'Noto Sans CJK SC', serif; font-size: 16px }
  </style></head><body>${htmlBody}</body></html>`;
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'in.html'), html);
    const out = join(dir, 'out.pdf');
    execFileSync(
      chrome,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-pdf-header-footer',
        `--user-data-dir=${dir}/profile`,
        `--print-to-pdf=${out}`,
        `file://${dir}/in.html`,
      ],
      { stdio: 'pipe', timeout: 120_000 },
    );
    if (!existsSync(out)) throw new Error('chromium wrote no PDF');
    return readFileSync(out);
  });
}

export interface DrawnText {
  page: number;
  text: string;
  x: number;
  y: number;
  size: number;
  /** Counter-clockwise rotation of the text, degrees. */
  rotate?: number;
}

/**
 * A Word/WPS-like PDF: an embedded, subset CJK TrueType font (Identity-H with ToUnicode) written by pdf-lib.
 * Returns the exact geometry of what was drawn so tests can compare against it.
 */
export async function pdfLibCjkPdf(lines: DrawnText[], opts: { rotatePage?: Record<number, number> } = {}) {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const fontBytes = readFileSync(
    require.resolve('@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf'),
  );
  const font = await doc.embedFont(fontBytes, { subset: true });
  const pageCount = Math.max(...lines.map((l) => l.page));
  for (let i = 1; i <= pageCount; i++) {
    const page = doc.addPage([595.28, 841.89]);
    const rotation = opts.rotatePage?.[i];
    if (rotation) page.setRotation(degrees(rotation));
  }
  const widthOf = (text: string, size: number) => font.widthOfTextAtSize(text, size);
  for (const l of lines)
    doc
      .getPage(l.page - 1)
      .drawText(l.text, { x: l.x, y: l.y, size: l.size, font, color: rgb(0, 0, 0), rotate: degrees(l.rotate ?? 0) });
  const bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
  return { bytes, widthOf };
}

export interface PopplerWord {
  page: number;
  text: string;
  /** PDF coordinates, origin bottom-left. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Word boxes from poppler's `pdftotext -bbox`, an independent text extractor to check positions against. */
export function popplerWords(pdf: Buffer): PopplerWord[] {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    const html = execFileSync('pdftotext', ['-bbox', join(dir, 'in.pdf'), '-'], { encoding: 'utf8' });
    const words: PopplerWord[] = [];
    let page = 0;
    let pageHeight = 0;
    for (const line of html.split('\n')) {
      const p = /<page width="([\d.]+)" height="([\d.]+)">/.exec(line);
      if (p) {
        page++;
        pageHeight = Number(p[2]);
        continue;
      }
      const w = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
      if (w) {
        words.push({
          page,
          text: w[5],
          x0: Number(w[1]),
          x1: Number(w[3]),
          y0: pageHeight - Number(w[4]),
          y1: pageHeight - Number(w[2]),
        });
      }
    }
    return words;
  });
}

/**
 * A PDF like those from older Chinese producers (iText with STSong-Light): a non-embedded CID font addressed through
 * the predefined CMap UniGB-UCS2-H and no ToUnicode, so text extraction depends on pdf.js's packed CMap files.
 * Text is drawn at (x, y) in 12 pt; each character of that font advances 1000/1000 em.
 */
export function predefinedCMapPdf(text: string, x: number, y: number): Buffer {
  const hex = [...text].map((c) => (c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')).join('');
  const content = `BT /F1 12 Tf ${x} ${y} Td <${hex}> Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>',
    '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>',
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> ' +
      '/DW 1000 /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] ' +
      '/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
