import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { fillDays, highlightParts, parseTermLines, summarizeBatch } from './logic';

describe('highlightParts', () => {
  it('splits the server highlight into marked and plain text', () => {
    expect(highlightParts('关于<em>住房公积金</em>提取的<em>说明</em>')).toEqual([
      { text: '关于', hit: false },
      { text: '住房公积金', hit: true },
      { text: '提取的', hit: false },
      { text: '说明', hit: true },
    ]);
  });

  it('keeps escaped markup as text, so a hostile title never becomes HTML', () => {
    const parts = highlightParts('&lt;img src=x onerror=alert(1)&gt; &amp;<em>&quot;通知&quot;</em>&#39;&#x4e00;');
    expect(parts).toEqual([
      { text: '<img src=x onerror=alert(1)> &', hit: false },
      { text: '"通知"', hit: true },
      { text: "'一", hit: false },
    ]);
  });

  it('drops tags other than <em> and survives an unclosed <em>', () => {
    expect(highlightParts('<b>通知</b><script>x</script><em>公告')).toEqual([
      { text: '通知x', hit: false },
      { text: '公告', hit: true },
    ]);
    expect(highlightParts(null)).toEqual([]);
    expect(highlightParts('&bogus; &#0;')).toEqual([{ text: '&bogus; &#0;', hit: false }]);
  });
});

describe('parseTermLines', () => {
  it('reads 百姓体 lines with any of the separators and skips comments and blanks', () => {
    const { rows, problems } = parseTermLines(
      'plain',
      '# 常用\n生孩子 → 生育登记，出生医学证明\n\n办身份证=居民身份证申领\n退休金：养老保险待遇、养老金\n开店\t营业执照 个体工商户登记\n生孩子 -> 重复',
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { term: '生孩子', targets: ['生育登记', '出生医学证明'] },
      { term: '办身份证', targets: ['居民身份证申领'] },
      { term: '退休金', targets: ['养老保险待遇', '养老金'] },
      { term: '开店', targets: ['营业执照', '个体工商户登记'] },
    ]);
  });

  it('reports 百姓体 lines without official terms, and overlong words', () => {
    const long = '长'.repeat(31);
    const { rows, problems } = parseTermLines('plain', `只有口语词\n${long} → 规范\n空目标 →  ，`);
    expect(rows).toEqual([]);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, '缺少规范用语，格式：口语词 → 规范用语1，规范用语2'],
      [2, '词条超过 30 个字'],
      [3, '缺少规范用语'],
    ]);
  });

  it('reads a 同义词 group: the first word is the entry, the rest its synonyms', () => {
    const { rows, problems } = parseTermLines('synonym', '医保，医疗保险、基本医疗保险\n公积金 → 住房公积金\n孤词');
    expect(rows).toEqual([
      { term: '医保', targets: ['医疗保险', '基本医疗保险'] },
      { term: '公积金', targets: ['住房公积金'] },
    ]);
    expect(problems).toEqual([{ line: 3, text: '孤词', message: '同义词组至少两个词' }]);
  });

  it('reads 屏蔽词 and 用户词典 as words, several per line allowed', () => {
    expect(parseTermLines('user', '一件事一次办\n不动产登记，营业执照 营业执照').rows).toEqual([
      { term: '一件事一次办' },
      { term: '不动产登记' },
      { term: '营业执照' },
    ]);
    expect(parseTermLines('blocked', '  \n赌博 ').rows).toEqual([{ term: '赌博' }]);
  });

  it('limits the number of official terms', () => {
    const targets = Array.from({ length: 11 }, (_, i) => `规范${i}`).join('，');
    expect(parseTermLines('plain', `口语 → ${targets}`).problems[0]?.message).toBe('对应词最多 10 个');
  });
});

describe('fillDays', () => {
  it('ends on the server’s newest day when Asia/Shanghai is already a day ahead', () => {
    const filled = fillDays(
      [{ date: '2026-11-29', queries: 6 }],
      2,
      (date) => ({ date, queries: 0 }),
      dayjs('2026-11-28'),
    );
    expect(filled).toEqual([
      { date: '2026-11-28', queries: 0 },
      { date: '2026-11-29', queries: 6 },
    ]);
  });

  it('gives every day of the window, oldest first, zero where the server had none', () => {
    const today = dayjs('2026-11-28');
    const filled = fillDays(
      [{ date: '2026-11-27', queries: 5, zeroResult: 1 }],
      3,
      (date) => ({
        date,
        queries: 0,
        zeroResult: 0,
      }),
      today,
    );
    expect(filled).toEqual([
      { date: '2026-11-26', queries: 0, zeroResult: 0 },
      { date: '2026-11-27', queries: 5, zeroResult: 1 },
      { date: '2026-11-28', queries: 0, zeroResult: 0 },
    ]);
  });
});

describe('summarizeBatch', () => {
  it('counts successes and names each refused document with its reason', () => {
    const titles: Record<string, string> = { a: '通知一', b: '通知二' };
    const summary = summarizeBatch(
      [
        { id: 'a', ok: true, status: 200 },
        { id: 'b', ok: false, status: 409, title: '当前状态不能撤稿', detail: '信息尚未发布' },
        { id: 'c', ok: false, status: 403 },
      ],
      (id) => titles[id] ?? id,
    );
    expect(summary).toEqual({
      done: 1,
      failed: [
        { id: 'b', title: '通知二', reason: '当前状态不能撤稿：信息尚未发布' },
        { id: 'c', title: 'c', reason: '操作失败' },
      ],
    });
  });
});
