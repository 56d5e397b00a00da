import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { toNamePath } from '../../api/forms';
import type { Channel } from './api';
import { customBody, customFieldRules, customFieldsBody, duplicateKeys } from './customFields';
import { channelBody, channelMoveTarget, imageBody, toBody, toFormValues } from './logic';

const channel = (id: string, parentId: string | null, depth: number) => ({
  id,
  parentId,
  depth,
  siteId: 's',
  name: id,
  code: id,
  type: 'list' as const,
  reviewMode: 'one' as const,
});

// 政务公开 ─┬ 政策文件
//          └ 通知公告
// 新闻动态
const flat: (Channel & { depth: number })[] = [
  channel('zwgk', null, 0),
  channel('zcwj', 'zwgk', 1),
  channel('tzgg', 'zwgk', 1),
  channel('xwdt', null, 0),
];

describe('channelMoveTarget (tree drop → POST /channels/:id/move)', () => {
  it('a drop onto a channel makes the dragged one its first child', () => {
    expect(channelMoveTarget(flat, 'tzgg', 'xwdt', false, false)).toEqual({ parentId: 'xwdt', order: 0 });
  });

  it('a drop between siblings counts positions without the dragged channel', () => {
    expect(channelMoveTarget(flat, 'zcwj', 'tzgg', true, true)).toEqual({ parentId: 'zwgk', order: 1 });
    expect(channelMoveTarget(flat, 'tzgg', 'zcwj', true, false)).toEqual({ parentId: 'zwgk', order: 0 });
  });

  it('a drop beside a top-level channel moves to the top level', () => {
    expect(channelMoveTarget(flat, 'tzgg', 'xwdt', true, true)).toEqual({ parentId: null, order: 2 });
  });
});

describe('channelBody', () => {
  it('sends cleared optional fields as null and drops blank templates', () => {
    expect(
      channelBody({
        name: '通知公告',
        code: 'tzgg',
        type: 'list',
        reviewMode: 'one',
        linkUrl: 'https://left.over/',
        category: '',
        templates: { list: '', article: 'article-notice' },
      }),
    ).toEqual({
      name: '通知公告',
      code: 'tzgg',
      type: 'list',
      reviewMode: 'one',
      linkUrl: null,
      category: null,
      updateCycleDays: null,
      reviewProcess: null,
      templates: { article: 'article-notice' },
    });
  });

  it('keeps the address of a link channel', () => {
    const body = channelBody({
      name: '政务服务',
      code: 'zwfw',
      type: 'link',
      reviewMode: 'none',
      linkUrl: '/service/',
    });
    expect(body.linkUrl).toBe('/service/');
  });
});

describe('document form ↔ API body', () => {
  it('turns stored times into date pickers and back into ISO strings', () => {
    const values = toFormValues({ title: '标题', publishAt: '2026-09-01T01:00:00.000Z', pinnedUntil: null });
    expect(dayjs.isDayjs(values.publishAt)).toBe(true);
    expect(values.pinnedUntil).toBeNull();
    const body = toBody(values, null, [{ fileId: 'f1', name: '附件.pdf' }], null);
    expect(body).toMatchObject({
      title: '标题',
      publishAt: '2026-09-01T01:00:00.000Z',
      pinnedUntil: null,
      attachments: ['f1'],
      coverFileId: null,
    });
    // An untouched body is not sent, so a metadata-only save leaves the stored body alone.
    expect(body).not.toHaveProperty('bodyHtml');
  });

  it('sends the body in both forms once edited', () => {
    const json = { type: 'doc', content: [{ type: 'paragraph' }] };
    const body = toBody({ title: 't' } as never, { json, html: '<p></p>' }, [], 'cover');
    expect(body).toMatchObject({ bodyJson: json, bodyHtml: '<p></p>', coverFileId: 'cover' });
  });
});

describe('imageBody (图片处理)', () => {
  it('sends only the steps that were filled in', () => {
    expect(imageBody({ width: 800, fit: 'inside', position: 'southeast', opacity: 0.5 })).toEqual({
      resize: { width: 800, height: undefined, fit: 'inside' },
    });
    expect(imageBody({ watermark: ' 新乡市教育局 ', position: 'centre', opacity: 0.3, name: ' ' })).toEqual({
      watermark: { text: '新乡市教育局', position: 'centre', opacity: 0.3 },
    });
    expect(imageBody({ opacity: 0.5 })).toEqual({});
  });
});

describe('custom fields (自定义字段)', () => {
  it('the channel body keeps options only for selects and makes required a boolean', () => {
    expect(
      customFieldsBody([
        { key: 'docNo', label: ' 文号 ', type: 'text', options: ['stale'] },
        { key: 'level', label: '公开方式', type: 'select', options: [' 主动公开 ', '', '依申请公开'], required: true },
      ]),
    ).toEqual([
      { key: 'docNo', label: '文号', type: 'text', required: false },
      { key: 'level', label: '公开方式', type: 'select', options: ['主动公开', '依申请公开'], required: true },
    ]);
  });

  it('a server error on `custom.<key>` names the form item the editor registers as [custom, key]', () => {
    expect(toNamePath('custom.planLevel')).toEqual(['custom', 'planLevel']);
    expect(toNamePath('/custom/planLevel')).toEqual(['custom', 'planLevel']);
  });

  it('finds keys used twice', () => {
    expect([...duplicateKeys([{ key: 'a' }, { key: 'b' }, { key: 'a' }, {}])]).toEqual(['a']);
  });

  it('rules: required names the label, selects accept only their options, numbers must be numbers', () => {
    expect(
      customFieldRules({ key: 'level', label: '公开方式', type: 'select', options: ['主动公开'], required: true }),
    ).toEqual([
      { required: true, whitespace: true, message: '请选择公开方式' },
      { type: 'enum', enum: ['主动公开'], message: '公开方式须为给定选项之一' },
    ]);
    expect(customFieldRules({ key: 'docNo', label: '文号', type: 'text' })).toEqual([]);
    expect(customFieldRules({ key: 'pages', label: '页数', type: 'number', required: true })).toEqual([
      { required: true, whitespace: true, message: '请填写页数' },
      { type: 'number', message: '页数须为数字' },
    ]);
  });

  it('the document body sends only the channel’s fields, drops empty ones and types numbers', () => {
    const defs = [
      { key: 'docNo', label: '文号', type: 'text' as const },
      { key: 'pages', label: '页数', type: 'number' as const },
      { key: 'signedOn', label: '成文日期', type: 'date' as const },
    ];
    expect(customBody(defs, { docNo: ' 新教〔2026〕1号 ', pages: 3, signedOn: '', old: 'x' })).toEqual({
      docNo: '新教〔2026〕1号',
      pages: 3,
    });
    expect(customBody(defs, undefined)).toEqual({});
  });
});
