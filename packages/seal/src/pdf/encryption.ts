import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SealError } from './errors.js';
import { PdfDict, PdfName, type PdfObject, PdfString } from './objects.js';

/**
 * The PDF standard security handler (ISO 32000-2 §7.6.4) for files that open with an empty user
 * password: RC4 40/128 (R2–R4), AES-128 (AESV2, R4) and AES-256 (AESV3, R5/R6). Reading needs it to
 * decrypt object streams and the strings we interpret (field names); writing needs it because every
 * string and stream of a new object in an encrypted file must itself be encrypted — except the
 * signature dictionary's /Contents, which the spec exempts (§7.6.2).
 */
const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

type Method = 'none' | 'rc4' | 'aes128' | 'aes256';

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
  }
  const out = Buffer.allocUnsafe(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

const md5 = (...parts: Buffer[]): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function unsupported(why: string): SealError {
  return new SealError(
    'pdf_encrypted_unsupported',
    `不支持此 PDF 的加密方式：${why}`,
    `unsupported PDF encryption: ${why}`,
  );
}

function passwordRequired(): SealError {
  return new SealError(
    'pdf_encrypted_password_required',
    'PDF 已加密且需要打开密码，无法签章',
    'PDF is encrypted with a user (open) password; it cannot be signed',
  );
}

/** ISO 32000-2 Algorithm 2.B (R6 hash). */
export function hashR6(password: Buffer, salt: Buffer, udata: Buffer): Buffer {
  let k = createHash('sha256').update(password).update(salt).update(udata).digest();
  for (let i = 0; ; ) {
    const k1 = Buffer.concat(Array(64).fill(Buffer.concat([password, k, udata])));
    const c = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32));
    c.setAutoPadding(false);
    const e = Buffer.concat([c.update(k1), c.final()]);
    let mod = 0;
    for (let j = 0; j < 16; j++) mod += e[j]!;
    k = createHash(['sha256', 'sha384', 'sha512'][mod % 3]!)
      .update(e)
      .digest();
    i++;
    if (i >= 64 && e[e.length - 1]! <= i - 32) break;
  }
  return k.subarray(0, 32);
}

export class StandardSecurity {
  private constructor(
    private readonly key: Buffer,
    private readonly strMethod: Method,
    private readonly stmMethod: Method,
  ) {}

  /** Opens the handler with the empty user password, or throws a typed error saying why it cannot. */
  static open(enc: PdfDict, id0: Buffer | undefined): StandardSecurity {
    const filter = enc.get('Filter');
    if (!(filter instanceof PdfName) || filter.name !== 'Standard') {
      throw unsupported(`安全处理器 ${filter instanceof PdfName ? filter.name : '?'} / handler not Standard`);
    }
    const v = intOf(enc.get('V'), 0);
    const r = intOf(enc.get('R'), 0);
    const o = bytesOf(enc.get('O'));
    const u = bytesOf(enc.get('U'));
    if (!o || !u) throw unsupported('missing /O or /U');
    const pFlags = intOf(enc.get('P'), 0);
    let strMethod: Method = 'rc4';
    let stmMethod: Method = 'rc4';
    let keyLen = 5;
    if (v === 1) keyLen = 5;
    else if (v === 2) keyLen = intOf(enc.get('Length'), 40) / 8;
    else if (v === 4 || v === 5) {
      const cf = enc.get('CF');
      const method = (n: PdfObject | undefined): Method => {
        const nm = n instanceof PdfName ? n.name : 'Identity';
        if (nm === 'Identity') return 'none';
        const f = cf instanceof PdfDict ? cf.get(nm) : undefined;
        const cfm = f instanceof PdfDict ? f.get('CFM') : undefined;
        const m = cfm instanceof PdfName ? cfm.name : 'None';
        if (m === 'V2') return 'rc4';
        if (m === 'AESV2') return 'aes128';
        if (m === 'AESV3') return 'aes256';
        if (m === 'None') return 'none';
        throw unsupported(`crypt filter ${m}`);
      };
      strMethod = method(enc.get('StrF'));
      stmMethod = method(enc.get('StmF'));
      keyLen = v === 5 ? 32 : 16;
    } else throw unsupported(`/V ${v}`);
    if (keyLen < 5 || keyLen > 32 || !Number.isInteger(keyLen)) throw unsupported('key length');

    if (r >= 5) {
      if (u.length < 48) throw unsupported('/U too short');
      const empty = Buffer.alloc(0);
      const h =
        r === 5 ? (s: Buffer) => createHash('sha256').update(s).digest() : (s: Buffer) => hashR6(empty, s, empty);
      if (!h(u.subarray(32, 40)).equals(u.subarray(0, 32))) throw passwordRequired();
      const ue = bytesOf(enc.get('UE'));
      if (!ue || ue.length < 32) throw unsupported('/UE missing');
      const d = createDecipheriv('aes-256-cbc', h(u.subarray(40, 48)), Buffer.alloc(16));
      d.setAutoPadding(false);
      const key = Buffer.concat([d.update(ue.subarray(0, 32)), d.final()]);
      return new StandardSecurity(key, strMethod, stmMethod);
    }

    const pBuf = Buffer.alloc(4);
    pBuf.writeInt32LE(pFlags | 0);
    const encryptMetadata = enc.get('EncryptMetadata') !== false;
    const id = id0 ?? Buffer.alloc(0);
    let key = md5(
      PAD,
      o.subarray(0, 32),
      pBuf,
      id,
      r >= 4 && !encryptMetadata ? Buffer.from([255, 255, 255, 255]) : Buffer.alloc(0),
    );
    if (r >= 3) for (let i = 0; i < 50; i++) key = md5(key.subarray(0, keyLen));
    key = key.subarray(0, keyLen);
    // Check the empty user password (Algorithms 4/5) so a password-protected file fails clearly.
    if (r === 2) {
      if (!rc4(key, PAD).equals(u.subarray(0, 32))) throw passwordRequired();
    } else {
      let x = rc4(key, md5(PAD, id));
      for (let i = 1; i <= 19; i++) x = rc4(Buffer.from(key.map((b) => b ^ i)), x);
      if (!x.equals(u.subarray(0, 16))) throw passwordRequired();
    }
    return new StandardSecurity(key, strMethod, stmMethod);
  }

