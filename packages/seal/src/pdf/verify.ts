import { type CertificateInfo, createHasher, type DigestAlgorithm, verifyCms } from '../crypto/index.js';
import { type FieldInfo, signedFields } from './acroform.js';
import { feed, openSource, type PdfInput } from './io.js';
import {
  decodeText,
  isName,
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  parsePdfDate,
} from './objects.js';
import { PdfReader } from './reader.js';
import { type ByteSource, PrefixSource } from './source.js';

/** What happened to the document after a signature, by kind. Only 'content' is never allowed. */
export type ChangeKind = 'signature' | 'form_fill' | 'annotation' | 'content';

export interface DocumentChange {
  kind: ChangeKind;
  object: number;
  description: string;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  isCa: boolean;
}

export interface SignatureReport {
  fieldName: string;
  /** Common name of the signer certificate. */
  signer?: string;
  chain: CertificateSummary[];
  /** /M of the signature dictionary (claimed by the signing software). */
  signingTime?: string;
  /** signingTime attribute of the CMS (adbe.pkcs7.detached). */
  cmsSigningTime?: string;
  timestamp?: { time: string; tsa: string; valid: boolean };
  subFilter?: string;
  algorithm: string;
  digestAlgorithm: string;
  byteRange: number[];
  /** The signed bytes end exactly where a revision ends ("%%EOF"). */
  coversRevision: boolean;
  /** The signed bytes are the whole file: nothing was appended after signing. */
  coversWholeFile: boolean;
  /** 1-based revision (incremental update) the signature belongs to. */
  revision: number;
  /** DocMDP permission when this is a certification signature. */
  certification?: 1 | 2 | 3;
  modifiedAfter: boolean;
  /** Whether every later change is one the signature (and any DocMDP) allows. */
  changesAllowed: boolean;
  changes: DocumentChange[];
  /** Cryptographic integrity and signer certificate checks, plus byte-range and change rules. */
  valid: boolean;
  /** Chain ends in a trusted root given by the caller. */
  trusted: boolean;
  code: string;
  reason: { zh: string; en: string };
}

export interface VerifyPdfReport {
  fileSize: number;
  revisions: number;
  signatures: SignatureReport[];
  /** True when there is at least one signature and all are valid. */
  valid: boolean;
}

export interface VerifyPdfOptions {
  trustedCerts?: string[];
}

export async function verifyPdf(input: PdfInput, opts: VerifyPdfOptions = {}): Promise<VerifyPdfReport> {
  const src = openSource(input);
  try {
    const reader = new PdfReader(src);
    const revEnds = revisionEnds(src);
    const fields = signedFields(reader);
    const certification = certificationSigRef(reader);
    const signatures = fields.map((f) => verifyOne(reader, src, f, revEnds, certification, opts));
    return {
      fileSize: src.size,
      revisions: revEnds.length,
      signatures,
      valid: signatures.length > 0 && signatures.every((s) => s.valid),
    };
  } finally {
    src.close();
  }
}

/** Byte offsets just past each "%%EOF" marker (and its end-of-line). */
function revisionEnds(src: ByteSource): number[] {
  const ends: number[] = [];
  const chunk = 8 * 1024 * 1024;
  for (let p = 0; p < src.size; p += chunk - 8) {
    const buf = src.read(p, chunk);
    for (let i = buf.indexOf('%%EOF', 0, 'latin1'); i >= 0; i = buf.indexOf('%%EOF', i + 5, 'latin1')) {
      let e = p + i + 5;
      if (ends.at(-1) !== undefined && ends.at(-1)! >= e) continue;
      const tail = src.read(e, 2);
      if (tail[0] === 0x0d) e++;
      if (tail[tail[0] === 0x0d ? 1 : 0] === 0x0a) e++;
      ends.push(e);
    }
  }
  if (ends.at(-1) !== src.size) ends.push(src.size);
  return ends;
}

