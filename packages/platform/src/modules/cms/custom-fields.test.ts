import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCustomValues } from './custom-fields.js';
import { caller, type DocumentsFixture, documentsFixture } from './documents.test-support.js';

/* 自定义字段 through real HTTP: declared on a channel, enforced on its documents' `custom`. */

let f: DocumentsFixture;
let call: ReturnType<typeof caller>;
let channelId: string;

const FIELDS = [
  { key: 'docNo', label: '文号', type: 'text', required: true },
  { key: 'notes', label: '备注', type: 'textarea' },
  { key: 'pages', label: '页数', type: 'number' },
  { key: 'issuedOn', label: '成文日期', type: 'date' },
  { key: 'level', label: '公开属性', type: 'select', options: ['主动公开', '依申请公开'], required: true },
];
const VALID = { docNo: ' 新教〔2026〕12号 ', pages: 3, issuedOn: '2026-02-28', level: '主动公开' };

beforeAll(async () => {
  f = await documentsFixture();
  call = caller(f.t.app);
  channelId = f.channels.one;
  const res = await call(f.as.jyjAdmin, 'PATCH', `/api/cms/channels/${channelId}`, { customFields: FIELDS });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}, 120_000);
afterAll(async () => {
  await f?.t.close();
});

const createDoc = (custom?: Record<string, unknown>) =>
  call(f.as.editor, 'POST', '/api/cms/documents', { channelId, title: '关于做好秋季开学工作的通知', custom });

const fieldsOf = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field).sort();

