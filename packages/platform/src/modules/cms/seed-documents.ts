import { randomUUID } from 'node:crypto';
import type { Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';
import type { DocumentRow } from './documents.schema.js';
import { snapshotOf } from './versions.js';

/*
 * 演示信息: realistic Chinese documents written by a template generator (nothing copied from real
 * sites) so that paging, filters, search and diagnostics have something to chew on. Titles are
 * assembled from parts — issuing body, action, period, topic — chosen by the channel's category;
 * bodies are several paragraphs built the same way. A fixed seed makes every run identical.
 * Rows go in as multi-row INSERTs inside one transaction: 20 000 documents take seconds.
 */

/** Deterministic PRNG (mulberry32): the same demo data on every machine. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, pick, int };
}
type Rng = ReturnType<typeof random>;

const TOPICS = {
  news: [
    '安全生产',
    '优化营商环境',
    '乡村振兴',
    '文明城市创建',
    '民生实事',
    '作风建设',
    '防汛备汛',
    '秋季学期安全',
    '疫情防控常态化',
    '数字政府建设',
    '“万人助万企”',
    '生态环境保护',
    '信访稳定',
    '重点项目建设',
    '党风廉政建设',
  ],
  notice: [
    '2026年度专项资金申报',
    '行政许可事项调整',
    '节假日值班安排',
    '公开招聘工作人员',
    '政府采购意向',
    '“双随机、一公开”抽查结果',
    '行政执法公示',
    '系统停机维护',
  ],
  policy: [
    '促进民营经济高质量发展',
    '进一步规范行政裁量权基准',
    '加快推进“一件事一次办”改革',
    '推进义务教育优质均衡发展',
    '加强基层医疗卫生服务能力建设',
    '支持返乡入乡创业',
    '城镇老旧小区改造',
    '打好污染防治攻坚战',
  ],
  personnel: ['干部任前公示', '公务员拟录用人员', '事业单位公开招聘拟聘用人员', '人事任免'],
  planning: ['“十五五”规划前期研究', '年度工作要点', '重点工作任务分解', '年度工作总结'],
  finance: ['部门预算', '部门决算', '“三公”经费', '政府采购执行情况'],
  consultation: ['关于办理居住证', '关于子女入学', '关于社保缴费', '关于企业开办', '关于公积金提取'],
} as const;
type Category = keyof typeof TOPICS;

const ACTIONS = ['召开', '部署', '开展', '举办', '组织', '启动'];
const MEETINGS = ['工作会议', '推进会', '专题会议', '调度会', '培训班', '座谈会', '现场观摩会'];
const PERIODS = ['一季度', '上半年', '三季度', '全年', '春季', '夏季', '秋季学期', '汛期'];
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈';
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '磊',
  '洋',
  '艳',
  '勇',
  '军',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '霞',
  '平',
  '刚',
  '丽',
  '强',
];
const PLACES = [
  '红旗区',
  '卫滨区',
  '牧野区',
  '凤泉区',
  '新乡县',
  '获嘉县',
  '原阳县',
  '延津县',
  '封丘县',
  '卫辉市',
  '辉县市',
  '长垣市',
];
const CN_DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

const cnYear = (year: number) => [...String(year)].map((d) => CN_DIGITS[Number(d)]).join('');

interface Issuer {
  /** 市教育局 */
  short: string;
  /** 新乡市教育局 */
  full: string;
}

interface Written {
  title: string;
  summary: string;
  body: string;
  keywords: string;
  type: DocumentRow['type'];
}

/** Sentence banks by kind of text; `{t}` is the topic, `{o}` the issuing body, `{p}` a county. */
const SENTENCES = {
  meeting: [
    '会议指出，{t}工作事关全市经济社会发展大局，各地各部门要提高政治站位，切实增强责任感和紧迫感。',
    '{o}主要负责同志强调，要坚持问题导向，细化工作措施，压实工作责任，确保各项任务落到实处。',
    '会上，{n}个单位作了交流发言，与会人员围绕{t}中的难点堵点问题进行了深入讨论。',
    '会议要求，要加强统筹协调，建立健全工作台账，实行清单化管理、项目化推进。',
  ],
  progress: [
    '截至目前，全市已累计完成{t}相关任务{N}项，惠及群众{m}万余人次。',
    '{p}、{q}等地结合实际，探索形成了一批可复制、可推广的经验做法。',
    '下一步，{o}将持续加强督导检查，推动{t}工作取得新成效。',
    '各单位要加强宣传引导，及时回应群众关切，营造全社会共同关心支持{t}工作的良好氛围。',
  ],
  notice: [
    '根据工作安排，现就{t}有关事项通知如下。',
    '请各单位高度重视，指定专人负责，于规定时间内报送相关材料。',
    '联系电话：0373-{tel}，联系人：{who}。',
    '逾期未报送的，视为自动放弃。特此通知。',
  ],
  policy: [
    '为深入贯彻落实党中央、国务院和省委、省政府决策部署，{t}，结合我市实际，制定本方案。',
    '坚持以人民为中心的发展思想，坚持系统观念，统筹发展和安全。',
    '到{y}年底，{t}的体制机制更加完善，群众获得感、幸福感、安全感明显增强。',
    '各责任单位要加强组织领导，强化要素保障，确保各项措施落地见效。',
  ],
  consultation: [
    '问：您好，请问{t}需要准备哪些材料？在哪里办理？',
    '答：您好！您反映的问题已收悉。根据相关规定，可携带本人有效身份证件到{p}政务服务中心综合窗口办理，也可通过“豫事办”线上申请。',
    '如有疑问，可拨打12345政务服务便民热线咨询。感谢您对我们工作的关注和支持！',
  ],
} as const;
type Kind = keyof typeof SENTENCES;

