import { describe, expect, it } from 'vitest';
import { addDays, dayStart, planPartitions, utcDay, type Day, type PartitionFacts } from './plan.js';

const now = new Date('2026-12-07T10:00:00Z');
/** today .. today+7, as the migration and every run leave them. */
const week = (from: Day = '2026-12-07') => Array.from({ length: 8 }, (_, i) => addDays(from, i));

describe('planPartitions (retention 30d, 7 days ahead, now 2026-12-07 10:00 UTC)', () => {
  const cases: [string, PartitionFacts, { create: Day[]; drop: Day[] }][] = [
    // why: a fresh database gets today and the 7 days ahead
    ['nothing yet', { partitions: [], defaultDays: [] }, { create: week(), drop: [] }],
    // why: a run an hour later on the same day finds nothing to do
    ['all there', { partitions: week(), defaultDays: [] }, { create: [], drop: [] }],
    // why: one day later, one more day ahead is created
    [
      'a day passed',
      { partitions: week('2026-12-06'), defaultDays: [] },
      { create: ['2026-12-14'], drop: [] },
    ],
    // why: 2026-11-06 ended (11-07 00:00) before the cutoff (11-07 10:00): every row in it is older
    // than 30 days; 11-07 still holds rows younger than the cutoff and stays
    [
      'retention boundary',
      { partitions: ['2026-11-05', '2026-11-06', '2026-11-07', ...week()], defaultDays: [] },
      { create: [], drop: ['2026-11-05', '2026-11-06'] },
    ],
    // why: a controller down for weeks drops everything past the retention at once
    [
      'long outage',
      { partitions: ['2026-10-01', '2026-10-02', '2026-11-10'], defaultDays: ['2026-12-07'] },
      { create: week(), drop: ['2026-10-01', '2026-10-02'] },
    ],
    // why: a past day within the retention that the DEFAULT holds rows for (late results, a
    // migrated table) gets its partition back; an older one is left to the DELETE by cutoff
    [
      'late rows in default',
      { partitions: week(), defaultDays: ['2026-11-01', '2026-11-20'] },
      { create: ['2026-11-20'], drop: [] },
    ],
    // why: rows within the 7 days ahead are moved out when that day is created; rows from a clock
    // further ahead stay in DEFAULT: no partition for a clock that is years off
    [
      'far future in default',
      { partitions: week().slice(0, 7), defaultDays: ['2026-12-14', '2026-12-20', '2031-01-01'] },
      { create: ['2026-12-14'], drop: [] },
    ],
    // why: a day the DEFAULT holds rows for and that is also created ahead appears once
    ['default day is today', { partitions: [], defaultDays: ['2026-12-07'] }, { create: week(), drop: [] }],
    // why: partitions further ahead than 7 days (made under another setting) are kept as they are
    ['beyond ahead', { partitions: [...week(), '2026-12-31'], defaultDays: [] }, { create: [], drop: [] }],
  ];
  it.each(cases)('%s', (_name, facts, expected) => {
    const plan = planPartitions(facts, { retentionDays: 30 }, now);
    expect({ create: plan.create, drop: plan.drop }).toEqual(expected);
    expect(plan.cutoff).toEqual(new Date('2026-11-07T10:00:00Z'));
  });
});

describe('planPartitions: settings and the clock', () => {
  it('retention 1d drops a day once all of it is older than 24 h', () => {
    const plan = planPartitions(
      { partitions: ['2026-12-05', '2026-12-06', ...week()], defaultDays: [] },
      { retentionDays: 1 },
      now,
    );
    // why: the cutoff is 2026-12-06 10:00: 12-06 still holds younger rows, 12-05 does not
    expect(plan.drop).toEqual(['2026-12-05']);
  });

  it('just before midnight UTC the day is still today, just after it is the next', () => {
    const facts = { partitions: [], defaultDays: [] };
    expect(
      planPartitions(facts, { retentionDays: 30, aheadDays: 0 }, new Date('2026-12-07T23:59:59.999Z')).create,
    ).toEqual(['2026-12-07']);
    expect(
      planPartitions(facts, { retentionDays: 30, aheadDays: 0 }, new Date('2026-12-08T00:00:00Z')).create,
    ).toEqual(['2026-12-08']);
  });

  it('crosses months and years', () => {
    const plan = planPartitions(
      { partitions: [], defaultDays: [] },
      { retentionDays: 30, aheadDays: 2 },
      new Date('2026-12-31T12:00:00Z'),
    );
    expect(plan.create).toEqual(['2026-12-31', '2027-01-01', '2027-01-02']);
  });
});

describe('days', () => {
  it('are UTC', () => {
    expect(utcDay(new Date('2026-12-07T23:30:00-05:00'))).toBe('2026-12-08');
    expect(dayStart('2026-12-07')).toEqual(new Date('2026-12-07T00:00:00Z'));
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });

  it('refuse what is not a day (they become table names)', () => {
    for (const bad of ['2026-13-01', '2026-02-30', '20261207', "2026-12-07'; DROP TABLE x", ''])
      expect(() => dayStart(bad)).toThrow(RangeError);
  });
});
