import { randomBytes } from 'node:crypto';
import { signedFields } from './acroform.js';
import { createAes256Security, PERM } from './encryption.js';
import { SealError } from './errors.js';
import { isName, PdfDict, type PdfObject, PdfRef, PdfStream, PdfString, serialize } from './objects.js';
import { PdfReader } from './reader.js';
import { BufferSource } from './source.js';

export interface PermissionOptions {
  /** Allow printing (打印). Default true. */
  print?: boolean;
  /** Allow copying / extracting text and images (复制). Default true. */
  copy?: boolean;
  /** Owner (permissions) password; default a random one nobody knows, so the limits cannot be lifted. */
  ownerPassword?: string;
}

/**
 * Restricts printing and/or copying. PDF can only express these limits through the standard
 * security handler: the document is encrypted (AES-256, empty user password, so it still opens
 * without a password) and the permission flags /P are bound to it by the owner password. That
 * means rewriting every object, so this is done BEFORE signing, on a document without signatures;
 * the signature then covers the encrypted file. Conforming viewers (Acrobat, WPS, Foxit, pdf.js,
 * mupdf, poppler) enforce the flags; form filling and signing stay allowed.
 */
export function restrictPermissions(pdf: Buffer, opts: PermissionOptions): Buffer {
  const reader = new PdfReader(new BufferSource(pdf));
  if (reader.security) {
    throw new SealError(
      'pdf_encrypted_unsupported',
      '文档已加密，不能再设置打印/复制权限',
      'the document is already encrypted; print/copy permissions cannot be set again',
    );
  }
  if (signedFields(reader).length > 0) {
    throw new SealError(
      'seal_invalid_option',
      '文档已有签名，设置打印/复制权限需要重写文档，会使已有签名失效',
      'the document is already signed; restricting print/copy rewrites it and would break those signatures',
    );
  }
  let p = 0xfffff0c0 | (1 << (PERM.annotate - 1)) | (1 << (PERM.fillForms - 1)) | (1 << (PERM.accessibility - 1));
  if (opts.print !== false) p |= (1 << (PERM.print - 1)) | (1 << (PERM.printHigh - 1));
  if (opts.copy !== false) p |= 1 << (PERM.copy - 1);
  const { dict: encDict, security } = createAes256Security(opts.ownerPassword ?? randomBytes(24).toString('base64'), p);

  const nums = new Set<number>();
  reader.sections.forEach((_, i) => {
    for (const n of reader.sectionNumbers(i)) nums.add(n);
  });
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let pos = parts[0]!.length;
  const offsets = new Map<number, number>();
  const push = (b: Buffer) => {
    parts.push(b);
    pos += b.length;
  };
  const write = (num: number, value: PdfObject, encrypt: boolean) => {
    offsets.set(num, pos);
    if (value instanceof PdfStream) {
      const data = encrypt ? security.encryptStream(num, 0, value.data) : value.data;
      const d = (encrypt ? security.encryptStrings(value.dict, num, 0) : value.dict) as PdfDict;
      push(Buffer.from(`${num} 0 obj\n${serialize(d.clone().set('Length', data.length))}\nstream\n`, 'latin1'));
      push(data);
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    } else {
      push(
        Buffer.from(
          `${num} 0 obj\n${serialize(encrypt ? security.encryptStrings(value, num, 0) : value)}\nendobj\n`,
          'latin1',
        ),
      );
    }
  };
  let max = 0;
  for (const num of [...nums].sort((a, b) => a - b)) {
    const v = reader.getObject(new PdfRef(num, 0));
    // xref and object streams are re-expressed as plain objects and a classic table
    if (v instanceof PdfStream && (isName(v.dict.get('Type'), 'XRef') || isName(v.dict.get('Type'), 'ObjStm')))
      continue;
    write(num, v, true);
    max = Math.max(max, num);
  }
  const encNum = max + 1;
  write(encNum, encDict, false);
  const id = reader.trailer.get('ID');
  const trailer = new PdfDict()
    .set('Size', encNum + 1)
    .set('Root', reader.rootRef)
    .set('Encrypt', new PdfRef(encNum, 0))
    .set(
      'ID',
      Array.isArray(id) && id.length === 2
        ? id
        : [new PdfString(randomBytes(16), true), new PdfString(randomBytes(16), true)],
    );
  const info = reader.trailer.get('Info');
  if (info instanceof PdfRef) trailer.set('Info', info);
  const xrefAt = pos;
  let table = `xref\n0 ${encNum + 1}\n0000000000 65535 f\r\n`;
  for (let n = 1; n <= encNum; n++) {
    const off = offsets.get(n);
    table += off === undefined ? '0000000000 65535 f\r\n' : `${String(off).padStart(10, '0')} 00000 n\r\n`;
  }
  push(Buffer.from(`${table}trailer\n${serialize(trailer)}\nstartxref\n${xrefAt}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}
