/**
 * The PDF object model of the lean reader/writer. Strings keep their raw bytes exactly as stored,
 * so an object copied into a new revision (e.g. a page getting a new /Annots entry) is re-emitted
 * byte-for-byte equivalent — which also keeps strings of encrypted files valid without decrypting.
 */
export class PdfName {
  private static readonly interned = new Map<string, PdfName>();
  private constructor(readonly name: string) {}
  static of(name: string): PdfName {
    let n = PdfName.interned.get(name);
    if (!n) {
      n = new PdfName(name);
      // Hostile files can contain millions of distinct names; intern only the short, common ones.
      if (name.length <= 32 && PdfName.interned.size < 10_000) PdfName.interned.set(name, n);
    }
    return n;
  }
}

export class PdfString {
  constructor(
    readonly bytes: Buffer,
    readonly hex = false,
  ) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

export class PdfDict {
  readonly map: Map<string, PdfObject>;
  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.map = new Map(entries);
  }
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfObject): this {
    this.map.set(key, value);
    return this;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
}

export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** Stream data as stored in the file (still filtered, still encrypted). */
    readonly data: Buffer,
  ) {}
}

/** Pre-serialized bytes inserted verbatim (signature placeholders). */
export class PdfRaw {
  constructor(readonly text: string) {}
}

export type PdfObject =
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfRef
  | PdfObject[]
  | PdfDict
  | PdfStream
  | PdfRaw;

export const name = (n: string): PdfName => PdfName.of(n);
export const dict = (entries: Record<string, PdfObject | undefined>): PdfDict => {
  const d = new PdfDict();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) d.set(k, v);
  return d;
};

/** A text string: PDFDocEncoding-compatible ASCII stays literal, anything else becomes UTF-16BE with BOM. */
export function textString(s: string): PdfString {
  if (/^[\x20-\x7e]*$/.test(s)) return new PdfString(Buffer.from(s, 'latin1'));
  const utf16 = Buffer.from(`\ufeff${s}`, 'utf16le');
  utf16.swap16();
  return new PdfString(utf16, true);
}

/** Decodes a text string (UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding≈latin1). */
export function decodeText(s: PdfString): string {
  const b = s.bytes;
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const copy = Buffer.from(b.subarray(2, 2 + ((b.length - 2) & ~1)));
    copy.swap16();
    return copy.toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}

export function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

export function parsePdfDate(s: string): Date | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?'?/.exec(s);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz, th = '00', tm = '00'] = m;
  let t = Date.UTC(+y!, +mo - 1, +d, +h, +mi, +se);
  if (tz === '+' || tz === '-') t -= (tz === '+' ? 1 : -1) * (+th * 60 + +tm) * 60_000;
  return new Date(t);
}

// ---------------------------------------------------------------- serialization

const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%#') DELIM[c.charCodeAt(0)] = 1;

function serializeName(n: string): string {
  let out = '/';
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || DELIM[c]) out += `#${c.toString(16).padStart(2, '0')}`;
    else out += n[i];
  }
  return out;
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // PDF has no exponent notation; 6 decimals is below any device resolution.
  let s = n.toFixed(6);
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function serializeString(s: PdfString): string {
  if (s.hex) return `<${s.bytes.toString('hex')}>`;
  let out = '(';
  const b = s.bytes;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x28 || c === 0x29 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x0a) out += '\\n';
    else if (c < 0x20 || c > 0x7e) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out})`;
}

/**
 * Serializes to a latin1 string (each char = one byte). Streams are not allowed here:
 * they are written by the writer, which needs their data as bytes.
 */
export function serialize(o: PdfObject): string {
  if (o === null) return 'null';
  if (typeof o === 'boolean') return o ? 'true' : 'false';
  if (typeof o === 'number') return formatNumber(o);
  if (o instanceof PdfName) return serializeName(o.name);
  if (o instanceof PdfString) return serializeString(o);
  if (o instanceof PdfRef) return `${o.num} ${o.gen} R`;
  if (o instanceof PdfRaw) return o.text;
  if (Array.isArray(o)) return `[${o.map(serialize).join(' ')}]`;
  if (o instanceof PdfDict) {
    let out = '<<';
    for (const [k, v] of o.map) out += `${serializeName(k)} ${serialize(v)}`;
    return `${out}>>`;
  }
  throw new TypeError('streams must be written as indirect objects');
}

// ---------------------------------------------------------------- typed accessors

export function isName(o: PdfObject | undefined, n?: string): o is PdfName {
  return o instanceof PdfName && (n === undefined || o.name === n);
}
