import { StandardSecurity } from './encryption.js';
import { SealError } from './errors.js';
import { decodeStream } from './filters.js';
import { Lexer, OutOfData } from './lexer.js';
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from './objects.js';
import type { ByteSource } from './source.js';

type Entry = { type: 1; offset: number; gen: number } | { type: 2; stream: number; index: number };

interface XrefSection {
  kind: 'table' | 'stream';
  offset: number;
  trailer: PdfDict;
  lookup(num: number): Entry | undefined;
  /** Object numbers this section defines (in use), for revision diffs. */
  numbers(): Iterable<number>;
}

/** More sections than this is not a real revision history but a hostile or broken file. */
const MAX_SECTIONS = 10_000;
const MAX_OBJECT_WINDOW = 64 * 1024 * 1024;

function xrefCorrupt(detailZh: string, detailEn: string): SealError {
  return new SealError(
    'pdf_xref_corrupt',
    `PDF 交叉引用表损坏：${detailZh}`,
    `PDF cross-reference table is corrupt: ${detailEn}`,
  );
}

export interface PageInfo {
  ref: PdfRef;
  dict: PdfDict;
  index: number;
  /** Visible area [x0, y0, x1, y1] in PDF points (CropBox, else MediaBox, inherited). */
  box: [number, number, number, number];
  rotate: number;
}

/**
 * A lazy PDF reader: it reads the tail, the xref chain and then only the objects asked for, so
 * signing a 1 GB file touches a few kilobytes of it. Objects are returned with strings decrypted.
 */
export class PdfReader {
  readonly sections: XrefSection[] = [];
  readonly trailer: PdfDict;
  readonly startxref: number;
  readonly security?: StandardSecurity;
  /** 'table' when the newest section is a classic table (hybrid files included), else 'stream'. */
  readonly xrefKind: 'table' | 'stream';
  private readonly cache = new Map<number, PdfObject>();
  private readonly objStms = new Map<number, { data: Buffer; offsets: Map<number, number>; first: number }>();
  private readonly resolving = new Set<number>();

  constructor(readonly source: ByteSource) {
    const head = source.read(0, 1024).toString('latin1');
    if (!head.includes('%PDF-')) {
      throw new SealError('pdf_not_pdf', '文件不是 PDF（缺少 %PDF- 文件头）', 'not a PDF file (no %PDF- header)');
    }
    this.startxref = this.findStartxref();
    this.loadXrefChain(this.startxref);
    this.trailer = this.mergedTrailer();
    this.xrefKind = this.sections[0]!.kind;
    const enc = this.trailer.get('Encrypt');
    if (enc !== undefined && enc !== null) {
      const encDict = enc instanceof PdfRef ? this.getRawUnencrypted(enc) : enc;
      if (!(encDict instanceof PdfDict)) throw xrefCorrupt('/Encrypt 无效', 'bad /Encrypt');
      const id = this.trailer.get('ID');
      const id0 = Array.isArray(id) && id[0] instanceof PdfString ? id[0].bytes : undefined;
      this.security = StandardSecurity.open(encDict, id0);
      this.encryptRef = enc instanceof PdfRef ? enc.num : -1;
    }
  }

  private encryptRef = -1;

  /** The largest /Size of any section: hybrid and linearized files state it in different places. */
  get size(): number {
    let max = 0;
    for (const sec of this.sections) {
      const s = sec.trailer.get('Size');
      if (typeof s === 'number' && s > max) max = s;
    }
    return max;
  }

  /** The highest object number in use plus one, which is where new objects start. */
  get nextObjectNumber(): number {
    return Math.max(this.size, 1);
  }

  private findStartxref(): number {
    const size = this.source.size;
    const tailLen = Math.min(size, 2048);
    const tail = this.source.read(size - tailLen, tailLen).toString('latin1');
    const i = tail.lastIndexOf('startxref');
    if (i < 0)
      throw new SealError(
        'pdf_truncated',
        'PDF 文件不完整（找不到 startxref）',
        'PDF file is incomplete (no startxref)',
      );
    const m = /^startxref\s+(\d{1,15})/.exec(tail.slice(i));
    if (!m) throw xrefCorrupt('startxref 后没有偏移', 'no offset after startxref');
    const off = Number(m[1]);
    if (off <= 0 || off >= size)
      throw xrefCorrupt(`startxref 偏移 ${off} 越界`, `startxref offset ${off} out of range`);
    return off;
  }

