import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { conflict, notFound } from '../../kernel/errors.js';

/*
 * 工作日历 (business calendar) and SLA clocks. Government deadlines count 工作日: weekends off,
 * statutory holidays off, and 调休 Saturdays/Sundays on. The calendar is a per-year list of such
 * exceptions plus the office hours; time is China Standard Time (UTC+8, no daylight saving), so
 * the arithmetic shifts by a fixed offset instead of pulling in a time-zone library.
 */

export type DurationUnit = 'wd' | 'wh' | 'd' | 'h' | 'm';
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

export interface CalendarDay {
  date: string;
  kind: 'holiday' | 'workday';
  name: string;
}

export interface WorkHours {
  start: string;
  end: string;
  lunchStart: string | null;
  lunchEnd: string | null;
}

export const DEFAULT_WORK_HOURS: WorkHours = { start: '09:00', end: '17:00', lunchStart: '12:00', lunchEnd: '13:00' };

/**
 * 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, 新华社). Checked against the text
 * published at politics.gmw.cn/2025-11/04/content_38391083.htm.
 */
export const NATIONAL_2026: CalendarDay[] = [
  ...range('2026-01-01', '2026-01-03', '元旦'),
  { date: '2026-01-04', kind: 'workday', name: '元旦调休上班' },
  { date: '2026-02-14', kind: 'workday', name: '春节调休上班' },
  ...range('2026-02-15', '2026-02-23', '春节'),
  { date: '2026-02-28', kind: 'workday', name: '春节调休上班' },
  ...range('2026-04-04', '2026-04-06', '清明节'),
  ...range('2026-05-01', '2026-05-05', '劳动节'),
  { date: '2026-05-09', kind: 'workday', name: '劳动节调休上班' },
  ...range('2026-06-19', '2026-06-21', '端午节'),
  { date: '2026-09-20', kind: 'workday', name: '国庆节调休上班' },
  ...range('2026-09-25', '2026-09-27', '中秋节'),
  ...range('2026-10-01', '2026-10-07', '国庆节'),
  { date: '2026-10-10', kind: 'workday', name: '国庆节调休上班' },
];

function range(from: string, to: string, name: string): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    days.push({ date: d.toISOString().slice(0, 10), kind: 'holiday', name });
  }
  return days;
}

const DURATION = /^(\d+(?:\.\d+)?)(wd|wh|d|h|m)$/;
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/;

/** `3wd`, `8wh`, `2d`, `4h`, `30m`, or ISO 8601 `P2D` / `PT4H30M` (natural time). */
export function parseDuration(text: string): Duration | null {
  const s = text.trim();
  const m = DURATION.exec(s);
  if (m) {
    const amount = Number(m[1]);
    return amount > 0 && amount <= 10_000 ? { amount, unit: m[2] as DurationUnit } : null;
  }
  const iso = ISO.exec(s);
  if (iso && s !== 'P' && s !== 'PT') {
    const minutes = Number(iso[1] ?? 0) * 1440 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0);
    return minutes > 0 ? { amount: minutes, unit: 'm' } : null;
  }
  return null;
}

// ---- calendar data (cached per database; edits clear the cache) ----

interface CalendarData {
  days: Map<string, CalendarDay['kind']>;
  hours: WorkHours;
  loadedAt: number;
}

/*
 * One cache per process: the calendar is small, changes a few times a year, and every node reloads
 * it within a minute of an edit (the editing node at once).
 */
let cached: CalendarData | null = null;
const CACHE_MS = 60_000;

export async function loadCalendar(db: Db | Tx): Promise<CalendarData> {
  if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached;
  const rows = await db.selectFrom('workflow_calendar_days').select(['date', 'kind']).execute();
  const settings = await db
    .selectFrom('workflow_calendar_settings')
    .select('work_hours')
    .where('id', '=', 1)
    .executeTakeFirst();
  cached = {
    days: new Map(rows.map((r: { date: string; kind: CalendarDay['kind'] }) => [r.date, r.kind])),
    hours: settings?.work_hours ?? DEFAULT_WORK_HOURS,
    loadedAt: Date.now(),
  };
  return cached;
}

