import { describe, expect, it } from 'vitest';
import { parseMatcher } from '@portwarden/common/matchers';
import type { ResolvedMaintenance } from '@portwarden/common/policy/resolved';
import { coverAt, coverNote, parseCoverNote, releaseText, silenceState } from './active.js';
import { matchLabels } from './labels.js';
import { sampleEvent, sampleSilence } from './testing.js';

const NOON = '2026-12-07T12:00:00Z';
const now = new Date(NOON);

describe('matchLabels', () => {
  it('names the check by id, the agent, the alert group and the agent labels (as written and made valid)', () => {
    expect(matchLabels(sampleEvent())).toMatchObject({
      check: 'web',
      check_id: 'web',
      check_name: 'Web Server',
      agent: 'db-1',
      alertgroup: 'ops',
      role: 'db',
      'site.name': 'paris',
      site_name: 'paris',
      alertname: 'PortwardenCheckFailed',
    });
  });
});

describe('silenceState', () => {
  it.each([
    // why: starts in the future
    ['2026-12-07T13:00:00Z', '2026-12-07T14:00:00Z', undefined, 'pending'],
    // why: the start instant is in force
    [NOON, '2026-12-07T14:00:00Z', undefined, 'active'],
    // why: the end instant is over
    ['2026-12-07T10:00:00Z', NOON, undefined, 'expired'],
    // why: expired by hand before its planned end
    ['2026-12-07T10:00:00Z', '2026-12-07T14:00:00Z', '2026-12-07T11:00:00Z', 'expired'],
    // why: a pending silence expired by hand never takes effect
    ['2026-12-07T13:00:00Z', '2026-12-07T14:00:00Z', '2026-12-07T11:00:00Z', 'expired'],
  ])('%s..%s expired %s -> %s', (from, to, expiredAt, state) => {
    expect(silenceState(sampleSilence(1, ['check=web'], from, to, expiredAt), now)).toBe(state);
  });
});

const window = (name: string, matchers: string[], cron: string, durationMs: number): ResolvedMaintenance => ({
  name,
  cron,
  timeZone: 'Europe/Berlin',
  durationMs,
  matchers: matchers.map(parseMatcher),
});

describe('coverAt', () => {
  const labels = matchLabels(sampleEvent());
  const active = (id: number, matchers: string[]) =>
    sampleSilence(id, matchers, '2026-12-07T11:00:00Z', '2026-12-07T13:00:00Z');
  // 13:00 in Berlin (CET) is 12:00Z: a window from 12:30 Berlin for 1h covers noon UTC.
  const open = window('lunch', ['agent=~db-.*'], '30 12 * * *', 3_600_000);
  const closed = window('night', ['agent=~db-.*'], '0 2 * * *', 3_600_000);
  it.each([
    [[active(7, ['check=web', 'agent=db-1'])], [], { kind: 'silence', id: 7 }, 'every matcher matches'],
    [[active(7, ['check=web', 'agent=db-2'])], [], undefined, 'one matcher does not match'],
    [[active(7, ['check=Web Server'])], [], undefined, 'check= is the id, not the name'],
    [[active(7, ['role=db', 'alertgroup=ops'])], [], { kind: 'silence', id: 7 }, 'agent label and group'],
    [[active(7, ['site.name=paris'])], [], { kind: 'silence', id: 7 }, 'an agent label under its own name'],
    [
      [sampleSilence(7, ['check=web'], '2026-12-07T13:00:00Z', '2026-12-07T14:00:00Z')],
      [],
      undefined,
      'a pending silence covers nothing yet',
    ],
    [
      [
        sampleSilence(
          7,
          ['check=web'],
          '2026-12-07T10:00:00Z',
          '2026-12-07T14:00:00Z',
          '2026-12-07T11:59:59Z',
        ),
      ],
      [],
      undefined,
      'an expired silence covers nothing',
    ],
    [[active(9, ['check=web']), active(7, ['agent=db-1'])], [], { kind: 'silence', id: 7 }, 'oldest first'],
    [[], [open], { kind: 'maintenance', name: 'lunch' }, 'an open window that matches'],
    [[], [closed], undefined, 'a window that is not open now'],
    [[], [window('lunch', ['agent=web-1'], '30 12 * * *', 3_600_000)], undefined, 'open, not matching'],
    [[active(7, ['check=web'])], [open], { kind: 'silence', id: 7 }, 'a silence before a window'],
  ] as const)('%# %s', (silences, windows, expected, _why) => {
    expect(coverAt(labels, silences, windows, now)).toEqual(expected);
  });
});

describe('notes', () => {
  it.each([
    [
      { kind: 'silence', id: 7 },
      'silence 7',
      'Silence 7 ended; still failing since 2026-12-07T10:00:00.000Z.',
    ],
    [
      { kind: 'maintenance', name: 'db patching' },
      'maintenance db patching',
      'Maintenance window "db patching" ended; still failing since 2026-12-07T10:00:00.000Z.',
    ],
  ] as const)('%j <-> %s', (cover, note, text) => {
    expect(coverNote(cover)).toBe(note);
    expect(parseCoverNote(note)).toEqual(cover);
    expect(releaseText(note, '2026-12-07T10:00:00.000Z')).toBe(text);
  });
  it('a note of another kind is no cover', () => {
    expect(parseCoverNote('something else')).toBeUndefined();
  });
});
