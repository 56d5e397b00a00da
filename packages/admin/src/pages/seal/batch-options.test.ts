import { describe, expect, it } from 'vitest';
import { batchFields, batchKind, batchPercent, buildBatchRequest } from './batch-options';
import { mmToPt, movePlacement } from './placement';
import { OPTION_DEFAULTS } from './sign-options';

const pdf = (name: string) => ({ name, kind: 'pdf' as const });
const ofd = (name: string) => ({ name, kind: 'ofd' as const });
const sealId = '11111111-2222-4333-8444-555555555555';

describe('buildBatchRequest (批量签章 form → POST /api/seal/sign/batch)', () => {
  it('sends the typed position in millimetres, with 多页签章 and a barcode, for every PDF', () => {
    const placement = movePlacement(movePlacement(null, { page: 2 }), { xMm: 150, yMm: 230 });
    expect(
      buildBatchRequest({
        sealId,
        files: [pdf('a.pdf'), pdf('b.pdf')],
        mode: 'position',
        placement,
        values: { ...OPTION_DEFAULTS, multiPage: true, pages: 'all', barcode: true, barcodeType: 'code128' },
      }),
    ).toEqual({
      sealId,
      options: {
        position: { page: 2, x: 150, y: 230 },
        pages: 'all',
        barcode: { type: 'code128', page: 1, x: 25, y: 270 },
      },
    });
  });

  it('says in Chinese what is missing before anything is sent', () => {
    const base = { sealId, files: [pdf('a.pdf')], mode: 'position' as const, placement: null, values: OPTION_DEFAULTS };
    expect(buildBatchRequest({ ...base, sealId: undefined })).toBe('请先选择印章');
    expect(buildBatchRequest({ ...base, files: [] })).toBe('请上传要签章的文件');
    expect(buildBatchRequest(base)).toBe('请填写盖章位置');
    expect(buildBatchRequest({ ...base, files: [pdf('a.pdf'), { name: 'x.docx', kind: null }] })).toMatch(
      /「x\.docx」不是 PDF 或 OFD/,
    );
    expect(buildBatchRequest({ ...base, files: Array.from({ length: 101 }, (_, i) => pdf(`${i}.pdf`)) })).toMatch(
      /最多 100 个/,
    );
  });

  it('keyword placement applies to each PDF', () => {
    expect(
      buildBatchRequest({
        sealId,
        files: [pdf('a.pdf'), pdf('b.pdf')],
        mode: 'keyword',
        placement: null,
        values: { ...OPTION_DEFAULTS, keyword: '（盖章）', occurrence: 'all', reason: '批量出证' },
      }),
    ).toEqual({ sealId, options: { keyword: { text: '（盖章）', occurrence: 'all' }, reason: '批量出证' } });
  });

  it('a batch with any OFD drops PDF-only options and refuses keyword placement', () => {
    const files = [pdf('a.pdf'), ofd('b.ofd')];
    expect(batchKind(files)).toBe('ofd');
    expect(
      buildBatchRequest({
        sealId,
        files,
        mode: 'keyword',
        placement: null,
        values: { ...OPTION_DEFAULTS, keyword: 'x' },
      }),
    ).toMatch(/只适用于 PDF/);
    expect(
      buildBatchRequest({
        sealId,
        files,
        mode: 'straddle',
        placement: null,
        values: { ...OPTION_DEFAULTS, barcode: true, noPrint: true, straddleEvery: 20 },
      }),
    ).toEqual({ sealId, options: { straddle: { side: 'right', every: 20 } } });
  });

  it('multipart fields: one repeated file part per document, options as JSON', () => {
    const a = new Blob(['%PDF-1.7']);
    const b = new Blob(['%PDF-1.4']);
    const fields = batchFields({ sealId, options: { position: { page: 1, x: 10, y: 20 } } }, [
      { file: a, name: 'a.pdf' },
      { file: b, name: 'b.pdf' },
    ]);
    expect(fields).toEqual({
      sealId,
      options: '{"position":{"page":1,"x":10,"y":20}}',
      file: [
        { blob: a, name: 'a.pdf' },
        { blob: b, name: 'b.pdf' },
      ],
    });
  });
});

describe('movePlacement and batchPercent', () => {
  it('starts from the A4 centre and changes only what was typed', () => {
    expect(movePlacement(null, { yMm: 50 })).toEqual({ page: 1, x: mmToPt(105), y: mmToPt(50) });
  });

  it('progress is done/total while running and 100 once done', () => {
    expect(batchPercent(null)).toBe(0);
    expect(batchPercent({ status: 'running', total: 3, done: 1 })).toBe(33);
    expect(batchPercent({ status: 'running', total: 3, done: 3 })).toBe(99);
    expect(batchPercent({ status: 'done', total: 3, done: 3 })).toBe(100);
  });
});
