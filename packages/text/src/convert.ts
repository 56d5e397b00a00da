import * as OpenCC from 'opencc-js';
import { assertString, TextInputError } from './errors.js';

/** Traditional-Chinese variants (繁体变体): OpenCC standard, Taiwan, Taiwan with phrases, Hong Kong. */
export type TraditionalVariant = 't' | 'tw' | 'twp' | 'hk';

type Convert = (text: string) => string;
const converters = new Map<string, Convert>();

// Building a converter loads its dictionaries (tens of ms), so each direction is built once.
function converter(from: string, to: string): Convert {
  const key = `${from}>${to}`;
  let convert = converters.get(key);
  if (!convert) {
    convert = OpenCC.Converter({ from, to } as never) as Convert;
    converters.set(key, convert);
  }
  return convert;
}

const VARIANTS: readonly TraditionalVariant[] = ['t', 'tw', 'twp', 'hk'];

function checkVariant(variant: TraditionalVariant): void {
  if (!VARIANTS.includes(variant)) {
    throw new TextInputError(
      'text.variant',
      `traditional variant must be one of ${VARIANTS.join(', ')}, got ${String(variant)}`,
    );
  }
}

/**
 * Simplified → traditional (简转繁). `variant` picks the regional standard: `tw` (default) uses
 * Taiwan character forms, `twp` also Taiwan vocabulary (软件 → 軟體), `hk` Hong Kong forms.
 */
export function toTraditional(text: string, variant: TraditionalVariant = 'tw'): string {
  assertString(text, 'text');
  checkVariant(variant);
  return converter('cn', variant)(text);
}

/**
 * Traditional → simplified (繁转简). `variant` names the source standard (default `tw`); with
 * `twp`, Taiwan vocabulary is mapped back too (軟體 → 软件). Simplified input passes unchanged,
 * which makes this safe for normalising mixed search queries.
 */
export function toSimplified(text: string, variant: TraditionalVariant = 'tw'): string {
  assertString(text, 'text');
  checkVariant(variant);
  return converter(variant, 'cn')(text);
}
