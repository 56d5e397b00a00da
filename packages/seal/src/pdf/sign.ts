import { createHasher, maxCmsLength, type Signer, type SubFilter, signCms } from '../crypto/index.js';
// Keyword search (pdf.js) and barcodes (bwip-js) are loaded only when used: they are heavy.
import type { BarcodeType, PdfImageData } from '../image/index.js';
import { docMdpPermission, type FieldInfo, FormUpdate, findField, listFields, signedFields } from './acroform.js';
import { addAppearance, addEmptyAppearance, addImageXObject, prepareImage, prepareSlices } from './appearance.js';
import { SealError } from './errors.js';
import { concatOutput, feed, openSource, type PdfInput, writeOutput } from './io.js';
import { dict, name, PdfDict, type PdfObject, PdfRaw, PdfRef, PdfStream, pdfDate, textString } from './objects.js';
import {
  centeredRect,
  invalidOption,
  type Origin,
  type Position,
  pageRange,
  pointOnPage,
  type Rect,
  toPoints,
  type Unit,
  userSize,
} from './placement.js';
import { type PermissionOptions, restrictPermissions } from './protect.js';
import type { PageInfo, PdfReader } from './reader.js';
import { PdfReader as Reader } from './reader.js';
import { BufferSource } from './source.js';
import { IncrementalWriter } from './writer.js';

export interface BarcodeSpec {
  type: BarcodeType;
  /** Encoded text; "{serial}" is replaced by `serial`. */
  text: string;
  page: number;
  /** Centre of the barcode. */
  x: number;
  y: number;
  unit?: Unit;
  origin?: Origin;
  /** Printed width; height follows the image's aspect ratio. Default 20 mm (2-D) / 40 mm (1-D). */
  widthMm?: number;
}

export interface StraddleOptions {
  /** Page edge carrying the slices. Default 'right'. */
  side?: 'right' | 'left';
  /** Slice over groups of this many pages, restarting after each group (骑缝章每 N 页一组). Default: all pages in one group. */
  every?: number;
  /** Vertical centre of the seal on each page; default the middle of the page. */
  y?: number;
  unit?: Unit;
  origin?: Origin;
  /** Pages to cover; default all. */
  pages?: 'all' | string | { from: number; to: number };
}

export interface SignPdfOptions {
  signer: Signer;
  /** Default 'ETSI.CAdES.detached' (PAdES B-B). */
  subFilter?: SubFilter;
  /** Seal image (PNG or GIF with alpha). Without it, and without a position, the signature is invisible. */
  image?: Buffer;
  /** Printed size; default from the PNG's resolution, else 40 mm wide. */
  imageSizeMm?: { width?: number; height?: number };
  /** 透明印章: composite with /BM /Multiply so the text under the seal stays readable. Default true. */
  multiply?: boolean;
  /** Where the seal's centre goes. */
  position?: Position;
  /** Seal centred on a keyword (nth occurrence or every one). */
  keyword?: { text: string; occurrence?: number | 'all' };
  /** Sign this existing empty signature field. */
  field?: string;
  /** 多页签章: repeat the seal at `position` (its page is ignored) on every page or a range. */
  pages?: 'all' | string | { from: number; to: number };
  /** 骑缝章: seal sliced across the page edges. */
  straddle?: StraddleOptions;
  barcodes?: BarcodeSpec[];
  /** Replaces "{serial}" in barcode texts (e.g. from SerialNumberGenerator). */
  serial?: string;
  /** Name of the new signature field; default Signature1, Signature2, … */
  fieldName?: string;
  reason?: string;
  location?: string;
  contactInfo?: string;
  signerName?: string;
  signingTime?: Date;
  /** Certification signature (DocMDP): 1 no changes, 2 form filling and signing, 3 also annotations. */
  certify?: 1 | 2 | 3;
  timestampUrl?: string;
  /**
   * 禁止打印/复制: encrypts the document (AES-256, opens without a password) with these permission
   * flags before signing. Needs a document without signatures; reads it whole.
   */
  permissions?: PermissionOptions;
  /** Write the result to this path (temp file + rename) instead of returning bytes. */
  output?: string;
}

