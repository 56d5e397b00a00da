/**
 * OFD 电子签章 (GB/T 38540-2020 over a GB/T 33190 package).
 *
 * Only files are added (Sign_N/…) and the signature list is rewritten, so earlier signatures stay
 * valid. The new signature protects, with an SM3 CheckValue, every file of the package as it is at
 * signing time — earlier signatures' files included — except its own Sign_N files and, by default,
 * Signatures.xml, which must stay writable for later signatures (ofdrw's "continue sign" mode).
 * With `protectSignatureList` the updated list is protected too and no one can sign after.
 */

import { parse } from '../crypto/der.js';
import { digest, type Signer } from '../crypto/index.js';
import { inspectSealImage } from '../image/index.js';
import { type OfdDocument, openDocument, readXmlFile } from './document.js';
import { ofdError } from './errors.js';
import { dirOf, type OfdFiles, type PackageLimits, readOfdPackage, resolveLoc, writeOfdPackage } from './package.js';
import { computeStampBoxes, type OfdPlacement, type StampPlacementBox } from './placement.js';
import { makeSealV4, makeSignatureV4, OID_SM2_WITH_SM3, parseSeal, type SealInfoInput } from './ses.js';
import { attr, child, children, escapeXml, mm } from './xml.js';

const OFD_NS = 'http://www.ofdspec.org/2016';

export interface OfdSealSpec {
  esID: string;
  name: string;
  /** 印章类型: 1 单位印章 (default), 2 个人印章. */
  type?: number;
  vid?: string;
  createDate?: Date;
  /** Default: the signing time. */
  validStart?: Date;
  /** Default: the signer certificate's notAfter. */
  validEnd?: Date;
  /** Size of the seal on paper; default from the PNG's resolution (pHYs). */
  widthMm?: number;
  heightMm?: number;
  /** 制章人 — the key that makes (signs) the seal. Default: the signer (development setups). */
  maker?: Signer;
  /** Certificates (DER) allowed to use the seal; default: the signer's. */
  certList?: Buffer[];
}

export interface SignOfdOptions {
  /** 签章人: an SM2 signer from crypto's loadSigner. */
  signer: Signer;
  /** A seal made earlier (SESeal v4 DER, e.g. a stored Seal.esl) … */
  sealEsl?: Buffer;
  /** … or the image and data to make one now. */
  sealImage?: Buffer;
  seal?: OfdSealSpec;
  placement: OfdPlacement;
  /** Signing time (default now). */
  time?: Date;
  /** Also protect Signatures.xml: no further signature can be added afterwards. */
  protectSignatureList?: boolean;
  provider?: { name: string; company?: string; version?: string };
  limits?: PackageLimits;
}

export interface OfdSignResult {
  ofd: Buffer;
  signatureId: string;
  signaturePath: string;
  stampAnnots: number;
}

function invalid(zh: string, en: string): Error {
  return ofdError('seal_invalid_option', zh, en);
}

/** The picture's type for SES_ESPictrueInfo and its size on paper. */
async function pictureInfo(
  png: Buffer,
  spec: OfdSealSpec,
): Promise<{ type: string; widthMm: number; heightMm: number }> {
  let info: Awaited<ReturnType<typeof inspectSealImage>>;
  try {
    info = await inspectSealImage(png);
  } catch (e) {
    throw ofdError('seal_image_invalid', `印章图片无效：${(e as Error).message}`, 'invalid seal image', e);
  }
  const type = info.format.toUpperCase();
  if (spec.widthMm && spec.heightMm) return { type, widthMm: spec.widthMm, heightMm: spec.heightMm };
  if (!info.dpi)
    throw invalid(
      '印章图片未记录分辨率（pHYs），须给出印章宽高（毫米）',
      'the seal image has no resolution; give widthMm/heightMm',
    );
  const widthMm = spec.widthMm ?? (info.widthPx / info.dpi) * 25.4;
  return { type, widthMm, heightMm: spec.heightMm ?? (info.heightPx / info.widthPx) * widthMm };
}

