import type { Kernel } from '../../kernel/module.js';
import { ensureModuleMenus } from '../settings/index.js';

/*
 * First start: the console menu, the starter dictionaries (百姓体, synonyms, blocked terms —
 * operators edit them in 检索词典) and a queued index build of whatever the cms already holds.
 */

/** 百姓体词库: what people say → what the government pages say. */
export const PLAIN_TERMS: Array<[string, string[]]> = [
  ['生孩子', ['生育登记', '出生医学证明', '生育保险']],
  ['生小孩', ['生育登记', '出生医学证明']],
  ['上户口', ['户籍登记', '出生登记']],
  ['落户', ['户籍迁入', '户口迁移']],
  ['办身份证', ['居民身份证申领']],
  ['身份证丢了', ['居民身份证补领']],
  ['补身份证', ['居民身份证补领']],
  ['退休金', ['养老保险待遇', '基本养老金']],
  ['养老金', ['养老保险待遇', '基本养老金']],
  ['开公司', ['企业开办', '营业执照']],
  ['开店', ['个体工商户', '营业执照']],
  ['办执照', ['营业执照']],
  ['失业金', ['失业保险金']],
  ['医保报销', ['医疗费用报销', '异地就医']],
  ['看病报销', ['医疗费用报销']],
  ['结婚证', ['婚姻登记']],
  ['领证', ['婚姻登记']],
  ['离婚', ['离婚登记']],
  ['买房', ['商品房', '不动产登记']],
  ['房产证', ['不动产权证书', '不动产登记']],
  ['取公积金', ['公积金提取']],
  ['提公积金', ['公积金提取']],
  ['公积金贷款', ['住房公积金贷款']],
  ['上学', ['入学', '义务教育']],
  ['孩子上学', ['子女入学', '义务教育招生']],
  ['驾照', ['机动车驾驶证']],
  ['换驾照', ['机动车驾驶证换证']],
  ['社保卡', ['社会保障卡']],
  ['低保', ['最低生活保障']],
  ['残疾证', ['残疾人证']],
  ['当兵', ['征兵']],
  ['打官司', ['法律援助', '诉讼']],
  ['找工作', ['就业服务', '招聘']],
  ['居住证', ['居住证办理']],
];

/** 同义词 groups. */
export const SYNONYMS: Array<[string, string[]]> = [
  ['公积金', ['住房公积金']],
  ['社保', ['社会保险']],
  ['医保', ['医疗保障', '医疗保险']],
  ['身份证', ['居民身份证']],
  ['发改委', ['发展改革委', '发展和改革委员会']],
  ['卫健委', ['卫生健康委员会']],
];

/** A starter blocked list: words the city does not want search to answer for. Operators add more. */
export const BLOCKED_TERMS = ['法轮功', '代开发票', '办证刻章', '六合彩', '赌博网站'];

export async function seedSearch(kernel: Kernel): Promise<void> {
  await ensureModuleMenus(kernel, {
    name: '智能检索',
    icon: 'FileSearchOutlined',
    children: [
      { name: '全局搜索', path: '/search/global', icon: 'FileSearchOutlined', permission: 'search:global' },
      { name: '检索词典', path: '/search/dictionaries', icon: 'BookOutlined', permission: 'search:dictionary' },
      { name: '检索日志', path: '/search/queries', icon: 'DashboardOutlined', permission: 'search:log' },
    ],
  });
  await kernel.db.transaction().execute(async (tx) => {
    const rows = [
      ...PLAIN_TERMS.map(([term, targets]) => ({ kind: 'plain', term, targets })),
      ...SYNONYMS.map(([term, targets]) => ({ kind: 'synonym', term, targets })),
      ...BLOCKED_TERMS.map((term) => ({ kind: 'blocked', term, targets: [] as string[] })),
    ].map((r) => ({ ...r, updated_by: '系统初始化' }));
    await tx
      .insertInto('search_terms')
      .values(rows)
      .onConflict((oc) => oc.columns(['kind', 'term']).doNothing())
      .execute();
    await kernel.jobs.enqueue(tx, 'search.rebuild', {}, {});
  });
}
