/*
 * Sample content for theme development (preview only): the channel codes of the demo data
 * (zwgk/xwdt/zwfw/hdjl and their children), a few dozen documents with covers, friend links and
 * topics. Real sites get their content from the publishing engine's site-data API.
 */

export interface SampleChannel {
  id: number;
  code: string;
  name: string;
  parent: string | null;
  type: 'list' | 'link';
  linkUrl?: string;
  category?: string;
}

export interface SampleDocument {
  id: number;
  channel: string;
  title: string;
  publishAt: string;
  summary: string;
  bodyHtml: string;
  cover: string | null;
  pinned: boolean;
  source: string;
  author: string;
  attachments: { name: string; file: string; size: number }[];
}

export interface SampleTopic {
  id: number;
  slug: string;
  title: string;
  banner: string;
  background: Record<string, string>;
  modules: { type: string; props: Record<string, unknown> }[];
}

export interface SampleSite {
  code: string;
  name: string;
  siteCode: string;
  icp: string;
  policeRecord: string;
  domains: string[];
  channels: SampleChannel[];
  documents: SampleDocument[];
  friendLinks: { group: string; name: string; url: string }[];
  topics: SampleTopic[];
  /** Files for `_files/` (SVG pictures drawn here so the preview needs nothing from outside). */
  files: Record<string, string>;
}

const CHANNELS: SampleChannel[] = [
  { id: 1, code: 'zwgk', name: '政务公开', parent: null, type: 'list', category: 'open' },
  { id: 2, code: 'zcwj', name: '政策文件', parent: 'zwgk', type: 'list', category: 'open' },
  { id: 3, code: 'tzgg', name: '通知公告', parent: 'zwgk', type: 'list', category: 'open' },
  { id: 4, code: 'rsxx', name: '人事信息', parent: 'zwgk', type: 'list', category: 'open' },
  { id: 5, code: 'ghjh', name: '规划计划', parent: 'zwgk', type: 'list', category: 'open' },
  { id: 6, code: 'czxx', name: '财政信息', parent: 'zwgk', type: 'list', category: 'open' },
  { id: 7, code: 'xwdt', name: '新闻动态', parent: null, type: 'list', category: 'news' },
  { id: 8, code: 'gzdt', name: '工作动态', parent: 'xwdt', type: 'list', category: 'news' },
  { id: 9, code: 'bmdt', name: '部门动态', parent: 'xwdt', type: 'list', category: 'news' },
  { id: 10, code: 'tpxw', name: '图片新闻', parent: 'xwdt', type: 'list', category: 'news' },
  {
    id: 11,
    code: 'zwfw',
    name: '政务服务',
    parent: null,
    type: 'link',
    linkUrl: 'https://www.hnzwfw.gov.cn/',
    category: 'service',
  },
  { id: 12, code: 'hdjl', name: '互动交流', parent: null, type: 'list', category: 'interact' },
  { id: 13, code: 'ldxx', name: '领导信箱', parent: 'hdjl', type: 'list', category: 'interact' },
  { id: 14, code: 'zwzx', name: '政务咨询', parent: 'hdjl', type: 'list', category: 'interact' },
  { id: 15, code: 'myzj', name: '民意征集', parent: 'hdjl', type: 'list', category: 'interact' },
];