/** The SESeal to embed: the given one (checked against the signer) or a new one. */
async function resolveSeal(
  opts: SignOfdOptions,
  time: Date,
): Promise<{ der: Buffer; widthMm: number; heightMm: number }> {
  if (opts.sealEsl) {
    let seal: ReturnType<typeof parseSeal>;
    try {
      seal = parseSeal(parse(opts.sealEsl));
    } catch {
      throw invalid('电子印章数据（Seal.esl）无法解析', 'cannot parse the given seal');
    }
    if (seal.version !== 'v4')
      throw invalid('只能使用 GB/T 38540 格式（v4）的电子印章签章', 'only v4 seals can be used for signing');
    const cert = opts.signer.certificate.der;
    if (seal.certListType === 1 && !seal.certs.some((c) => c.equals(cert))) {
      throw invalid(
        '签章人证书不在该电子印章的证书列表中，无权使用此印章',
        "the signer's certificate is not in the seal's certificate list",
      );
    }
    checkSealPeriod(seal.validStart, seal.validEnd, time);
    return { der: opts.sealEsl, widthMm: seal.picture.widthMm, heightMm: seal.picture.heightMm };
  }
  if (!opts.sealImage || !opts.seal)
    throw invalid(
      '须提供电子印章（sealEsl）或印章图片与印章信息（sealImage、seal）',
      'give sealEsl or sealImage + seal',
    );
  const spec = opts.seal;
  if (!spec.esID || !/^[\x20-\x7e]+$/.test(spec.esID))
    throw invalid('印章标识 esID 须为非空的 ASCII 字符串', 'esID must be non-empty ASCII');
  if (!spec.name?.trim()) throw invalid('印章名称不能为空', 'the seal name is required');
  const picture = await pictureInfo(opts.sealImage, spec);
  const info: SealInfoInput = {
    esID: spec.esID,
    name: spec.name,
    type: spec.type,
    vid: spec.vid,
    createDate: spec.createDate ?? time,
    validStart: spec.validStart ?? time,
    validEnd: spec.validEnd ?? opts.signer.certificate.notAfter,
    picture: opts.sealImage,
    pictureType: picture.type,
    widthMm: picture.widthMm,
    heightMm: picture.heightMm,
    certList: spec.certList ?? [opts.signer.certificate.der],
  };
  if (info.validEnd <= info.validStart)
    throw invalid('印章有效期终止时间须晚于起始时间', 'validEnd must be after validStart');
  checkSealPeriod(info.validStart, info.validEnd, time);
  return { der: makeSealV4(info, spec.maker ?? opts.signer), widthMm: picture.widthMm, heightMm: picture.heightMm };
}

function checkSealPeriod(start: Date | undefined, end: Date | undefined, time: Date): void {
  if ((start && time < start) || (end && time > end)) {
    throw invalid('签章时间不在电子印章有效期内', 'the signing time is outside the seal validity period');
  }
}

/** ofdrw refuses to add a signature once one protects Signatures.xml; so do we. */
function assertListNotProtected(files: OfdFiles, doc: OfdDocument): void {
  const list = doc.signaturesPath;
  if (!list) return;
  for (const entry of doc.signatures) {
    if (!files.has(entry.path)) continue;
    const sig = readXmlFile(files, entry.path).Signature;
    const refs = children(child(child(sig, 'SignedInfo'), 'References'), 'Reference');
    if (refs.some((r) => resolveLoc(attr(r, 'FileRef') ?? '', dirOf(entry.path)) === list)) {
      throw ofdError(
        'ofd_signature_list_protected',
        '已有签章保护了签名列表（Signatures.xml），文档不允许继续签章',
        'an earlier signature protects Signatures.xml; no further signature can be added',
      );
    }
  }
}

/** Adds DocBody/Signatures to OFD.xml by text insertion, keeping the producer's prefix and bytes. */
function withSignaturesEntry(ofdXml: Uint8Array, signaturesPath: string): Buffer {
  const text = Buffer.from(ofdXml).toString('utf8');
  const m = /<\/([\w.-]+:)?DocBody\s*>/.exec(text);
  if (!m) throw ofdError('ofd_structure', 'OFD 结构错误：OFD.xml 缺少 DocBody', 'OFD.xml has no DocBody');
  const prefix = m[1] ?? '';
  const element = `<${prefix}Signatures>${escapeXml(signaturesPath)}</${prefix}Signatures>`;
  return Buffer.from(text.slice(0, m.index) + element + text.slice(m.index), 'utf8');
}

