import { createHash } from 'node:crypto';
import { idf } from '@node-rs/jieba/dict.js';
import { assertString, TextInputError } from './errors.js';
import { defaultSegmenter, type Segmenter } from './segment.js';

/** A token and its weight, for callers that bring their own tokens. */
export interface WeightedToken {
  token: string;
  weight: number;
}

/** Two items of a set whose simhashes are within the distance asked for. */
export interface NearDuplicatePair<K> {
  a: K;
  b: K;
  distance: number;
}

const MASK64 = (1n << 64n) - 1n;

let idfTable: Map<string, number> | undefined;
let medianIdf = 0;

// jieba's IDF table (270k words) weighs tokens the way jieba's own keyword extraction does:
// 的/是/和 barely count, rare domain words dominate. Words it lacks get the median, as jieba does.
function idfOf(token: string): number {
  if (!idfTable) {
    idfTable = new Map();
    for (const line of Buffer.from(idf).toString('utf8').split('\n')) {
      const space = line.lastIndexOf(' ');
      if (space > 0) idfTable.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    const sorted = [...idfTable.values()].sort((x, y) => x - y);
    medianIdf = sorted[sorted.length >> 1] ?? 1;
  }
  return idfTable.get(token) ?? medianIdf;
}

// MD5 is here only as a well-spread 64-bit token hash, not for security; its two 32-bit halves
// keep the bit voting in plain numbers, which is several times faster than BigInt shifts.
function addVotes(sums: Float64Array, token: string, weight: number): void {
  const digest = createHash('md5').update(token).digest();
  const halves = [digest.readUInt32BE(4), digest.readUInt32BE(0)];
  for (let half = 0; half < 2; half++) {
    const bits = halves[half];
    for (let bit = 0; bit < 32; bit++) sums[half * 32 + bit] += (bits >>> bit) & 1 ? weight : -weight;
  }
}

/**
 * TF-IDF weighted tokens of `text`: precise-mode jieba words without punctuation, each weighted
 * by its count times jieba's IDF. Exposed so callers can inspect or adjust what the hash sees.
 */
export function weightedTokens(text: string, segmenter: Segmenter = defaultSegmenter()): WeightedToken[] {
  const counts = new Map<string, number>();
  for (const word of segmenter.words(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return [...counts].map(([token, count]) => ({ token, weight: count * idfOf(token) }));
}

/**
 * 64-bit simhash (Charikar) of `text` or of pre-weighted tokens: each token's 64-bit hash votes
 * +weight/−weight per bit, and the sign of each sum is the bit. Texts that share most of their
 * weight end up a few bits apart; unrelated texts about 32. Empty input hashes to 0n.
 */
export function simhash(input: string | readonly WeightedToken[], segmenter?: Segmenter): bigint {
  const tokens = typeof input === 'string' ? weightedTokens(input, segmenter) : input;
  if (!Array.isArray(tokens))
    throw new TextInputError('text.simhash_input', 'simhash input must be a string or an array of { token, weight }');
  const sums = new Float64Array(64);
  for (const { token, weight } of tokens) {
    assertString(token, 'token');
    if (!Number.isFinite(weight))
      throw new TextInputError('text.simhash_weight', `weight of "${token}" must be a finite number`);
    addVotes(sums, token, weight);
  }
  let low = 0;
  let high = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (sums[bit] > 0) low |= 1 << bit;
    if (sums[bit + 32] > 0) high |= 1 << bit;
  }
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** Number of differing bits between two 64-bit hashes (汉明距离). */
export function hammingDistance(a: bigint, b: bigint): number {
  if (typeof a !== 'bigint' || typeof b !== 'bigint')
    throw new TextInputError('text.simhash_value', 'simhash values must be bigints');
  let x = (a ^ b) & MASK64;
  let count = 0;
  while (x) {
    x &= x - 1n;
    count++;
  }
  return count;
}

/** A simhash as 16 lower-case hex digits, for storage in a text column. */
export function simhashToHex(hash: bigint): string {
  return (hash & MASK64).toString(16).padStart(16, '0');
}

/** Parses {@link simhashToHex} output. */
export function simhashFromHex(hex: string): bigint {
  if (typeof hex !== 'string' || !/^[0-9a-f]{16}$/i.test(hex)) {
    throw new TextInputError('text.simhash_hex', `simhash hex must be 16 hex digits, got ${JSON.stringify(hex)}`);
  }
  return BigInt(`0x${hex}`);
}

function bandsFor(maxDistance: number): Array<{ shift: bigint; mask: bigint }> {
  const count = maxDistance + 1;
  const bands: Array<{ shift: bigint; mask: bigint }> = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((64 * i) / count);
    const to = Math.floor((64 * (i + 1)) / count);
    bands.push({ shift: BigInt(from), mask: (1n << BigInt(to - from)) - 1n });
  }
  return bands;
}

/**
 * Pairs of items whose hashes differ in at most `maxDistance` bits (default 3, the usual
 * near-duplicate threshold for 64-bit simhash). Splits the 64 bits into maxDistance+1 bands:
 * two hashes that close must agree on at least one whole band (pigeonhole), so only items
 * sharing a band are compared — exact, and far fewer comparisons than all pairs.
 * Pairs are reported once, in input order (a before b).
 */
export function findNearDuplicates<K>(
  items: Iterable<{ key: K; hash: bigint }>,
  maxDistance = 3,
): NearDuplicatePair<K>[] {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 63) {
    throw new TextInputError(
      'text.simhash_distance',
      `maxDistance must be an integer from 0 to 63, got ${maxDistance}`,
    );
  }
  const list = [...items];
  for (const { hash } of list) {
    if (typeof hash !== 'bigint') throw new TextInputError('text.simhash_value', 'every item needs a bigint hash');
  }
  const seen = new Set<string>();
  const pairs: NearDuplicatePair<K>[] = [];
  for (const { shift, mask } of bandsFor(maxDistance)) {
    const buckets = new Map<bigint, number[]>();
    list.forEach(({ hash }, index) => {
      const band = (hash >> shift) & mask;
      const bucket = buckets.get(band);
      if (bucket) bucket.push(index);
      else buckets.set(band, [index]);
    });
    for (const bucket of buckets.values()) {
      for (let i = 0; i < bucket.length; i++) {
        for (let j = i + 1; j < bucket.length; j++) {
          const pairKey = `${bucket[i]}:${bucket[j]}`;
          if (seen.has(pairKey)) continue;
          seen.add(pairKey);
          const distance = hammingDistance(list[bucket[i]].hash, list[bucket[j]].hash);
          if (distance <= maxDistance) pairs.push({ a: list[bucket[i]].key, b: list[bucket[j]].key, distance });
        }
      }
    }
  }
  return pairs.sort((x, y) => x.distance - y.distance);
}

/**
 * Groups of near-duplicates (相似文档组): items connected through pairs within `maxDistance`,
 * each group of two or more keys in input order. Singletons are left out.
 */
export function groupNearDuplicates<K>(items: Iterable<{ key: K; hash: bigint }>, maxDistance = 3): K[][] {
  const list = [...items];
  const index = new Map<K, number>(list.map(({ key }, i) => [key, i]));
  const parent = list.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const { a, b } of findNearDuplicates(list, maxDistance)) {
    parent[root(index.get(a) as number)] = root(index.get(b) as number);
  }
  const groups = new Map<number, K[]>();
  list.forEach(({ key }, i) => {
    const r = root(i);
    groups.set(r, [...(groups.get(r) ?? []), key]);
  });
  return [...groups.values()].filter((group) => group.length > 1);
}
