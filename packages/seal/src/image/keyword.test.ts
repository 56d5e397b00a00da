import { beforeAll, describe, expect, it } from 'vitest';
import { findKeyword, type KeywordBox, type KeywordSearchError } from './index.js';
import {
  chromePdf,
  libreOfficePdf,
  type PopplerWord,
  pdfLibCjkPdf,
  popplerWords,
  predefinedCMapPdf,
  which,
} from './test-pdfs.js';

const KEYWORD = '新乡市';

/**
 * Every producer's document has the keyword (1) as a separate word, (2) inside a run of CJK text, (3) split over two
 * text runs by bold formatting, and (4) on page 2 — four occurrences in this order.
 */
function checkAgainstPoppler(pdf: () => Buffer) {
  let boxes: KeywordBox[];
  let words: PopplerWord[];
  beforeAll(async () => {
    boxes = await findKeyword(pdf(), KEYWORD, { occurrence: 'all' });
    words = popplerWords(pdf());
  });

  it('finds every occurrence in document order', () => {
    expect(boxes.map((b) => b.page)).toEqual([1, 1, 1, 2]);
    expect(boxes.every((b) => b.rotate === 0)).toBe(true);
  });

  it('matches poppler’s box for the keyword as a separate word', () => {
    const word = words.find((w) => w.text === KEYWORD && w.page === 1)!;
    expectSameLine(boxes[0], word);
    expect(Math.abs(boxes[0].x - word.x0)).toBeLessThan(1);
    expect(Math.abs(boxes[0].x + boxes[0].width - word.x1)).toBeLessThan(1);
  });

  it('places the keyword inside a longer run and across split runs at the right character', () => {
    const line = words.find((w) => w.text.startsWith('地址'))!;
    const chars = [...line.text];
    const em = (line.x1 - line.x0) / chars.length; // all full-width characters
    const starts = [line.text.indexOf(KEYWORD), line.text.lastIndexOf(KEYWORD)];
    for (const [k, box] of [boxes[1], boxes[2]].entries()) {
      expectSameLine(box, line);
      expect(Math.abs(box.x - (line.x0 + starts[k] * em))).toBeLessThan(1);
      expect(Math.abs(box.width - 3 * em)).toBeLessThan(1);
    }
  });

  it('locates the page-2 occurrence', () => {
    const word = words.find((w) => w.page === 2 && w.text.includes(KEYWORD))!;
    expectSameLine(boxes[3], word);
    expect(Math.abs(boxes[3].x - word.x0)).toBeLessThan(1);
  });

  it('returns the nth occurrence alone, and nothing past the last or for an absent keyword', async () => {
    expect(await findKeyword(pdf(), KEYWORD, { occurrence: 3 })).toEqual([boxes[2]]);
    expect(await findKeyword(pdf(), KEYWORD)).toEqual([boxes[0]]);
    expect(await findKeyword(pdf(), KEYWORD, { occurrence: 5 })).toEqual([]);
    expect(await findKeyword(pdf(), '郑州市', { occurrence: 'all' })).toEqual([]);
  });
}

/** Same text line: our box's vertical centre lies inside poppler's (taller, font-bbox based) word box. */
function expectSameLine(box: KeywordBox, word: PopplerWord) {
  expect(box.page).toBe(word.page);
  const centre = box.y + box.height / 2;
  expect(centre).toBeGreaterThan(word.y0);
  expect(centre).toBeLessThan(word.y1);
  expect(box.height).toBeGreaterThan(6);
  expect(box.height).toBeLessThan(word.y1 - word.y0 + 2);
}

const hasPoppler = Boolean(which('pdftotext'));
const hasLibreOffice = Boolean(which('soffice') ?? which('libreoffice'));
const hasChromium = Boolean(which('chromium') ?? which('chromium-browser') ?? which('google-chrome'));
if (!hasPoppler) console.warn('skipping producer comparisons: pdftotext (poppler-utils) is not installed');
if (!hasLibreOffice) console.warn('skipping LibreOffice keyword tests: libreoffice is not installed');
if (!hasChromium) console.warn('skipping Chrome keyword tests: chromium is not installed');

describe.skipIf(!hasPoppler || !hasLibreOffice)('findKeyword on a LibreOffice PDF', () => {
  let pdf: Buffer;
  beforeAll(() => {
    pdf = libreOfficePdf(['申请人 新乡市 行政审批', '地址：河南省新乡市红旗区**新乡**市人民路', '\f新乡市人民政府']);
  });
  checkAgainstPoppler(() => pdf);
});

describe.skipIf(!hasPoppler || !hasChromium)('findKeyword on a Chrome PDF', () => {
  let pdf: Buffer;
  beforeAll(() => {
    pdf = chromePdf(
      '<p>申请人 新乡市 行政审批</p><p>地址：河南省新乡市红旗区新<b>乡</b>市人民路</p>' +
        '<p style="break-before: page">新乡市人民政府</p>',
    );
  });
  checkAgainstPoppler(() => pdf);

  // Chrome's ToUnicode maps the glyphs of 人 and 民 to the radical code points U+2F08 and U+2EA0.
  it('finds keywords whose characters Chrome extracts as CJK radical code points', async () => {
    const boxes = await findKeyword(pdf, '人民政府', { occurrence: 'all' });
    expect(boxes.map((b) => b.page)).toEqual([2]);
    const word = popplerWords(pdf).find((w) => w.page === 2 && w.text.includes('人民政府'))!;
    expectSameLine(boxes[0], word);
    const em = (word.x1 - word.x0) / [...word.text].length;
    expect(Math.abs(boxes[0].x - (word.x0 + word.text.indexOf('人民政府') * em))).toBeLessThan(1);
    expect(Math.abs(boxes[0].width - 4 * em)).toBeLessThan(1);
  });
});

