import type { NewTemplate } from './templates.js';

/*
 * Two 文书 of 新乡市行政审批和政务信息管理局 as demo templates: 受理通知书 and 准予行政许可决定书.
 * Layout follows GB/T 9704 (党政机关公文格式) loosely: A4, 上 37 mm 下 35 mm 左 28 mm 右 26 mm,
 * 标题 二号小标宋 (here Noto Serif CJK bold), 正文 三号仿宋 with 28 pt lines. The issuing
 * authority and date stand at the bottom right, where the seal service stamps the 公章.
 */

const PAGE = {
  size: 'A4' as const,
  landscape: false,
  margin: { top: 37, right: 26, bottom: 35, left: 28 },
  header: '',
  footer: '<div style="text-align:center">— <span class="pageNumber"></span> —</div>',
};

const STYLE = `<style>
  body { font-size: 16pt; line-height: 28pt; color: #000; }
  h1 { font-family: "Noto Serif CJK SC", serif; font-weight: 700; font-size: 22pt; line-height: 1.5; text-align: center; margin: 0 0 8pt; letter-spacing: 2pt; }
  .number { text-align: center; margin: 0 0 20pt; }
  p { margin: 0; text-indent: 2em; text-align: justify; }
  p.to { text-indent: 0; }
  table { width: 100%; border-collapse: collapse; margin: 8pt 0; font-size: 14pt; line-height: 22pt; }
  th, td { border: 1px solid #000; padding: 4pt 6pt; }
  th { font-weight: 700; }
  td.n { text-align: center; width: 3em; }
  .sign { margin-top: 40pt; text-align: right; padding-right: 2em; }
  .note { margin-top: 24pt; font-size: 12pt; line-height: 20pt; border-top: 1px solid #000; padding-top: 6pt; }
  .note p { text-indent: 0; }
</style>`;

const ACCEPTANCE_BODY = `${STYLE}
<h1>受理通知书</h1>
<div class="number">{{ number }}</div>
<p class="to">{{ applicant.name }}：</p>
<p>你（单位）于 {{ appliedOn | date: "%Y年%-m月%-d日" }} 提出的“{{ item }}”申请，经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理。</p>
<p>本机关将在受理之日起 {{ promisedDays }} 个工作日内作出决定，请保持联系电话 {{ applicant.phone }} 畅通。</p>
<p>已收取的申请材料如下：</p>
<table>
  <thead><tr><th>序号</th><th>材料名称</th><th>份数</th><th>形式</th></tr></thead>
  <tbody>
  {%- for m in materials %}
    <tr><td class="n">{{ forloop.index }}</td><td>{{ m.name }}</td><td class="n">{{ m.copies }}</td><td class="n">{{ m.form | default: "原件" }}</td></tr>
  {%- endfor %}
  </tbody>
</table>
<div class="sign">
  <div>{{ authority }}</div>
  <div>{{ acceptedOn | date: "%Y年%-m月%-d日" }}</div>
</div>
<div class="note">
  <p>办理窗口：{{ window }}　咨询电话：{{ phone }}</p>
  <p>本通知书一式两份，一份交申请人，一份存档。可扫描办件二维码或登录“豫事办”查询办理进度。</p>
</div>`;

const ACCEPTANCE_SAMPLE = {
  number: '新审批受字〔2026〕第 0128 号',
  applicant: { name: '新乡市牧野区红旗食品有限公司', creditCode: '91410711MA9G5B2X0K', phone: '0373-3056721' },
  item: '食品经营许可（新办）',
  appliedOn: '2026-11-20',
  acceptedOn: '2026-11-21',
  promisedDays: 5,
  materials: [
    { name: '食品经营许可申请书', copies: 1, form: '原件' },
    { name: '营业执照', copies: 1, form: '复印件' },
    { name: '法定代表人身份证明', copies: 1, form: '复印件' },
    { name: '与食品经营相适应的主要设备设施布局、操作流程等文件', copies: 1, form: '原件' },
    { name: '食品安全管理制度目录', copies: 1, form: '原件' },
  ],
  authority: '新乡市行政审批和政务信息管理局',
  window: '新乡市民之家（新乡市政务服务中心）二楼 B 区 12 号窗口',
  phone: '0373-12345',
};

