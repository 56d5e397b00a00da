import type { FormDocuments } from './core/types.js';

/**
 * A form using every control: tests, the docs and the seed's 示例表单 use it. The applicant is a
 * person or a company; company fields appear only for companies; the fee table's row amounts and
 * the total are computed.
 */
export function sampleForm(): FormDocuments {
  return {
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        applicantType: { type: 'string', title: '申请人类型', enum: ['person', 'legalEntity'] },
        name: { type: 'string', title: '姓名', minLength: 1, maxLength: 50 },
        idNumber: { type: 'string', title: '身份证号', format: 'cn-id-number' },
        companyName: { type: 'string', title: '单位名称', minLength: 1, maxLength: 100 },
        creditCode: { type: 'string', title: '统一社会信用代码', format: 'cn-credit-code' },
        mobile: { type: 'string', title: '手机号码', format: 'cn-mobile' },
        email: { type: 'string', title: '电子邮箱', format: 'email', maxLength: 100 },
        gender: { type: 'string', title: '性别' },
        topics: {
          type: 'array',
          title: '关注领域',
          items: { type: 'string', enum: ['edu', 'health', 'traffic'] },
          uniqueItems: true,
          maxItems: 5,
        },
        birthDate: { type: 'string', title: '出生日期', format: 'date' },
        visitTime: { type: 'string', title: '预约时段', format: 'local-time' },
        period: {
          type: 'array',
          title: '办理期间',
          items: { type: 'string', format: 'date' },
          minItems: 2,
          maxItems: 2,
        },
        age: { type: 'integer', title: '年龄', minimum: 0, maximum: 150 },
        deposit: { type: 'number', title: '保证金', format: 'money', minimum: 0 },
        orgId: { type: 'string', title: '受理部门', format: 'uuid' },
        handlerId: { type: 'string', title: '经办人', format: 'uuid' },
        address: {
          type: 'object',
          title: '住址',
          properties: {
            codes: { type: 'array', items: { type: 'string', pattern: '^\\d{2,9}$' }, minItems: 4, maxItems: 4 },
            detail: { type: 'string', maxLength: 200 },
            names: { type: 'array', items: { type: 'string' }, maxItems: 4 },
          },
          required: ['codes'],
          additionalProperties: false,
        },
        attachments: {
          type: 'array',
          title: '申请材料',
          items: { type: 'string', format: 'uuid' },
          maxItems: 3,
        },
        fees: {
          type: 'array',
          title: '费用明细',
          maxItems: 50,
          items: {
            type: 'object',
            properties: {
              item: { type: 'string', title: '项目', minLength: 1, maxLength: 50 },
              price: { type: 'number', title: '单价', format: 'money', minimum: 0 },
              quantity: { type: 'integer', title: '数量', minimum: 1 },
              amount: { type: 'number', title: '金额', readOnly: true },
            },
            required: ['item', 'price', 'quantity'],
            additionalProperties: false,
          },
        },
        total: { type: 'number', title: '合计', readOnly: true },
        remark: { type: 'string', title: '情况说明', maxLength: 20000 },
      },
      required: ['applicantType', 'name', 'idNumber', 'companyName', 'creditCode', 'mobile'],
      additionalProperties: false,
    },
    uiSchema: {
      layoutColumns: 2,
      order: [
        'applicantType',
        'name',
        'idNumber',
        'companyName',
        'creditCode',
        'mobile',
        'email',
        'gender',
        'topics',
        'birthDate',
        'visitTime',
        'period',
        'age',
        'deposit',
        'orgId',
        'handlerId',
        'address',
        'attachments',
        'fees',
        'total',
        'remark',
      ],
      fields: {
        applicantType: {
          widget: 'radio',
          options: [
            { value: 'person', label: '自然人' },
            { value: 'legalEntity', label: '法人' },
          ],
        },
        name: { widget: 'text', placeholder: '请输入姓名' },
        idNumber: { widget: 'idNumber' },
        companyName: { widget: 'text', visibleWhen: 'applicantType == "legalEntity"' },
        creditCode: { widget: 'creditCode', visibleWhen: 'applicantType == "legalEntity"' },
        mobile: { widget: 'mobile' },
        email: { widget: 'email' },
        gender: { widget: 'select', dictionary: 'gender' },
        topics: {
          widget: 'checkbox',
          options: [
            { value: 'edu', label: '教育' },
            { value: 'health', label: '卫生' },
            { value: 'traffic', label: '交通' },
          ],
        },
        birthDate: { widget: 'date' },
        visitTime: { widget: 'time' },
        period: { widget: 'dateRange' },
        age: { widget: 'number' },
        deposit: { widget: 'money' },
        orgId: { widget: 'org' },
        handlerId: { widget: 'user' },
        address: { widget: 'address', levels: 4, withDetail: true, span: 24 },
        attachments: { widget: 'file', file: { accept: ['pdf', 'png', 'jpg'], maxSize: 5 * 1024 * 1024 } },
        fees: {
          widget: 'table',
          span: 24,
          columns: {
            order: ['item', 'price', 'quantity', 'amount'],
            fields: {
              item: { widget: 'text' },
              price: { widget: 'money' },
              quantity: { widget: 'number' },
              amount: { widget: 'computed', compute: 'price * quantity' },
            },
          },
        },
        total: { widget: 'computed', compute: 'sum(fees, "amount")' },
        remark: { widget: 'richText', span: 24 },
      },
    },
  };
}
