import { describe, expect, it } from 'vitest';
import { mmToPt } from './placement';
import { buildSignOptions, OPTION_DEFAULTS } from './sign-options';

const at = (page: number, xMm: number, yMm: number) => ({ page, x: mmToPt(xMm), y: mmToPt(yMm) });

describe('buildSignOptions (workbench form → POST /api/seal/sign options)', () => {
  it('sends a dragged position in millimetres from the top-left corner', () => {
    expect(buildSignOptions('position', at(2, 150.04, 230.26), OPTION_DEFAULTS, 'pdf')).toEqual({
      position: { page: 2, x: 150, y: 230.3 },
    });
  });

  it('asks for a position before anything is sent', () => {
    expect(buildSignOptions('position', null, OPTION_DEFAULTS, 'pdf')).toMatch(/拖到页面上/);
    expect(buildSignOptions('keyword', null, { ...OPTION_DEFAULTS, keyword: '  ' }, 'pdf')).toMatch(/关键字/);
  });

  it('combines 多页签章, 骑缝章, a QR code and protection', () => {
    const options = buildSignOptions(
      'position',
      at(1, 100, 200),
      {
        ...OPTION_DEFAULTS,
        multiPage: true,
        pages: 'range',
        pageRange: '2-5， 8',
        straddle: true,
        straddleSide: 'left',
        straddleEvery: 10,
        barcode: true,
        noPrint: true,
        certify: 2,
      },
      'pdf',
    );
    expect(options).toEqual({
      position: { page: 1, x: 100, y: 200 },
      pages: '2-5,8',
      straddle: { side: 'left', every: 10 },
      barcode: { type: 'qr', page: 1, x: 25, y: 270 },
      protection: { print: false, certify: 2 },
    });
  });

  it('keyword placement: the n-th or every occurrence', () => {
    expect(
      buildSignOptions(
        'keyword',
        null,
        { ...OPTION_DEFAULTS, keyword: '（盖章）', occurrence: 'nth', occurrenceN: 3 },
        'pdf',
      ),
    ).toEqual({ keyword: { text: '（盖章）', occurrence: 3 } });
    expect(
      buildSignOptions('keyword', null, { ...OPTION_DEFAULTS, keyword: '新乡市', occurrence: 'all' }, 'pdf'),
    ).toEqual({
      keyword: { text: '新乡市', occurrence: 'all' },
    });
  });

  it('OFD: PDF-only options (barcode, protection) are left out; a straddle seal alone is enough', () => {
    expect(
      buildSignOptions('straddle', null, { ...OPTION_DEFAULTS, barcode: true, noCopy: true, straddleY: 120 }, 'ofd'),
    ).toEqual({ straddle: { side: 'right', y: 120 } });
  });
});