export interface SignPdfResult {
  /** The signed PDF, unless `output` was given. */
  pdf?: Buffer;
  path?: string;
  fieldName: string;
  byteRange: [number, number, number, number];
  /** Number of widgets (pages) carrying the signature's appearance. */
  widgets: number;
}

interface WidgetPlan {
  page: PageInfo;
  rect: Rect;
  /** Appearance XObject; undefined for an invisible widget. */
  ap?: PdfRef;
  /** The existing widget this plan updates (signing an existing field). */
  existing?: PdfRef;
}

const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

export async function signPdf(input: PdfInput, opts: SignPdfOptions): Promise<SignPdfResult> {
  if (!opts?.signer) throw invalidOption('缺少签名者（密钥和证书）', 'signer (key and certificate) is required');
  if (opts.permissions) {
    const whole = openSource(input);
    let restricted: Buffer;
    try {
      restricted = restrictPermissions(concatOutput(whole, Buffer.alloc(0)), opts.permissions);
    } finally {
      whole.close();
    }
    return signPdf(restricted, { ...opts, permissions: undefined });
  }
  const src = openSource(input);
  try {
    const reader = new Reader(src);
    return await signWithReader(reader, opts);
  } finally {
    src.close();
  }
}

async function signWithReader(reader: PdfReader, opts: SignPdfOptions): Promise<SignPdfResult> {
  checkMayCertifyOrSign(reader, opts.certify);
  const subFilter: SubFilter = opts.subFilter ?? 'ETSI.CAdES.detached';
  const w = new IncrementalWriter(reader);
  const form = new FormUpdate(reader, w);
  const widgets: WidgetPlan[] = [];
  const multiply = opts.multiply !== false;
  const existing = opts.field !== undefined ? emptySignatureField(reader, opts.field) : undefined;
  if (existing) await planFieldWidgets(reader, w, existing, opts, multiply, widgets);
  await planSealWidgets(reader, w, opts, multiply, widgets);
  await planStraddle(reader, w, opts, widgets);
  await planBarcodes(reader, w, opts, widgets);
  if (!existing && widgets.length === 0) widgets.push({ page: reader.page(0), rect: [0, 0, 0, 0] });

  const sigSize = reservedCmsLength(opts.signer, subFilter) + (opts.timestampUrl ? 12_000 : 0);
  const when = opts.signingTime ?? new Date();
  const sigRef = w.alloc();
  w.set(sigRef, signatureDictionary(opts, subFilter, sigSize, when));
  if (opts.certify) form.setCatalogEntry('Perms', dict({ DocMDP: sigRef }));

  const fieldName = existing?.name ?? uniqueFieldName(reader, opts.fieldName);
  if (existing) attachToExistingField(reader, w, form, existing, sigRef, widgets);
  else createSignatureField(w, form, fieldName, sigRef, widgets);
  form.setSigFlags(3);
  form.commit();

  const { bytes, whole, byteRange } = await buildSigned(reader, w, sigRef, sigSize, opts, subFilter, when);
  const result: SignPdfResult = { fieldName, byteRange, widgets: widgets.length };
  if (opts.output) {
    writeOutput(reader.source, bytes, opts.output);
    result.path = opts.output;
  } else result.pdf = whole ?? concatOutput(reader.source, bytes);
  return result;
}

