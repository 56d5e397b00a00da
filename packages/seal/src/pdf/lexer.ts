import { SealError } from './errors.js';
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfString } from './objects.js';

/** Thrown when a parse runs off the end of the window it was given; the caller retries with a bigger one. */
export class OutOfData extends Error {}

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

export const isWhite = (c: number): boolean => WS[c] === 1;
const isRegular = (c: number): boolean => WS[c] !== 1 && DELIM[c] !== 1;

/** Nesting deeper than this is hostile: a real document never needs it, a recursive parser would overflow. */
const MAX_DEPTH = 64;

function corrupt(what: string, pos: number): SealError {
  return new SealError(
    'pdf_object_corrupt',
    `PDF 对象语法错误：${what}（偏移 ${pos}）`,
    `malformed PDF object: ${what} at offset ${pos}`,
  );
}

/**
 * A cursor over a window of the file. `base` is the file offset of buf[0], so positions reported
 * to callers are file offsets. `atEof` says whether the window ends where the file ends (running out
 * of data is then corruption, not a reason to read more).
 */
export class Lexer {
  pos: number;
  constructor(
    readonly buf: Buffer,
    readonly base = 0,
    readonly atEof = true,
    start = 0,
  ) {
    this.pos = start;
  }

  get filePos(): number {
    return this.base + this.pos;
  }

  private eod(): never {
    if (this.atEof) throw new SealError('pdf_truncated', 'PDF 文件被截断', 'PDF file is truncated', {});
    throw new OutOfData();
  }