const TITLES: Record<string, string[]> = {
  zcwj: [
    '新乡市人民政府关于印发新乡市优化营商环境三年行动方案的通知',
    '新乡市人民政府办公室关于进一步促进消费扩容提质的若干措施',
    '关于印发《新乡市城市更新实施办法（试行）》的通知',
    '新乡市人民政府关于加快推进数字政府建设的实施意见',
    '新乡市支持科技创新发展若干政策措施',
    '关于做好2026年度城乡居民基本医疗保险参保工作的通知',
    '新乡市农村人居环境整治提升五年行动实施方案',
    '新乡市人民政府关于公布市级行政许可事项清单的决定',
    '关于进一步加强安全生产工作的意见',
    '新乡市老年人优待办法',
  ],
  tzgg: [
    '关于2026年国庆节期间政务服务大厅工作安排的公告',
    '新乡市2026年度政府集中采购目录及限额标准公告',
    '关于开展政府网站与政务新媒体检查的通知',
    '关于征集2027年市重点民生实事建议的公告',
    '关于调整市区部分公交线路的通告',
    '新乡市2026年冬季清洁取暖工作通知',
    '关于开展第五次全国经济普查入户登记的公告',
    '关于做好冬春季森林防火工作的通知',
  ],
  rsxx: [
    '新乡市2026年公开招聘事业单位工作人员公告',
    '市政府关于任免工作人员的通知',
    '新乡市2026年度考试录用公务员拟录用人员名单公示',
    '关于公开遴选市直机关公务员的公告',
    '新乡市人才引进“牧野英才”计划申报通知',
  ],
  ghjh: [
    '新乡市国民经济和社会发展第十五个五年规划纲要（征求意见稿）',
    '新乡市2026年政府工作报告重点任务分工方案',
    '新乡市国土空间总体规划（2021—2035年）',
    '新乡市综合交通运输发展规划',
    '新乡市2026年重点建设项目计划',
  ],
  czxx: [
    '新乡市2025年市级决算公开',
    '新乡市2026年市级预算公开',
    '2026年第三季度政府债务情况公开',
    '新乡市2026年“三公”经费预算说明',
    '市本级2026年政府采购意向公开',
  ],
  gzdt: [
    '市委常委会召开会议 研究部署冬季安全生产工作',
    '我市召开优化营商环境工作推进会',
    '市政府召开第52次常务会议',
    '新乡市举办2026年重点项目集中开工活动',
    '全市“一件事一次办”改革工作推进会召开',
    '我市开展秋冬季大气污染防治专项督导',
    '市领导调研重点民生工程建设进展',
    '新乡市获评全国法治政府建设示范市',
    '我市开展政务服务“好差评”工作专项检查',
    '市政府与高校签署战略合作协议',
  ],
  bmdt: [
    '市发展改革委召开重点项目调度会',
    '市教育局部署秋季学期校园安全工作',
    '市卫健委开展“健康新乡”义诊进社区活动',
    '市交通运输局推进农村公路提档升级',
    '市人社局举办2026年秋季大型招聘会',
    '市生态环境局发布10月份空气质量排名',
    '市市场监管局开展食品安全专项检查',
    '市民政局推进养老服务体系建设',
  ],
  tpxw: [
    '新乡市举办2026年全民健身运动会',
    '牧野湖湿地公园迎来大批候鸟',
    '太行山区红叶进入最佳观赏期',
    '新乡高新区智能制造产业园一期竣工',
    '我市秋粮收获基本完成',
    '卫河生态治理工程全面完工',
  ],
  ldxx: [
    '关于小区加装电梯补贴申请的来信及答复',
    '关于学校周边交通拥堵问题的来信及答复',
    '关于老旧小区改造进度的来信及答复',
    '关于公交线路延伸至新建小区的来信及答复',
    '关于社区养老服务中心开放时间的来信及答复',
  ],
  zwzx: [
    '灵活就业人员如何办理医保参保？',
    '新生儿户口登记需要哪些材料？',
    '个体工商户年报在哪里办理？',
    '公积金提取的条件有哪些？',
    '不动产登记预约如何办理？',
  ],
  myzj: [
    '关于《新乡市城市绿化条例（草案）》公开征求意见的公告',
    '2027年市重点民生实事项目意见征集',
    '关于《新乡市养犬管理规定（修订稿）》征求意见',
    '新乡市“十五五”规划编制问计于民',
  ],
};

const SOURCES: Record<string, string> = {
  zcwj: '市政府办公室',
  tzgg: '市政府办公室',
  rsxx: '市人力资源和社会保障局',
  ghjh: '市发展和改革委员会',
  czxx: '市财政局',
  gzdt: '新乡日报',
  bmdt: '市政府办公室',
  tpxw: '新乡日报',
  ldxx: '市长热线办公室',
  zwzx: '市政务服务和大数据管理局',
  myzj: '市司法局',
};

const COLORS = [
  ['#0b4f9c', '#4f8fd8'],
  ['#a8141a', '#e0653f'],
  ['#1d6b3a', '#6fb36a'],
  ['#0b6466', '#4fb3ad'],
  ['#7a4b00', '#d5a041'],
  ['#2b2b2b', '#7d7d7d'],
];