  private loadXrefChain(first: number): void {
    const seen = new Set<number>();
    const queue: number[] = [first];
    while (queue.length) {
      const off = queue.shift()!;
      if (seen.has(off)) {
        throw new SealError(
          'pdf_xref_loop',
          'PDF 交叉引用表存在循环（/Prev 指向已读过的位置）',
          'loop in the PDF cross-reference chain (/Prev)',
        );
      }
      if (seen.size >= MAX_SECTIONS) throw xrefCorrupt('交叉引用段过多', 'too many xref sections');
      seen.add(off);
      if (off <= 0 || off >= this.source.size) throw xrefCorrupt(`偏移 ${off} 越界`, `offset ${off} out of range`);
      const probe = this.source.read(off, 16).toString('latin1');
      const section = /^\s*xref/.test(probe) ? this.readTable(off) : this.readXrefStream(off);
      this.sections.push(section);
      const stm = section.trailer.get('XRefStm');
      if (section.kind === 'table' && typeof stm === 'number' && !seen.has(stm)) {
        seen.add(stm);
        this.sections.push(this.readXrefStream(stm));
      }
      const prev = section.trailer.get('Prev');
      if (typeof prev === 'number') queue.push(prev);
    }
  }

  private readTable(off: number): XrefSection {
    const size = this.source.size;
    const subs: { first: number; count: number; pos: number }[] = [];
    let p = off + this.source.read(off, 16).toString('latin1').indexOf('xref') + 4;
    let total = 0;
    for (;;) {
      // a subsection header "first count", or the trailer keyword; the window grows if a token is long
      const head = this.readWindowed(
        p,
        (lx) => {
          lx.skipWs();
          const word = lx.word();
          if (word === 'trailer' || !/^\d{1,10}$/.test(word)) return { word, count: 0, pos: lx.filePos };
          const n = lx.readInt();
          lx.skipWs();
          return { word, count: n, pos: lx.filePos };
        },
        64,
      );
      const w = head.word;
      if (w === 'trailer') {
        const tw = this.readWindowed(head.pos, (l) => l.parse());
        if (!(tw instanceof PdfDict)) throw xrefCorrupt('trailer 不是字典', 'trailer is not a dictionary');
        return this.tableSection(off, tw, subs);
      }
      if (!/^\d{1,10}$/.test(w)) throw xrefCorrupt(`意外的内容 "${w.slice(0, 16)}"`, `unexpected "${w.slice(0, 16)}"`);
      const { count, pos } = head;
      total += count;
      if (pos + 20 * count > size || total > size / 18) {
        throw xrefCorrupt(`条目数 ${count} 超过文件大小`, `entry count ${count} exceeds the file size`);
      }
      subs.push({ first: Number(w), count, pos });
      p = pos + 20 * count;
      if (
        count > 0 &&
        (this.tableEntryAt(pos) === undefined || this.tableEntryAt(pos + 20 * (count - 1)) === undefined)
      ) {
        throw xrefCorrupt('条目格式错误', 'malformed entries');
      }
    }
  }

  private tableEntryAt(pos: number): Entry | null | undefined {
    const s = this.source.read(pos, 20).toString('latin1');
    const m = /^(\d{10}) (\d{5}) ([nf])/.exec(s);
    if (!m) return undefined;
    return m[3] === 'n' ? { type: 1, offset: Number(m[1]), gen: Number(m[2]) } : null;
  }