/** DocMDP P=1 forbids any further change; a certification must be the document's first signature. */
function checkMayCertifyOrSign(reader: PdfReader, certify: SignPdfOptions['certify']): void {
  const perm = docMdpPermission(reader);
  if (perm === 1) {
    throw new SealError(
      'pdf_docmdp_forbids_changes',
      '文档已被认证签名锁定（DocMDP P=1），不允许再签章',
      'the document is certified with DocMDP P=1; no further changes (including signatures) are allowed',
    );
  }
  if (certify === undefined) return;
  if (![1, 2, 3].includes(certify)) throw invalidOption('certify 须为 1、2 或 3', 'certify must be 1, 2 or 3');
  if (perm !== undefined || signedFields(reader).length > 0) {
    throw invalidOption(
      '认证签名必须是文档的第一个签名',
      'a certification signature must be the first signature in the document',
    );
  }
}

function emptySignatureField(reader: PdfReader, fieldName: string): FieldInfo {
  const f = findField(reader, fieldName);
  if (f.type !== 'Sig') {
    throw new SealError(
      'pdf_field_not_signature',
      `表单域「${fieldName}」不是签名域`,
      `field "${fieldName}" is not a signature field`,
    );
  }
  if (f.dict.get('V') !== undefined) {
    throw new SealError(
      'pdf_field_already_signed',
      `签名域「${fieldName}」已经签过`,
      `signature field "${fieldName}" is already signed`,
    );
  }
  return f;
}

function signatureDictionary(opts: SignPdfOptions, subFilter: SubFilter, sigSize: number, when: Date): PdfDict {
  const text = (v: string | undefined) => (v === undefined ? undefined : textString(v));
  const sig = dict({
    Type: name('Sig'),
    Filter: name('Adobe.PPKLite'),
    SubFilter: name(subFilter),
    ByteRange: new PdfRaw(BYTE_RANGE_PLACEHOLDER),
    Contents: new PdfRaw(`<${'0'.repeat(sigSize * 2)}>`),
    M: textString(pdfDate(when)),
    Name: text(opts.signerName),
    Reason: text(opts.reason),
    Location: text(opts.location),
    ContactInfo: text(opts.contactInfo),
    Prop_Build: dict({ App: dict({ Name: name('Jiyue.Seal') }), Filter: dict({ Name: name('Adobe.PPKLite') }) }),
  });
  if (opts.certify) {
    const params = dict({ Type: name('TransformParams'), P: opts.certify, V: name('1.2') });
    sig.set('Reference', [dict({ Type: name('SigRef'), TransformMethod: name('DocMDP'), TransformParams: params })]);
  }
  return sig;
}

/**
 * Serializes the update, fills in /ByteRange, hashes the two ranges (streaming over the original
 * file) and writes the CMS into the /Contents placeholder. Returns the finished appended bytes.
 */
