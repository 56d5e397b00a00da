/* Pure helpers of the 工作日历 page (tested in workflow-logic.test.ts). */
import type { CalendarDay, CalendarDayKind } from './api';

export type DayStatus = 'workday' | 'weekend' | 'holiday' | 'adjusted';

/** Dates as `YYYY-MM-DD` whatever the server sent (a date column may arrive as an ISO timestamp). */
export const dateKey = (value: string) => value.slice(0, 10);

export function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** 工作日 / 周末 / 节假日 / 调休上班 of one date, given the year's exceptions. */
export function dayStatus(date: string, exceptions: Map<string, CalendarDay>): DayStatus {
  const exception = exceptions.get(date);
  if (exception) return exception.kind === 'holiday' ? 'holiday' : 'adjusted';
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6 ? 'weekend' : 'workday';
}

export interface GridCell {
  key: string;
  /** `null` for the padding before the 1st and after the last day. */
  date: string | null;
}

/** The weeks of a month (Monday first) as rows of seven cells. */
export function monthGrid(year: number, month: number): GridCell[][] {
  const first = new Date(Date.UTC(year, month, 1));
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells: GridCell[] = [
    ...Array.from({ length: lead }, (_, i) => ({ key: `${year}-${month}-lead-${i}`, date: null })),
    ...Array.from({ length: days }, (_, i) => {
      const date = isoDate(year, month, i + 1);
      return { key: date, date };
    }),
  ];
  for (let i = 0; cells.length % 7; i++) cells.push({ key: `${year}-${month}-tail-${i}`, date: null });
  return Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
}

/** Sets (or, with `kind` null, clears) one date's exception; the list stays sorted by date. */
export function setException(
  days: CalendarDay[],
  date: string,
  kind: CalendarDayKind | null,
  name: string,
): CalendarDay[] {
  const rest = days.filter((d) => dateKey(d.date) !== date);
  const next = kind ? [...rest, { date, kind, name: name.trim() }] : rest;
  return next.sort((a, b) => a.date.localeCompare(b.date));
}

/** Working days in the year: weekdays not made holidays, plus 调休 workdays. */
export function countWorkdays(year: number, exceptions: Map<string, CalendarDay>): number {
  let n = 0;
  for (let m = 0; m < 12; m++) {
    for (const week of monthGrid(year, m)) {
      for (const { date: d } of week) {
        if (!d) continue;
        const s = dayStatus(d, exceptions);
        if (s === 'workday' || s === 'adjusted') n++;
      }
    }
  }
  return n;
}