  private tableSection(
    offset: number,
    trailer: PdfDict,
    subs: { first: number; count: number; pos: number }[],
  ): XrefSection {
    return {
      kind: 'table',
      offset,
      trailer,
      lookup: (num) => {
        for (const s of subs) {
          if (num >= s.first && num < s.first + s.count) {
            const e = this.tableEntryAt(s.pos + 20 * (num - s.first));
            if (e === undefined) throw xrefCorrupt(`对象 ${num} 的条目格式错误`, `malformed entry for object ${num}`);
            return e ?? undefined;
          }
        }
        return undefined;
      },
      numbers: function* (this: PdfReader) {
        for (const s of subs)
          for (let i = 0; i < s.count; i++) if (this.tableEntryAt(s.pos + 20 * i)) yield s.first + i;
      }.bind(this) as () => Iterable<number>,
    };
  }

  private readXrefStream(off: number): XrefSection {
    const obj = this.parseIndirectAt(off, undefined);
    if (!(obj.value instanceof PdfStream))
      throw xrefCorrupt(`偏移 ${off} 处不是交叉引用流`, `no xref stream at offset ${off}`);
    const d = obj.value.dict;
    const type = d.get('Type');
    if (!(type instanceof PdfName) || type.name !== 'XRef')
      throw xrefCorrupt(`偏移 ${off} 处不是交叉引用流`, `no xref stream at offset ${off}`);
    const data = decodeStream(d, obj.value.data);
    const w = d.get('W');
    if (!Array.isArray(w) || w.length < 3 || !w.every((x) => typeof x === 'number' && x >= 0 && x <= 8)) {
      throw xrefCorrupt('/W 无效', 'bad /W');
    }
    const [w0, w1, w2] = w as number[];
    const width = w0! + w1! + w2!;
    if (width === 0) throw xrefCorrupt('/W 无效', 'bad /W');
    const sizeV = d.get('Size');
    const idx = d.get('Index') ?? [0, typeof sizeV === 'number' ? sizeV : 0];
    if (!Array.isArray(idx) || idx.length % 2 !== 0) throw xrefCorrupt('/Index 无效', 'bad /Index');
    const subs: { first: number; count: number; pos: number }[] = [];
    let pos = 0;
    for (let i = 0; i < idx.length; i += 2) {
      const first = idx[i];
      const count = idx[i + 1];
      if (typeof first !== 'number' || typeof count !== 'number' || count < 0)
        throw xrefCorrupt('/Index 无效', 'bad /Index');
      subs.push({ first, count, pos });
      pos += count * width;
      if (pos > data.length)
        throw xrefCorrupt(`条目数 ${count} 超过流长度`, `entry count ${count} exceeds the stream length`);
    }
    const field = (at: number, n: number, dflt: number): number => {
      if (n === 0) return dflt;
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + data[at + i]!;
      return v;
    };
    const entryAt = (at: number): Entry | undefined => {
      const t = field(at, w0!, 1);
      const a = field(at + w0!, w1!, 0);
      const b = field(at + w0! + w1!, w2!, 0);
      if (t === 1) return { type: 1, offset: a, gen: b };
      if (t === 2) return { type: 2, stream: a, index: b };
      return undefined;
    };
    return {
      kind: 'stream',
      offset: off,
      trailer: d,
      lookup: (num) => {
        for (const s of subs)
          if (num >= s.first && num < s.first + s.count) return entryAt(s.pos + width * (num - s.first));
        return undefined;
      },
      numbers: function* () {
        for (const s of subs) for (let i = 0; i < s.count; i++) if (entryAt(s.pos + width * i)) yield s.first + i;
      },
    };
  }

  private mergedTrailer(): PdfDict {
    const t = new PdfDict();
    for (let i = this.sections.length - 1; i >= 0; i--) {
      for (const [k, v] of this.sections[i]!.trailer.map) t.set(k, v);
    }
    const root = t.get('Root');
    if (!(root instanceof PdfRef)) throw xrefCorrupt('trailer 缺少 /Root', 'trailer has no /Root');
    return t;
  }

  lookup(num: number): Entry | undefined {
    for (const s of this.sections) {
      const e = s.lookup(num);
      if (e) return e;
    }
    return undefined;
  }