async function buildSigned(
  reader: PdfReader,
  w: IncrementalWriter,
  sigRef: PdfRef,
  sigSize: number,
  opts: SignPdfOptions,
  subFilter: SubFilter,
  when: Date,
): Promise<{ bytes: Buffer; whole?: Buffer; byteRange: [number, number, number, number] }> {
  const { parts, length, spans } = w.buildParts();
  const src = reader.source;
  const base = src.size;
  // In memory, the update is assembled directly behind a copy of the input: one allocation, one copy.
  let whole: Buffer | undefined;
  let bytes: Buffer;
  if (!opts.output && src instanceof BufferSource) {
    whole = Buffer.allocUnsafe(base + length);
    src.buf.copy(whole, 0);
    bytes = whole.subarray(base);
  } else bytes = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of parts) at += part.copy(bytes, at);
  const [s0, s1] = spans.get(sigRef.num)!;
  const brAt = bytes.indexOf(`/ByteRange ${BYTE_RANGE_PLACEHOLDER}`, s0, 'latin1') + '/ByteRange '.length;
  const cAt = bytes.indexOf('/Contents <', s0, 'latin1') + '/Contents '.length;
  // Found by the fuzzer: a hostile file's strings can break the placeholder search; refuse it typed.
  if (brAt < s0 || cAt < s0 || cAt > s1)
    throw new SealError(
      'pdf_object_corrupt',
      '文件内容异常，无法定位签名占位符',
      'the signature placeholder could not be located in this file',
    );
  const cEnd = cAt + sigSize * 2 + 2;
  const byteRange: [number, number, number, number] = [0, base + cAt, base + cEnd, bytes.length - cEnd];
  const brText = `[${byteRange.join(' ')}]`;
  if (brText.length > BYTE_RANGE_PLACEHOLDER.length)
    throw new SealError('pdf_too_large', 'PDF 文件过大', 'PDF file too large');
  bytes.write(brText.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' '), brAt, 'latin1');

  const hasher = createHasher(opts.signer.digestAlgorithm);
  feed(reader.source, 0, base, (b) => hasher.update(b));
  hasher.update(bytes.subarray(0, cAt));
  hasher.update(bytes.subarray(cEnd));
  const cms = await signCms({
    signer: opts.signer,
    contentDigest: hasher.digest(),
    subFilter,
    signingTime: subFilter === 'adbe.pkcs7.detached' ? when : undefined,
    timestampUrl: opts.timestampUrl,
  });
  if (cms.length > sigSize) {
    throw new SealError(
      'seal_signature_too_large',
      `签名数据（${cms.length} 字节）超过预留空间 ${sigSize}`,
      `signature (${cms.length} bytes) exceeds the reserved ${sigSize}`,
    );
  }
  bytes.write(cms.toString('hex'), cAt + 1, 'latin1');
  return { bytes, whole, byteRange };
}

/** maxCmsLength builds a whole CMS to measure it; a signer's bound never changes, so remember it. */
const cmsLengths = new WeakMap<Signer, Map<SubFilter, number>>();
function reservedCmsLength(signer: Signer, subFilter: SubFilter): number {
  let m = cmsLengths.get(signer);
  if (!m) cmsLengths.set(signer, (m = new Map()));
  let n = m.get(subFilter);
  if (n === undefined)
    m.set(subFilter, (n = maxCmsLength(signer, { subFilter, signingTime: subFilter === 'adbe.pkcs7.detached' })));
  return n;
}

function uniqueFieldName(reader: PdfReader, wanted?: string): string {
  const names = new Set(listFields(reader).map((f) => f.name));
  if (wanted !== undefined) {
    if (!wanted || /[.]/.test(wanted))
      throw invalidOption('域名不能为空或包含 "."', 'field name must be non-empty and contain no "."');
    if (names.has(wanted))
      throw new SealError('pdf_field_exists', `表单域「${wanted}」已存在`, `form field "${wanted}" already exists`);
    return wanted;
  }
  for (let i = 1; ; i++) if (!names.has(`Signature${i}`)) return `Signature${i}`;
}

