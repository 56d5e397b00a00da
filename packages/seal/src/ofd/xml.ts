/**
 * XML reading for OFD parts. fast-xml-parser with namespace prefixes removed: producers use
 * "ofd:" or no prefix at all, and element names alone identify OFD structures. Elements that may
 * repeat are always arrays, so callers do not have to guess.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ofdError } from './errors.js';

const REPEATED = new Set([
  'Signatures.Signature',
  'Document.Pages.Page',
  'Signature.SignedInfo.References.Reference',
  'Signature.SignedInfo.StampAnnot',
  'OFD.DocBody',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (_name, jpath) => REPEATED.has(String(jpath)),
});

export type XmlNode = Record<string, unknown>;

export function parseXml(data: Uint8Array, path: string): XmlNode {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // OFD parts never need a DTD; refusing it rules out entity-expansion bombs and external entities.
  if (/<!DOCTYPE/i.test(text)) {
    throw ofdError(
      'ofd_xml_invalid',
      `OFD 文件「${path}」含有 DOCTYPE 声明，拒绝处理`,
      `${path} contains a DOCTYPE declaration`,
    );
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw ofdError(
      'ofd_xml_invalid',
      `OFD 文件「${path}」不是格式正确的 XML（第 ${valid.err.line} 行：${valid.err.msg}）`,
      `${path} is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`,
    );
  }
  return parser.parse(text) as XmlNode;
}

/** Text content of an element that fast-xml-parser may give as a string or as { '#text' }. */
export function textOf(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (typeof node === 'object') {
    const t = (node as XmlNode)['#text'];
    return t === undefined ? '' : String(t);
  }
  return undefined;
}

export function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[`@${name}`];
  return v === undefined ? undefined : String(v);
}

export function child(node: unknown, name: string): XmlNode | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[name];
  if (Array.isArray(v)) return v[0] as XmlNode;
  return v as XmlNode | undefined;
}

export function children(node: unknown, name: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as XmlNode)[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as XmlNode[];
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** Millimetre values as OFD writes them: at most 3 decimals, no trailing zeros. */
export function mm(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export function parseBox(s: string | undefined): { x: number; y: number; w: number; h: number } | undefined {
  if (!s) return undefined;
  const n = s.trim().split(/\s+/).map(Number);
  if (n.length !== 4 || n.some((v) => !Number.isFinite(v))) return undefined;
  return { x: n[0], y: n[1], w: n[2], h: n[3] };
}
