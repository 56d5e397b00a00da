import { createRequire } from 'node:module';
import type { Font } from 'fontkit';
import * as fontkit from 'fontkit';
import { SealImageError } from './errors.js';

/**
 * Noto Serif SC (思源宋体, SIL OFL 1.1) ships as full TTFs through npm, so seals render identically on any machine
 * without system fonts. 宋体-style bold is the closest open-licensed match to the typeface of real 公章.
 */
const FONT_FILES = {
  bold: '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf',
  black: '@expo-google-fonts/noto-serif-sc/900Black/NotoSerifSC_900Black.ttf',
} as const;
export type FontWeight = keyof typeof FONT_FILES;

const require = createRequire(import.meta.url);
const cache = new Map<FontWeight, Font>();

export function sealFont(weight: FontWeight = 'bold'): Font {
  let font = cache.get(weight);
  if (!font) {
    font = fontkit.openSync(require.resolve(FONT_FILES[weight]));
    cache.set(weight, font);
  }
  return font;
}

/** A glyph outline in font units (y up) plus the metrics needed to centre it in its em box. */
export interface GlyphOutline {
  d: string;
  advance: number;
  unitsPerEm: number;
  /** Vertical centre of the ideographic em box, in font units. */
  emCenterY: number;
}

export function glyphOutline(char: string, weight: FontWeight = 'bold'): GlyphOutline {
  const font = sealFont(weight);
  const codePoint = char.codePointAt(0) ?? 0;
  const glyph = font.glyphForCodePoint(codePoint);
  if (glyph.id === 0) {
    throw new SealImageError('GLYPH_MISSING', `字体中没有字符 “${char}” (U+${codePoint.toString(16).toUpperCase()})`);
  }
  const os2 = font['OS/2'];
  return {
    d: glyph.path.toSVG(),
    advance: glyph.advanceWidth,
    unitsPerEm: font.unitsPerEm,
    emCenterY: (os2.typoAscender + os2.typoDescender) / 2,
  };
}