/** The seal at a position, on a page range, or on keyword hits: one widget per place, one shared appearance. */
async function planSealWidgets(
  reader: PdfReader,
  w: IncrementalWriter,
  opts: SignPdfOptions,
  multiply: boolean,
  out: WidgetPlan[],
): Promise<void> {
  const places: { page: PageInfo; cx: number; cy: number }[] = [];
  if (opts.position) {
    const pos = opts.position;
    if (opts.pages !== undefined) {
      const { from, to } = pageRange(opts.pages, reader.pageCount());
      const all = from === 1 && to === reader.pageCount() ? reader.pages() : undefined;
      for (let p = from; p <= to; p++) {
        const page = all ? all[p - 1]! : reader.page(p - 1);
        const [cx, cy] = pointOnPage(page, pos.x, pos.y, pos.unit, pos.origin);
        places.push({ page, cx, cy });
      }
    } else {
      const page = reader.page(pageIndex(pos.page));
      const [cx, cy] = pointOnPage(page, pos.x, pos.y, pos.unit, pos.origin);
      places.push({ page, cx, cy });
    }
  }
  if (opts.keyword) {
    const pdf = concatOutput(reader.source, Buffer.alloc(0));
    let boxes: { page: number; x: number; y: number; width: number; height: number }[];
    try {
      const { findKeyword } = await import('../image/keyword.js');
      boxes = await findKeyword(pdf, opts.keyword.text, { occurrence: opts.keyword.occurrence ?? 1 });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new SealError('seal_keyword_not_found', `关键字定位失败：${msg}`, `keyword search failed: ${msg}`, {
        cause: e,
      });
    }
    if (boxes.length === 0) {
      throw new SealError(
        'seal_keyword_not_found',
        `文档中找不到关键字「${opts.keyword.text}」`,
        `keyword "${opts.keyword.text}" not found in the document`,
      );
    }
    for (const b of boxes)
      places.push({ page: reader.page(b.page - 1), cx: b.x + b.width / 2, cy: b.y + b.height / 2 });
  }
  if (places.length === 0) return;
  if (!opts.image) throw invalidOption('可见签章需要印章图片', 'a visible seal needs a seal image');
  const img = await prepareImage(opts.image, opts.imageSizeMm);
  const xo = addImageXObject(w, img.data);
  const byRotation = new Map<number, PdfRef>();
  for (const p of places) {
    let ap = byRotation.get(p.page.rotate);
    if (!ap)
      byRotation.set(p.page.rotate, (ap = addAppearance(w, xo, img.widthPt, img.heightPt, multiply, p.page.rotate)));
    const [uw, uh] = userSize(p.page, img.widthPt, img.heightPt);
    out.push({ page: p.page, rect: centeredRect(p.cx, p.cy, uw, uh), ap });
  }
}

function pageIndex(page: unknown): number {
  if (typeof page !== 'number' || !Number.isInteger(page) || page < 1)
    throw invalidOption('页码须为从 1 开始的整数', 'page must be an integer starting at 1');
  return page - 1;
}

/** 骑缝章: each group of `every` pages shows the seal cut into as many vertical strips, at one edge. */
async function planStraddle(
  reader: PdfReader,
  w: IncrementalWriter,
  opts: SignPdfOptions,
  out: WidgetPlan[],
): Promise<void> {
  const st = opts.straddle;
  if (!st) return;
  if (!opts.image) throw invalidOption('骑缝章需要印章图片', 'a straddle seal needs a seal image');
  const side = st.side ?? 'right';
  if (side !== 'right' && side !== 'left')
    throw invalidOption('骑缝章位置须为 right 或 left', 'straddle side must be right or left');
  const pages = reader.pages();
  const { from, to } = pageRange(st.pages ?? 'all', pages.length);
  const total = to - from + 1;
  const every = st.every ?? total;
  if (!Number.isInteger(every) || every < 1)
    throw invalidOption('骑缝章每组页数须为正整数', 'straddle group size must be a positive integer');
  if (total < 2) throw invalidOption('骑缝章至少需要两页', 'a straddle seal needs at least two pages');
  const img = await prepareImage(opts.image, opts.imageSizeMm);
  const apsByCount = new Map<number, PdfRef[]>();
  const appearancesFor = async (n: number): Promise<PdfRef[]> => {
    let aps = apsByCount.get(n);
    if (!aps) {
      const slices = await prepareSlices(opts.image!, n);
      aps = slices.map((s) =>
        addAppearance(
          w,
          addImageXObject(w, s),
          (img.widthPt * s.width) / img.data.width,
          img.heightPt,
          opts.multiply !== false,
        ),
      );
      apsByCount.set(n, aps);
    }
    return aps;
  };
  for (let start = from; start <= to; start += every) {
    const n = Math.min(every, to - start + 1);
    const aps = await appearancesFor(n);
    const slices = await prepareSlices(opts.image, n);
    for (let i = 0; i < n; i++) {
      const page = pages[start - 1 + i]!;
      const sliceIdx = side === 'right' ? i : n - 1 - i;
      const sw = (img.widthPt * slices[sliceIdx]!.width) / img.data.width;
      const [bx0, by0, bx1, by1] = page.box;
      const cy = st.y === undefined ? (by0 + by1) / 2 : pointOnPage(page, 0, st.y, st.unit, st.origin)[1];
      const x0 = side === 'right' ? bx1 - sw : bx0;
      out.push({ page, rect: [x0, cy - img.heightPt / 2, x0 + sw, cy + img.heightPt / 2], ap: aps[sliceIdx] });
    }
  }
}

