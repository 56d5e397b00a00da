import { SealError } from './errors.js';
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, serialize } from './objects.js';
import type { PdfReader } from './reader.js';

/**
 * Builds one incremental update: new and changed objects, then an xref section of the same kind
 * as the file's newest one (a classic table, or an xref stream), then a trailer whose /Prev
 * points at the previous section. The original bytes are never touched.
 */
export class IncrementalWriter {
  private readonly objects = new Map<number, { gen: number; value: PdfObject }>();
  private next: number;

  constructor(readonly reader: PdfReader) {
    this.next = reader.nextObjectNumber;
  }

  alloc(): PdfRef {
    return new PdfRef(this.next++, 0);
  }

  /** Adds a new object and returns its reference. */
  add(value: PdfObject): PdfRef {
    const ref = this.alloc();
    this.objects.set(ref.num, { gen: 0, value });
    return ref;
  }

  /** Sets (replaces) an object: a new one from alloc(), or a new version of an existing one. */
  set(ref: PdfRef, value: PdfObject): void {
    this.objects.set(ref.num, { gen: ref.gen, value });
  }

  /** The latest version of an object: ours if changed in this update, else the file's. */
  get(ref: PdfRef): PdfObject | undefined {
    return this.objects.get(ref.num)?.value ?? this.reader.getObject(ref);
  }

  isChanged(ref: PdfRef): boolean {
    return this.objects.has(ref.num);
  }

  /**
   * Serializes the update. `spans` gives, per object number, its byte range inside `bytes` (used
   * to find the signature placeholders). `bytes` starts with a newline when the file did not end
   * with one, so the first "n 0 obj" starts on its own line.
   */
  build(): { bytes: Buffer; spans: Map<number, [number, number]> } {
    const { parts, length, spans } = this.buildParts();
    return { bytes: Buffer.concat(parts, length), spans };
  }

  /** Like build(), but leaves the pieces unjoined so the caller can copy them straight into the output. */
  buildParts(): { parts: Buffer[]; length: number; spans: Map<number, [number, number]> } {
    const src = this.reader.source;
    const base = src.size;
    const last = src.read(base - 1, 1)[0];
    const parts: Buffer[] = [];
    let len = 0;
    const push = (b: Buffer) => {
      parts.push(b);
      len += b.length;
    };
    if (last !== 0x0a && last !== 0x0d) push(Buffer.from('\n'));
    const offsets = new Map<number, [number, number]>();
    const spans = new Map<number, [number, number]>();
    const sec = this.reader.security;
    for (const [num, { gen, value }] of [...this.objects].sort((a, b) => a[0] - b[0])) {
      const start = len;
      offsets.set(num, [base + start, gen]);
      let v = value;
      if (v instanceof PdfStream) {
        const data = sec ? sec.encryptStream(num, gen, v.data) : v.data;
        const d = (sec ? sec.encryptStrings(v.dict, num, gen) : v.dict) as PdfDict;
        const dd = d.clone().set('Length', data.length);
        push(Buffer.from(`${num} ${gen} obj\n${serialize(dd)}\nstream\n`, 'latin1'));
        push(data);
        push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
      } else {
        if (sec) v = sec.encryptStrings(v, num, gen);
        push(Buffer.from(`${num} ${gen} obj\n${serialize(v)}\nendobj\n`, 'latin1'));
      }
      spans.set(num, [start, len]);
    }
    const trailer = new PdfDict();
    for (const k of ['Root', 'Info', 'ID', 'Encrypt']) {
      const v = this.reader.trailer.get(k);
      if (v !== undefined) trailer.set(k, v);
    }
    trailer.set('Prev', this.reader.startxref);
    const xrefStart = base + len;
    if (this.reader.xrefKind === 'table') {
      trailer.set('Size', Math.max(this.next, this.reader.size));
      push(
        Buffer.from(`${xrefTable(offsets)}trailer\n${serialize(trailer)}\nstartxref\n${xrefStart}\n%%EOF\n`, 'latin1'),
      );
    } else {
      const selfNum = this.next++;
      offsets.set(selfNum, [xrefStart, 0]);
      const { data, index, w } = xrefStreamData(offsets);
      trailer.set('Type', PdfName.of('XRef')).set('Size', Math.max(this.next, this.reader.size));
      trailer.set('W', w).set('Index', index).set('Length', data.length);
      push(Buffer.from(`${selfNum} 0 obj\n${serialize(trailer)}\nstream\n`, 'latin1'));
      push(data);
      push(Buffer.from(`\nendstream\nendobj\nstartxref\n${xrefStart}\n%%EOF\n`, 'latin1'));
    }
    return { parts, length: len, spans };
  }
}

/** Groups sorted object numbers into contiguous runs (xref subsections). */
function runs(nums: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of nums) {
    const lastRun = out.at(-1);
    if (lastRun && lastRun[0] + lastRun[1] === n) lastRun[1]++;
    else out.push([n, 1]);
  }
  return out;
}

function xrefTable(offsets: Map<number, [number, number]>): string {
  const nums = [...offsets.keys()].sort((a, b) => a - b);
  let s = 'xref\n0 1\n0000000000 65535 f\r\n';
  for (const [first, count] of runs(nums)) {
    s += `${first} ${count}\n`;
    for (let n = first; n < first + count; n++) {
      const [off, gen] = offsets.get(n)!;
      if (off > 9_999_999_999)
        throw new SealError('pdf_too_large', 'PDF 文件过大', 'PDF file too large for a classic xref table');
      s += `${String(off).padStart(10, '0')} ${String(gen).padStart(5, '0')} n\r\n`;
    }
  }
  return s;
}

function xrefStreamData(offsets: Map<number, [number, number]>): { data: Buffer; index: number[]; w: number[] } {
  const nums = [...offsets.keys()].sort((a, b) => a - b);
  const maxOff = Math.max(...[...offsets.values()].map((v) => v[0]));
  const ow = maxOff < 2 ** 32 ? 4 : 6;
  const data = Buffer.alloc(nums.length * (1 + ow + 2));
  let p = 0;
  for (const n of nums) {
    const [off, gen] = offsets.get(n)!;
    data[p++] = 1;
    data.writeUIntBE(off, p, ow);
    p += ow;
    data.writeUInt16BE(gen, p);
    p += 2;
  }
  return { data, index: runs(nums).flat(), w: [1, ow, 2] };
}