/** A picture drawn as SVG: landscape shapes over a gradient (no text, so no fonts). */
function picture(seed: number): string {
  const [a, b] = COLORS[seed % COLORS.length];
  const hill = 160 + (seed % 5) * 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360" width="640" height="360"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient></defs><rect width="640" height="360" fill="url(#g)"/><circle cx="${480 - (seed % 4) * 60}" cy="90" r="42" fill="#fff" fill-opacity=".55"/><path d="M0 ${hill + 60} L140 ${hill} L260 ${hill + 70} L400 ${hill - 30} L640 ${hill + 80} V360 H0Z" fill="#fff" fill-opacity=".28"/><path d="M0 300 L180 250 L360 310 L520 260 L640 290 V360 H0Z" fill="#fff" fill-opacity=".4"/></svg>`;
}

function body(title: string, channel: string): string {
  const p = [
    `为深入贯彻落实党中央、国务院和省委、省政府决策部署，${SOURCES[channel]}围绕“${title.slice(0, 12)}”相关工作，结合本市实际，认真研究、周密部署。`,
    '会议强调，各级各部门要提高政治站位，压实工作责任，细化工作措施，确保各项任务落地见效；要坚持以人民为中心的发展思想，着力解决群众急难愁盼问题。',
    '下一步，我市将持续完善工作机制，加强统筹协调和督促检查，及时总结推广典型经验，推动各项工作取得新成效。',
  ];
  return `${p.map((t) => `<p>${t}</p>`).join('')}<h2>主要内容</h2><ul><li>明确目标任务和时间节点；</li><li>落实责任分工，加强协同配合；</li><li>强化督导考核，确保取得实效。</li></ul>`;
}

export function sampleSite(): SampleSite {
  const documents: SampleDocument[] = [];
  const files: Record<string, string> = {};
  let id = 1000;
  // Fixed clock so the preview (and its tests) render the same every time.
  const base = Date.UTC(2026, 10, 27, 2, 0, 0);
  for (const [channel, titles] of Object.entries(TITLES)) {
    titles.forEach((title, i) => {
      id += 1;
      const withCover = channel === 'tpxw' || ((channel === 'gzdt' || channel === 'bmdt') && i < 3);
      const cover = withCover ? `pic-${id}.svg` : null;
      if (cover) files[cover] = picture(id);
      const attachments =
        channel === 'zcwj' && i < 3
          ? [{ name: `${title.slice(0, 16)}（全文）.pdf`, file: `att-${id}.pdf`, size: 238_412 + i * 1024 }]
          : [];
      for (const a of attachments) files[a.file] = '%PDF-1.4\n% sample attachment for the theme preview\n';
      documents.push({
        id,
        channel,
        title,
        publishAt: new Date(base - (i * 26 + (id % 7)) * 3_600_000).toISOString(),
        summary: `${title}。${SOURCES[channel]}发布，请关注。`,
        bodyHtml: body(title, channel),
        cover,
        pinned: i === 0 && (channel === 'gzdt' || channel === 'tzgg'),
        source: SOURCES[channel],
        author: '',
        attachments,
      });
    });
  }
  const topics: SampleTopic[] = [
    ['ysh', '优化营商环境'],
    ['yjs', '一件事一次办'],
    ['zcjd', '政策解读'],
    ['wmcj', '全国文明城市创建'],
  ].map(([slug, title], i) => {
    const banner = `topic-${slug}.svg`;
    files[banner] = picture(i + 3);
    return {
      id: i + 1,
      slug,
      title,
      banner,
      background: { color: '#f4f6fa' },
      modules: [
        { type: 'banner', props: { imageUrl: banner, title, subtitle: '持续深化改革 不断提升群众获得感' } },
        {
          type: 'text',
          props: { title: '专题简介', html: `<p>${title}专题集中发布相关政策、工作动态和办事指引。</p>` },
        },
        { type: 'news', props: { channelCode: 'gzdt', limit: 5, title: '工作动态' } },
        {
          type: 'carousel',
          props: {
            images: [1, 2, 3].map((n) => {
              const f = `topic-${slug}-${n}.svg`;
              files[f] = picture(i * 3 + n);
              return { url: f, alt: `${title}图片${n}`, link: '' };
            }),
          },
        },
        {
          type: 'links',
          props: {
            title: '相关链接',
            items: [
              { name: '政策文件', url: 'zwgk/zcwj/index.html' },
              { name: '通知公告', url: 'zwgk/tzgg/index.html' },
            ],
          },
        },
      ],
    };
  });
  return {
    code: 'xxs',
    name: '新乡市人民政府',
    siteCode: '4107000001',
    icp: '豫ICP备05012345号',
    policeRecord: '豫公网安备41070202000123号',
    domains: ['www.xinxiang.gov.cn'],
    channels: CHANNELS,
    documents,
    friendLinks: [
      { group: '国家部委网站', name: '中国政府网', url: 'https://www.gov.cn/' },
      { group: '国家部委网站', name: '国家发展和改革委员会', url: 'https://www.ndrc.gov.cn/' },
      { group: '省级政府网站', name: '河南省人民政府', url: 'https://www.henan.gov.cn/' },
      { group: '省级政府网站', name: '河南政务服务网', url: 'https://www.hnzwfw.gov.cn/' },
      { group: '市县政府网站', name: '卫辉市人民政府', url: 'https://www.weihui.gov.cn/' },
      { group: '市县政府网站', name: '辉县市人民政府', url: 'https://www.huixian.gov.cn/' },
    ],
    topics,
    files,
  };
}