  private objectKey(method: Method, num: number, gen: number): Buffer {
    if (method === 'aes256') return this.key;
    const extra = Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff]);
    const parts = [this.key, extra];
    if (method === 'aes128') parts.push(Buffer.from('sAlT', 'latin1'));
    return md5(...parts).subarray(0, Math.min(this.key.length + 5, 16));
  }

  private decrypt(method: Method, num: number, gen: number, data: Buffer): Buffer {
    if (method === 'none') return data;
    const key = this.objectKey(method, num, gen);
    if (method === 'rc4') return rc4(key, data);
    if (data.length < 32 || data.length % 16 !== 0) {
      if (data.length === 16 || data.length === 0) return Buffer.alloc(0);
      throw new SealError('pdf_object_corrupt', 'PDF 加密数据长度错误', 'encrypted PDF data has a bad length');
    }
    const d = createDecipheriv(method === 'aes128' ? 'aes-128-cbc' : 'aes-256-cbc', key, data.subarray(0, 16));
    try {
      return Buffer.concat([d.update(data.subarray(16)), d.final()]);
    } catch (e) {
      throw new SealError('pdf_object_corrupt', 'PDF 加密数据无法解密', 'encrypted PDF data does not decrypt', {
        cause: e,
      });
    }
  }

  private encrypt(method: Method, num: number, gen: number, data: Buffer): Buffer {
    if (method === 'none') return data;
    const key = this.objectKey(method, num, gen);
    if (method === 'rc4') return rc4(key, data);
    const iv = randomBytes(16);
    const c = createCipheriv(method === 'aes128' ? 'aes-128-cbc' : 'aes-256-cbc', key, iv);
    return Buffer.concat([iv, c.update(data), c.final()]);
  }

  decryptString(num: number, gen: number, s: Buffer): Buffer {
    return this.decrypt(this.strMethod, num, gen, s);
  }
  decryptStream(num: number, gen: number, s: Buffer): Buffer {
    return this.decrypt(this.stmMethod, num, gen, s);
  }
  encryptString(num: number, gen: number, s: Buffer): Buffer {
    return this.encrypt(this.strMethod, num, gen, s);
  }
  encryptStream(num: number, gen: number, s: Buffer): Buffer {
    return this.encrypt(this.stmMethod, num, gen, s);
  }

  /**
   * Returns a copy of `o` with every string decrypted (for interpreting values). A signature
   * dictionary's /Contents is left alone (never encrypted), and a string that does not decrypt is
   * kept as stored rather than failing the whole object.
   */
  decryptStrings(o: PdfObject, num: number, gen: number): PdfObject {
    return mapStrings(o, (s) => {
      try {
        return new PdfString(this.decryptString(num, gen, s.bytes), s.hex);
      } catch {
        return s;
      }
    });
  }
  /** Returns a copy of `o` (a new object we write) with every string encrypted for object num/gen. */
  encryptStrings(o: PdfObject, num: number, gen: number): PdfObject {
    return mapStrings(o, (s) => new PdfString(this.encryptString(num, gen, s.bytes), true));
  }
}

