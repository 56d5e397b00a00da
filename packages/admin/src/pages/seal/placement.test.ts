/*
 * The workbench's coordinate conversion checked against pdf.js itself: real PDFs (pdf-lib) with a
 * CropBox offset and every /Rotate, opened by pdf.js, whose viewport maps canvas pixels back to
 * PDF user space. If our conversion and pdf.js disagree, a dragged seal would land elsewhere.
 */

import { degrees, PDFDocument } from 'pdf-lib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import {
  clampCentre,
  displayedSize,
  displayedToUserSpace,
  dropPoint,
  normaliseRotation,
  type PageGeometry,
  sealCssSize,
  userSpaceToDisplayed,
} from './placement';
import { pngSizeMm } from './png';

async function pdfWith(rotate: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([600, 800]);
  // A CropBox that does not start at the origin, as scanners and imposition tools produce.
  page.setCropBox(30, 40, 500, 700);
  page.setRotation(degrees(rotate));
  return doc.save();
}

describe('placement agrees with pdf.js', () => {
  for (const rotate of [0, 90, 180, 270]) {
    it(`maps displayed points to user space on a page with /Rotate ${rotate}`, async () => {
      const pdf = await getDocument({ data: await pdfWith(rotate), isEvalSupported: false }).promise;
      const page = await pdf.getPage(1);
      const geometry: PageGeometry = {
        view: page.view as PageGeometry['view'],
        rotate: normaliseRotation(page.rotate),
      };
      const scale = 1.5;
      const viewport = page.getViewport({ scale });
      expect(displayedSize(geometry)).toEqual({ width: viewport.width / scale, height: viewport.height / scale });
      for (const [cx, cy] of [
        [0, 0],
        [120, 60],
        [viewport.width, viewport.height],
        [33.3, 517.9],
      ] as const) {
        const [ux, uy] = viewport.convertToPdfPoint(cx, cy) as [number, number];
        const ours = displayedToUserSpace(geometry, { x: cx / scale, y: cy / scale });
        expect(ours.x).toBeCloseTo(ux, 6);
        expect(ours.y).toBeCloseTo(uy, 6);
        const back = userSpaceToDisplayed(geometry, ours);
        expect(back.x).toBeCloseTo(cx / scale, 6);
        expect(back.y).toBeCloseTo(cy / scale, 6);
      }
      await pdf.destroy();
    });
  }
});

describe('drag arithmetic', () => {
  const a4: PageGeometry = { view: [0, 0, 595.28, 841.89], rotate: 0 };

  it('a 42 mm seal is 119 pt, drawn at the page scale', () => {
    const size = sealCssSize({ widthMm: 42, heightMm: 42 }, 1.25);
    expect(size.width).toBeCloseTo((42 / 25.4) * 72 * 1.25, 6);
    expect(size.height).toBeCloseTo(size.width, 6);
  });

  it('a drop point is the pointer minus the page corner and the grab offset, divided by the scale', () => {
    const p = dropPoint(a4, 2, { left: 100, top: 50 }, { clientX: 500, clientY: 450 }, { x: 10, y: -20 });
    expect(p).toEqual({ x: 195, y: 210 });
  });

  it('keeps the seal centre on the page', () => {
    expect(clampCentre(a4, { x: -5, y: 900 })).toEqual({ x: 0, y: 841.89 });
    const landscape: PageGeometry = { view: [0, 0, 595.28, 841.89], rotate: 90 };
    expect(clampCentre(landscape, { x: 800, y: 700 })).toEqual({ x: 800, y: 595.28 });
  });

  it('normalises odd /Rotate values the way PDF readers do', () => {
    expect(normaliseRotation(-90)).toBe(270);
    expect(normaliseRotation(450)).toBe(90);
    expect(normaliseRotation(0)).toBe(0);
  });
});

/** A PNG's header chunks as the seal engine writes them (pixel data omitted: the reader stops before IDAT). */
function pngHeader(width: number, height: number, pixelsPerMetre: number): Uint8Array {
  const chunk = (type: string, data: number[]) => {
    const length = [24, 16, 8, 0].map((s) => (data.length >>> s) & 255);
    return [...length, ...[...type].map((c) => c.charCodeAt(0)), ...data, 0, 0, 0, 0];
  };
  const u32 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255);
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk('IHDR', [...u32(width), ...u32(height), 8, 6, 0, 0, 0]),
    ...chunk('pHYs', [...u32(pixelsPerMetre), ...u32(pixelsPerMetre), 1]),
    ...chunk('IDAT', []),
  ]);
}

describe('pngSizeMm', () => {
  it('reads the true size from IHDR and pHYs: a 42 mm seal at 600 dpi is 992 px at 23622 px/m', () => {
    expect(pngSizeMm(pngHeader(992, 992, 23622))).toEqual({ widthMm: 42, heightMm: 42 });
    expect(pngSizeMm(pngHeader(1063, 709, 23622))).toEqual({ widthMm: 45, heightMm: 30 });
  });

  it('answers null for what is not a PNG with a physical size', () => {
    expect(pngSizeMm(new TextEncoder().encode('GIF89a……………………………………………………'))).toBeNull();
    expect(pngSizeMm(new Uint8Array(4))).toBeNull();
    const noDensity = pngHeader(992, 992, 23622);
    noDensity[33 + 4 + 3] = 0x78; // rename pHYs → pHYx: an unknown chunk, then IDAT
    expect(pngSizeMm(noDensity)).toBeNull();
  });
});