const KIND_OF: Record<Category, Kind[]> = {
  news: ['meeting', 'progress'],
  notice: ['notice'],
  policy: ['policy', 'progress'],
  personnel: ['notice'],
  planning: ['policy', 'progress'],
  finance: ['notice', 'progress'],
  consultation: ['consultation'],
};

/** The bank's sentences in order, filled in, one or two to a paragraph. */
function paragraphs(rng: Rng, kind: Kind, issuer: Issuer, topic: string, year: number): string[] {
  const fill = (sentence: string) =>
    sentence
      .replaceAll('{t}', topic)
      .replaceAll('{o}', issuer.short)
      .replaceAll('{p}', rng.pick(PLACES))
      .replaceAll('{q}', rng.pick(PLACES))
      .replaceAll('{n}', String(rng.int(3, 9)))
      .replaceAll('{N}', String(rng.int(12, 480)))
      .replaceAll('{m}', String(rng.int(2, 90)))
      .replaceAll('{y}', String(year + 2))
      .replaceAll('{tel}', String(rng.int(2000000, 3999999)))
      .replaceAll('{who}', `${rng.pick([...SURNAMES])}${rng.pick(GIVEN)}`);
  const out: string[] = [];
  const bank = SENTENCES[kind];
  for (let i = 0; i < bank.length; ) {
    const size = kind === 'consultation' ? 1 : rng.int(1, 2);
    out.push(
      `<p>${bank
        .slice(i, i + size)
        .map(fill)
        .join('')}</p>`,
    );
    i += size;
  }
  return out;
}

export function writeDemoDocument(rng: Rng, category: Category, issuer: Issuer, at: Date): Written {
  const topic = rng.pick(TOPICS[category]);
  const year = at.getFullYear();
  let title: string;
  let type: DocumentRow['type'] = 'text';
  switch (category) {
    case 'news': {
      const meeting = rng.next() < 0.6;
      title = meeting
        ? `${issuer.short}${rng.pick(ACTIONS)}${year}年${rng.pick(PERIODS)}${topic}${rng.pick(MEETINGS)}`
        : `${rng.pick(PLACES)}扎实推进${topic}工作取得新进展`;
      if (rng.next() < 0.25) type = 'gallery';
      else if (rng.next() < 0.05) type = 'video';
      break;
    }
    case 'notice':
      title = `${issuer.full}关于${topic}的${rng.pick(['通知', '公告', '公示'])}`;
      break;
    case 'policy':
      title = `${issuer.full}关于印发《新乡市${topic}实施方案》的通知`;
      break;
    case 'personnel':
      title = `${issuer.full}${year}年${topic}${rng.next() < 0.5 ? '公示' : '公告'}（第${rng.int(1, 6)}批）`;
      break;
    case 'planning':
      title = `${issuer.full}${year}年${topic}`;
      break;
    case 'finance':
      title = `${issuer.full}${year}年${topic}公开`;
      break;
    default:
      title = `${topic}的咨询及答复`;
  }
  const plainTopic = topic.replace(/^关于/, '');
  const body = KIND_OF[category].flatMap((kind) => paragraphs(rng, kind, issuer, plainTopic, year));
  if (category === 'policy') {
    body.unshift(`<p>各县（市、区）人民政府，市人民政府各部门：</p>`);
    body.push(
      `<p>现将《新乡市${topic}实施方案》印发给你们，请结合实际，认真贯彻落实。</p>`,
      `<p style="text-align:right">${issuer.full}<br />${cnYear(year)}年${at.getMonth() + 1}月${at.getDate()}日</p>`,
    );
  }
  const summary = body[category === 'policy' ? 1 : 0].replace(/<[^>]+>/g, '').slice(0, 90);
  return { title, summary, body: body.join(''), keywords: topic.replace(/[“”]/g, ''), type };
}

interface SeedChannel {
  id: string;
  site_id: string;
  category: Category;
  site_name: string;
  owner_org_id: string;
  short_name: string | null;
}