function mapStrings(o: PdfObject, f: (s: PdfString) => PdfString): PdfObject {
  if (o instanceof PdfString) return f(o);
  if (Array.isArray(o)) return o.map((x) => mapStrings(x, f));
  if (o instanceof PdfDict) {
    const d = new PdfDict();
    const isSignature = o.has('ByteRange');
    for (const [k, v] of o.map) d.set(k, isSignature && k === 'Contents' ? v : mapStrings(v, f));
    return d;
  }
  return o;
}

function intOf(o: PdfObject | undefined, dflt: number): number {
  return typeof o === 'number' ? o : dflt;
}
function bytesOf(o: PdfObject | undefined): Buffer | undefined {
  return o instanceof PdfString ? o.bytes : undefined;
}

/** User-access permission bits (ISO 32000-2 Table 22), 1-based. */
export const PERM = {
  print: 3,
  modify: 4,
  copy: 5,
  annotate: 6,
  fillForms: 9,
  accessibility: 10,
  assemble: 11,
  printHigh: 12,
} as const;

/**
 * Creates an AES-256 (V5/R6) standard security handler with an empty user password — the file
 * opens without a password — and the given owner password and permission flags (Algorithms 8–10).
 */
export function createAes256Security(
  ownerPassword: string,
  permissions: number,
): { dict: PdfDict; security: StandardSecurity } {
  const fileKey = randomBytes(32);
  const user = Buffer.alloc(0);
  const owner = Buffer.from(ownerPassword, 'utf8').subarray(0, 127);
  const aesNoPad = (key: Buffer, data: Buffer) => {
    const c = createCipheriv('aes-256-cbc', key, Buffer.alloc(16));
    c.setAutoPadding(false);
    return Buffer.concat([c.update(data), c.final()]);
  };
  const uvs = randomBytes(8);
  const uks = randomBytes(8);
  const u = Buffer.concat([hashR6(user, uvs, Buffer.alloc(0)), uvs, uks]);
  const ue = aesNoPad(hashR6(user, uks, Buffer.alloc(0)), fileKey);
  const ovs = randomBytes(8);
  const oks = randomBytes(8);
  const o = Buffer.concat([hashR6(owner, ovs, u), ovs, oks]);
  const oe = aesNoPad(hashR6(owner, oks, u), fileKey);
  const permsPlain = Buffer.alloc(16);
  permsPlain.writeInt32LE(permissions | 0, 0);
  permsPlain.writeUInt32LE(0xffffffff, 4);
  permsPlain.write('Tadb', 8, 'latin1');
  randomBytes(4).copy(permsPlain, 12);
  const ecb = createCipheriv('aes-256-ecb', fileKey, null);
  ecb.setAutoPadding(false);
  const perms = Buffer.concat([ecb.update(permsPlain), ecb.final()]);
  const hex = (b: Buffer) => new PdfString(b, true);
  const dict = new PdfDict()
    .set('Filter', PdfName.of('Standard'))
    .set('V', 5)
    .set('R', 6)
    .set('Length', 256)
    .set(
      'CF',
      new PdfDict().set(
        'StdCF',
        new PdfDict().set('CFM', PdfName.of('AESV3')).set('AuthEvent', PdfName.of('DocOpen')).set('Length', 32),
      ),
    )
    .set('StmF', PdfName.of('StdCF'))
    .set('StrF', PdfName.of('StdCF'))
    .set('P', permissions | 0)
    .set('O', hex(o))
    .set('U', hex(u))
    .set('OE', hex(oe))
    .set('UE', hex(ue))
    .set('Perms', hex(perms))
    .set('EncryptMetadata', true);
  return { dict, security: StandardSecurity.open(dict, undefined) };
}
