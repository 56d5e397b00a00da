/**
 * Benchmark of @jiyue/text: segmentation throughput, Aho–Corasick throughput with 10k and 100k
 * words, pinyin and simhash. Prints one JSON object on its last line (figures, not pass/fail).
 * Run: npm run bench:text
 */
import { pinyinSyllables, segment, segmentForSearch, simhash, WordMatcher } from '@jiyue/text';

const PARAGRAPHS = [
  '近日，新乡市政务服务中心推出“一件事一次办”集成服务，将出生医学证明、生育登记、户口登记、社会保障卡申领等事项整合为“新生儿出生一件事”，群众只需提交一次材料，即可在三个工作日内办结。',
  '市住房公积金管理中心提醒，缴存职工办理公积金提取业务可通过政务服务网全程网办，符合条件的申请当日到账；购买自住住房的，还可同步办理不动产登记和公积金贷款。',
  '根据《中华人民共和国政府信息公开条例》，公民、法人或者其他组织可以向行政机关提出依申请公开，行政机关应当在二十个工作日内予以答复；属于主动公开范围的，应当及时在政府网站发布。',
  '为优化营商环境，市场监督管理局推行企业开办“一网通办”，申请人在线填报后即可领取营业执照和电子营业执照，同步完成公章刻制、税务信息确认和社会保险登记，企业开办时间压缩至一个工作日。',
];
// About 220k characters: enough for stable rates, small enough for a shared two-core box.
const CORPUS = Array.from({ length: 2_500 }, (_, i) => PARAGRAPHS[i % PARAGRAPHS.length]).join('\n');

function time<T>(run: () => T): { result: T; seconds: number } {
  const started = process.hrtime.bigint();
  const result = run();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function wordList(size: number): string[] {
  const random = seededRandom(size);
  const source = [...new Set(segmentForSearch(PARAGRAPHS.join('')))].filter((w) => w.length > 1);
  const alphabet = [...new Set(PARAGRAPHS.join(''))];
  const words = new Set(source);
  while (words.size < size) {
    let word = '';
    for (let i = 2 + Math.floor(random() * 4); i > 0; i--) word += alphabet[Math.floor(random() * alphabet.length)];
    words.add(word);
  }
  return [...words];
}

function matcherFigures(size: number) {
  const words = wordList(size);
  const built = time(() => new WordMatcher(words));
  const scanned = time(() => built.result.findAll(CORPUS));
  return {
    words: size,
    buildSeconds: round(built.seconds),
    matches: scanned.result.length,
    matchesPerSecond: Math.round(scanned.result.length / scanned.seconds),
    charsPerSecond: Math.round(CORPUS.length / scanned.seconds),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

segment('预热'); // the first call loads the dictionaries; keep it out of the figures
const precise = time(() => segment(CORPUS));
const search = time(() => segmentForSearch(CORPUS));
pinyinSyllables('预热');
const pinyin = time(() => PARAGRAPHS.flatMap((p) => pinyinSyllables(p.repeat(50))));
simhash(PARAGRAPHS[0]);
const hashes = time(() => Array.from({ length: 1_000 }, (_, i) => simhash(`${PARAGRAPHS[i % 4]}${i}`)));

const figures = {
  corpusChars: CORPUS.length,
  segmentation: {
    preciseCharsPerSecond: Math.round(CORPUS.length / precise.seconds),
    searchModeCharsPerSecond: Math.round(CORPUS.length / search.seconds),
  },
  ahoCorasick10k: matcherFigures(10_000),
  ahoCorasick100k: matcherFigures(100_000),
  pinyinCharsPerSecond: Math.round((PARAGRAPHS.join('').length * 50) / pinyin.seconds),
  simhashParagraphsPerSecond: Math.round(1_000 / hashes.seconds),
};
console.log(JSON.stringify(figures));