async function planBarcodes(
  reader: PdfReader,
  w: IncrementalWriter,
  opts: SignPdfOptions,
  out: WidgetPlan[],
): Promise<void> {
  for (const b of opts.barcodes ?? []) {
    const text = b.text.replaceAll('{serial}', opts.serial ?? '');
    let image: PdfImageData;
    try {
      const { generateBarcode } = await import('../image/barcode.js');
      ({ image } = await generateBarcode({ type: b.type, text }));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw invalidOption(`条码生成失败：${msg}`, `barcode generation failed: ${msg}`);
    }
    const page = reader.page(pageIndex(b.page));
    const widthPt = toPoints(b.widthMm ?? (b.type === 'qr' || b.type === 'pdf417' ? 20 : 40), 'mm');
    const heightPt = (widthPt * image.height) / image.width;
    const [cx, cy] = pointOnPage(page, b.x, b.y, b.unit, b.origin);
    const ap = addAppearance(w, addImageXObject(w, image), widthPt, heightPt, false, page.rotate);
    const [uw, uh] = userSize(page, widthPt, heightPt);
    out.push({ page, rect: centeredRect(cx, cy, uw, uh), ap });
  }
}

/** Signing an existing field: its widgets get the seal fitted (true size, shrunk only if larger) and centred. */
async function planFieldWidgets(
  reader: PdfReader,
  w: IncrementalWriter,
  field: FieldInfo,
  opts: SignPdfOptions,
  multiply: boolean,
  out: WidgetPlan[],
): Promise<void> {
  const img = opts.image ? await prepareImage(opts.image, opts.imageSizeMm) : undefined;
  const xo = img ? addImageXObject(w, img.data) : undefined;
  let pages: PageInfo[] | undefined;
  for (const wr of field.widgets) {
    const wd = reader.dictOf(wr);
    const rect = reader.rect(wd?.get('Rect')) ?? [0, 0, 0, 0];
    const pRef = wd?.get('P');
    let page: PageInfo | undefined;
    pages ??= reader.pages();
    page = pRef instanceof PdfRef ? pages.find((p) => p.ref.num === pRef.num) : undefined;
    page ??= pages.find((p) => {
      const a = reader.resolve(p.dict.get('Annots'));
      return Array.isArray(a) && a.some((x) => x instanceof PdfRef && x.num === wr.num);
    });
    if (!page)
      throw new SealError(
        'pdf_object_corrupt',
        '签名域的控件不在任何页面上',
        'the signature field widget is not on any page',
      );
    const rw = rect[2] - rect[0];
    const rh = rect[3] - rect[1];
    let ap: PdfRef | undefined;
    if (img && xo && rw > 0 && rh > 0) {
      const scale = Math.min(1, rw / img.widthPt, rh / img.heightPt);
      ap = addFittedAppearance(w, xo, rw, rh, img.widthPt * scale, img.heightPt * scale, multiply);
    } else if (rw > 0 && rh > 0) ap = addEmptyAppearance(w, rw, rh);
    out.push({ page, rect, ap, existing: wr });
  }
}

