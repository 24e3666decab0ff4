import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nagiosStatus, type NagiosInput } from './nagios.js';

/** check_tcp's own output, captured from monitoring-plugins 2.3.3 (see testdata/check_tcp/README.md). */
function reference(name: string): { line: string; exitCode: number } {
  const [line, exit] = readFileSync(new URL(`./testdata/check_tcp/${name}.txt`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
  return { line: line!, exitCode: Number(exit!.replace('exit=', '')) };
}

/** Numbers differ from run to run; the form must not. */
const form = (line: string) =>
  line
    .replace(/\d+\.\d+/g, 'N')
    .replace(/port \d+/g, 'port P')
    .replace(/:\d+/g, ':P');

const base: NagiosInput = {
  host: '127.0.0.1',
  port: 47025,
  outcome: 'up',
  detail: '',
  durationMs: 1.2,
  received: '',
  timeoutMs: 10_000,
  mismatch: 'warn',
};

describe('nagiosStatus matches check_tcp', () => {
  // [reference file, our input, why]
  const cases: [string, Partial<NagiosInput>, string][] = [
    ['ok-plain', {}, 'a plain connect prints no brackets'],
    ['ok-expect', { received: '220 ready\r\n' }, 'the reply goes in brackets'],
    [
      'mismatch-warn',
      { outcome: 'down', reason: 'expect-mismatch', received: '220 ready\r\n' },
      'a mismatch is a WARNING by default',
    ],
    [
      'mismatch-crit',
      { outcome: 'down', reason: 'expect-mismatch', received: '220 ready\r\n', mismatch: 'crit' },
      '-M crit makes it CRITICAL',
    ],
    [
      'refused',
      { outcome: 'down', reason: 'refused', port: 1 },
      'refused has check_tcp words and no perfdata',
    ],
  ];
  it.each(cases)('%s (%s)', (file, input) => {
    const ours = nagiosStatus({ ...base, ...input });
    const theirs = reference(file);
    expect(ours.exitCode).toBe(theirs.exitCode);
    expect(form(ours.line)).toBe(form(theirs.line));
  });
});

describe('nagiosStatus states', () => {
  // [input, expected state, why]
  const cases: [Partial<NagiosInput>, string, string][] = [
    [
      { outcome: 'down', reason: 'connect-timeout', detail: 'no answer within 10000 ms' },
      'CRITICAL',
      'an outage',
    ],
    [{ outcome: 'down', reason: 'slow', detail: 'took 3 s' }, 'WARNING', 'slow is degraded, not down'],
    [
      { outcome: 'down', reason: 'cert-expiring', detail: 'CN=x expires 2026-12-01' },
      'WARNING',
      'like check_tcp -D warn',
    ],
    [{ outcome: 'down', reason: 'exposed' }, 'CRITICAL', 'a port that must be closed is open'],
    [{ outcome: 'down', reason: 'internal', detail: 'bug' }, 'UNKNOWN', 'the probe itself failed'],
    [{ durationMs: 3000, warningSeconds: 2 }, 'WARNING', 'over -w'],
    [{ durationMs: 6000, warningSeconds: 2, criticalSeconds: 5 }, 'CRITICAL', 'over -c'],
  ];
  it.each(cases)('%j is %s (%s)', (input, state) => {
    const out = nagiosStatus({ ...base, ...input });
    expect(out.state).toBe(state);
    expect(out.line.split('\n')).toHaveLength(1);
  });

  it('fills the perfdata thresholds like check_tcp', () => {
    expect(nagiosStatus({ ...base, durationMs: 5.1, warningSeconds: 0.0001, criticalSeconds: 5 }).line).toBe(
      'TCP WARNING - 0.005 second response time on 127.0.0.1 port 47025|time=0.005100s;0.000100;5.000000;0.000000;10.000000',
    );
  });
});
