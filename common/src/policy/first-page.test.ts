import { describe, expect, it } from 'vitest';
import { timeToFirstPage } from './first-page.js';
import { parsePolicy } from './parse.js';

const GROUPS = `alertGroups:
  now: { channels: [{ log: {} }] }
  batched: { channels: [{ log: {} }], groupBy: [agent], groupWait: 30s }
  default-wait: { channels: [{ log: {} }], groupBy: [agent] }
`;

/** The one check's time to first page, in milliseconds. */
const firstPage = (check: string) =>
  timeToFirstPage(parsePolicy(`${GROUPS}checks: [{ name: c, ${check} }]`))[0]!.firstPageMs;

describe('timeToFirstPage', () => {
  // [the check, expected ms, why]
  const cases: [string, number, string][] = [
    [
      'port: 80, alertGroup: now',
      120_000 + 10_000,
      'defaults: 2m interval, 1 failure, 10s timeout, no grouping',
    ],
    ['port: 80, alertGroup: now, interval: 30s, failuresBeforeAlert: 3, timeout: 5s', 95_000, '3 × 30s + 5s'],
    [
      'port: 80, alertGroup: batched, interval: 10s, timeout: 2s',
      42_000,
      'a grouped alert group adds its groupWait',
    ],
    ['port: 80, alertGroup: default-wait, interval: 10s, timeout: 2s', 42_000, 'groupBy alone waits 30s'],
    [
      'firewall: {}, alertGroup: now, interval: 1m',
      60_000 + 60_000,
      'a firewall check times out after 60s by default',
    ],
  ];
  it.each(cases)('%s -> %i ms (%s)', (check, expected) => {
    expect(firstPage(check)).toBe(expected);
  });

  it('lists every check with the terms of the sum, disabled ones marked', () => {
    const rows = timeToFirstPage(
      parsePolicy(
        `${GROUPS}checks:\n  - { name: Web, port: 80, alertGroup: batched, interval: 1m, failuresBeforeAlert: 2 }\n  - { name: Old, port: 81, alertGroup: now, enabled: false }`,
      ),
    );
    expect(rows).toEqual([
      {
        checkId: 'web',
        name: 'Web',
        alertGroup: 'batched',
        intervalMs: 60_000,
        failuresBeforeAlert: 2,
        timeoutMs: 10_000,
        groupWaitMs: 30_000,
        firstPageMs: 160_000,
        enabled: true,
      },
      expect.objectContaining({ checkId: 'old', groupWaitMs: 0, enabled: false }),
    ]);
  });
});