function certificationSigRef(reader: PdfReader): { num: number; p: 1 | 2 | 3 } | undefined {
  const perms = reader.dictOf(reader.catalog().get('Perms'));
  const ref = perms?.get('DocMDP');
  if (!(ref instanceof PdfRef)) return undefined;
  const sig = reader.dictOf(ref);
  const refs = reader.resolve(sig?.get('Reference'));
  let p = 2;
  if (Array.isArray(refs)) {
    for (const r of refs) {
      const d = reader.dictOf(r);
      if (isName(d?.get('TransformMethod'), 'DocMDP')) {
        const v = reader.dictOf(d?.get('TransformParams'))?.get('P');
        if (v === 1 || v === 2 || v === 3) p = v;
      }
    }
  }
  return { num: ref.num, p: p as 1 | 2 | 3 };
}

function summary(c: CertificateInfo): CertificateSummary {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    isCa: c.isCa,
  };
}

function invalid(
  base: Omit<SignatureReport, 'valid' | 'code' | 'reason'>,
  code: string,
  zh: string,
  en: string,
): SignatureReport {
  return { ...base, valid: false, code, reason: { zh, en } };
}

function verifyOne(
  reader: PdfReader,
  src: ByteSource,
  field: FieldInfo,
  revEnds: number[],
  certification: { num: number; p: 1 | 2 | 3 } | undefined,
  opts: VerifyPdfOptions,
): SignatureReport {
  const sigRef = field.dict.get('V') as PdfRef;
  const sig = reader.dictOf(sigRef) ?? new PdfDict();
  const str = (k: string) => {
    const v = sig.get(k);
    return v instanceof PdfString ? decodeText(v) : undefined;
  };
  const sub = sig.get('SubFilter');
  const brObj = reader.resolve(sig.get('ByteRange'));
  const br = Array.isArray(brObj) ? brObj.map((x) => reader.resolve(x)) : [];
  const mDate = str('M') ? parsePdfDate(str('M')!) : undefined;
  const cert = certification?.num === sigRef.num ? certification.p : undefined;
  const base: Omit<SignatureReport, 'valid' | 'code' | 'reason'> = {
    fieldName: field.name,
    chain: [],
    signingTime: mDate?.toISOString(),
    subFilter: sub instanceof PdfName ? sub.name : undefined,
    algorithm: 'unknown',
    digestAlgorithm: 'unknown',
    byteRange: br.filter((x): x is number => typeof x === 'number'),
    coversRevision: false,
    coversWholeFile: false,
    revision: 0,
    ...(cert ? { certification: cert } : {}),
    modifiedAfter: false,
    changesAllowed: true,
    changes: [],
    trusted: false,
  };
  if (br.length !== 4 || !br.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
    return invalid(base, 'byte_range_invalid', '签名字节范围 /ByteRange 无效', 'the signature /ByteRange is invalid');
  }
  const [a, b, c, d] = br as number[];
  const end = c! + d!;
  if (a !== 0 || b! >= c! || end > src.size) {
    return invalid(
      base,
      'byte_range_invalid',
      '签名字节范围 /ByteRange 超出文件或不从文件开头开始',
      'the /ByteRange does not start at 0 or exceeds the file',
    );
  }
  const gap = src.read(b!, c! - b!).toString('latin1');
  if (!/^<[0-9a-fA-F\s]*>$/.test(gap)) {
    return invalid(
      base,
      'byte_range_invalid',
      '签名字节范围的间隙不是 /Contents 签名值',
      'the /ByteRange gap is not exactly the /Contents value',
    );
  }
  base.coversWholeFile = end === src.size;
  const revIdx = revEnds.findIndex(
    (e) => e === end || (e > end && e - end <= 2 && /^\s*$/.test(src.read(end, e - end).toString('latin1'))),
  );
  base.coversRevision = revIdx >= 0;
  base.revision = revIdx >= 0 ? revIdx + 1 : 0;
  const cms = derPrefix(Buffer.from(gap.slice(1, -1).replace(/\s+/g, ''), 'hex'));

  const digestFor = (alg: DigestAlgorithm): Buffer => {
    const h = createHasher(alg);
    feed(src, a!, b!, (x) => h.update(x));
    feed(src, c!, end, (x) => h.update(x));
    return h.digest();
  };
  const result = verifyCms(cms, { digestFor, trustedCerts: opts.trustedCerts, at: mDate });
  base.algorithm = result.algorithm;
  base.digestAlgorithm = result.digestAlgorithm;
  base.signer = result.signerCertificate?.subjectFields?.CN;
  base.chain = result.chain.map(summary);
  base.trusted = result.trusted;
  if (result.signingTime) base.cmsSigningTime = result.signingTime.toISOString();
  if (result.timestamp) base.timestamp = { ...result.timestamp, time: result.timestamp.time.toISOString() };

  if (!base.coversWholeFile) {
    base.modifiedAfter = true;
    base.changes = base.coversRevision ? diffRevisions(reader, src, end) : [];
    const p = cert ?? certification?.p;
    base.changesAllowed =
      base.coversRevision &&
      !base.changes.some((ch) => ch.kind === 'content') &&
      p !== 1 &&
      !(p === 2 && base.changes.some((ch) => ch.kind === 'annotation'));
  }
  if (!result.valid) return { ...base, valid: false, code: result.code, reason: result.reason };
  if (!base.coversRevision) {
    return invalid(
      base,
      'byte_range_not_revision',
      '签名范围没有止于某个修订版本的结尾',
      'the signed range does not end at the end of a revision',
    );
  }
  if (!base.changesAllowed) {
    const what = base.changes.find((ch) => ch.kind === 'content')?.description ?? base.changes[0]?.description ?? '';
    return invalid(
      base,
      'modified_after_signing',
      `签名后文档被修改，且修改不被允许：${what}`,
      `the document was changed after signing in a way that is not allowed: ${what}`,
    );
  }
  if (base.modifiedAfter) {
    return {
      ...base,
      valid: true,
      code: 'ok_with_allowed_changes',
      reason: {
        zh: '签名有效；签名后仅有允许的增量修改（签名、表单填写或批注）',
        en: 'signature is valid; only allowed incremental changes (signatures, form filling, annotations) were made after signing',
      },
    };
  }
  return { ...base, valid: true, code: 'ok', reason: result.reason };
}

