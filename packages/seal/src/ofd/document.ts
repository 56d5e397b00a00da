/**
 * The parts of an OFD package that signing and verification need: the first document's root,
 * its pages (ID and size) and its signature list (GB/T 33190 §7.4, §7.5, §18.1).
 */
import { ofdError } from './errors.js';
import { dirOf, findFile, type OfdFiles, resolveLoc } from './package.js';
import { attr, child, children, parseBox, parseXml, textOf, type XmlNode } from './xml.js';

export interface OfdPage {
  /** 1-based page number. */
  index: number;
  /** The page object's ID — what StampAnnot/@PageRef refers to. */
  id: string;
  path: string;
  widthMm: number;
  heightMm: number;
}

export interface SignatureEntry {
  id: string;
  type: string;
  /** Path of Signature.xml in the container. */
  path: string;
}

export interface OfdDocument {
  ofdXmlPath: string;
  docRootPath: string;
  docDir: string;
  pages: OfdPage[];
  /** Path of Signatures.xml when OFD.xml names one. */
  signaturesPath?: string;
  maxSignId: number;
  signatures: SignatureEntry[];
}

function structure(zh: string, en: string): Error {
  return ofdError('ofd_structure', `OFD 结构错误：${zh}`, `bad OFD structure: ${en}`);
}

export function readXmlFile(files: OfdFiles, path: string): XmlNode {
  const real = findFile(files, path);
  if (!real) throw structure(`缺少文件「${path}」`, `missing file ${path}`);
  return parseXml(files.get(real) as Uint8Array, real);
}

function pageSize(box: string | undefined): { w: number; h: number } | undefined {
  const b = parseBox(box);
  return b && b.w > 0 && b.h > 0 ? { w: b.w, h: b.h } : undefined;
}

function readPages(files: OfdFiles, docRootPath: string, doc: XmlNode): OfdPage[] {
  const docDir = dirOf(docRootPath);
  const defaultSize = pageSize(textOf(child(child(child(doc, 'CommonData'), 'PageArea'), 'PhysicalBox')));
  const pages = children(child(doc, 'Pages'), 'Page');
  if (pages.length === 0) throw structure('文档没有页面', 'the document has no pages');
  return pages.map((p, i) => {
    const id = attr(p, 'ID');
    const loc = attr(p, 'BaseLoc');
    const path = loc ? resolveLoc(loc, docDir) : undefined;
    const real = path ? findFile(files, path) : undefined;
    if (!id || !real) throw structure(`第 ${i + 1} 页缺少 ID 或页面文件`, `page ${i + 1} has no ID or content file`);
    const own = pageSize(textOf(child(child(readXmlFile(files, real).Page, 'Area'), 'PhysicalBox')));
    const size = own ?? defaultSize;
    if (!size) throw structure(`第 ${i + 1} 页没有页面大小（PhysicalBox）`, `page ${i + 1} has no PhysicalBox`);
    return { index: i + 1, id, path: real, widthMm: size.w, heightMm: size.h };
  });
}

export function readSignatureList(
  files: OfdFiles,
  signaturesPath: string,
): { maxSignId: number; signatures: SignatureEntry[] } {
  const list = readXmlFile(files, signaturesPath).Signatures;
  const baseDir = dirOf(signaturesPath);
  const signatures = children(list, 'Signature').map((s) => {
    const loc = attr(s, 'BaseLoc');
    const path = loc ? resolveLoc(loc, baseDir) : undefined;
    if (!path)
      throw structure('签名列表中的签名缺少有效的 BaseLoc', 'a signature in Signatures.xml has no valid BaseLoc');
    return { id: attr(s, 'ID') ?? '', type: attr(s, 'Type') ?? 'Seal', path: findFile(files, path) ?? path };
  });
  const declared = Number.parseInt(textOf(child(list, 'MaxSignId')) ?? '0', 10);
  const idMax = Math.max(0, ...signatures.map((s) => Number.parseInt(s.id, 10)).filter(Number.isFinite));
  return { maxSignId: Math.max(Number.isFinite(declared) ? declared : 0, idMax), signatures };
}

export function openDocument(files: OfdFiles, opts: { pages?: boolean } = {}): OfdDocument {
  const ofdXmlPath = findFile(files, 'OFD.xml') as string;
  const ofd = readXmlFile(files, ofdXmlPath).OFD;
  const body = children(ofd, 'DocBody')[0];
  const rootLoc = textOf(child(body, 'DocRoot'));
  const docRootPath = rootLoc ? resolveLoc(rootLoc, '') : undefined;
  const realRoot = docRootPath ? findFile(files, docRootPath) : undefined;
  if (!realRoot) throw structure('OFD.xml 未指向存在的文档根（DocRoot）', 'OFD.xml has no valid DocRoot');
  const doc = readXmlFile(files, realRoot).Document as XmlNode;
  if (!doc) throw structure('文档根不是 Document', 'DocRoot is not a Document');
  const sigLoc = textOf(child(body, 'Signatures'));
  const sigPath = sigLoc ? resolveLoc(sigLoc, '') : undefined;
  const signaturesPath = sigPath ? (findFile(files, sigPath) ?? sigPath) : undefined;
  const list =
    signaturesPath && files.has(signaturesPath)
      ? readSignatureList(files, signaturesPath)
      : { maxSignId: 0, signatures: [] };
  return {
    ofdXmlPath,
    docRootPath: realRoot,
    docDir: dirOf(realRoot),
    pages: opts.pages === false ? [] : readPages(files, realRoot, doc),
    signaturesPath,
    ...list,
  };
}
