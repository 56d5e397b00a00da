import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../kernel/testing.js';
import {
  addWorkingTime,
  clockStatus,
  deadlineFor,
  isWorkday,
  parseDuration,
  pauseClock,
  resumeClock,
  startClock,
  stopClock,
  workingTimeBetween,
} from './calendar.js';
import { workflowTestApp } from './test-support.js';

/* 工作日历 and SLA clocks on the shipped 2026 national schedule (times are China Standard Time). */

const cst = (s: string) => new Date(`${s}+08:00`);
let t: TestApp;

beforeAll(async () => {
  t = await workflowTestApp();
}, 300_000);
afterAll(async () => {
  await t?.close();
});

describe('business calendar', () => {
  it('parses durations', () => {
    expect(parseDuration('3wd')).toEqual({ amount: 3, unit: 'wd' });
    expect(parseDuration('PT4H30M')).toEqual({ amount: 270, unit: 'm' });
    expect(parseDuration('P2D')).toEqual({ amount: 2880, unit: 'm' });
    expect(parseDuration('3 days')).toBeNull();
    expect(parseDuration('0wd')).toBeNull();
  });

  it('knows holidays and 调休 workdays of 2026', async () => {
    const db = t.kernel.db;
    expect(await isWorkday(db, '2026-10-01')).toBe(false); // 国庆
    expect(await isWorkday(db, '2026-10-10')).toBe(true); // Saturday, 调休上班
    expect(await isWorkday(db, '2026-02-14')).toBe(true); // Saturday before 春节
    expect(await isWorkday(db, '2026-02-16')).toBe(false); // 春节 Monday
    expect(await isWorkday(db, '2026-03-07')).toBe(false); // an ordinary Saturday
  });

  it('counts working days from the day after the start, across 国庆', async () => {
    const db = t.kernel.db;
    // Wed 30 Sep + 5 working days: 8 Oct, 9 Oct, 10 Oct (Sat, 调休), 12 Oct, 13 Oct → close of office 13 Oct
    expect(await addWorkingTime(db, cst('2026-09-30T10:00:00'), 5, 'wd')).toEqual(cst('2026-10-13T17:00:00'));
    // 10 working hours from Wed 30 Sep 15:00: 2 h that day, then 7 h on 8 Oct, 1 h on 9 Oct
    expect(await addWorkingTime(db, cst('2026-09-30T15:00:00'), 10, 'wh')).toEqual(cst('2026-10-09T10:00:00'));
    expect(await workingTimeBetween(db, cst('2026-09-30T09:00:00'), cst('2026-10-09T09:00:00'), 'wh')).toBe(14);
    // natural hours ignore the calendar
    expect(await addWorkingTime(db, cst('2026-10-01T00:00:00'), 4, 'h')).toEqual(cst('2026-10-01T04:00:00'));
    const { dueAt, warnAt } = await deadlineFor(db, cst('2026-09-30T10:00:00'), '2wd', '1wd');
    expect(dueAt).toEqual(cst('2026-10-09T17:00:00'));
    expect(warnAt).toEqual(cst('2026-10-09T09:00:00')); // one working day (7 h) before the deadline
  });

  it('a paused clock (特别程序) does not count the paused working time, holiday included', async () => {
    const db = t.kernel.db;
    const id = await db.transaction().execute((tx) =>
      startClock(tx, {
        ownerType: 'test.case',
        ownerId: 'A-1',
        amount: 5,
        unit: 'wd',
        now: cst('2026-09-30T09:00:00'),
      }),
    );
    expect((await clockStatus(db, id, cst('2026-09-30T09:00:00'))).deadlineAt).toEqual(cst('2026-10-13T17:00:00'));
    // paused Wed 30 Sep 10:00 (hearing), resumed Fri 9 Oct 10:00: 6 h + 7 h (8 Oct) + 1 h = 14 working hours
    await db.transaction().execute((tx) => pauseClock(tx, id, '听证', cst('2026-09-30T10:00:00')));
    const paused = await clockStatus(db, id, cst('2026-10-05T12:00:00'));
    expect(paused.state).toBe('paused');
    expect(paused.remainingWorkingHours).toBe(41); // frozen at the pause: 30 Sep 6 h + 5 × 7 h
    await db.transaction().execute((tx) => resumeClock(tx, id, cst('2026-10-09T10:00:00')));
    const resumed = await clockStatus(db, id, cst('2026-10-09T10:00:00'));
    expect(resumed.pausedMs).toBe(14 * 3600_000);
    expect(resumed.deadlineAt).toEqual(cst('2026-10-15T17:00:00'));
    expect(resumed.remainingWorkingHours).toBe(41);
    expect(resumed.pauses).toEqual([
      { from: cst('2026-09-30T10:00:00').toISOString(), to: cst('2026-10-09T10:00:00').toISOString(), reason: '听证' },
    ]);
    expect((await clockStatus(db, id, cst('2026-10-16T09:00:00'))).overdue).toBe(true);
    await db.transaction().execute((tx) => stopClock(tx, id, cst('2026-10-14T09:00:00')));
    const stopped = await clockStatus(db, id, cst('2026-10-20T09:00:00'));
    expect([stopped.state, stopped.overdue]).toEqual(['stopped', false]);
    await expect(db.transaction().execute((tx) => resumeClock(tx, id))).rejects.toMatchObject({
      code: 'clock_not_paused',
    });
  });
});
