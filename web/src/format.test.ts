import { describe, expect, it } from 'vitest';
import type { FirewallReport } from './api.js';
import { ago, boardState, labelsMatch, profileLines, recovering, type BoardRow } from './format.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('ago', () => {
  it.each([
    // why: no state change recorded yet
    [null, '—'],
    // why: a clock a little ahead of the browser's must not say "-2 s"
    ['2026-12-07T12:00:02Z', '0 s ago'],
    ['2026-12-07T11:59:15Z', '45 s ago'],
    // why: minutes are floored, not rounded up
    ['2026-12-07T11:57:01Z', '2 min ago'],
    ['2026-12-07T09:30:00Z', '2 h 30 min ago'],
    // why: beyond two days hours stop being useful
    ['2026-12-04T12:00:00Z', '3 d ago'],
  ])('%s -> %s', (iso, expected) => {
    expect(ago(iso, NOW)).toBe(expected);
  });
});

const FLAPPING = { since: '2026-12-07T11:00:00Z' };
const row = (status: string, over: Partial<BoardRow> = {}): BoardRow => ({
  status,
  flapping: null,
  incidentId: null,
  consecutiveSuccesses: 0,
  successesBeforeResolve: 1,
  ...over,
});

describe('boardState', () => {
  it.each([
    // why: the contract's word for "no result yet" is unknown; the API says pending
    [row('pending'), 'unknown'],
    [row('up'), 'up'],
    [row('down'), 'down'],
    // why: flapping wins over up and down: the latest outcome says little about the check
    [row('up', { flapping: FLAPPING }), 'flapping'],
    [row('down', { flapping: FLAPPING }), 'flapping'],
    // why: a disabled check is not probed, whatever its last results did
    [row('disabled', { flapping: FLAPPING }), 'disabled'],
    [row('disabled'), 'disabled'],
    // why: recovering is a label, not a state: the row stays up
    [row('up', { incidentId: 4, consecutiveSuccesses: 2, successesBeforeResolve: 3 }), 'up'],
  ])('%j -> %s', (r, expected) => {
    expect(boardState(r)).toBe(expected);
  });
});

describe('recovering', () => {
  it.each([
    // why: up with its incident still open: the successes count towards resolving it
    [row('up', { incidentId: 4, consecutiveSuccesses: 2, successesBeforeResolve: 3 }), 'recovering 2/3'],
    // why: no open incident, nothing to recover from
    [row('up', { consecutiveSuccesses: 5, successesBeforeResolve: 3 }), null],
    // why: down with its incident open is simply down
    [row('down', { incidentId: 4 }), null],
    // why: a flapping check that is up with an incident open still counts its successes
    [
      row('up', { incidentId: 4, flapping: FLAPPING, consecutiveSuccesses: 1, successesBeforeResolve: 2 }),
      'recovering 1/2',
    ],
    // why: a disabled check gets no results: no progress to show
    [row('disabled', { incidentId: 4 }), null],
  ])('%j -> %s', (r, expected) => {
    expect(recovering(r)).toBe(expected);
  });
});

describe('labelsMatch', () => {
  const labels = { role: 'web', site: 'paris' };
  it.each([
    // why: an empty filter shows everything
    ['', labels, true],
    ['site=paris', labels, true],
    // why: every term must match
    ['site=paris role=db', labels, false],
    // why: commas separate terms as spaces do
    ['site=paris,role=web', labels, true],
    // why: a bare key asks only that the label exists
    ['role', labels, true],
    ['zone', labels, false],
    // why: an agent the API has not listed yet has no labels
    ['site=paris', undefined, false],
    // why: inherited properties are not labels
    ['toString', labels, false],
  ])('%j on %j -> %s', (selector, on, expected) => {
    expect(labelsMatch(selector, on)).toBe(expected);
  });
});

const report = (provider: string | null, profiles: FirewallReport['profiles']): FirewallReport => ({
  provider,
  found: provider ? [provider] : [],
  profiles,
  notes: [],
});
const profile = (name: string, state: string, gpoOverride?: boolean) => ({
  profile: name,
  state,
  detail: '',
  ...(gpoOverride !== undefined && { gpoOverride }),
});

describe('profileLines', () => {
  it.each([
    // why: a check that is not a firewall check has no report: no lines
    [null, []],
    // why: Group Policy is asked only about a profile that is not on: absent is "not checked"
    [
      report('netsh', [profile('domain', 'on')]),
      [{ profile: 'domain', state: 'on', provider: 'netsh', groupPolicy: 'not checked' }],
    ],
    // why: an off profile Group Policy keeps off is the one an operator must not re-enable by hand
    [
      report('powershell', [profile('public', 'off', true), profile('private', 'off', false)]),
      [
        { profile: 'public', state: 'off', provider: 'powershell', groupPolicy: 'enforced' },
        { profile: 'private', state: 'off', provider: 'powershell', groupPolicy: 'not enforced' },
      ],
    ],
    // why: no provider could read the state: say so rather than print "null"
    [
      report(null, [profile('host', 'unknown')]),
      [{ profile: 'host', state: 'unknown', provider: 'none could read it', groupPolicy: 'not checked' }],
    ],
  ])('%j -> %j', (input, expected) => {
    expect(profileLines(input)).toEqual(expected);
  });
});