/** The hex placeholder is zero-padded; cut it to the DER length stated in the outer SEQUENCE. */
function derPrefix(buf: Buffer): Buffer {
  if (buf.length < 2 || buf[0] !== 0x30) return buf;
  const l = buf[1]!;
  if (l < 0x80) return buf.subarray(0, 2 + l);
  const n = l & 0x7f;
  if (n < 1 || n > 4 || buf.length < 2 + n) return buf;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i]!;
  return buf.subarray(0, Math.min(buf.length, 2 + n + len));
}

const CATALOG_ALLOWED = new Set(['AcroForm', 'DSS', 'Extensions', 'Perms']);
const ACROFORM_ALLOWED = new Set(['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances']);

/**
 * Compares every object redefined after `end` with its version in the signed revision and says
 * what kind of change it is: new signatures, widgets and appearances ('signature'), field values
 * ('form_fill'), other annotations ('annotation'), or anything touching page content ('content').
 */
function diffRevisions(reader: PdfReader, src: ByteSource, end: number): DocumentChange[] {
  const old = new PdfReader(new PrefixSource(src, end));
  const nums = new Set<number>();
  reader.sections.forEach((s, i) => {
    if (s.offset >= end) for (const n of reader.sectionNumbers(i)) nums.add(n);
  });
  const changes: DocumentChange[] = [];
  for (const num of [...nums].sort((x, y) => x - y)) {
    const e = old.lookup(num);
    const after = reader.getObject(new PdfRef(num, 0));
    if (!e) {
      changes.push({ kind: classifyNew(after), object: num, description: `新增对象 ${num} / new object ${num}` });
      continue;
    }
    const before = old.getObject(new PdfRef(num, 0));
    if (sameObject(before, after)) continue;
    changes.push(classifyChange(num, before, after, old));
  }
  return changes;
}

