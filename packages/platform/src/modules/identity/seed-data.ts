import { usccCheckChar } from '@jiyue/text/identifiers';

/*
 * Demo data: 新乡市人民政府, its working departments and directly affiliated bodies (names as after
 * the 2019 机构改革), and the 12 counties, county-level cities and districts with their 行政区划代码.
 *
 * The 统一社会信用代码 below are NOT the real codes of these bodies: they are generated demo codes
 * (登记管理部门 1 = 机构编制, 机构类别 1 = 机关, the real 行政区划代码, a running number, a valid
 * check character) so that the org form's validation can be seen working. Replace them with the
 * real codes in production.
 */

export const CITY = { name: '新乡市人民政府', shortName: '市政府', regionCode: '410700' };

export const DEPARTMENTS: [name: string, shortName: string][] = [
  ['新乡市人民政府办公室', '市政府办'],
  ['新乡市发展和改革委员会', '市发展改革委'],
  ['新乡市教育局', '市教育局'],
  ['新乡市科学技术局', '市科技局'],
  ['新乡市工业和信息化局', '市工信局'],
  ['新乡市民族宗教事务局', '市民宗局'],
  ['新乡市公安局', '市公安局'],
  ['新乡市民政局', '市民政局'],
  ['新乡市司法局', '市司法局'],
  ['新乡市财政局', '市财政局'],
  ['新乡市人力资源和社会保障局', '市人社局'],
  ['新乡市自然资源和规划局', '市自然资源规划局'],
  ['新乡市生态环境局', '市生态环境局'],
  ['新乡市住房和城乡建设局', '市住建局'],
  ['新乡市城市管理局', '市城管局'],
  ['新乡市交通运输局', '市交通运输局'],
  ['新乡市水利局', '市水利局'],
  ['新乡市农业农村局', '市农业农村局'],
  ['新乡市商务局', '市商务局'],
  ['新乡市文化广电和旅游局', '市文广旅局'],
  ['新乡市卫生健康委员会', '市卫健委'],
  ['新乡市退役军人事务局', '市退役军人局'],
  ['新乡市应急管理局', '市应急局'],
  ['新乡市审计局', '市审计局'],
  ['新乡市人民政府外事办公室', '市外事办'],
  ['新乡市人民政府国有资产监督管理委员会', '市国资委'],
  ['新乡市市场监督管理局', '市市场监管局'],
  ['新乡市体育局', '市体育局'],
  ['新乡市统计局', '市统计局'],
  ['新乡市医疗保障局', '市医保局'],
  ['新乡市信访局', '市信访局'],
  ['新乡市行政审批和政务信息管理局', '市审批局'],
  ['新乡市地方金融监督管理局', '市金融局'],
  ['新乡市机关事务管理局', '市机关事务局'],
  ['新乡市人民防空办公室', '市人防办'],
  ['新乡市粮食和物资储备局', '市粮食和储备局'],
  ['新乡市气象局', '市气象局'],
  ['新乡市公共资源交易中心', '市公共资源交易中心'],
  ['新乡市住房公积金管理中心', '市住房公积金中心'],
  ['新乡市供销合作社', '市供销社'],
  ['新乡市残疾人联合会', '市残联'],
];

export const COUNTIES: [name: string, shortName: string, regionCode: string][] = [
  ['卫滨区人民政府', '卫滨区', '410703'],
  ['红旗区人民政府', '红旗区', '410702'],
  ['凤泉区人民政府', '凤泉区', '410704'],
  ['牧野区人民政府', '牧野区', '410711'],
  ['新乡县人民政府', '新乡县', '410721'],
  ['获嘉县人民政府', '获嘉县', '410724'],
  ['原阳县人民政府', '原阳县', '410725'],
  ['延津县人民政府', '延津县', '410726'],
  ['封丘县人民政府', '封丘县', '410727'],
  ['卫辉市人民政府', '卫辉市', '410781'],
  ['辉县市人民政府', '辉县市', '410782'],
  ['长垣市人民政府', '长垣市', '410783'],
];

/** A well-formed demo 统一社会信用代码: 11 + region + 'DEM' + 6-digit serial + check character. */
export function demoUscc(regionCode: string, serial: number): string {
  const first17 = `11${regionCode}DEM${String(serial).padStart(6, '0')}`;
  return first17 + usccCheckChar(first17);
}

export interface DemoUser {
  username: string;
  displayName: string;
  /** Department short name, or null for the city government itself. */
  org: string | null;
  role: string;
  /** Grant scope: the user's own org subtree, or all orgs. */
  scope: 'all' | 'own';
}

export const DEMO_USERS: DemoUser[] = [
  { username: 'admin', displayName: '系统管理员', org: null, role: 'sysadmin', scope: 'all' },
  { username: 'secadmin', displayName: '安全管理员', org: null, role: 'secadmin', scope: 'all' },
  { username: 'auditor', displayName: '审计管理员', org: null, role: 'auditor', scope: 'all' },
  { username: 'jyj_admin', displayName: '教育局管理员', org: '市教育局', role: 'orgadmin', scope: 'own' },
  { username: 'jyj_editor', displayName: '教育局信息员', org: '市教育局', role: 'editor', scope: 'own' },
  { username: 'jyj_reviewer', displayName: '教育局审核员', org: '市教育局', role: 'reviewer', scope: 'own' },
  { username: 'wjw_admin', displayName: '卫健委管理员', org: '市卫健委', role: 'orgadmin', scope: 'own' },
  { username: 'wjw_editor', displayName: '卫健委信息员', org: '市卫健委', role: 'editor', scope: 'own' },
  { username: 'hqq_admin', displayName: '红旗区管理员', org: '红旗区', role: 'orgadmin', scope: 'own' },
];

/** Roles besides the three built-in administrators; later modules add their permissions to them. */
export const CUSTOM_ROLES = [
  {
    code: 'orgadmin',
    name: '部门管理员',
    description: '管理本机构及下级机构的组织、用户和授权（分级授权）',
    permissions: [
      'org:read',
      'org:create',
      'org:update',
      'user:read',
      'user:create',
      'user:update',
      'user:delete',
      'user:grant',
      'role:read',
    ],
  },
  { code: 'editor', name: '信息员', description: '在本机构站点采编信息', permissions: ['org:read'] },
  { code: 'reviewer', name: '审核员', description: '审核本机构站点的信息', permissions: ['org:read'] },
];

export const ADMIN_ROLE_NAMES = {
  sysadmin: ['系统管理员', '管理组织、用户、角色和平台配置'],
  secadmin: ['安全管理员', '管理口令策略、账号解锁、登录日志和会话'],
  auditor: ['审计管理员', '查看和校验操作日志（审计日志）'],
} as const;