  /** Runs `fn` on a window at `pos`, growing the window when the parse runs off its end. */
  private readWindowed<T>(pos: number, fn: (lx: Lexer) => T, initial = 4096): T {
    for (let len = initial; ; len *= 8) {
      const win = this.source.read(pos, len);
      const atEof = pos + win.length >= this.source.size;
      try {
        return fn(new Lexer(win, pos, atEof));
      } catch (e) {
        if (!(e instanceof OutOfData)) throw e;
        if (atEof || len > MAX_OBJECT_WINDOW) {
          throw new SealError('pdf_too_large', 'PDF 对象过大', 'PDF object too large');
        }
      }
    }
  }

  /** Parses `n g obj … endobj` at a file offset; stream data is read separately (it can be large). */
  private parseIndirectAt(offset: number, expect: number | undefined): { num: number; gen: number; value: PdfObject } {
    if (offset < 0 || offset >= this.source.size)
      throw xrefCorrupt(`对象偏移 ${offset} 越界`, `object offset ${offset} out of range`);
    const head = this.readWindowed(offset, (lx) => {
      const num = lx.readInt();
      const gen = lx.readInt();
      lx.expectWord('obj');
      const value = lx.parse();
      let dataStart = -1;
      if (value instanceof PdfDict) {
        lx.skipWs();
        const save = lx.pos;
        if (lx.word() === 'stream') {
          let p = lx.pos;
          if (lx.buf[p] === 0x0d) p++;
          if (lx.buf[p] === 0x0a) p++;
          if (p >= lx.buf.length && !lx.atEof) throw new OutOfData();
          dataStart = lx.base + p;
        } else lx.pos = save;
      }
      return { num, gen, value, dataStart };
    });
    if (expect !== undefined && head.num !== expect) {
      throw xrefCorrupt(
        `偏移 ${offset} 处是对象 ${head.num} 而不是 ${expect}`,
        `object ${head.num} found at offset ${offset} where ${expect} was expected`,
      );
    }
    if (head.dataStart < 0) return head;
    const dict = head.value as PdfDict;
    let len = dict.get('Length');
    if (len instanceof PdfRef) {
      const key = len.num;
      if (this.resolving.has(key)) throw xrefCorrupt('流长度引用循环', 'stream /Length refers to itself');
      this.resolving.add(key);
      try {
        len = this.getObject(len);
      } finally {
        this.resolving.delete(key);
      }
    }
    let length = typeof len === 'number' && len >= 0 ? len : -1;
    if (length < 0 || head.dataStart + length > this.source.size || !this.endstreamAt(head.dataStart + length)) {
      length = this.scanForEndstream(head.dataStart);
    }
    return { ...head, value: new PdfStream(dict, this.source.read(head.dataStart, length)) };
  }

  private endstreamAt(pos: number): boolean {
    return /^\s*endstream/.test(this.source.read(pos, 32).toString('latin1'));
  }

  private scanForEndstream(start: number): number {
    const chunk = 1 << 20;
    for (let p = start; p < this.source.size; p += chunk - 16) {
      const s = this.source.read(p, chunk);
      const i = s.indexOf('endstream', 0, 'latin1');
      if (i >= 0) {
        let end = p + i;
        const before = this.source.read(Math.max(start, end - 2), end - Math.max(start, end - 2));
        if (before.at(-1) === 0x0a) end--;
        if (before.at(-2) === 0x0d && before.at(-1) === 0x0a) end--;
        return Math.max(0, end - start);
      }
    }
    throw new SealError(
      'pdf_truncated',
      'PDF 流没有结束标记（文件被截断？）',
      'PDF stream has no endstream (truncated file?)',
    );
  }

  /** Reads an object without decrypting (the /Encrypt dictionary itself is never encrypted). */
  private getRawUnencrypted(ref: PdfRef): PdfObject {
    const e = this.lookup(ref.num);
    if (e?.type !== 1) throw xrefCorrupt('/Encrypt 对象缺失', '/Encrypt object missing');
    return this.parseIndirectAt(e.offset, ref.num).value;
  }

  has(ref: PdfRef): boolean {
    return this.lookup(ref.num) !== undefined;
  }

