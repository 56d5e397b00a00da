import type { ChannelType, ReviewMode } from './schema.js';

/*
 * Demo data of the 网站群: the 新乡市人民政府 portal, one site per department, one per county.
 * Site codes are pinyin initials (matching the demo usernames: jyj_editor is 教育局's 信息员); the
 * 网站标识码 are demo values in the national format (6-digit region code + 4-digit serial), NOT
 * the real codes of these sites.
 */

/** Department short name (as seeded by identity) → site code. */
export const DEPARTMENT_SITE_CODES: Record<string, string> = {
  市政府办: 'zfb',
  市发展改革委: 'fgw',
  市教育局: 'jyj',
  市科技局: 'kjj',
  市工信局: 'gxj',
  市民宗局: 'mzzj',
  市公安局: 'gaj',
  市民政局: 'mzj',
  市司法局: 'sfj',
  市财政局: 'czj',
  市人社局: 'rsj',
  市自然资源规划局: 'zrzyj',
  市生态环境局: 'sthjj',
  市住建局: 'zjj',
  市城管局: 'cgj',
  市交通运输局: 'jtysj',
  市水利局: 'slj',
  市农业农村局: 'nyncj',
  市商务局: 'swj',
  市文广旅局: 'wglj',
  市卫健委: 'wjw',
  市退役军人局: 'tyjrj',
  市应急局: 'yjj',
  市审计局: 'sjj',
  市外事办: 'wsb',
  市国资委: 'gzw',
  市市场监管局: 'scjgj',
  市体育局: 'tyj',
  市统计局: 'tjj',
  市医保局: 'ybj',
  市信访局: 'xfj',
  市审批局: 'spj',
  市金融局: 'jrj',
  市机关事务局: 'jgswj',
  市人防办: 'rfb',
  市粮食和储备局: 'lscbj',
  市气象局: 'qxj',
  市公共资源交易中心: 'ggzyjy',
  市住房公积金中心: 'gjj',
  市供销社: 'gxs',
  市残联: 'cl',
};

/** County short name → site code. */
export const COUNTY_SITE_CODES: Record<string, string> = {
  卫滨区: 'weibin',
  红旗区: 'hongqi',
  凤泉区: 'fengquan',
  牧野区: 'muye',
  新乡县: 'xinxiangxian',
  获嘉县: 'huojia',
  原阳县: 'yuanyang',
  延津县: 'yanjin',
  封丘县: 'fengqiu',
  卫辉市: 'weihui',
  辉县市: 'huixian',
  长垣市: 'changyuan',
};

export const PORTAL = { code: 'xinxiang', name: '新乡市人民政府', domains: ['www.xinxiang.gov.cn', 'xinxiang.gov.cn'] };

export interface SeedChannel {
  name: string;
  code: string;
  type?: ChannelType;
  category?: string;
  reviewMode?: ReviewMode;
  updateCycleDays?: number;
  linkUrl?: string;
  children?: SeedChannel[];
}

/**
 * The channel tree of every demo site, after the 政府网站发展指引 (国办发〔2017〕47号): 政务公开,
 * 新闻动态 (动态要闻 at least every two weeks), 政务服务 (links to the service system), 互动交流.
 * Normative documents get two-level review, routine news one level.
 */
export const CHANNEL_TREE: SeedChannel[] = [
  {
    name: '政务公开',
    code: 'zwgk',
    children: [
      { name: '政策文件', code: 'zcwj', category: 'policy', reviewMode: 'two', updateCycleDays: 90 },
      { name: '通知公告', code: 'tzgg', category: 'notice', reviewMode: 'one', updateCycleDays: 30 },
      { name: '人事信息', code: 'rsxx', category: 'personnel', reviewMode: 'two', updateCycleDays: 180 },
      { name: '规划计划', code: 'ghjh', category: 'planning', reviewMode: 'one', updateCycleDays: 365 },
      { name: '财政信息', code: 'czxx', category: 'finance', reviewMode: 'two', updateCycleDays: 365 },
    ],
  },
  {
    name: '新闻动态',
    code: 'xwdt',
    children: [
      { name: '工作动态', code: 'gzdt', category: 'news', reviewMode: 'one', updateCycleDays: 14 },
      { name: '部门动态', code: 'bmdt', category: 'news', reviewMode: 'one', updateCycleDays: 14 },
      { name: '图片新闻', code: 'tpxw', category: 'news', reviewMode: 'one', updateCycleDays: 30 },
    ],
  },
  { name: '政务服务', code: 'zwfw', type: 'link', category: 'other', reviewMode: 'none', linkUrl: '/service/' },
  {
    name: '互动交流',
    code: 'hdjl',
    children: [
      { name: '领导信箱', code: 'ldxx', category: 'consultation', reviewMode: 'one', updateCycleDays: 30 },
      { name: '政务咨询', code: 'zwzx', category: 'consultation', reviewMode: 'one', updateCycleDays: 30 },
      { name: '民意征集', code: 'myzj', category: 'consultation', reviewMode: 'two', updateCycleDays: 90 },
    ],
  },
];

/** Categories the tree uses that the settings module does not seed itself. */
export const EXTRA_CATEGORIES = [{ code: 'finance', name: '财政信息' }];

export const SITE_GROUPS = { departments: '市直部门网站', counties: '县（市、区）政府网站' };

/** Grants added to identity's seeded roles (the 系统管理员 gets every permission by itself). */
export const ROLE_GRANTS: Record<string, string[]> = {
  editor: ['site:read', 'document:read', 'document:write', 'file:read', 'file:upload'],
  reviewer: ['site:read', 'document:read', 'document:review', 'document:publish'],
  orgadmin: ['site:read', 'channel:manage', 'document:read', 'document:write', 'file:read', 'file:upload'],
};

export interface SeedMenu {
  name: string;
  path: string;
  icon: string;
  permission: string;
}

export const MENU_GROUP = { name: '网站管理', icon: 'GlobalOutlined' };

export const MENUS: SeedMenu[] = [
  { name: '工作门户', path: '/cms/portal', icon: 'DashboardOutlined', permission: 'document:read' },
  { name: '站点管理', path: '/cms/sites', icon: 'ClusterOutlined', permission: 'site:read' },
  { name: '栏目管理', path: '/cms/channels', icon: 'PartitionOutlined', permission: 'channel:manage' },
  { name: '信息管理', path: '/cms/documents', icon: 'FileTextOutlined', permission: 'document:read' },
  { name: '审核', path: '/cms/review', icon: 'AuditOutlined', permission: 'document:review' },
  { name: '文件资源', path: '/cms/files', icon: 'FolderOpenOutlined', permission: 'file:read' },
  { name: '回收站', path: '/cms/recycle-bin', icon: 'DeleteOutlined', permission: 'document:write' },
];
