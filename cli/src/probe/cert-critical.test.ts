import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '@portwarden/agent/probes/probe';
import { certCritical } from './command.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const expiring = (detail: string): ProbeResult =>
  ({ outcome: 'down', reason: 'cert-expiring', detail, durationMs: 1 }) as ProbeResult;
const in3Days = 'certificate CN=x expires on 2026-12-10T12:00:00.000Z, within 10d';

describe('certCritical', () => {
  it.each([
    // why: -D 10 alone: expiring within the window is a WARNING, as check_tcp
    { result: expiring(in3Days), days: { warnDays: 10 }, critical: false },
    // why: -D 10,5: 3 days left is within crit
    { result: expiring(in3Days), days: { warnDays: 10, critDays: 5 }, critical: true },
    // why: -D 10,2: 3 days left is outside crit
    { result: expiring(in3Days), days: { warnDays: 10, critDays: 2 }, critical: false },
    // why: check_tcp calls an expired certificate CRITICAL
    {
      result: expiring('certificate CN=x expired on 2026-12-01T00:00:00.000Z'),
      days: { warnDays: 10 },
      critical: true,
    },
    // why: another reason is graded by its own rule
    {
      result: { outcome: 'down', reason: 'refused', detail: 'x', durationMs: 1 } as ProbeResult,
      days: { warnDays: 10, critDays: 5 },
      critical: false,
    },
    // why: no -D, no certificate grading
    { result: expiring(in3Days), days: undefined, critical: false },
  ])('$result.detail $days -> $critical', ({ result, days, critical }) => {
    expect(certCritical(result, days, NOW)).toBe(critical);
  });
});
