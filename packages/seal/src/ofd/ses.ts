/**
 * Electronic seal (电子印章, SESeal) and seal signature (电子签章, SES_Signature) structures:
 * GB/T 38540-2020 ("v4") for writing and reading, GM/T 0031-2014 ("v1") for reading.
 *
 *   v4 SESeal       ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING, signAlgID OID, signedValue BIT STRING }
 *   v4 SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
 *                                  picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
 *   v4 property     ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER, certList,
 *                                  createDate, validStart, validEnd GeneralizedTime }
 *   v4 TBS_Sign     ::= SEQUENCE { version INTEGER(4), eseal SESeal, timeInfo GeneralizedTime,
 *                                  dataHash BIT STRING, propertyInfo IA5String, extDatas [0] OPTIONAL }
 *   v4 SES_Signature::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OID,
 *                                  signature BIT STRING, timeStamp [0] BIT STRING OPTIONAL }
 *   v1 SESeal       ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SEQUENCE { cert, signatureAlgorithm, signData } }
 *   v1 property     ::= SEQUENCE { type, name, certList SEQUENCE OF OCTET STRING, createDate, validStart, validEnd UTCTime }
 *   v1 TBS_Sign     ::= SEQUENCE { version, eseal, timeInfo BIT STRING, dataHash BIT STRING,
 *                                  propertyInfo IA5String, cert OCTET STRING, signatureAlgorithm OID }
 *   v1 SES_Signature::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }
 *
 * The seal maker signs DER(SES_SealInfo) — what ofdrw and the tax-bureau seals in the wild do.
 */
import {
  bitString,
  decodeTime,
  ia5,
  integer,
  type Node,
  octetString,
  oid,
  parse,
  readOid,
  readString,
  readUint,
  seq,
  TAG,
  tlv,
  utf8,
} from '../crypto/der.js';
import type { Signer } from '../crypto/index.js';
import { ofdError } from './errors.js';

export const OID_SM2_WITH_SM3 = '1.2.156.10197.1.501';
export const OID_SM3 = '1.2.156.10197.1.401';

export interface SealInfoInput {
  /** 电子印章标识 esID, e.g. the 13/14-digit 印章编码. */
  esID: string;
  /** 印章名称 */
  name: string;
  /** 印章类型 (GB/T 38540: 1 单位印章, 2 个人印章; other values are vendor-defined). */
  type?: number;
  /** 厂商标识 Vid in SES_Header (default "JIYUE"). */
  vid?: string;
  createDate?: Date;
  validStart: Date;
  validEnd: Date;
  /** The seal image, PNG. */
  picture: Buffer;
  pictureType?: string;
  widthMm: number;
  heightMm: number;
  /** 签章人证书列表 (DER): the certificates allowed to sign with this seal. */
  certList: Buffer[];
}