  skipWs(): void {
    const b = this.buf;
    for (;;) {
      while (this.pos < b.length && WS[b[this.pos]!] === 1) this.pos++;
      if (this.pos < b.length && b[this.pos] === 0x25 /* % */) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
        continue;
      }
      return;
    }
  }

  /** Reads a bare token (keyword or number) without interpreting it; '' at a delimiter. */
  word(): string {
    this.skipWs();
    const b = this.buf;
    const s = this.pos;
    while (this.pos < b.length && isRegular(b[this.pos]!)) this.pos++;
    if (this.pos === b.length && !this.atEof) this.eod();
    return b.toString('latin1', s, this.pos);
  }

  peekByte(): number {
    this.skipWs();
    if (this.pos >= this.buf.length) this.eod();
    return this.buf[this.pos]!;
  }

  expectWord(w: string): void {
    const at = this.filePos;
    const got = this.word();
    if (got !== w) throw corrupt(`expected "${w}", got "${got.slice(0, 20)}"`, at);
  }

  readInt(): number {
    const at = this.filePos;
    const w = this.word();
    if (!/^\d{1,10}$/.test(w)) throw corrupt(`expected an integer, got "${w.slice(0, 20)}"`, at);
    return Number(w);
  }

  parse(depth = 0): PdfObject {
    if (depth > MAX_DEPTH) throw corrupt('nesting too deep', this.filePos);
    this.skipWs();
    const b = this.buf;
    if (this.pos >= b.length) this.eod();
    const c = b[this.pos]!;
    switch (c) {
      case 0x2f: // /
        return this.parseName();
      case 0x28: // (
        return this.parseLiteral();
      case 0x3c: // <
        if (b[this.pos + 1] === 0x3c) return this.parseDict(depth);
        if (this.pos + 1 >= b.length) this.eod();
        return this.parseHex();
      case 0x5b: {
        // [
        this.pos++;
        const arr: PdfObject[] = [];
        for (;;) {
          this.skipWs();
          if (this.pos >= b.length) this.eod();
          if (b[this.pos] === 0x5d) {
            this.pos++;
            return arr;
          }
          arr.push(this.parseWithRef(depth + 1));
        }
      }
      default: {
        const at = this.filePos;
        const w = this.word();
        if (w === 'true') return true;
        if (w === 'false') return false;
        if (w === 'null') return null;
        if (w !== '' && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(w)) return Number(w);
        // Tolerate the "--5" and "5-" forms some producers emit; anything else is corrupt.
        const lenient = /^[+-]*(\d*\.?\d*)[+-]*$/.exec(w);
        if (w !== '' && lenient && lenient[1] !== '' && lenient[1] !== '.') return Number(lenient[1]);
        throw corrupt(`unexpected token "${w.slice(0, 20) || String.fromCharCode(c)}"`, at);
      }
    }
  }

  /** Parses an object where `n g R` may appear (inside arrays and dicts). */
  parseWithRef(depth: number): PdfObject {
    const o = this.parse(depth);
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) {
      const save = this.pos;
      this.skipWs();
      const c = this.buf[this.pos];
      if (c !== undefined && c >= 0x30 && c <= 0x39) {
        const g = this.word();
        if (/^\d{1,5}$/.test(g) && this.word() === 'R') return new PdfRef(o, Number(g));
      }
      this.pos = save;
    }
    return o;
  }

  private parseName(): PdfName {
    const b = this.buf;
    this.pos++;
    const s = this.pos;
    while (this.pos < b.length && isRegular(b[this.pos]!)) this.pos++;
    if (this.pos === b.length && !this.atEof) this.eod();
    let raw = b.toString('latin1', s, this.pos);
    if (raw.includes('#')) {
      raw = raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    }
    return PdfName.of(raw);
  }

  private parseHex(): PdfString {
    const b = this.buf;
    this.pos++;
    const digits: number[] = [];
    for (;;) {
      if (this.pos >= b.length) this.eod();
      const c = b[this.pos++]!;
      if (c === 0x3e) break;
      if (WS[c]) continue;
      const v = c <= 0x39 && c >= 0x30 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (v < 0) throw corrupt('bad hex string', this.filePos - 1);
      digits.push(v);
    }
    const out = Buffer.alloc((digits.length + 1) >> 1);
    for (let i = 0; i < digits.length; i += 2) out[i >> 1] = (digits[i]! << 4) | (digits[i + 1] ?? 0);
    return new PdfString(out, true);
  }

  private parseLiteral(): PdfString {
    const b = this.buf;
    this.pos++;
    const out: number[] = [];
    let nest = 1;
    for (;;) {
      if (this.pos >= b.length) this.eod();
      let c = b[this.pos++]!;
      if (c === 0x28) nest++;
      else if (c === 0x29) {
        if (--nest === 0) break;
      } else if (c === 0x5c) {
        if (this.pos >= b.length) this.eod();
        c = b[this.pos++]!;
        switch (c) {
          case 0x6e:
            out.push(0x0a);
            continue;
          case 0x72:
            out.push(0x0d);
            continue;
          case 0x74:
            out.push(0x09);
            continue;
          case 0x62:
            out.push(0x08);
            continue;
          case 0x66:
            out.push(0x0c);
            continue;
          case 0x0d:
            if (b[this.pos] === 0x0a) this.pos++;
            continue;
          case 0x0a:
            continue;
          default:
            if (c >= 0x30 && c <= 0x37) {
              let v = c - 0x30;
              for (let k = 0; k < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; k++)
                v = v * 8 + b[this.pos++]! - 0x30;
              out.push(v & 0xff);
              continue;
            }
            out.push(c);
            continue;
        }
      }
      out.push(c);
    }
    return new PdfString(Buffer.from(out), false);
  }

  private parseDict(depth: number): PdfDict {
    const b = this.buf;
    this.pos += 2;
    const d = new PdfDict();
    for (;;) {
      this.skipWs();
      if (this.pos + 1 >= b.length) this.eod();
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return d;
      }
      if (b[this.pos] !== 0x2f) throw corrupt('dictionary key is not a name', this.filePos);
      const key = this.parseName().name;
      d.set(key, this.parseWithRef(depth + 1));
    }
  }
}