describe('findKeyword on a pdf-lib PDF with an embedded CJK subset font (Word/WPS-like)', () => {
  it('returns the exact drawn geometry, on rotated pages in unrotated user space', async () => {
    const { bytes, widthOf } = await pdfLibCjkPdf(
      [
        { page: 1, text: '申请人：新乡市行政审批局', x: 100, y: 700, size: 12 },
        { page: 2, text: '盖章：新乡市', x: 300, y: 200, size: 20 },
      ],
      { rotatePage: { 2: 90 } },
    );
    const [first, second] = await findKeyword(bytes, KEYWORD, { occurrence: 'all' });
    expect(first.page).toBe(1);
    expect(first.x).toBeCloseTo(100 + widthOf('申请人：', 12), 1);
    expect(first.width).toBeCloseTo(widthOf(KEYWORD, 12), 1);
    expect(first.y).toBeLessThan(700);
    expect(first.y + first.height).toBeGreaterThan(700 + 12 * 0.8);
    expect(second).toMatchObject({ page: 2, rotate: 90 });
    expect(second.x).toBeCloseTo(300 + widthOf('盖章：', 20), 1);
    expect(second.width).toBeCloseTo(widthOf(KEYWORD, 20), 1);
  });

  it('boxes rotated text as a tall rectangle and ignores fake-bold double painting', async () => {
    const { bytes, widthOf } = await pdfLibCjkPdf([
      { page: 1, text: '新乡市人民政府', x: 500, y: 100, size: 14, rotate: 90 },
      { page: 1, text: '新乡市', x: 72, y: 700, size: 12 },
      { page: 1, text: '新乡市', x: 72.3, y: 700, size: 12 }, // WPS fake bold: same text again, 0.3 pt to the right
    ]);
    const boxes = await findKeyword(bytes, KEYWORD, { occurrence: 'all' });
    expect(boxes).toHaveLength(2);
    const [vertical, bold] = boxes;
    // Rotated 90° counter-clockwise: the text runs upwards from (500, 100), its "up" points to -x.
    expect(vertical.y).toBeCloseTo(100, 1);
    expect(vertical.height).toBeCloseTo(widthOf(KEYWORD, 14), 1);
    expect(vertical.x + vertical.width).toBeGreaterThan(500);
    expect(vertical.x).toBeLessThan(500 - 14 * 0.8);
    expect(vertical.width).toBeLessThan(14 * 1.6);
    expect(bold.x).toBeCloseTo(72, 1);
  });

  it('matches Kangxi-radical code points and ignores whitespace between characters', async () => {
    // U+2F42 KANGXI RADICAL TEXT looks like 文; some CJK fonts' ToUnicode maps ideographs to such code points.
    const { bytes } = await pdfLibCjkPdf([{ page: 1, text: '公\u2F42 编号', x: 72, y: 500, size: 12 }]);
    const [box] = await findKeyword(bytes, '公文编号');
    expect(box).toMatchObject({ page: 1 });
    expect(box.x).toBeCloseTo(72, 1);
  });
});

describe('findKeyword with a predefined CJK CMap (non-embedded STSong-Light, UniGB-UCS2-H)', () => {
  it('decodes the text through pdf.js’s packed CMaps and places it by the CID widths', async () => {
    const pdf = predefinedCMapPdf('申请人：新乡市政府', 100, 600);
    const [box] = await findKeyword(pdf, KEYWORD);
    expect(box).toBeDefined();
    // Four full-width characters of 12 pt precede the keyword; each advances 12 pt.
    expect(box.x).toBeCloseTo(148, 1);
    expect(box.width).toBeCloseTo(36, 1);
    expect(box.y).toBeLessThan(600);
    expect(box.y + box.height).toBeGreaterThan(608);
  });
});

describe('findKeyword input errors', () => {
  it('rejects non-PDF input, broken PDFs and empty keywords with stable codes', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: KeywordSearchError) => e.code,
      );
    expect(await code(findKeyword(Buffer.from('PK\u0003\u0004 this is a zip'), KEYWORD))).toBe('NOT_A_PDF');
    expect(await code(findKeyword(Buffer.alloc(0), KEYWORD))).toBe('NOT_A_PDF');
    expect(await code(findKeyword(Buffer.from('%PDF-1.7\n%%EOF garbage'), KEYWORD))).toBe('PDF_UNREADABLE');
    const { bytes } = await pdfLibCjkPdf([{ page: 1, text: '新乡市', x: 72, y: 500, size: 12 }]);
    expect(await code(findKeyword(bytes, '  '))).toBe('INVALID_KEYWORD');
    expect(await code(findKeyword(bytes, KEYWORD, { occurrence: 0 }))).toBe('INVALID_KEYWORD');
  });

  it('leaves the caller’s buffer intact', async () => {
    const { bytes } = await pdfLibCjkPdf([{ page: 1, text: '新乡市', x: 72, y: 500, size: 12 }]);
    const copy = Buffer.from(bytes);
    await findKeyword(bytes, KEYWORD);
    expect(bytes.equals(copy)).toBe(true);
  });
});
