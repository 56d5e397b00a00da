import { describe, expect, it } from 'vitest';
import { sampleForm } from '../../../../platform/src/modules/forms/fixtures';
import { checkDefinition, type FormDocuments, FormEngine } from '../../components/form-renderer/engine';
import { dictionariesOf, displayValue, engineOf, errorsByPath, namePathOf } from '../../components/form-renderer/logic';
import {
  addField,
  moveField,
  PALETTE,
  parseOptions,
  removeField,
  renameField,
  setAddressLevels,
  setDictionary,
  setOptions,
  setRequired,
  updateFieldUi,
} from './designer-model';

/*
 * The designer's document edits and the renderer's helpers, in node. Every edit must leave a
 * definition the server accepts (checkDefinition is the server's own check).
 */

const empty = (): FormDocuments => ({
  schema: { type: 'object', properties: {}, required: [], additionalProperties: false },
  uiSchema: { order: [], fields: {} },
});

describe('designer model', () => {
  it('every palette control makes a definition the server accepts, and the engine runs on it', () => {
    let docs = empty();
    for (const p of PALETTE) docs = addField(docs, p.widget).docs;
    expect(checkDefinition(docs)).toEqual([]);
    expect(docs.uiSchema.order).toHaveLength(PALETTE.length);
    const engine = new FormEngine(docs);
    expect(engine.process({}).errors).toEqual([]);
  });

  it('adds at a position, moves, renames and removes fields consistently', () => {
    let docs = addField(empty(), 'text').docs;
    docs = addField(docs, 'mobile').docs;
    const r = addField(docs, 'idNumber', 0);
    expect(r.key).toBe('idNumber1');
    docs = moveField(r.docs, 0, 2);
    expect(docs.uiSchema.order).toEqual(['text1', 'mobile1', 'idNumber1']);
    docs = setRequired(docs, 'text1', true);
    const renamed = renameField(docs, 'text1', 'applicantName');
    if (typeof renamed === 'string') throw new Error(renamed);
    expect(renamed.schema.required).toEqual(['applicantName']);
    expect(renamed.schema.properties?.applicantName?.minLength).toBe(1);
    expect(renameField(renamed, 'mobile1', 'applicantName')).toBe('字段标识「applicantName」已存在');
    expect(renameField(renamed, 'mobile1', '1bad')).toContain('以字母开头');
    const removed = removeField(renamed, 'applicantName');
    expect(removed.schema.required).toEqual([]);
    expect(removed.schema.properties).not.toHaveProperty('applicantName');
    expect(checkDefinition(removed)).toEqual([]);
    // The original documents are never mutated.
    expect(docs.uiSchema.order).toEqual(['text1', 'mobile1', 'idNumber1']);
  });

  it('static options become an enum; a dictionary removes it (the server checks the dictionary)', () => {
    let docs = addField(empty(), 'checkbox').docs;
    docs = setOptions(docs, 'checkbox1', parseOptions('a=甲\nb=乙\n\nc'));
    expect(docs.schema.properties?.checkbox1?.items).toEqual({ type: 'string', enum: ['a', 'b', 'c'] });
    expect(docs.uiSchema.fields.checkbox1.options).toEqual([
      { value: 'a', label: '甲' },
      { value: 'b', label: '乙' },
      { value: 'c', label: 'c' },
    ]);
    docs = setDictionary(docs, 'checkbox1', 'gender');
    expect(docs.schema.properties?.checkbox1?.items).toEqual({ type: 'string' });
    expect(docs.uiSchema.fields.checkbox1).toMatchObject({ dictionary: 'gender' });
    expect(dictionariesOf(docs.uiSchema)).toEqual(['gender']);
  });

  it('edits table columns and address levels', () => {
    let docs = addField(empty(), 'table').docs;
    docs = addField(docs, 'number', undefined, 'table1').docs;
    docs = addField(docs, 'computed', undefined, 'table1').docs;
    docs = updateFieldUi(docs, 'computed1', { compute: 'number1 * 2' }, 'table1');
    docs = setRequired(docs, 'number1', true, 'table1');
    expect(checkDefinition(docs)).toEqual([]);
    const engine = new FormEngine(docs);
    const result = engine.process({ table1: [{ col1: 'x', number1: 3 }, { col1: 'y' }] });
    // A computation whose input is missing has no value (NaN is never stored).
    expect(result.data.table1).toEqual([{ col1: 'x', number1: 3, computed1: 6 }, { col1: 'y' }]);
    expect(result.errors).toEqual([{ field: 'table1.1.number1', message: '请填写「明细表 第 2 行 数字」' }]);

    docs = setAddressLevels(addField(docs, 'address').docs, 'address1', 3);
    expect(docs.schema.properties?.address1?.properties?.codes).toMatchObject({ minItems: 3, maxItems: 3 });
  });

  it('refuses expressions that do not parse and nested tables', () => {
    let docs = addField(empty(), 'text').docs;
    docs = updateFieldUi(docs, 'text1', { visibleWhen: 'a ==' });
    expect(checkDefinition(docs)[0].message).toContain('表达式有误');
  });
});