export function generalizedTime(d: Date): Buffer {
  const s = `${d.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(s, 'latin1'));
}

function assertSm2(signer: Signer, role: string): void {
  if (signer.algorithm !== 'sm2') {
    throw ofdError(
      'seal_invalid_option',
      `OFD 电子签章（GB/T 38540）要求${role}使用 SM2 密钥，当前为 ${signer.algorithm.toUpperCase()}`,
      `GB/T 38540 seals need an SM2 key for the ${role === '制章人' ? 'seal maker' : 'signer'}, got ${signer.algorithm}`,
    );
  }
}

export function encodeSealInfoV4(info: SealInfoInput): Buffer {
  const header = seq(ia5('ES'), integer(4), ia5(info.vid ?? 'JIYUE'));
  const property = seq(
    integer(info.type ?? 1),
    utf8(info.name),
    integer(1), // certListType 1: the certificates themselves
    seq(...info.certList.map((c) => octetString(c))),
    generalizedTime(info.createDate ?? new Date()),
    generalizedTime(info.validStart),
    generalizedTime(info.validEnd),
  );
  const picture = seq(
    ia5(info.pictureType ?? 'PNG'),
    octetString(info.picture),
    integer(Math.round(info.widthMm)),
    integer(Math.round(info.heightMm)),
  );
  return seq(header, ia5(info.esID), property, picture);
}

/** 制作电子印章: SESeal v4 signed by the seal maker (制章人). */
export function makeSealV4(info: SealInfoInput, maker: Signer): Buffer {
  assertSm2(maker, '制章人');
  const sealInfo = encodeSealInfoV4(info);
  const signature = maker.signRaw(sealInfo);
  return seq(sealInfo, octetString(maker.certificate.der), oid(OID_SM2_WITH_SM3), bitString(signature));
}

/** 电子签章数据: SES_Signature v4 over the hash of Signature.xml. */
export function makeSignatureV4(opts: {
  seal: Buffer;
  signer: Signer;
  time: Date;
  dataHash: Buffer;
  propertyInfo: string;
}): Buffer {
  assertSm2(opts.signer, '签章人');
  const tbs = seq(integer(4), opts.seal, generalizedTime(opts.time), bitString(opts.dataHash), ia5(opts.propertyInfo));
  const signature = opts.signer.signRaw(tbs);
  return seq(tbs, octetString(opts.signer.certificate.der), oid(OID_SM2_WITH_SM3), bitString(signature));
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface ParsedSeal {
  version: 'v4' | 'v1';
  raw: Buffer;
  sealInfoRaw: Buffer;
  headerVersion: number;
  vid: string;
  esID: string;
  type: number;
  name: string;
  certListType: number;
  /** certListType 1: certificates (DER); 2: digests as { type, value }. */
  certs: Buffer[];
  certDigests: Array<{ type: string; value: Buffer }>;
  createDate?: Date;
  validStart?: Date;
  validEnd?: Date;
  picture: { type: string; data: Buffer; widthMm: number; heightMm: number };
  makerCert: Buffer;
  signAlgOid: string;
  signedValue: Buffer;
}

export interface ParsedSesSignature {
  version: 'v4' | 'v1';
  tbsRaw: Buffer;
  seal: ParsedSeal;
  time?: Date;
  dataHash: Buffer;
  propertyInfo: string;
  signerCert: Buffer;
  signatureAlgOid: string;
  signature: Buffer;
}

function at(node: Node, i: number, what: string): Node {
  const c = node.children[i];
  if (!c) throw bad(`缺少${what}`, `missing ${what}`);
  return c;
}

function bad(zh: string, en: string): Error {
  return ofdError('ofd_structure', `电子签章数据格式错误：${zh}`, `malformed seal data: ${en}`);
}

/** BIT STRING or (non-standard, seen in the wild) OCTET STRING. */
function bitsOrOctets(node: Node): Buffer {
  if (node.tag === TAG.BIT_STRING) return node.value.subarray(1);
  if (node.tag === TAG.OCTET_STRING) return node.value;
  throw bad('应为 BIT STRING', 'expected BIT STRING');
}

function timeOf(node: Node | undefined): Date | undefined {
  if (!node) return undefined;
  if (node.tag === TAG.UTC_TIME || node.tag === TAG.GENERALIZED_TIME) return decodeTime(node);
  // v1 timeInfo is a BIT STRING holding the time as text (or a timestamp token we do not read)
  const inner = bitsOrOctets(node).toString('latin1');
  const m =
    /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(inner) ??
    /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z/.exec(inner);
  if (!m) return undefined;
  const year = m[1].length === 2 ? 2000 + Number(m[1]) : Number(m[1]);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function intOf(node: Node): number {
  return Number.parseInt(readUint(node).toString('hex') || '0', 16);
}

function parseSealInfo(info: Node, version: 'v4' | 'v1') {
  const header = at(info, 0, '印章头');
  const property = at(info, 2, '印章属性');
  const pic = at(info, 3, '印章图片');
  const v4 = version === 'v4';
  const listNode = at(property, v4 ? 3 : 2, '证书列表');
  const certListType = v4 ? intOf(at(property, 2, '证书列表类型')) : 1;
  const t0 = v4 ? 4 : 3;
  return {
    headerVersion: intOf(at(header, 1, '版本')),
    vid: readString(at(header, 2, '厂商标识')),
    esID: readString(at(info, 1, '印章标识')),
    type: intOf(at(property, 0, '印章类型')),
    name: readString(at(property, 1, '印章名称')),
    certListType,
    certs: certListType === 1 ? listNode.children.map((c) => c.value) : [],
    certDigests:
      certListType === 2
        ? listNode.children.map((c) => ({ type: readString(at(c, 0, '摘要算法')), value: at(c, 1, '摘要值').value }))
        : [],
    createDate: timeOf(property.children[t0]),
    validStart: timeOf(property.children[t0 + 1]),
    validEnd: timeOf(property.children[t0 + 2]),
    picture: {
      type: readString(at(pic, 0, '图片类型')),
      data: at(pic, 1, '图片数据').value,
      widthMm: intOf(at(pic, 2, '图片宽度')),
      heightMm: intOf(at(pic, 3, '图片高度')),
    },
  };
}

export function parseSeal(node: Node): ParsedSeal {
  const first = at(node, 0, '印章信息');
  const second = at(node, 1, '制章人签名信息');
  // v1 keeps the maker's certificate, algorithm and signature in a nested SES_SignInfo
  const version = second.tag === TAG.SEQUENCE ? 'v1' : 'v4';
  const signInfo = version === 'v1' ? second.children : node.children.slice(1);
  if (signInfo.length < 3) throw bad('制章人签名信息不完整', 'incomplete seal signature');
  return {
    version,
    raw: node.raw,
    sealInfoRaw: first.raw,
    ...parseSealInfo(first, version),
    makerCert: signInfo[0].value,
    signAlgOid: readOid(signInfo[1]),
    signedValue: bitsOrOctets(signInfo[2]),
  };
}

export function parseSesSignature(der: Uint8Array): ParsedSesSignature {
  let root: Node;
  try {
    root = parse(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
    const tbs = at(root, 0, '待签名数据');
    if (root.children.length === 2) {
      // GM/T 0031-2014: the signer's certificate and algorithm are inside TBS_Sign
      return {
        version: 'v1',
        tbsRaw: tbs.raw,
        seal: parseSeal(at(tbs, 1, '电子印章')),
        time: timeOf(tbs.children[2]),
        dataHash: bitsOrOctets(at(tbs, 3, '原文杂凑值')),
        propertyInfo: readString(at(tbs, 4, '原文属性')),
        signerCert: at(tbs, 5, '签章人证书').value,
        signatureAlgOid: readOid(at(tbs, 6, '签名算法')),
        signature: bitsOrOctets(at(root, 1, '签名值')),
      };
    }
    return {
      version: 'v4',
      tbsRaw: tbs.raw,
      seal: parseSeal(at(tbs, 1, '电子印章')),
      time: timeOf(tbs.children[2]),
      dataHash: bitsOrOctets(at(tbs, 3, '原文杂凑值')),
      propertyInfo: readString(at(tbs, 4, '原文属性')),
      signerCert: at(root, 1, '签章人证书').value,
      signatureAlgOid: readOid(at(root, 2, '签名算法')),
      signature: bitsOrOctets(at(root, 3, '签名值')),
    };
  } catch (e) {
    if (e instanceof Error && e.name === 'SealError') throw e;
    throw ofdError(
      'ofd_structure',
      `电子签章数据（SignedValue.dat）无法解析：${(e as { zh?: string }).zh ?? (e as Error).message}`,
      `cannot parse SES_Signature: ${(e as Error).message}`,
      e,
    );
  }
}
