import { describe, expect, it } from 'vitest';
import { dateLexemes } from './analyze.js';
import { cutoffFor, dateRankOf, dateWindow, phraseShareOf } from './selectivity.js';

/*
 * The window plan's arithmetic (engine.ts runSearch): the cutoff read off the date histogram must
 * leave the asked share of the documents (of the user's time filter, when there is one) after it.
 */

const DAY = 86_400_000;
// 101 equal-count bounds over 100 days: one day per percent.
const dates = Array.from({ length: 101 }, (_, i) => Date.UTC(2026, 0, 1) + i * DAY);

describe('date windows from the histogram', () => {
  it('reads ranks and cutoffs off the quantiles', () => {
    expect(dateRankOf(dates, dates[0] - DAY)).toBe(0);
    expect(dateRankOf(dates, dates[100] + DAY)).toBe(1);
    expect(dateRankOf(dates, dates[25] + DAY / 2)).toBeCloseTo(0.255, 6);
    // the newest 10 %: the last ten days
    expect(cutoffFor(dates, 0.1)).toBe(dates[90]);
    expect(cutoffFor(dates, 0.015)).toBeCloseTo(dates[98] + DAY / 2, -1);
  });

  it('keeps the share within the user’s time filter and gives up when the window is everything', () => {
    // [day 20, day 60): 40 % of the documents; a quarter of them are the last ten days of it
    expect(cutoffFor(dates, 0.25, dates[20], dates[60])).toBe(dates[50]);
    expect(cutoffFor(dates, 1)).toBeNull();
    expect(cutoffFor(dates, 1.5, dates[20])).toBeNull();
    expect(cutoffFor([], 0.1)).toBeNull();
    // a filter ending before every document: nothing to window
    expect(cutoffFor(dates, 0.1, undefined, dates[0] - DAY)).toBeNull();
  });

  it('estimates a phrase’s share from word frequencies', () => {
    const freq = new Map([
      ['公积金', 0.1],
      ['提取', 0.2],
    ]);
    expect(phraseShareOf([[['公积金']], [['罕见']]], freq)).toBe(0);
    // as a phrase: as common as its rarest word
    expect(phraseShareOf([[['公积金']], [['提取']]], freq)).toBeCloseTo(0.1, 9);
    expect(phraseShareOf([[['公积金提取'], ['公积金', '提取']]], freq)).toBeCloseTo(0.1, 9);
  });
});

describe('date windows as lexemes', () => {
  it('gives every document its China-time year, month and day', () => {
    expect(dateLexemes(new Date('2026-12-07T17:00:00Z'))).toEqual(['zzy2026', 'zzm202612', 'zzd20261208']);
    expect(dateLexemes(null)).toEqual([]);
  });

  it('covers the cutoff’s day and everything after it, and nothing before', () => {
    const day = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
    // ten days ago: the days from then on (and the months and years after)
    const cutoff = Date.now() - 10 * DAY;
    const { tsquery, start } = dateWindow(cutoff);
    expect(start).toBeLessThanOrEqual(cutoff);
    expect(cutoff - start).toBeLessThan(DAY);
    const words = tsquery.split(' | ').map((w) => w.replaceAll("'", ''));
    // (the first of a month is the whole month)
    expect([`zzd${day(cutoff)}`, `zzm${day(cutoff).slice(0, 6)}`]).toContain(words[0]);
    expect(words).not.toContain(`zzd${day(cutoff - DAY)}`);
    const today = day(Date.now());
    expect(words.some((w) => w === `zzd${today}` || w === `zzm${today.slice(0, 6)}`)).toBe(true);
    expect(words).toContain(`zzy${Number(today.slice(0, 4)) + 1}`);
    // more than two months back: from the first of that month, by months and years
    const old = dateWindow(Date.parse('2025-11-29T10:00:00+08:00'));
    expect(old.start).toBe(Date.parse('2025-11-01T00:00:00+08:00'));
    expect(old.tsquery.startsWith("'zzm202511' | 'zzm202512' | 'zzy2026'")).toBe(true);
  });
});