describe('renderer helpers', () => {
  it('caches one engine per definition and reports broken definitions instead of throwing', () => {
    const docs = sampleForm();
    expect(engineOf(docs).engine).toBe(engineOf(docs).engine);
    const broken = engineOf({ schema: { type: 'object' }, uiSchema: { order: ['x'], fields: {} } });
    expect(broken.engine).toBeNull();
    expect(broken.error).toContain('缺少该字段的界面定义');
  });

  it('maps dotted paths to antd name paths and groups messages', () => {
    expect(namePathOf('fees.1.item')).toEqual(['fees', 1, 'item']);
    const map = errorsByPath([
      { field: 'a', message: 'x' },
      { field: 'a', message: 'y' },
    ]);
    expect(map.get('a')).toEqual(['x', 'y']);
  });

  it('shows submitted values as people read them', () => {
    const { uiSchema, schema } = sampleForm();
    const f = uiSchema.fields;
    const p = schema.properties ?? {};
    expect(displayValue(f.applicantType, p.applicantType, 'legalEntity')).toBe('法人');
    expect(displayValue(f.gender, p.gender, '1', { dictionaries: { gender: { '1': '男' } } })).toBe('男');
    expect(displayValue(f.topics, p.topics, ['edu', 'health'])).toBe('教育、卫生');
    expect(displayValue(f.deposit, p.deposit, 1234.5)).toBe('¥1,234.50');
    expect(displayValue(f.period, p.period, ['2026-01-01', '2026-01-31'])).toBe('2026-01-01 至 2026-01-31');
    expect(
      displayValue(f.address, p.address, {
        codes: ['41', '4107', '410702', '410702001'],
        names: ['河南省', '新乡市', '红旗区', '西街街道'],
        detail: '人民路 1 号',
      }),
    ).toBe('河南省 新乡市 红旗区 西街街道 人民路 1 号');
    expect(displayValue(f.orgId, p.orgId, 'o1', { orgNames: new Map([['o1', '市教育局']]) })).toBe('市教育局');
    expect(displayValue(f.name, p.name, undefined)).toBe('—');
  });

  it('the browser engine gives the server messages for visibility and computed fields', () => {
    const engine = new FormEngine(sampleForm());
    const preview = engine.preview({ applicantType: 'person', fees: [{ price: 2.5, quantity: 4 }] });
    expect(preview.hidden).toEqual(new Set(['companyName', 'creditCode']));
    expect(preview.data.total).toBe(10);
    const result = engine.process({
      applicantType: 'legalEntity',
      name: '张三',
      idNumber: '11010519491231002X',
      mobile: '13800138000',
    });
    expect(result.errors).toEqual([
      { field: 'companyName', message: '请填写「单位名称」' },
      { field: 'creditCode', message: '请填写「统一社会信用代码」' },
    ]);
  });
});
