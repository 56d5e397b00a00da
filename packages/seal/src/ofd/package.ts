/**
 * The OFD package (GB/T 33190 §7): a zip container. Reading is defensive because the files come
 * from uploads: names are normalised and must stay inside the container, the declared sizes are
 * bounded before anything is inflated, and every entry's CRC is checked, so a zip whose headers
 * lie about the size is refused instead of being silently truncated.
 */
import { type Unzipped, unzipSync, zipSync } from 'fflate';
import { ofdError } from './errors.js';

export interface PackageLimits {
  /** Total uncompressed bytes of all entries (default 256 MiB). */
  maxUncompressedBytes?: number;
  /** Number of entries (default 20 000). */
  maxEntries?: number;
  /** Largest uncompressed/compressed ratio of one entry bigger than 1 MiB (default 500; deflate tops out near 1032). */
  maxCompressionRatio?: number;
}

/** Files by container path without a leading slash ("Doc_0/Document.xml"), in archive order. */
export type OfdFiles = Map<string, Uint8Array>;

const DEFAULT_LIMITS: Required<PackageLimits> = {
  maxUncompressedBytes: 256 * 1024 * 1024,
  maxEntries: 20_000,
  maxCompressionRatio: 500,
};

/**
 * Normalises a name found in the archive. Returns undefined for directory entries; throws for
 * names that would escape the container or are ambiguous on some file systems.
 */
export function normalizeEntryName(raw: string): string | undefined {
  if (raw.endsWith('/')) return undefined;
  const unsafe = (why: string) =>
    ofdError('ofd_unsafe_entry', `OFD 包含不安全的文件名「${raw}」：${why}`, `unsafe entry name "${raw}": ${why}`);
  if (raw.includes('\\')) throw unsafe('含反斜杠');
  if (raw.startsWith('/')) throw unsafe('不得使用绝对路径');
  if (/^[a-zA-Z]:/.test(raw)) throw unsafe('不得包含盘符');
  if (raw.includes('\0')) throw unsafe('含空字符');
  const parts = raw.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) throw unsafe('不得包含 “..”、“.” 或空路径段');
  return raw;
}

/**
 * Resolves a location (ST_Loc) used inside the package: absolute ("/Doc_0/x.xml") from the
 * container root, otherwise relative to `baseDir`. Returns the normalised path, or undefined when
 * it would leave the container.
 */
export function resolveLoc(loc: string, baseDir: string): string | undefined {
  const trimmed = loc.trim().replace(/\\/g, '/');
  const start = trimmed.startsWith('/') ? [] : baseDir.split('/').filter(Boolean);
  for (const part of trimmed.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (start.length === 0) return undefined;
      start.pop();
    } else start.push(part);
  }
  return start.length ? start.join('/') : undefined;
}

export const dirOf = (path: string): string => path.split('/').slice(0, -1).join('/');

/** Looks a path up ignoring ASCII case, as OFD producers differ in the case of folder names. */
export function findFile(files: OfdFiles, path: string): string | undefined {
  if (files.has(path)) return path;
  const lower = path.toLowerCase();
  for (const name of files.keys()) if (name.toLowerCase() === lower) return name;
  return undefined;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of every entry as the central directory records it (fflate does not check them). */
function centralDirectoryCrcs(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  const crcs = new Map<string, number>();
  if (eocd < 0) return crcs;
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  for (let i = 0; i < count && p + 46 <= zip.length && view.getUint32(p, true) === 0x02014b50; i++) {
    const crc = view.getUint32(p + 16, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    crcs.set(decoder.decode(zip.subarray(p + 46, p + 46 + nameLen)), crc);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return crcs;
}

export function readOfdPackage(input: Uint8Array, limits: PackageLimits = {}): OfdFiles {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  if (input.length < 22 || input[0] !== 0x50 || input[1] !== 0x4b) {
    throw ofdError('ofd_not_ofd', '文件不是 OFD（不是 zip 容器）', 'not an OFD file (not a zip container)');
  }
  let declaredTotal = 0;
  let entries = 0;
  let unzipped: Unzipped;
  try {
    unzipped = unzipSync(input, {
      filter(info) {
        entries++;
        if (entries > lim.maxEntries) {
          throw ofdError(
            'ofd_too_large',
            `OFD 包含的文件过多（超过 ${lim.maxEntries} 个）`,
            `too many entries (> ${lim.maxEntries})`,
          );
        }
        declaredTotal += info.originalSize;
        if (declaredTotal > lim.maxUncompressedBytes) {
          throw ofdError(
            'ofd_too_large',
            `OFD 解压后超过 ${lim.maxUncompressedBytes} 字节，拒绝处理`,
            `uncompressed content exceeds ${lim.maxUncompressedBytes} bytes`,
          );
        }
        if (info.originalSize > 1024 * 1024 && info.originalSize > info.size * lim.maxCompressionRatio) {
          throw ofdError(
            'ofd_too_large',
            `OFD 文件「${info.name}」压缩比异常，疑似压缩炸弹`,
            `entry "${info.name}" has a suspicious compression ratio`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof Error && e.name === 'SealError') throw e;
    const message = (e as Error).message;
    // fflate says "invalid zip data" when there is no readable central directory; anything else
    // (bad deflate stream, unknown method, truncation) is damage inside an entry
    if (/invalid zip data/i.test(message)) {
      throw ofdError('ofd_not_ofd', '文件不是 OFD（zip 目录无法读取）', `not an OFD: ${message}`, e);
    }
    throw ofdError('ofd_corrupt', `OFD 文件已损坏，无法解压（${message}）`, `corrupt OFD entry: ${message}`, e);
  }
  const crcs = centralDirectoryCrcs(input);
  const files: OfdFiles = new Map();
  const lowerNames = new Set<string>();
  for (const [raw, data] of Object.entries(unzipped)) {
    const name = normalizeEntryName(raw);
    if (name === undefined) continue;
    const lower = name.toLowerCase();
    if (lowerNames.has(lower)) {
      throw ofdError('ofd_unsafe_entry', `OFD 包含重复的文件「${name}」`, `duplicate entry "${name}"`);
    }
    lowerNames.add(lower);
    const expected = crcs.get(raw);
    if (expected === undefined || crc32(data) !== expected) {
      throw ofdError(
        'ofd_corrupt',
        `OFD 文件「${name}」已损坏（校验和不符）`,
        `entry "${name}" is corrupt (CRC mismatch)`,
      );
    }
    files.set(name, data);
  }
  if (!findFile(files, 'OFD.xml')) {
    throw ofdError('ofd_not_ofd', '文件不是 OFD：缺少主入口文件 OFD.xml', 'not an OFD: OFD.xml is missing');
  }
  return files;
}

/** Writes the package with OFD.xml first (readers look for it there) and the rest in order. */
export function writeOfdPackage(files: OfdFiles, mtime: Date = new Date()): Buffer {
  const ordered: Record<string, [Uint8Array, { level: 0 | 6; mtime: Date }]> = {};
  const names = [...files.keys()].sort((a, b) => (a === 'OFD.xml' ? -1 : b === 'OFD.xml' ? 1 : 0));
  for (const name of names) {
    const data = files.get(name) as Uint8Array;
    // Images and fonts are compressed already; deflating them again only costs time.
    const level = /\.(png|jpe?g|gif|ttf|otf|esl|dat)$/i.test(name) ? 0 : 6;
    ordered[name] = [data, { level, mtime }];
  }
  return Buffer.from(zipSync(ordered));
}
