// Declarations for untyped modules: fontkit declares only the members this folder uses.
declare module 'fontkit' {
  export interface Glyph {
    id: number;
    advanceWidth: number;
    path: { toSVG(): string };
  }
  export interface Font {
    unitsPerEm: number;
    'OS/2': { typoAscender: number; typoDescender: number };
    glyphForCodePoint(codePoint: number): Glyph;
  }
  export function openSync(path: string): Font;
}

// pdf.js's worker bundle has no declarations; it is only registered on globalThis, never called directly.
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs';