export function clearCalendarCache(): void {
  cached = null;
}

// ---- pure arithmetic on CST wall-clock ----

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** 'YYYY-MM-DD' of the CST day that contains `t`. */
export function cstDate(t: Date | number): string {
  return new Date(+t + OFFSET_MS).toISOString().slice(0, 10);
}

/** UTC milliseconds of CST midnight starting day `date`. */
const midnight = (date: string) => Date.parse(`${date}T00:00:00Z`) - OFFSET_MS;

export function isWorkdayIn(cal: CalendarData, date: string): boolean {
  const special = cal.days.get(date);
  if (special) return special === 'workday';
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** Working periods [from, to) of a day in UTC ms (empty on days off). */
function periods(cal: CalendarData, date: string): [number, number][] {
  if (!isWorkdayIn(cal, date)) return [];
  const base = midnight(date);
  const h = cal.hours;
  const at = (hhmm: string) => base + minutesOf(hhmm) * 60_000;
  if (h.lunchStart && h.lunchEnd)
    return [
      [at(h.start), at(h.lunchStart)],
      [at(h.lunchEnd), at(h.end)],
    ];
  return [[at(h.start), at(h.end)]];
}

const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** Working milliseconds in [from, to). */
export function workingMsBetweenIn(cal: CalendarData, from: Date, to: Date): number {
  let total = 0;
  let date = cstDate(from);
  const end = +to;
  for (let guard = 0; midnight(date) < end && guard < 4000; guard++) {
    for (const [a, b] of periods(cal, date)) {
      const lo = Math.max(a, +from);
      const hi = Math.min(b, end);
      if (hi > lo) total += hi - lo;
    }
    date = nextDate(date);
  }
  return total;
}

/** The instant after `ms` working milliseconds counted from `start`. */
export function addWorkingMsIn(cal: CalendarData, start: Date, ms: number): Date {
  let left = ms;
  let date = cstDate(start);
  for (let guard = 0; guard < 4000; guard++) {
    for (const [a, b] of periods(cal, date)) {
      const lo = Math.max(a, +start);
      if (b <= lo) continue;
      if (lo + left <= b) return new Date(lo + left);
      left -= b - lo;
    }
    date = nextDate(date);
  }
  throw conflict('calendar_exhausted', '工作日历中找不到足够的工作时间');
}

/**
 * Deadline for a duration from `start`. Working days follow 期间开始之日不计算在期间内: the day
 * of `start` is not counted, the deadline is the close of office on the Nth working day after it.
 */
export function addDurationIn(cal: CalendarData, start: Date, d: Duration): Date {
  switch (d.unit) {
    case 'm':
      return new Date(+start + d.amount * 60_000);
    case 'h':
      return new Date(+start + d.amount * 3600_000);
    case 'd':
      return new Date(+start + d.amount * DAY_MS);
    case 'wh':
      return addWorkingMsIn(cal, start, d.amount * 3600_000);
    case 'wd': {
      let date = cstDate(start);
      let n = Math.ceil(d.amount);
      for (let guard = 0; n > 0 && guard < 4000; guard++) {
        date = nextDate(date);
        if (isWorkdayIn(cal, date)) n--;
      }
      return new Date(midnight(date) + minutesOf(cal.hours.end) * 60_000);
    }
  }
}

/** Working-time length of a duration in ms (for warnings: `warnBefore` counted back from the deadline). */
function durationMs(cal: CalendarData, d: Duration): number {
  const workday = periods(cal, '2026-01-05').reduce((s, [a, b]) => s + b - a, 0);
  if (d.unit === 'wd') return d.amount * workday;
  if (d.unit === 'wh') return d.amount * 3600_000;
  return { m: 60_000, h: 3600_000, d: DAY_MS }[d.unit] * d.amount;
}

/** The instant `ms` working milliseconds before `end` (not before `floor`). */
function subtractWorkingMsIn(cal: CalendarData, end: Date, ms: number, floor: Date): Date {
  let date = cstDate(end);
  let left = ms;
  for (let guard = 0; guard < 4000 && midnight(date) + DAY_MS > +floor; guard++) {
    for (const [a, b] of periods(cal, date).reverse()) {
      const hi = Math.min(b, +end);
      if (hi <= a) continue;
      if (hi - left >= a) return new Date(Math.max(hi - left, +floor));
      left -= hi - a;
    }
    date = new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  }
  return floor;
}

// ---- exported API (db-backed) ----

export async function isWorkday(db: Db | Tx, date: string): Promise<boolean> {
  return isWorkdayIn(await loadCalendar(db), date);
}

/** Deadline `amount` `unit`s after `start` on the business calendar. */
export async function addWorkingTime(db: Db | Tx, start: Date, amount: number, unit: DurationUnit): Promise<Date> {
  return addDurationIn(await loadCalendar(db), start, { amount, unit });
}

/** Working time between two instants, in `unit` ('wh' hours, 'wd' 工作日 of the configured length). */
export async function workingTimeBetween(db: Db | Tx, from: Date, to: Date, unit: 'wh' | 'wd' = 'wh'): Promise<number> {
  const cal = await loadCalendar(db);
  const ms = workingMsBetweenIn(cal, from, to);
  return unit === 'wh' ? ms / 3600_000 : ms / durationMs(cal, { amount: 1, unit: 'wd' });
}

/** Deadline and warning instant for a task/clock; `warnBefore` defaults to 1 working hour. */
export async function deadlineFor(
  db: Db | Tx,
  start: Date,
  dueIn: string,
  warnBefore?: string,
): Promise<{ dueAt: Date; warnAt: Date }> {
  const cal = await loadCalendar(db);
  const due = parseDuration(dueIn);
  if (!due) throw conflict('duration_invalid', `无法识别的期限「${dueIn}」`);
  const dueAt = addDurationIn(cal, start, due);
  const warn = parseDuration(warnBefore ?? '1wh') ?? { amount: 1, unit: 'wh' as const };
  const warnAt =
    warn.unit === 'wd' || warn.unit === 'wh'
      ? subtractWorkingMsIn(cal, dueAt, durationMs(cal, warn), start)
      : new Date(Math.max(+start, +dueAt - durationMs(cal, warn)));
  return { dueAt, warnAt };
}

// ---- SLA clocks (特别程序 pauses them) ----

export interface ClockStatus {
  id: string;
  ownerType: string;
  ownerId: string;
  state: 'running' | 'paused' | 'stopped';
  startedAt: Date;
  deadlineAt: Date;
  warnAt: Date;
  overdue: boolean;
  warning: boolean;
  /** Working milliseconds spent paused so far (the deadline moved by this much). */
  pausedMs: number;
  /** Working hours left until the deadline (negative when overdue), at `now`. */
  remainingWorkingHours: number;
  pauses: { from: string; to: string | null; reason: string }[];
}

export async function startClock(
  tx: Tx,
  input: { ownerType: string; ownerId: string; amount: number; unit: DurationUnit; warnBefore?: string; now?: Date },
): Promise<string> {
  const now = input.now ?? new Date();
  const { dueAt, warnAt } = await deadlineFor(tx, now, `${input.amount}${input.unit}`, input.warnBefore);
  const row = await tx
    .insertInto('workflow_clocks')
    .values({
      owner_type: input.ownerType,
      owner_id: input.ownerId,
      amount: input.amount,
      unit: input.unit,
      started_at: now,
      deadline_at: dueAt,
      warn_at: warnAt,
      state: 'running',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function lockClock(tx: Tx, id: string) {
  const row = await tx.selectFrom('workflow_clocks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('clock_not_found', '计时器不存在');
  return row;
}

/** 特别程序 starts: the clock stops counting until resumed. */
export async function pauseClock(tx: Tx, id: string, reason: string, now = new Date()): Promise<void> {
  const row = await lockClock(tx, id);
  if (row.state !== 'running') throw conflict('clock_not_running', '计时器未在计时');
  const pauses = [...(row.pauses ?? []), { from: now.toISOString(), to: null, reason }];
  await tx
    .updateTable('workflow_clocks')
    .set({ state: 'paused', paused_at: now, pauses: JSON.stringify(pauses) })
    .where('id', '=', id)
    .execute();
}

/** 特别程序 ends: deadline and warning move later by the working time spent paused. */
export async function resumeClock(tx: Tx, id: string, now = new Date()): Promise<void> {
  const row = await lockClock(tx, id);
  if (row.state !== 'paused') throw conflict('clock_not_paused', '计时器未暂停');
  const cal = await loadCalendar(tx);
  const paused = workingMsBetweenIn(cal, row.paused_at, now);
  const pauses = [...(row.pauses ?? [])];
  pauses[pauses.length - 1] = { ...pauses[pauses.length - 1], to: now.toISOString() };
  await tx
    .updateTable('workflow_clocks')
    .set({
      state: 'running',
      paused_at: null,
      paused_ms: Number(row.paused_ms) + paused,
      deadline_at: addWorkingMsIn(cal, row.deadline_at, paused),
      warn_at: addWorkingMsIn(cal, row.warn_at, paused),
      pauses: JSON.stringify(pauses),
    })
    .where('id', '=', id)
    .execute();
}

export async function stopClock(tx: Tx, id: string, now = new Date()): Promise<void> {
  const row = await lockClock(tx, id);
  if (row.state === 'stopped') return;
  await tx
    .updateTable('workflow_clocks')
    .set({ state: 'stopped', stopped_at: now, overdue: row.overdue || now > row.deadline_at })
    .where('id', '=', id)
    .execute();
}

export async function clockStatus(db: Db | Tx, id: string, now = new Date()): Promise<ClockStatus> {
  const row = await db.selectFrom('workflow_clocks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('clock_not_found', '计时器不存在');
  const cal = await loadCalendar(db);
  const at = row.state === 'paused' ? row.paused_at : row.state === 'stopped' ? row.stopped_at : now;
  const left =
    +at <= +row.deadline_at
      ? workingMsBetweenIn(cal, at, row.deadline_at)
      : -workingMsBetweenIn(cal, row.deadline_at, at);
  return {
    id: row.id,
    ownerType: row.owner_type,
    ownerId: row.owner_id,
    state: row.state,
    startedAt: row.started_at,
    deadlineAt: row.deadline_at,
    warnAt: row.warn_at,
    overdue: row.overdue || +at > +row.deadline_at,
    warning: +at >= +row.warn_at,
    pausedMs: Number(row.paused_ms),
    remainingWorkingHours: Math.round((left / 3600_000) * 100) / 100,
    pauses: row.pauses ?? [],
  };
}

/** Marks running clocks past their deadline; returns them (the cron emits events). */
export async function markOverdueClocks(db: Db | Tx): Promise<{ id: string; owner_type: string; owner_id: string }[]> {
  return db
    .updateTable('workflow_clocks')
    .set({ overdue: true })
    .where('state', '=', 'running')
    .where('overdue', '=', false)
    .where('deadline_at', '<=', sql<Date>`now()`)
    .returning(['id', 'owner_type', 'owner_id'])
    .execute();
}

// ---- calendar maintenance ----

export async function calendarYear(db: Db, year: number) {
  const rows = await db
    .selectFrom('workflow_calendar_days')
    .select(['date', 'kind', 'name'])
    .where('date', '>=', `${year}-01-01`)
    .where('date', '<=', `${year}-12-31`)
    .orderBy('date')
    .execute();
  const cal = await loadCalendar(db);
  return { year, days: rows as CalendarDay[], workHours: cal.hours };
}

export async function replaceCalendarYear(tx: Tx, year: number, days: CalendarDay[]): Promise<void> {
  await tx
    .deleteFrom('workflow_calendar_days')
    .where('date', '>=', `${year}-01-01`)
    .where('date', '<=', `${year}-12-31`)
    .execute();
  if (days.length) await tx.insertInto('workflow_calendar_days').values(days).execute();
  clearCalendarCache();
}

export async function setWorkHours(tx: Tx, hours: WorkHours): Promise<void> {
  await tx
    .insertInto('workflow_calendar_settings')
    .values({ id: 1, work_hours: JSON.stringify(hours) })
    .onConflict((oc) => oc.column('id').doUpdateSet({ work_hours: JSON.stringify(hours) }))
    .execute();
  clearCalendarCache();
}