function addFittedAppearance(
  w: IncrementalWriter,
  xo: PdfRef,
  bw: number,
  bh: number,
  iw: number,
  ih: number,
  multiply: boolean,
): PdfRef {
  // An inner form at the image's size, placed centred in the widget box.
  const inner = addAppearance(w, xo, iw, ih, multiply);
  const dx = (bw - iw) / 2;
  const dy = (bh - ih) / 2;
  return w.add(
    new PdfStream(
      dict({
        Type: name('XObject'),
        Subtype: name('Form'),
        BBox: [0, 0, bw, bh],
        Resources: dict({ XObject: dict({ Fm0: inner }) }),
      }),
      Buffer.from(`q 1 0 0 1 ${dx.toFixed(3)} ${dy.toFixed(3)} cm /Fm0 Do Q`, 'latin1'),
    ),
  );
}

function widgetDict(plan: WidgetPlan): PdfDict {
  return dict({
    Type: name('Annot'),
    Subtype: name('Widget'),
    Rect: plan.rect,
    F: 4,
    P: plan.page.ref,
    AP: plan.ap ? dict({ N: plan.ap }) : undefined,
  });
}

/**
 * A widget kid of a signature field. /FT and /V are repeated on the kid although they are
 * inherited from the parent: poppler (pdfsig) and mupdf read them from the widget and would
 * otherwise report the signature as unsigned.
 */
function kidWidget(plan: WidgetPlan, parent: PdfRef, sigRef: PdfRef): PdfDict {
  return widgetDict(plan).set('Parent', parent).set('FT', name('Sig')).set('V', sigRef);
}

/** One field; merged with its widget when there is one place, else a parent with one widget kid per place. */
function createSignatureField(
  w: IncrementalWriter,
  form: FormUpdate,
  fieldName: string,
  sigRef: PdfRef,
  widgets: WidgetPlan[],
): void {
  const fieldEntries = { FT: name('Sig'), T: textString(fieldName), V: sigRef };
  if (widgets.length === 1) {
    const d = widgetDict(widgets[0]!);
    for (const [k, v] of Object.entries(fieldEntries)) d.set(k, v);
    const ref = w.add(d);
    form.addField(ref);
    form.addAnnot(widgets[0]!.page, ref);
    return;
  }
  const fieldRef = w.alloc();
  const kids: PdfObject[] = [];
  for (const plan of widgets) {
    const ref = w.add(kidWidget(plan, fieldRef, sigRef));
    kids.push(ref);
    form.addAnnot(plan.page, ref);
  }
  w.set(fieldRef, dict({ ...fieldEntries, Kids: kids }));
  form.addField(fieldRef);
}

function attachToExistingField(
  reader: PdfReader,
  w: IncrementalWriter,
  form: FormUpdate,
  field: FieldInfo,
  sigRef: PdfRef,
  widgets: WidgetPlan[],
): void {
  const fd = field.dict.clone().set('V', sigRef);
  w.set(field.ref, fd);
  const extra: WidgetPlan[] = [];
  for (const plan of widgets) {
    const existing = plan.existing;
    if (!existing) {
      extra.push(plan);
      continue;
    }
    const cur =
      existing.num === field.ref.num
        ? fd
        : (reader.dictOf(existing)?.clone() ?? new PdfDict()).set('FT', name('Sig')).set('V', sigRef);
    if (plan.ap) cur.set('AP', dict({ N: plan.ap }));
    cur.set('F', 4);
    w.set(existing, cur);
  }
  if (extra.length) {
    // Seal places beyond the field's own widgets (barcodes, straddle) become additional kids.
    const kids = [...(Array.isArray(fd.get('Kids')) ? (fd.get('Kids') as PdfObject[]) : [])];
    if (!fd.has('Kids')) {
      throw invalidOption(
        '对已有签名域签章时不能再附加其他位置',
        'signing an existing merged field cannot add further places',
      );
    }
    for (const plan of extra) {
      const ref = w.add(kidWidget(plan, field.ref, sigRef));
      kids.push(ref);
      form.addAnnot(plan.page, ref);
    }
    fd.set('Kids', kids);
  }
}