const ACCEPTANCE_SCHEMA = {
  type: 'object',
  required: ['number', 'applicant', 'item', 'appliedOn', 'acceptedOn', 'promisedDays', 'authority'],
  properties: {
    number: { type: 'string', minLength: 1 },
    applicant: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
    item: { type: 'string', minLength: 1 },
    appliedOn: { type: 'string', format: 'date' },
    acceptedOn: { type: 'string', format: 'date' },
    promisedDays: { type: ['integer', 'string'] },
    materials: { type: 'array', items: { type: 'object', required: ['name'] } },
    authority: { type: 'string', minLength: 1 },
  },
};

const DECISION_BODY = `${STYLE}
<h1>准予行政许可决定书</h1>
<div class="number">{{ number }}</div>
<p class="to">{{ applicant.name }}：</p>
<p>你（单位）于 {{ appliedOn | date: "%Y年%-m月%-d日" }} 提出的“{{ item }}”申请，本机关已于 {{ acceptedOn | date: "%Y年%-m月%-d日" }} 依法受理。经审查，你（单位）的申请符合{{ basis }}规定的条件、标准，根据《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予行政许可。</p>
<p>许可内容如下：</p>
<table>
  <tbody>
    <tr><th style="width:8em">被许可人</th><td>{{ applicant.name }}</td></tr>
    <tr><th>统一社会信用代码</th><td>{{ applicant.creditCode }}</td></tr>
    <tr><th>法定代表人</th><td>{{ applicant.legalRepresentative }}</td></tr>
    <tr><th>经营场所</th><td>{{ applicant.address }}</td></tr>
    <tr><th>许可证编号</th><td>{{ licence.number }}</td></tr>
    <tr><th>许可范围</th><td>{{ licence.scope }}</td></tr>
    <tr><th>有效期</th><td>{{ licence.validFrom | date: "%Y年%-m月%-d日" }} 至 {{ licence.validTo | date: "%Y年%-m月%-d日" }}</td></tr>
  </tbody>
</table>
<p>请于收到本决定书之日起到办理窗口领取许可证件，或选择邮寄送达。如不服本决定，可在收到本决定书之日起六十日内向新乡市人民政府申请行政复议，或者在六个月内向人民法院提起行政诉讼。</p>
<div class="sign">
  <div>{{ authority }}</div>
  <div>{{ decidedOn | date: "%Y年%-m月%-d日" }}</div>
</div>`;

const DECISION_SAMPLE = {
  number: '新审批许字〔2026〕第 0093 号',
  applicant: {
    name: '新乡市牧野区红旗食品有限公司',
    creditCode: '91410711MA9G5B2X0K',
    legalRepresentative: '王建国',
    address: '河南省新乡市牧野区和平大道北段 268 号',
  },
  item: '食品经营许可（新办）',
  basis: '《中华人民共和国食品安全法》第三十五条及《食品经营许可和备案管理办法》',
  appliedOn: '2026-11-20',
  acceptedOn: '2026-11-21',
  decidedOn: '2026-11-26',
  licence: {
    number: 'JY14107110012345',
    scope: '预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售',
    validFrom: '2026-11-26',
    validTo: '2031-11-25',
  },
  authority: '新乡市行政审批和政务信息管理局',
};

export const SEED_TEMPLATES: NewTemplate[] = [
  {
    code: 'acceptance-notice',
    name: '受理通知书',
    kind: 'html',
    description: '依申请事项受理后出具给申请人的受理通知书（行政许可法第三十二条）。',
    content: { body: ACCEPTANCE_BODY, page: PAGE, dataSchema: ACCEPTANCE_SCHEMA, sampleData: ACCEPTANCE_SAMPLE },
    comment: '系统预置',
  },
  {
    code: 'licence-decision',
    name: '准予行政许可决定书',
    kind: 'html',
    description: '准予行政许可的书面决定（行政许可法第三十八条），由审批机关加盖公章后送达。',
    content: { body: DECISION_BODY, page: PAGE, sampleData: DECISION_SAMPLE },
    comment: '系统预置',
  },
];
