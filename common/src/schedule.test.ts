import { describe, expect, it } from 'vitest';
import { cronProblem, isTimeZone, weeklyCron, windowAt } from './schedule.js';

const H = 3_600_000;

describe('weeklyCron', () => {
  it.each([
    [['sun'], '02:00', '0 2 * * 0'],
    [['mon', 'wed'], '23:45', '45 23 * * 1,3'],
    // why: order and repetition do not matter
    [['sat', 'mon', 'mon'], '00:05', '5 0 * * 1,6'],
  ] as const)('%j at %s -> %s', (days, at, cron) => {
    expect(weeklyCron(days, at)).toBe(cron);
  });
});

describe('cronProblem', () => {
  it.each([
    ['0 2 * * 0', undefined],
    ['*/15 1-3 * * mon-fri', undefined],
    ['0 25 * * *', 'Invalid value for hour'],
    // why: six fields would be seconds in croner; the policy takes the classic five
    ['0 0 2 * * 0', 'expected 5 fields'],
    ['@weekly', 'expected 5 fields'],
  ])('%j', (cron, problem) => {
    if (problem === undefined) expect(cronProblem(cron)).toBeUndefined();
    else expect(cronProblem(cron)).toContain(problem);
  });
});

describe('isTimeZone', () => {
  it.each([
    ['Europe/Berlin', true],
    ['UTC', true],
    ['America/New_York', true],
    ['Mars/Base', false],
    ['', false],
  ])('%j -> %s', (zone, known) => {
    expect(isTimeZone(zone)).toBe(known);
  });
});

describe('windowAt', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    // why: inside a plain UTC window
    ['0 2 * * 0', 'UTC', 2 * H, '2026-12-06T03:00:00Z', '2026-12-06T02:00:00Z', '2026-12-06T04:00:00Z'],
    // why: the start instant belongs to the window
    ['0 2 * * 0', 'UTC', 2 * H, '2026-12-06T02:00:00Z', '2026-12-06T02:00:00Z', '2026-12-06T04:00:00Z'],
    // why: the end instant does not
    ['0 2 * * 0', 'UTC', 2 * H, '2026-12-06T04:00:00Z', undefined, undefined],
    // why: before the start on the day
    ['0 2 * * 0', 'UTC', 2 * H, '2026-12-06T01:59:59Z', undefined, undefined],
    // why: 02:00 in Berlin in winter (CET, +1) is 01:00Z
    [
      '0 2 * * 0',
      'Europe/Berlin',
      2 * H,
      '2026-12-06T01:30:00Z',
      '2026-12-06T01:00:00Z',
      '2026-12-06T03:00:00Z',
    ],
    // why: in summer (CEST, +2) the same local time is 00:00Z
    [
      '0 2 * * 0',
      'Europe/Berlin',
      2 * H,
      '2026-07-05T00:30:00Z',
      '2026-07-05T00:00:00Z',
      '2026-07-05T02:00:00Z',
    ],
    // why: autumn DST end (Sun 2026-10-25, 03:00 CEST -> 02:00 CET): 01:00 CEST = 23:00Z, 3h of
    // elapsed time end at 02:00Z = 03:00 CET; still inside at 01:30Z, which is 02:30 CET
    [
      '0 1 * * 0',
      'Europe/Berlin',
      3 * H,
      '2026-10-25T01:30:00Z',
      '2026-10-24T23:00:00Z',
      '2026-10-25T02:00:00Z',
    ],
    // why: the same window is over at 02:00Z, although the wall clock shows only 03:00 CET
    ['0 1 * * 0', 'Europe/Berlin', 3 * H, '2026-10-25T02:00:00Z', undefined, undefined],
    // why: a start in the hour that happens twice (02:30) happens once, at the first (CEST) one
    [
      '30 2 * * 0',
      'Europe/Berlin',
      30 * 60_000,
      '2026-10-25T00:45:00Z',
      '2026-10-25T00:30:00Z',
      '2026-10-25T01:00:00Z',
    ],
    // why: ... and not again at 02:30 CET (01:30Z)
    ['30 2 * * 0', 'Europe/Berlin', 30 * 60_000, '2026-10-25T01:45:00Z', undefined, undefined],
    // why: spring DST start (Sun 2027-03-28, 02:00 CET -> 03:00 CEST): 02:00 does not exist; the
    // window starts at 03:00 CEST = 01:00Z
    [
      '0 2 * * 0',
      'Europe/Berlin',
      2 * H,
      '2027-03-28T01:30:00Z',
      '2027-03-28T01:00:00Z',
      '2027-03-28T03:00:00Z',
    ],
    // why: a window across midnight and across days (Sat 22:00 for 6h)
    ['0 22 * * 6', 'UTC', 6 * H, '2026-12-06T03:59:00Z', '2026-12-05T22:00:00Z', '2026-12-06T04:00:00Z'],
  ])('%s in %s for %d ms at %s', (cron, timeZone, durationMs, now, start, end) => {
    const span = windowAt({ cron, timeZone, durationMs }, at(now));
    expect(span && { start: span.start.toISOString(), end: span.end.toISOString() }).toEqual(
      start === undefined ? undefined : { start: at(start).toISOString(), end: at(end!).toISOString() },
    );
  });
});