function classifyNew(o: PdfObject): ChangeKind {
  const d = o instanceof PdfDict ? o : undefined;
  if (d && isName(d.get('Type'), 'Annot') && !isName(d.get('Subtype'), 'Widget')) return 'annotation';
  return 'signature';
}

function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const keys = new Set([...a.map.keys(), ...b.map.keys()]);
  return [...keys].filter((k) => !sameObject(a.get(k) ?? null, b.get(k) ?? null));
}

function classifyChange(num: number, before: PdfObject, after: PdfObject, old: PdfReader): DocumentChange {
  const content = (what: string): DocumentChange => ({ kind: 'content', object: num, description: what });
  if (before instanceof PdfDict && after instanceof PdfDict) {
    const keys = changedKeys(before, after);
    if (isName(before.get('Type'), 'Page')) {
      return keys.every((k) => k === 'Annots')
        ? {
            kind: 'signature',
            object: num,
            description: `页面 ${num} 新增批注/控件 / annotations added to page object ${num}`,
          }
        : content(`页面对象 ${num} 的 ${keys.join(', ')} 被修改 / page object ${num} changed (${keys.join(', ')})`);
    }
    if (num === old.rootRef.num) {
      return keys.every((k) => CATALOG_ALLOWED.has(k))
        ? { kind: 'signature', object: num, description: `文档目录更新表单 / catalog form update` }
        : content(`文档目录的 ${keys.join(', ')} 被修改 / catalog changed (${keys.join(', ')})`);
    }
    if (keys.every((k) => ACROFORM_ALLOWED.has(k)) && (before.has('Fields') || after.has('Fields'))) {
      return { kind: 'signature', object: num, description: `表单字典更新 / AcroForm update` };
    }
    if (isName(before.get('FT'), 'Sig') || isName(before.get('Type'), 'Sig')) {
      const onlyNewValue = keys.every((k) => ['V', 'AP', 'Kids', 'F'].includes(k)) && !before.has('V');
      return onlyNewValue
        ? { kind: 'signature', object: num, description: `空签名域被签署 / empty signature field signed` }
        : content(`已签名的签名对象 ${num} 被修改 / signed signature object ${num} changed`);
    }
    if (before.has('FT') || isName(before.get('Subtype'), 'Widget')) {
      return { kind: 'form_fill', object: num, description: `表单域 ${num} 被填写 / form field ${num} filled` };
    }
    if (isName(before.get('Type'), 'Annot') || before.has('Subtype')) {
      return { kind: 'annotation', object: num, description: `批注 ${num} 被修改 / annotation ${num} changed` };
    }
  }
  if (Array.isArray(before) && Array.isArray(after) && before.every((x, i) => sameObject(x, after[i] ?? null))) {
    return { kind: 'signature', object: num, description: `数组 ${num} 追加元素 / array ${num} appended to` };
  }
  return content(`对象 ${num} 被修改 / object ${num} changed`);
}

function sameObject(a: PdfObject, b: PdfObject): boolean {
  if (a === b) return true;
  if (a instanceof PdfRef && b instanceof PdfRef) return a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfName && b instanceof PdfName) return a.name === b.name;
  if (a instanceof PdfString && b instanceof PdfString) return a.bytes.equals(b.bytes);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameObject(x, b[i]!));
  if (a instanceof PdfDict && b instanceof PdfDict) return changedKeys(a, b).length === 0;
  if (a instanceof PdfStream && b instanceof PdfStream) return a.data.equals(b.data) && sameObject(a.dict, b.dict);
  return false;
}
