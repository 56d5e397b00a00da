import { describe, expect, it } from 'vitest';
import { jiyueModdleDescriptor as serverDescriptor } from '../../../../platform/src/modules/workflow/moddle';
import { formatDuration, formatRule, parseDuration, parseRule, switchKind } from './assignment';
import { jiyueModdleDescriptor } from './bpmn/moddle';
import { translate } from './bpmn/translate';
import { countWorkdays, dayStatus, monthGrid, setException } from './calendar';

describe('assignment rules in the designer', () => {
  it('reads every rule form of docs/decisions/0005 and writes it back unchanged', () => {
    const rules = [
      'initiator',
      'user:zhangsan',
      'role:reviewer',
      'role:reviewer@initiatorOrg',
      'role:reviewer@var:applicantOrgId',
      'leader',
      'leader:chief',
      'var:approver',
    ];
    for (const rule of rules) expect(formatRule(parseRule(rule))).toBe(rule);
    expect(parseRule('role:reviewer@var:applicantOrgId')).toEqual({
      kind: 'roleInVarOrg',
      value: 'reviewer',
      orgVar: 'applicantOrgId',
    });
  });

  it('keeps several rules or unknown text as a custom rule, and nothing as none', () => {
    expect(parseRule('role:a@initiatorOrg,user:b')).toEqual({
      kind: 'custom',
      value: 'role:a@initiatorOrg,user:b',
      orgVar: '',
    });
    expect(parseRule('')).toEqual({ kind: 'none', value: '', orgVar: '' });
    expect(parseRule(undefined).kind).toBe('none');
    expect(formatRule(parseRule('  user:li  '))).toBe('user:li');
  });

  it('a kind picked before its value still reads as that kind', () => {
    const picked = formatRule(switchKind(parseRule(''), 'user'));
    expect(picked).toBe('user:');
    expect(parseRule(picked).kind).toBe('user');
  });

  it('switching between role kinds keeps the role; other switches clear the value', () => {
    const role = parseRule('role:reviewer');
    expect(formatRule(switchKind(role, 'roleInInitiatorOrg'))).toBe('role:reviewer@initiatorOrg');
    expect(formatRule(switchKind(role, 'roleInVarOrg'))).toBe('role:reviewer@var:orgId');
    expect(formatRule(switchKind(role, 'initiator'))).toBe('initiator');
    expect(switchKind(parseRule('user:a'), 'var').value).toBe('');
  });

  it('reads deadlines in working days/hours and natural time', () => {
    expect(parseDuration('3wd')).toEqual({ amount: 3, unit: 'wd' });
    expect(parseDuration(' 1.5 wh ')).toEqual({ amount: 1.5, unit: 'wh' });
    expect(parseDuration('P2D')).toBeNull();
    expect(formatDuration('8wh')).toBe('8 工作小时');
    expect(formatDuration('P2D')).toBe('P2D');
  });
});

describe('the designer’s BPMN extension and labels', () => {
  it('uses the same jiyue moddle descriptor as the engine', () => {
    expect(jiyueModdleDescriptor).toEqual(serverDescriptor);
  });

  it('translates the palette and fills placeholders', () => {
    expect(translate('Create start event')).toBe('创建开始事件');
    expect(translate('User Task')).toBe('用户任务');
    expect(translate('Unknown {thing}', { thing: 'x' })).toBe('Unknown x');
  });
});

describe('工作日历', () => {
  const exceptions = new Map([
    ['2026-10-01', { date: '2026-10-01', kind: 'holiday' as const, name: '国庆节' }],
    ['2026-10-10', { date: '2026-10-10', kind: 'workday' as const, name: '国庆节调休' }],
  ]);

  it('tells workdays, weekends, holidays and 调休 workdays apart', () => {
    expect(dayStatus('2026-10-01', exceptions)).toBe('holiday');
    expect(dayStatus('2026-10-10', exceptions)).toBe('adjusted');
    expect(dayStatus('2026-10-11', exceptions)).toBe('weekend');
    expect(dayStatus('2026-10-12', exceptions)).toBe('workday');
  });

  it('lays a month out in Monday-first weeks', () => {
    const weeks = monthGrid(2026, 1); // February 2026 starts on a Sunday
    expect(weeks[0]?.map((c) => c.date)).toEqual([null, null, null, null, null, null, '2026-02-01']);
    expect(weeks.flat().filter((c) => c.date)).toHaveLength(28);
    expect(new Set(weeks.flat().map((c) => c.key)).size).toBe(weeks.flat().length);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
  });

  it('sets and clears exceptions, sorted, and counts the year’s working days', () => {
    let days = setException([], '2026-10-02', 'holiday', ' 国庆节 ');
    days = setException(days, '2026-10-01', 'holiday', '国庆节');
    expect(days.map((d) => d.date)).toEqual(['2026-10-01', '2026-10-02']);
    expect(days[1]?.name).toBe('国庆节');
    expect(setException(days, '2026-10-02', null, '')).toHaveLength(1);
    // 2026 has 261 weekdays; one holiday on a weekday (-1) and one weekend workday (+1).
    expect(countWorkdays(2026, new Map())).toBe(261);
    expect(countWorkdays(2026, exceptions)).toBe(261);
  });
});