describe('channel field definitions', () => {
  it('returns the declared fields normalized on GET one and in the tree', async () => {
    const one = await call(f.as.jyjAdmin, 'GET', `/api/cms/channels/${channelId}`);
    expect(one.body.customFields).toEqual([
      { key: 'docNo', label: '文号', type: 'text', required: true },
      { key: 'notes', label: '备注', type: 'textarea', required: false },
      { key: 'pages', label: '页数', type: 'number', required: false },
      { key: 'issuedOn', label: '成文日期', type: 'date', required: false },
      { key: 'level', label: '公开属性', type: 'select', options: ['主动公开', '依申请公开'], required: true },
    ]);
    const tree = await call(f.as.jyjAdmin, 'GET', `/api/cms/sites/${f.jyjSiteId}/channels/tree`);
    const flat = JSON.stringify(tree.body.items);
    expect(flat).toContain('"key":"issuedOn"');
  });

  it('accepts fields when a channel is created; others default to none', async () => {
    const res = await call(f.as.jyjAdmin, 'POST', '/api/cms/channels', {
      siteId: f.jyjSiteId,
      name: '招生公告',
      code: 'cf-zsgg',
      type: 'list',
      customFields: [{ key: 'year', label: '招生年度', type: 'number', options: ['ignored'] }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.customFields).toEqual([{ key: 'year', label: '招生年度', type: 'number', required: false }]);
    const plain = await call(f.as.jyjAdmin, 'GET', `/api/cms/channels/${f.channels.none}`);
    expect(plain.body.customFields).toEqual([]);
  });

  it.each([
    ['a bad key', [{ key: '1abc', label: '文号', type: 'text' }], 'validation_failed', 'customFields.0.key'],
    ['an unknown type', [{ key: 'a', label: '文号', type: 'color' }], 'validation_failed', 'customFields.0.type'],
    ['an empty label', [{ key: 'a', label: '', type: 'text' }], 'validation_failed', 'customFields.0.label'],
    ['an extra property', [{ key: 'a', label: '文号', type: 'text', x: 1 }], 'validation_failed', 'customFields.0'],
    [
      'a duplicate key',
      [
        { key: 'a', label: '文号', type: 'text' },
        { key: 'a', label: '字号', type: 'text' },
      ],
      'custom_field_definition_invalid',
      'customFields.1.key',
    ],
    [
      'a select without options',
      [{ key: 'a', label: '级别', type: 'select' }],
      'custom_field_definition_invalid',
      'customFields.0.options',
    ],
    [
      'duplicate options',
      [{ key: 'a', label: '级别', type: 'select', options: ['甲', '甲'] }],
      'validation_failed',
      'customFields.0.options',
    ],
  ])('refuses %s with 400 and changes nothing', async (_, customFields, code, field) => {
    const res = await call(f.as.jyjAdmin, 'PATCH', `/api/cms/channels/${channelId}`, { customFields });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe(code);
    expect(
      fieldsOf(res.body).some((x) => x.startsWith(field)),
      JSON.stringify(res.body),
    ).toBe(true);
    const after = await call(f.as.jyjAdmin, 'GET', `/api/cms/channels/${channelId}`);
    expect(after.body.customFields).toHaveLength(FIELDS.length);
  });

  it('refuses more than 30 fields', async () => {
    const many = Array.from({ length: 31 }, (_, i) => ({ key: `f${i}`, label: `字段${i}`, type: 'text' }));
    const res = await call(f.as.jyjAdmin, 'PATCH', `/api/cms/channels/${channelId}`, { customFields: many });
    expect(res.status).toBe(400);
  });
});

describe('document custom values', () => {
  it('stores valid values (text trimmed, number as number) and returns them', async () => {
    const res = await createDoc({ ...VALID, notes: '' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const expected = { docNo: '新教〔2026〕12号', pages: 3, issuedOn: '2026-02-28', level: '主动公开' };
    expect(res.body.custom).toEqual(expected);
    const got = await call(f.as.editor, 'GET', `/api/cms/documents/${res.body.id}`);
    expect(got.body.custom).toEqual(expected);
    const row = await f.t.kernel.db
      .selectFrom('cms_documents')
      .select('custom')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.custom).toEqual(expected);
  });

  it.each([
    ['an unknown key', { ...VALID, color: 'red' }, 'custom_field_unknown', 'custom.color'],
    ['a missing required field', { ...VALID, docNo: undefined }, 'custom_field_required', 'custom.docNo'],
    ['a blank required field', { ...VALID, docNo: '   ' }, 'custom_field_required', 'custom.docNo'],
    ['a number sent as text', { ...VALID, pages: '3' }, 'custom_field_invalid', 'custom.pages'],
    ['text sent as a number', { ...VALID, docNo: 12 }, 'custom_field_invalid', 'custom.docNo'],
    ['a value not among the options', { ...VALID, level: '不公开' }, 'custom_field_invalid', 'custom.level'],
    ['a malformed date', { ...VALID, issuedOn: '2026/02/28' }, 'custom_field_invalid', 'custom.issuedOn'],
    ['an impossible date', { ...VALID, issuedOn: '2026-02-30' }, 'custom_field_invalid', 'custom.issuedOn'],
  ])('refuses %s on create with 400 naming the field', async (_, custom, code, field) => {
    const before = await countDocs();
    const res = await createDoc(custom);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe(code);
    expect(fieldsOf(res.body)).toEqual([field]);
    expect(res.body.errors[0].message).toMatch(/[\u4e00-\u9fa5]/);
    expect(await countDocs()).toBe(before);
  });

  it('lists every failing field in one problem, messages naming the label', async () => {
    const res = await createDoc({ pages: 'x', issuedOn: 'tomorrow' });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['custom.docNo', 'custom.issuedOn', 'custom.level', 'custom.pages']);
    expect(res.body.errors.find((e: { field: string }) => e.field === 'custom.docNo').message).toContain('文号');
  });

  it('requires the required fields even when custom is omitted', async () => {
    const res = await createDoc();
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['custom.docNo', 'custom.level']);
  });

  it('validates custom on update; a save without custom leaves it alone', async () => {
    const doc = (await createDoc(VALID)).body;
    const bad = await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, {
      version: doc.version,
      custom: { ...VALID, level: '保密' },
    });
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['custom.level']);
    const ok = await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, {
      version: doc.version,
      custom: { ...VALID, level: '依申请公开', pages: 10 },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.custom).toMatchObject({ level: '依申请公开', pages: 10 });
    const titleOnly = await call(f.as.editor, 'PATCH', `/api/cms/documents/${doc.id}`, {
      version: ok.body.version,
      title: '关于做好秋季开学工作的补充通知',
    });
    expect(titleOnly.status).toBe(200);
    expect(titleOnly.body.custom).toEqual(ok.body.custom);
  });

  it('keeps custom free-form on a channel that declares no fields', async () => {
    const res = await call(f.as.editor, 'POST', '/api/cms/documents', {
      channelId: f.channels.none,
      title: '自由字段',
      custom: { 文号: '新教〔2026〕1号' },
    });
    expect(res.status).toBe(201);
    expect(res.body.custom).toEqual({ 文号: '新教〔2026〕1号' });
  });
});

describe('validateCustomValues', () => {
  const date = [{ key: 'd', label: '日期', type: 'date' as const, required: false }];
  it.each(['2024-02-29', '2026-12-31'])('accepts the real day %s', (d) => {
    expect(validateCustomValues(date, { d })).toEqual({ d });
  });
  it.each(['2025-02-29', '2026-13-01', '2026-1-1', '20260101'])('refuses %s', (d) => {
    expect(() => validateCustomValues(date, { d })).toThrow();
  });
});

async function countDocs(): Promise<number> {
  const row = await f.t.kernel.db
    .selectFrom('cms_documents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('channel_id', '=', channelId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
