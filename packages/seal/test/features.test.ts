import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSignatureFields,
  listFields,
  PdfReader,
  SealError,
  SerialNumberGenerator,
  signPdf,
  signPdfDetailed,
  verifyPdf,
} from '../src/index.js';
import { dict, name, PdfDict, PdfRef, PdfStream } from '../src/pdf/objects.js';
import { BufferSource } from '../src/pdf/source.js';
import { IncrementalWriter } from '../src/pdf/writer.js';
import {
  hasTool,
  libreOfficePdf,
  makeIdentity,
  pdfLibDoc,
  pdfsig,
  type TestIdentity,
  tempDir,
  testSeal,
  twoIncrementalUpdates,
} from './helpers.js';

const tmp = tempDir();
let rsa: TestIdentity;
let seal: Buffer;
let doc12: Buffer;

beforeAll(async () => {
  rsa = makeIdentity('rsa');
  seal = await testSeal();
  doc12 = await pdfLibDoc(12);
});
afterAll(() => tmp.cleanup());

const readerOf = (pdf: Buffer) => new PdfReader(new BufferSource(pdf));

function sigWidgets(pdf: Buffer, fieldName: string) {
  const r = readerOf(pdf);
  const f = listFields(r).find((x) => x.name === fieldName)!;
  return {
    r,
    f,
    rects: f.widgets.map((w) => ({
      rect: r.rect(r.dictOf(w)!.get('Rect'))!,
      page: (r.dictOf(w)!.get('P') as PdfRef).num,
      ap: r.dictOf(w)!.get('AP'),
    })),
  };
}

/**
 * pdfsig lists a multi-widget signature once per widget (poppler reads /V per widget), so count
 * distinct signed byte ranges and require every entry to be valid.
 */