  /** Fetches an indirect object (strings decrypted). Missing objects are null, as the spec says. */
  getObject(ref: PdfRef): PdfObject {
    const cached = this.cache.get(ref.num);
    if (cached !== undefined) return cached;
    const e = this.lookup(ref.num);
    let value: PdfObject = null;
    if (e?.type === 1) {
      value = this.parseIndirectAt(e.offset, ref.num).value;
      if (this.security && ref.num !== this.encryptRef) value = this.decryptObject(value, ref.num, e.gen);
    } else if (e?.type === 2) {
      value = this.fromObjectStream(e.stream, ref.num);
    }
    this.cache.set(ref.num, value);
    return value;
  }

  private decryptObject(value: PdfObject, num: number, gen: number): PdfObject {
    const sec = this.security!;
    if (value instanceof PdfStream) {
      const type = value.dict.get('Type');
      if (type instanceof PdfName && type.name === 'XRef') return value;
      return new PdfStream(
        sec.decryptStrings(value.dict, num, gen) as PdfDict,
        sec.decryptStream(num, gen, value.data),
      );
    }
    return sec.decryptStrings(value, num, gen);
  }

  private fromObjectStream(stmNum: number, num: number): PdfObject {
    let stm = this.objStms.get(stmNum);
    if (!stm) {
      if (this.resolving.has(-stmNum)) throw xrefCorrupt('对象流嵌套循环', 'object stream refers to itself');
      this.resolving.add(-stmNum);
      let s: PdfObject;
      try {
        const e = this.lookup(stmNum);
        if (e?.type !== 1) throw xrefCorrupt(`对象流 ${stmNum} 缺失`, `object stream ${stmNum} missing`);
        s = this.getObject(new PdfRef(stmNum, e.gen));
      } finally {
        this.resolving.delete(-stmNum);
      }
      if (!(s instanceof PdfStream)) throw xrefCorrupt(`对象流 ${stmNum} 无效`, `object stream ${stmNum} invalid`);
      const data = decodeStream(s.dict, s.data);
      const n = s.dict.get('N');
      const first = s.dict.get('First');
      if (typeof n !== 'number' || typeof first !== 'number' || first > data.length) {
        throw xrefCorrupt(`对象流 ${stmNum} 头部无效`, `object stream ${stmNum} header invalid`);
      }
      const lx = new Lexer(data.subarray(0, first));
      const offsets = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const on = lx.readInt();
        offsets.set(on, first + lx.readInt());
      }
      stm = { data, offsets, first };
      this.objStms.set(stmNum, stm);
    }
    const at = stm.offsets.get(num);
    if (at === undefined || at >= stm.data.length) return null;
    return new Lexer(stm.data, 0, true, at).parseWithRef(0);
  }

  /** Follows a reference (and chains of them) to a direct value. */
  resolve(o: PdfObject | undefined): PdfObject | undefined {
    for (let i = 0; o instanceof PdfRef; i++) {
      if (i > 32) throw xrefCorrupt('引用链过长', 'reference chain too long');
      o = this.getObject(o);
    }
    return o;
  }

  dictOf(o: PdfObject | undefined): PdfDict | undefined {
    const r = this.resolve(o);
    if (r instanceof PdfDict) return r;
    if (r instanceof PdfStream) return r.dict;
    return undefined;
  }

  get rootRef(): PdfRef {
    return this.trailer.get('Root') as PdfRef;
  }

  catalog(): PdfDict {
    const c = this.dictOf(this.rootRef);
    if (!c) throw new SealError('pdf_object_missing', 'PDF 缺少文档目录 (Catalog)', 'PDF has no document catalog');
    return c;
  }

  private pagesRoot(): PdfRef {
    const p = this.catalog().get('Pages');
    if (!(p instanceof PdfRef)) throw pageTreeCorrupt('目录缺少 /Pages', 'catalog has no /Pages');
    return p;
  }

  pageCount(): number {
    const root = this.dictOf(this.pagesRoot());
    const c = root?.get('Count');
    if (typeof c !== 'number' || c < 0) throw pageTreeCorrupt('页数无效', 'bad page /Count');
    return c;
  }

  /** One page by 0-based index, descending by /Count so only one branch is read. */
  page(index: number): PageInfo {
    const count = this.pageCount();
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new SealError(
        'pdf_page_out_of_range',
        `页码 ${index + 1} 超出范围（共 ${count} 页）`,
        `page ${index + 1} out of range (document has ${count})`,
      );
    }
    let node = this.pagesRoot();
    let skip = index;
    const inh = new PdfDict();
    const seen = new Set<number>();
    for (;;) {
      if (seen.has(node.num) || seen.size > 256) throw pageTreeCorrupt('页面树存在循环', 'loop in the page tree');
      seen.add(node.num);
      const d = this.dictOf(node);
      if (!d) throw pageTreeCorrupt('页面节点缺失', 'page node missing');
      inherit(inh, d);
      const kids = this.resolve(d.get('Kids'));
      if (!Array.isArray(kids)) {
        if (skip === 0) return this.pageInfo(node, d, inh, index);
        throw pageTreeCorrupt('页数与页面树不符', 'page count does not match the tree');
      }
      let found = false;
      for (const k of kids) {
        if (!(k instanceof PdfRef)) continue;
        const kd = this.dictOf(k);
        if (!kd) continue;
        const isLeaf = !Array.isArray(this.resolve(kd.get('Kids')));
        const n = isLeaf ? 1 : (kd.get('Count') as number);
        if (typeof n !== 'number' || n < 0) throw pageTreeCorrupt('页数无效', 'bad page /Count');
        if (skip < n) {
          node = k;
          found = true;
          break;
        }
        skip -= n;
      }
      if (!found) throw pageTreeCorrupt('页数与页面树不符', 'page count does not match the tree');
    }
  }

  /** All pages in order (multi-page and straddle seals need every one). */
  pages(): PageInfo[] {
    const out: PageInfo[] = [];
    const seen = new Set<number>();
    const walk = (ref: PdfRef, inhParent: PdfDict, depth: number): void => {
      if (depth > 64 || seen.has(ref.num)) throw pageTreeCorrupt('页面树存在循环', 'loop in the page tree');
      seen.add(ref.num);
      const d = this.dictOf(ref);
      if (!d) return;
      const inh = inhParent.clone();
      inherit(inh, d);
      const kids = this.resolve(d.get('Kids'));
      if (!Array.isArray(kids)) {
        out.push(this.pageInfo(ref, d, inh, out.length));
        return;
      }
      for (const k of kids) if (k instanceof PdfRef) walk(k, inh, depth + 1);
    };
    walk(this.pagesRoot(), new PdfDict(), 0);
    return out;
  }

  private pageInfo(ref: PdfRef, dict: PdfDict, inh: PdfDict, index: number): PageInfo {
    const box = this.rect(inh.get('CropBox')) ?? this.rect(inh.get('MediaBox')) ?? [0, 0, 595.28, 841.89];
    const rot = this.resolve(inh.get('Rotate'));
    return { ref, dict, index, box, rotate: typeof rot === 'number' ? ((rot % 360) + 360) % 360 : 0 };
  }

  rect(o: PdfObject | undefined): [number, number, number, number] | undefined {
    const a = this.resolve(o);
    if (!Array.isArray(a) || a.length !== 4) return undefined;
    const n = a.map((x) => this.resolve(x));
    if (!n.every((x) => typeof x === 'number')) return undefined;
    const [x0, y0, x1, y1] = n as number[];
    return [Math.min(x0!, x1!), Math.min(y0!, y1!), Math.max(x0!, x1!), Math.max(y0!, y1!)];
  }

  /** Object numbers defined (in use) by the section at index i (0 = newest). */
  sectionNumbers(i: number): Iterable<number> {
    return this.sections[i]!.numbers();
  }

  close(): void {
    this.source.close();
  }
}

function inherit(into: PdfDict, from: PdfDict): void {
  for (const k of ['MediaBox', 'CropBox', 'Rotate', 'Resources']) {
    const v = from.get(k);
    if (v !== undefined) into.set(k, v);
  }
}

function pageTreeCorrupt(zh: string, en: string): SealError {
  return new SealError('pdf_page_tree_corrupt', `PDF 页面树损坏：${zh}`, `PDF page tree is corrupt: ${en}`);
}