const THREE_YEARS_MS = 3 * 365 * 86_400_000;
const BATCH = 400;

/** How many documents to generate when the caller does not say: JIYUE_DEMO_DOCUMENTS, else 20 000 (100 under Vitest). */
export function demoDocumentCount(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number.parseInt(env.JIYUE_DEMO_DOCUMENTS ?? '', 10);
  if (Number.isFinite(configured) && configured >= 0) return configured;
  return env.VITEST ? 100 : 20_000;
}

async function targets(tx: Tx): Promise<SeedChannel[]> {
  const rows = await tx
    .selectFrom('cms_channels as c')
    .innerJoin('cms_sites as s', 's.id', 'c.site_id')
    .leftJoin('identity_orgs as o', 'o.id', 's.owner_org_id')
    .select(['c.id', 'c.site_id', 'c.category', 's.name as site_name', 's.owner_org_id', 'o.short_name'])
    .where('c.type', '=', 'list')
    .where('c.category', 'in', Object.keys(TOPICS))
    .orderBy('s.sort_order')
    .orderBy('c.sort_order')
    .orderBy('c.id')
    .execute();
  return rows as SeedChannel[];
}

/** One author per owning org when the org has users (so 工作门户 "my documents" is not empty). */
async function authorsByOrg(tx: Tx): Promise<Map<string, string>> {
  const users = await tx
    .selectFrom('identity_users')
    .select(['id', 'org_id', 'username'])
    .orderBy('username')
    .execute();
  const map = new Map<string, string>();
  for (const u of users) {
    if (u.org_id && (!map.has(u.org_id) || String(u.username).endsWith('_editor'))) map.set(u.org_id, u.id);
  }
  return map;
}

function stateFor(rng: Rng): DocumentRow['state'] {
  const r = rng.next();
  if (r < 0.9) return 'published';
  if (r < 0.95) return 'draft';
  if (r < 0.98) return 'pending';
  return 'withdrawn';
}

/**
 * Generates `total` documents spread over every list channel that has a category, publish times
 * spread over the last three years. Returns how many were written and how long it took.
 */
export async function seedDocuments(
  kernel: Kernel,
  options: { total?: number; seed?: number } = {},
): Promise<{ inserted: number; ms: number }> {
  const started = Date.now();
  const total = options.total ?? demoDocumentCount();
  const rng = random(options.seed ?? 20260101);
  const inserted = await kernel.db.transaction().execute(async (tx) => {
    const channels = await targets(tx);
    if (channels.length === 0 || total === 0) return 0;
    const authors = await authorsByOrg(tx);
    const now = Date.now();
    let done = 0;
    while (done < total) {
      const docs: DocumentRow[] = [];
      for (let i = 0; i < Math.min(BATCH, total - done); i++) {
        const channel = channels[(done + i) % channels.length];
        const at = new Date(now - Math.floor(rng.next() * THREE_YEARS_MS));
        const short = channel.short_name ?? channel.site_name;
        const issuer = { short, full: channel.site_name };
        const text = writeDemoDocument(rng, channel.category, issuer, at);
        const state = stateFor(rng);
        const author = authors.get(channel.owner_org_id) ?? null;
        docs.push({
          id: randomUUID(),
          site_id: channel.site_id,
          channel_id: channel.id,
          type: text.type,
          title: text.title,
          subtitle: null,
          short_title: null,
          source: short,
          author: `${rng.pick([...SURNAMES])}${rng.pick(GIVEN)}${rng.next() < 0.5 ? rng.pick(GIVEN) : ''}`,
          publish_at: state === 'published' || state === 'withdrawn' ? at : null,
          summary: text.summary,
          keywords: text.keywords,
          cover_file_id: null,
          body_json: null,
          body_html: text.body,
          link_url: null,
          attachments: [],
          tags: [],
          custom: {},
          state,
          review_step: state === 'pending' ? 1 : 0,
          pinned_until: null,
          new_until: null,
          scheduled_publish_at: null,
          scheduled_withdraw_at: null,
          reference_of: null,
          pushed_from: null,
          deleted_at: null,
          version: 1,
          created_by: author,
          updated_by: author,
          created_at: at,
          updated_at: at,
        });
      }
      await tx
        .insertInto('cms_documents')
        .values(docs.map((d) => ({ ...d, custom: '{}' })))
        .execute();
      await tx
        .insertInto('cms_document_versions')
        .values(
          docs.map((d) => ({
            document_id: d.id,
            version: 1,
            action: 'create',
            snapshot: JSON.stringify(snapshotOf(d)),
            saved_by: d.created_by,
            saved_at: d.created_at,
          })),
        )
        .execute();
      done += docs.length;
    }
    return done;
  });
  return { inserted, ms: Date.now() - started };
}