function expectPdfsigValid(pdf: Buffer, count: number): void {
  if (!hasTool('pdfsig')) return;
  const path = tmp.path(`v-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(path, pdf);
  const out = pdfsig(path);
  // empty signature fields are listed too ("not signed")
  const blocks = out
    .split(/Signature #\d+:/)
    .slice(1)
    .filter((b) => !/is not signed/.test(b));
  expect(blocks.length, out).toBeGreaterThanOrEqual(count);
  for (const b of blocks) expect(b, out).toMatch(/Signature Validation: Signature is Valid\./);
  expect(new Set(blocks.map((b) => /Signed Ranges: (.*)/.exec(b)?.[1])).size, out).toBe(count);
}

describe('positioning', () => {
  it('puts the seal centre at (x, y) mm from the top-left corner, at the true size from the image resolution', async () => {
    const pdf = await signPdf(doc12, {
      signer: rsa.signer,
      image: seal,
      position: { page: 2, x: 100, y: 50 },
      fieldName: 'Seal',
    });
    const { r, rects } = sigWidgets(pdf, 'Seal');
    expect(rects).toHaveLength(1);
    const [x0, y0, x1, y1] = rects[0]!.rect;
    const mm = 72 / 25.4;
    expect((x0 + x1) / 2).toBeCloseTo(100 * mm, 3);
    expect((y0 + y1) / 2).toBeCloseTo(841.89 - 50 * mm, 3);
    // the generated seal is 42 mm at 300 dpi
    expect((x1 - x0) / mm).toBeCloseTo(42, 0);
    expect(rects[0]!.page).toBe(r.page(1).ref.num);
    expectPdfsigValid(pdf, 1);
  });

  it('accepts points and a bottom-left origin', async () => {
    const pdf = await signPdf(doc12, {
      signer: rsa.signer,
      image: seal,
      imageSizeMm: { width: 30 },
      position: { page: 1, x: 200, y: 100, unit: 'pt', origin: 'bottom-left' },
      fieldName: 'S',
    });
    const [x0, y0, x1, y1] = sigWidgets(pdf, 'S').rects[0]!.rect;
    expect([(x0 + x1) / 2, (y0 + y1) / 2]).toEqual([200, 100]);
    expect((x1 - x0) / (72 / 25.4)).toBeCloseTo(30, 6);
  });

  it('measures on the page as displayed when it has /Rotate, and counter-rotates the seal', async () => {
    const { PDFDocument, degrees } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    for (const r of [0, 90, 180, 270]) doc.addPage([595, 842]).setRotation(degrees(r));
    let pdf: Buffer = Buffer.from(await doc.save());
    for (let i = 1; i <= 4; i++) {
      pdf = await signPdf(pdf, {
        signer: rsa.signer,
        image: seal,
        imageSizeMm: { width: 40 },
        position: { page: i, x: 30, y: 50 },
        fieldName: `R${i}`,
      });
    }
    const mm = 72 / 25.4;
    const centre = (i: number) => {
      const [x0, y0, x1, y1] = sigWidgets(pdf, `R${i}`).rects[0]!.rect;
      return [(x0 + x1) / 2, (y0 + y1) / 2].map((v) => Math.round(v / mm));
    };
    // the displayed top-left corner is (0,842), (0,0), (595,0), (595,842) in user space
    expect(centre(1)).toEqual([30, Math.round(842 / mm) - 50]);
    expect(centre(2)).toEqual([50, 30]);
    expect(centre(3)).toEqual([Math.round(595 / mm) - 30, 50]);
    expect(centre(4)).toEqual([Math.round(595 / mm) - 50, Math.round(842 / mm) - 30]);
    const { r, rects } = sigWidgets(pdf, 'R2');
    const ap = r.resolve((rects[0]!.ap as PdfDict).get('N')) as PdfStream;
    expect(ap.data.toString()).toMatch(/^q 0 1 -1 0 /);
    expect((await verifyPdf(pdf)).signatures.every((s) => s.valid)).toBe(true);
  });

  it('draws the seal with a multiply blend (透明印章) and an alpha soft mask', async () => {
    const pdf = await signPdf(doc12, {
      signer: rsa.signer,
      image: seal,
      position: { page: 1, x: 60, y: 30 },
      fieldName: 'S',
    });
    const { r, rects } = sigWidgets(pdf, 'S');
    const ap = r.resolve((rects[0]!.ap as PdfDict).get('N')) as PdfStream;
    expect(ap.data.toString()).toMatch(/\/GS0 gs .* \/Im0 Do/);
    const res = r.dictOf(ap.dict.get('Resources'))!;
    const gs = r.dictOf(r.dictOf(res.get('ExtGState'))!.get('GS0'))!;
    expect((gs.get('BM') as { name: string }).name).toBe('Multiply');
    const img = r.dictOf(r.dictOf(res.get('XObject'))!.get('Im0'))!;
    expect(img.get('SMask')).toBeInstanceOf(PdfRef);
  });

  it('rejects pages out of range and bad coordinates with typed errors', async () => {
    await expect(
      signPdf(doc12, { signer: rsa.signer, image: seal, position: { page: 13, x: 1, y: 1 } }),
    ).rejects.toMatchObject({ code: 'pdf_page_out_of_range' });
    await expect(
      signPdf(doc12, { signer: rsa.signer, image: seal, position: { page: 1, x: Number.NaN, y: 1 } }),
    ).rejects.toMatchObject({ code: 'seal_invalid_option' });
    await expect(
      signPdf(doc12, { signer: rsa.signer, image: Buffer.from('not an image'), position: { page: 1, x: 1, y: 1 } }),
    ).rejects.toMatchObject({ code: 'seal_image_invalid' });
  });

  it.runIf(hasTool('soffice'))('finds a CJK keyword in a LibreOffice PDF and seals every occurrence', async () => {
    const lo = libreOfficePdf(tmp.dir);
    const r = await signPdfDetailed(lo, {
      signer: rsa.signer,
      image: seal,
      keyword: { text: '新乡市', occurrence: 'all' },
      fieldName: 'K',
    });
    expect(r.widgets).toBeGreaterThanOrEqual(1);
    expectPdfsigValid(r.pdf!, 1);
    await expect(
      signPdf(lo, { signer: rsa.signer, image: seal, keyword: { text: '不存在的词' } }),
    ).rejects.toMatchObject({ code: 'seal_keyword_not_found' });
  });
});

describe('signature fields', () => {
  it('generates empty fields placed relative to each other, then signs one by name', async () => {
    const { pdf, fields } = await addSignatureFields(doc12, [
      { name: 'Applicant', page: 3, x: 40, y: 240, width: 45, height: 45 },
      { name: 'Office', relativeTo: 'Applicant', placement: 'right', gap: 10, width: 45, height: 45 },
      { name: 'Director', relativeTo: 'Office', placement: 'below', gap: 5, width: 60, height: 30 },
    ]);
    const mm = 72 / 25.4;
    const [a, o, d] = fields.map((f) => f.rect);
    expect(o![0] - a![2]).toBeCloseTo(10 * mm, 6);
    expect(o![3]).toBeCloseTo(a![3], 6);
    expect(d![3]).toBeCloseTo(o![1] - 5 * mm, 6);
    expect(d![0]).toBeCloseTo(o![0], 6);
    expect(fields.every((f) => f.page === 3)).toBe(true);

    const signed = await signPdf(pdf!, { signer: rsa.signer, image: seal, field: 'Office' });
    const report = await verifyPdf(signed);
    expect(report.signatures.map((s) => [s.fieldName, s.valid])).toEqual([['Office', true]]);
    const again = await signPdf(signed, { signer: rsa.signer, image: seal, field: 'Director' });
    const r2 = await verifyPdf(again);
    expect(r2.signatures.map((s) => [s.fieldName, s.valid])).toEqual([
      ['Office', true],
      ['Director', true],
    ]);
    expect(r2.signatures[0]!.changes.every((c) => c.kind === 'signature')).toBe(true);
    expectPdfsigValid(again, 2);
    await expect(signPdf(again, { signer: rsa.signer, field: 'Office' })).rejects.toMatchObject({
      code: 'pdf_field_already_signed',
    });
    await expect(signPdf(again, { signer: rsa.signer, field: 'Nope' })).rejects.toMatchObject({
      code: 'pdf_field_not_found',
    });
    await expect(
      addSignatureFields(again, [{ name: 'Office', page: 1, x: 1, y: 1, width: 1, height: 1 }]),
    ).rejects.toMatchObject({ code: 'pdf_field_exists' });
  });
});

describe('document structure', () => {
  it('appends to indirect /Annots and /Fields arrays in place and keeps the existing form', async () => {
    const { PDFDocument, PDFName } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    const page = doc.addPage();
    const form = doc.getForm();
    form.createTextField('applicant').addToPage(page, { x: 50, y: 700, width: 200, height: 24 });
    // move /Annots and /Fields into indirect arrays, as many producers write them
    const annots = page.node.lookup(PDFName.of('Annots'));
    page.node.set(PDFName.of('Annots'), doc.context.register(annots!));
    const acro = form.acroForm.dict;
    acro.set(PDFName.of('Fields'), doc.context.register(acro.lookup(PDFName.of('Fields'))!));
    const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));

    const signed = await signPdf(pdf, {
      signer: rsa.signer,
      image: seal,
      position: { page: 1, x: 100, y: 100 },
      fieldName: 'Seal',
    });
    const before = readerOf(pdf);
    const after = readerOf(signed);
    const pageRef = after.page(0).ref;
    const annotsRef = after.page(0).dict.get('Annots') as PdfRef;
    expect(annotsRef).toBeInstanceOf(PdfRef);
    expect((after.resolve(annotsRef) as unknown[]).length).toBe(2);
    // the page dictionary itself was not rewritten
    const newNums = new Set(after.sectionNumbers(0));
    expect(newNums.has(pageRef.num)).toBe(false);
    expect(newNums.has(annotsRef.num)).toBe(true);
    expect(listFields(after).map((f) => f.name)).toEqual(['applicant', 'Seal']);
    expect(listFields(before).map((f) => f.name)).toEqual(['applicant']);
    expect((await verifyPdf(signed)).signatures.map((s) => s.valid)).toEqual([true]);
    expectPdfsigValid(signed, 1);
  });
});

describe('多页签章 and 骑缝章', () => {
  it('one signature with a widget on every page of a range, sharing one appearance', async () => {
    const r = await signPdfDetailed(doc12, {
      signer: rsa.signer,
      image: seal,
      position: { page: 1, x: 150, y: 250 },
      pages: '2-9',
      fieldName: 'Multi',
    });
    expect(r.widgets).toBe(8);
    const { r: rd, rects } = sigWidgets(r.pdf!, 'Multi');
    expect(rects.map((w) => w.page)).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((p) => rd.page(p - 1).ref.num));
    const aps = new Set(rects.map((w) => ((w.ap as PdfDict).get('N') as PdfRef).num));
    expect(aps.size).toBe(1);
    expect((await verifyPdf(r.pdf!)).valid).toBe(true);
    expectPdfsigValid(r.pdf!, 1);
  });

  it('slices the seal across the right edge, restarting every N pages', async () => {
    const r = await signPdfDetailed(doc12, {
      signer: rsa.signer,
      image: seal,
      straddle: { side: 'right', every: 5 },
      fieldName: 'Straddle',
    });
    expect(r.widgets).toBe(12);
    const { rects } = sigWidgets(r.pdf!, 'Straddle');
    const widths = rects.map((w) => w.rect[2] - w.rect[0]);
    const sealW = 42 * (72 / 25.4);
    // groups 5 + 5 + 2: the strips of each group add up to the whole seal
    expect(widths.slice(0, 5).reduce((a, b) => a + b)).toBeCloseTo(sealW, 0);
    expect(widths.slice(10).reduce((a, b) => a + b)).toBeCloseTo(sealW, 0);
    for (const w of rects) expect(w.rect[2]).toBeCloseTo(595.28, 6);
    expect((await verifyPdf(r.pdf!)).valid).toBe(true);
    expectPdfsigValid(r.pdf!, 1);
  });
});

describe('certification (DocMDP), barcodes, files', () => {
  it('certifies with DocMDP P=1 and then refuses any further signature', async () => {
    const pdf = await signPdf(doc12, {
      signer: rsa.signer,
      image: seal,
      position: { page: 1, x: 50, y: 50 },
      certify: 1,
    });
    const report = await verifyPdf(pdf);
    expect(report.signatures[0]!.certification).toBe(1);
    const r = readerOf(pdf);
    expect(r.dictOf(r.catalog().get('Perms'))!.get('DocMDP')).toBeInstanceOf(PdfRef);
    await expect(signPdf(pdf, { signer: rsa.signer })).rejects.toMatchObject({ code: 'pdf_docmdp_forbids_changes' });
    expectPdfsigValid(pdf, 1);
  });

  it.runIf(hasTool('qpdf'))(
    'forbids printing and copying (AES-256 owner permissions) and still signs and verifies',
    async () => {
      const pdf = await signPdf(doc12, {
        signer: rsa.signer,
        image: seal,
        position: { page: 1, x: 50, y: 50 },
        certify: 2,
        permissions: { print: false, copy: false, ownerPassword: 'owner-secret' },
      });
      const path = tmp.path('restricted.pdf');
      writeFileSync(path, pdf);
      const enc = spawnSync('qpdf', ['--show-encryption', path], { encoding: 'utf8' }).stdout;
      expect(enc).toMatch(/User password = \n/);
      expect(enc).toMatch(/print high resolution: not allowed/);
      expect(enc).toMatch(/extract for any purpose: not allowed/);
      expect(enc).toMatch(/modify forms: allowed/);
      expect(
        spawnSync('qpdf', ['--password=owner-secret', '--show-encryption', path], { encoding: 'utf8' }).stdout,
      ).toMatch(/owner password/);
      const report = await verifyPdf(pdf);
      expect(report.signatures.map((s) => [s.valid, s.certification])).toEqual([[true, 2]]);
      expectPdfsigValid(pdf, 1);
      const signed = await signPdf(pdf, { signer: rsa.signer });
      await expect(signPdf(signed, { signer: rsa.signer, permissions: { print: false } })).rejects.toMatchObject({
        code: 'pdf_encrypted_unsupported',
      });
    },
  );

  it('places QR, PDF417, CODE128 and CODE39 codes with a serial number in the same revision', async () => {
    const serial = new SerialNumberGenerator({ prefix: 'XX', now: () => new Date(2026, 10, 28) }).next();
    const r = await signPdfDetailed(doc12, {
      signer: rsa.signer,
      image: seal,
      position: { page: 1, x: 150, y: 250 },
      serial,
      barcodes: [
        { type: 'qr', text: 'https://zwfw.xinxiang.gov.cn/verify?sn={serial}', page: 1, x: 30, y: 30 },
        { type: 'pdf417', text: '{serial}', page: 1, x: 100, y: 30 },
        { type: 'code128', text: '{serial}', page: 2, x: 60, y: 280 },
        { type: 'code39', text: 'SN{serial}', page: 2, x: 150, y: 280 },
      ],
    });
    expect(serial).toBe('XX20261128000001');
    expect(r.widgets).toBe(5);
    const report = await verifyPdf(r.pdf!);
    expect(report.revisions).toBe(2);
    expect(report.signatures[0]!.valid).toBe(true);
    expectPdfsigValid(r.pdf!, 1);
  });

  it('signs from a path to a path, streaming, leaving no temp files', async () => {
    const inPath = tmp.path('in.pdf');
    const outPath = tmp.path('signed.pdf');
    writeFileSync(inPath, doc12);
    const res = await signPdf(
      { path: inPath },
      { signer: rsa.signer, image: seal, position: { page: 1, x: 50, y: 50 }, output: outPath },
    );
    expect(res).toEqual({ path: outPath });
    const out = readFileSync(outPath);
    expect(out.subarray(0, doc12.length).equals(doc12)).toBe(true);
    expect((await verifyPdf({ path: outPath })).valid).toBe(true);
    expect(spawnSync('sh', ['-c', `ls -a ${tmp.dir} | grep -c tmp`], { encoding: 'utf8' }).stdout.trim()).toBe('0');
  });
});

describe('verification of changes after signing', () => {
  it('reports a byte changed inside the signed range as invalid', async () => {
    const pdf = await signPdf(doc12, { signer: rsa.signer, image: seal, position: { page: 1, x: 50, y: 50 } });
    const i = pdf.indexOf('/MediaBox');
    const tampered = Buffer.from(pdf);
    tampered.write('/MediaBoX', i, 'latin1');
    const report = await verifyPdf(tampered);
    expect(report.signatures[0]!.valid).toBe(false);
    expect(report.signatures[0]!.code).toBe('digest_mismatch');
  });

  it('tells allowed additions (annotations, signatures) from content changes', async () => {
    const signed = await signPdf(doc12, { signer: rsa.signer, image: seal, position: { page: 1, x: 50, y: 50 } });
    // a content change appended as a new revision: page 1 gets a new content stream
    const r = readerOf(signed);
    const w = new IncrementalWriter(r);
    const page = r.page(0);
    const content = w.add(new PdfStream(new PdfDict(), Buffer.from('BT /F1 24 Tf 100 100 Td (forged) Tj ET')));
    w.set(page.ref, page.dict.clone().set('Contents', content));
    const forged = Buffer.concat([signed, w.build().bytes]);
    const bad = (await verifyPdf(forged)).signatures[0]!;
    expect(bad.valid).toBe(false);
    expect(bad.code).toBe('modified_after_signing');
    expect(bad.changes.some((c) => c.kind === 'content')).toBe(true);
    // pdfsig agrees the signed revision itself is intact ("not total document signed")
    if (hasTool('mutool')) {
      const annotated = twoIncrementalUpdates(tmp.dir, signed);
      const ok = (await verifyPdf(annotated)).signatures[0]!;
      expect(ok.valid).toBe(true);
      expect(ok.code).toBe('ok_with_allowed_changes');
      expect(ok.changes.some((c) => c.kind === 'annotation' || c.kind === 'signature')).toBe(true);
      expect(ok.changes.some((c) => c.kind === 'content')).toBe(false);
    }
  });

  it('applies DocMDP P=2: annotations after certification are not allowed', async () => {
    if (!hasTool('mutool')) return;
    const certified = await signPdf(doc12, {
      signer: rsa.signer,
      image: seal,
      position: { page: 1, x: 50, y: 50 },
      certify: 2,
    });
    const annotated = twoIncrementalUpdates(tmp.dir, certified);
    const s = (await verifyPdf(annotated)).signatures[0]!;
    expect(s.certification).toBe(2);
    expect(s.valid).toBe(false);
    // a further signature is allowed by P=2
    const signedAgain = await signPdf(certified, {
      signer: rsa.signer,
      image: seal,
      position: { page: 2, x: 50, y: 50 },
    });
    expect((await verifyPdf(signedAgain)).signatures.map((x) => x.valid)).toEqual([true, true]);
  });
});

describe('errors are typed', () => {
  it('SealError carries code, Chinese and English', async () => {
    const e = await signPdf(Buffer.from('nope'), { signer: rsa.signer }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SealError);
    expect(e).toMatchObject({
      code: 'pdf_not_pdf',
      zh: expect.stringMatching(/PDF/),
      en: expect.stringMatching(/not a PDF/),
    });
    expect(existsSync(tmp.path('never.pdf'))).toBe(false);
    void dict;
    void name;
  });
});