function nextSignDir(files: OfdFiles, signsDir: string): string {
  let max = -1;
  const re = new RegExp(`^${signsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/Sign_(\\d+)/`, 'i');
  for (const name of files.keys()) {
    const m = re.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `${signsDir}/Sign_${max + 1}`;
}

function signaturesXml(entries: Array<{ id: string; type: string; baseLoc: string }>, maxSignId: number): Buffer {
  const items = entries
    .map(
      (e) => `<ofd:Signature ID="${escapeXml(e.id)}" Type="${escapeXml(e.type)}" BaseLoc="${escapeXml(e.baseLoc)}"/>`,
    )
    .join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="${OFD_NS}"><ofd:MaxSignId>${maxSignId}</ofd:MaxSignId>${items}</ofd:Signatures>`,
    'utf8',
  );
}

const boxText = (b: { x: number; y: number; w: number; h: number }) => `${mm(b.x)} ${mm(b.y)} ${mm(b.w)} ${mm(b.h)}`;

function signatureXml(opts: {
  provider: { name: string; company?: string; version?: string };
  time: Date;
  references: Array<[string, Uint8Array]>;
  annots: Array<{ id: number } & StampPlacementBox>;
  sealLoc: string;
  signedValueLoc: string;
}): Buffer {
  const p = opts.provider;
  const provider = `<ofd:Provider ProviderName="${escapeXml(p.name)}"${p.version ? ` Version="${escapeXml(p.version)}"` : ''}${p.company ? ` Company="${escapeXml(p.company)}"` : ''}/>`;
  const refs = opts.references
    .map(
      ([path, data]) =>
        `<ofd:Reference FileRef="/${escapeXml(path)}"><ofd:CheckValue>${digest('sm3', data).toString('base64')}</ofd:CheckValue></ofd:Reference>`,
    )
    .join('');
  const annots = opts.annots
    .map(
      (a) =>
        `<ofd:StampAnnot ID="${a.id}" PageRef="${escapeXml(a.page.id)}" Boundary="${boxText(a.boundary)}"${a.clip ? ` Clip="${boxText(a.clip)}"` : ''}/>`,
    )
    .join('');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="${OFD_NS}"><ofd:SignedInfo>${provider}` +
    `<ofd:SignatureMethod>${OID_SM2_WITH_SM3}</ofd:SignatureMethod>` +
    `<ofd:SignatureDateTime>${opts.time.toISOString().slice(0, 19)}Z</ofd:SignatureDateTime>` +
    `<ofd:References CheckMethod="SM3">${refs}</ofd:References>${annots}` +
    `<ofd:Seal><ofd:BaseLoc>${escapeXml(opts.sealLoc)}</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>` +
    `<ofd:SignedValue>${escapeXml(opts.signedValueLoc)}</ofd:SignedValue></ofd:Signature>`;
  return Buffer.from(xml, 'utf8');
}

/** 签章: returns the signed OFD. Throws SealError (stable `code`, Chinese message) on bad input. */
export async function signOfd(input: Uint8Array, opts: SignOfdOptions): Promise<Buffer> {
  return (await signOfdDetailed(input, opts)).ofd;
}

export async function signOfdDetailed(input: Uint8Array, opts: SignOfdOptions): Promise<OfdSignResult> {
  if (!opts?.signer) throw invalid('须提供签章人（signer）', 'signer is required');
  if (opts.signer.algorithm !== 'sm2') {
    throw invalid(
      'OFD 电子签章（GB/T 38540）须使用 SM2 密钥与证书，RSA 不适用',
      'GB/T 38540 OFD seals require an SM2 key; RSA is not supported',
    );
  }
  const time = opts.time ?? new Date();
  const cert = opts.signer.certificate;
  if (time < cert.notBefore || time > cert.notAfter) {
    throw invalid(
      '签章人证书在签章时间不在有效期内（已过期或尚未生效）',
      "the signer's certificate is not valid at the signing time",
    );
  }
  const files = readOfdPackage(input, opts.limits);
  const doc = openDocument(files);
  assertListNotProtected(files, doc);
  const seal = await resolveSeal(opts, time);
  const boxes = computeStampBoxes(opts.placement, doc.pages, seal);

  const out: OfdFiles = new Map(files);
  const signaturesPath = doc.signaturesPath ?? `${doc.docDir ? `${doc.docDir}/` : ''}Signs/Signatures.xml`;
  if (!doc.signaturesPath)
    out.set(doc.ofdXmlPath, withSignaturesEntry(files.get(doc.ofdXmlPath) as Uint8Array, signaturesPath));
  const signDir = nextSignDir(files, dirOf(signaturesPath));

  let lastId = doc.maxSignId;
  const signatureId = String(++lastId);
  const annots = boxes.map((b) => ({ id: ++lastId, ...b }));
  const sigPath = `${signDir}/Signature.xml`;
  const entries = doc.signatures.map((s) => ({ id: s.id, type: s.type, baseLoc: `/${s.path}` }));
  entries.push({ id: signatureId, type: 'Seal', baseLoc: `/${sigPath}` });
  out.set(signaturesPath, signaturesXml(entries, lastId));

  const references = [...out.entries()].filter(
    ([name]) => !name.startsWith(`${signDir}/`) && (name !== signaturesPath || opts.protectSignatureList === true),
  );
  const sigXml = signatureXml({
    provider: opts.provider ?? { name: 'jiyue-seal', company: 'Jiyue', version: '0.1.0' },
    time,
    references,
    annots,
    sealLoc: `/${signDir}/Seal.esl`,
    signedValueLoc: `/${signDir}/SignedValue.dat`,
  });
  const signedValue = makeSignatureV4({
    seal: seal.der,
    signer: opts.signer,
    time,
    dataHash: digest('sm3', sigXml),
    propertyInfo: `/${sigPath}`,
  });
  out.set(`${signDir}/Seal.esl`, seal.der);
  out.set(sigPath, sigXml);
  out.set(`${signDir}/SignedValue.dat`, signedValue);
  return { ofd: writeOfdPackage(out, time), signatureId, signaturePath: sigPath, stampAnnots: annots.length };
}
