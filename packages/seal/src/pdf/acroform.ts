import { SealError } from './errors.js';
import { decodeText, isName, PdfDict, PdfName, type PdfObject, PdfRef, PdfString } from './objects.js';
import type { PageInfo, PdfReader } from './reader.js';
import type { IncrementalWriter } from './writer.js';

export interface FieldInfo {
  ref: PdfRef;
  dict: PdfDict;
  /** Fully qualified name (parent names joined with "."). */
  name: string;
  /** Field type, inherited from ancestors: Sig, Tx, Btn, Ch. */
  type?: string;
  /** Widget annotations: the field itself when merged, else its kids without /T. */
  widgets: PdfRef[];
}

/** Walks /AcroForm /Fields (bounded, loop-safe) and returns every terminal field. */
export function listFields(reader: PdfReader): FieldInfo[] {
  const acro = reader.dictOf(reader.catalog().get('AcroForm'));
  const roots = reader.resolve(acro?.get('Fields'));
  const out: FieldInfo[] = [];
  if (!Array.isArray(roots)) return out;
  const seen = new Set<number>();
  const walk = (ref: PdfObject, prefix: string, inheritedFt: string | undefined, depth: number) => {
    if (!(ref instanceof PdfRef) || seen.has(ref.num) || depth > 32 || seen.size > 100_000) return;
    seen.add(ref.num);
    const d = reader.dictOf(ref);
    if (!d) return;
    const t = d.get('T');
    const nm = t instanceof PdfString ? decodeText(t) : undefined;
    const full = nm === undefined ? prefix : prefix ? `${prefix}.${nm}` : nm;
    const ftObj = d.get('FT');
    const ft = ftObj instanceof PdfName ? ftObj.name : inheritedFt;
    const kids = reader.resolve(d.get('Kids'));
    const childFields = Array.isArray(kids)
      ? kids.filter((k): k is PdfRef => k instanceof PdfRef && reader.dictOf(k)?.has('T') === true)
      : [];
    if (childFields.length > 0) {
      for (const k of childFields) walk(k, full, ft, depth + 1);
      return;
    }
    const widgets = Array.isArray(kids) ? kids.filter((k): k is PdfRef => k instanceof PdfRef) : [ref];
    out.push({ ref, dict: d, name: full, type: ft, widgets: widgets.length ? widgets : [ref] });
  };
  for (const r of roots) walk(r, '', undefined, 0);
  return out;
}

export function findField(reader: PdfReader, fieldName: string): FieldInfo {
  const fields = listFields(reader);
  const f = fields.find((x) => x.name === fieldName) ?? fields.find((x) => x.name.split('.').at(-1) === fieldName);
  if (!f)
    throw new SealError('pdf_field_not_found', `找不到表单域「${fieldName}」`, `form field "${fieldName}" not found`);
  return f;
}

/** Signature fields that carry a signature value (/V). */
export function signedFields(reader: PdfReader): FieldInfo[] {
  return listFields(reader).filter((f) => f.type === 'Sig' && f.dict.get('V') instanceof PdfRef);
}

/**
 * Collects the changes a signature makes to the document structure — a new field in /AcroForm
 * /Fields, new widgets in pages' /Annots, /SigFlags, catalog entries — and writes each changed
 * object once. Arrays that are indirect objects are updated in place of their owner, which keeps
 * the update minimal (and keeps page dictionaries unchanged where possible).
 */
export class FormUpdate {
  private readonly newFields: PdfRef[] = [];
  private readonly annots = new Map<number, { page: PageInfo; refs: PdfRef[] }>();
  private readonly catalogEntries = new Map<string, PdfObject>();
  private sigFlags = 0;

  constructor(
    private readonly reader: PdfReader,
    private readonly w: IncrementalWriter,
  ) {}

  addField(ref: PdfRef): void {
    this.newFields.push(ref);
  }

  addAnnot(page: PageInfo, ref: PdfRef): void {
    const e = this.annots.get(page.ref.num) ?? { page, refs: [] };
    e.refs.push(ref);
    this.annots.set(page.ref.num, e);
  }

  /** 1 = SignaturesExist, 2 = AppendOnly. */
  setSigFlags(flags: number): void {
    this.sigFlags |= flags;
  }

  setCatalogEntry(key: string, value: PdfObject): void {
    this.catalogEntries.set(key, value);
  }

  commit(): void {
    const r = this.reader;
    for (const { page, refs } of this.annots.values()) {
      const cur = page.dict.get('Annots');
      const arr = r.resolve(cur);
      const next = [...(Array.isArray(arr) ? arr : []), ...refs];
      if (cur instanceof PdfRef && Array.isArray(arr)) this.w.set(cur, next);
      else {
        const latest = this.w.get(page.ref);
        const pd = (latest instanceof PdfDict ? latest : page.dict).clone();
        this.w.set(page.ref, pd.set('Annots', next));
      }
    }
    const catalog = this.reader.catalog().clone();
    let catalogChanged = false;
    if (this.newFields.length || this.sigFlags) {
      const acroObj = catalog.get('AcroForm');
      const acro = (r.dictOf(acroObj) ?? new PdfDict()).clone();
      if (this.newFields.length) {
        const fieldsObj = acro.get('Fields');
        const fields = r.resolve(fieldsObj);
        const next = [...(Array.isArray(fields) ? fields : []), ...this.newFields];
        if (fieldsObj instanceof PdfRef && Array.isArray(fields)) this.w.set(fieldsObj, next);
        else acro.set('Fields', next);
      }
      if (this.sigFlags) {
        const f = acro.get('SigFlags');
        acro.set('SigFlags', (typeof f === 'number' ? f : 0) | this.sigFlags);
      }
      if (acroObj instanceof PdfRef) this.w.set(acroObj, acro);
      else {
        catalog.set('AcroForm', this.w.add(acro));
        catalogChanged = true;
      }
    }
    for (const [k, v] of this.catalogEntries) {
      catalog.set(k, v);
      catalogChanged = true;
    }
    if (catalogChanged) this.w.set(this.reader.rootRef, catalog);
  }
}

export function docMdpPermission(reader: PdfReader): number | undefined {
  const perms = reader.dictOf(reader.catalog().get('Perms'));
  const sig = reader.dictOf(perms?.get('DocMDP'));
  const refs = reader.resolve(sig?.get('Reference'));
  if (!Array.isArray(refs)) return undefined;
  for (const ref of refs) {
    const d = reader.dictOf(ref);
    if (!isName(d?.get('TransformMethod'), 'DocMDP')) continue;
    const p = reader.dictOf(d?.get('TransformParams'))?.get('P');
    return typeof p === 'number' ? p : 2;
  }
  return undefined;
}
