import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@portwarden/common/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../config/config.js';
import { defaultPortSpec } from '../probes/port/spec.js';
import type { ProbeResult } from '../probes/probe.js';
import { fakeSystem, LINUX } from '../probes/firewall/testing/fixtures.js';
import { parseResponsesConfig, type ResponsesConfigInput } from './allow.js';
import { AUDIT_FILE, openAuditLog, type AuditRecord } from './audit.js';
import { createResponder } from './executor.js';
import { createRebootGuard } from './guard.js';
import { createRounds } from './round.js';

const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 1 };
const up: ProbeResult = { outcome: 'up', detail: 'connected', durationMs: 1, timings };
const down: ProbeResult = {
  outcome: 'down',
  reason: 'refused',
  detail: 'cannot connect to 127.0.0.1:80: ECONNREFUSED',
  durationMs: 2,
  timings,
};

const check = (failuresBeforeAlert: number, withResponse = true): CheckSpec => ({
  id: 'web',
  name: 'Web',
  intervalMs: 1000,
  enabled: true,
  failuresBeforeAlert,
  responses: withResponse ? [{ kind: 'restart-service', service: 'nginx', timeoutMs: 5000 }] : [],
  kind: 'port',
  spec: defaultPortSpec({ host: '127.0.0.1', port: 80 }),
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-round-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Rounds over a probe that answers `outcomes` in turn (U up, D down), the last one repeated. */
function setup(
  outcomes: string,
  allow: ResponsesConfigInput = { allow: ['restart-service'], services: ['nginx'] },
) {
  const { system, fake } = fakeSystem('linux');
  fake.on(LINUX.systemctl, ['restart', '--', 'nginx']).on(LINUX.systemctl, ['reboot']);
  const config = parseResponsesConfig(allow, 'linux');
  const responder = createResponder({
    system,
    config,
    guard: createRebootGuard({ dir, options: config.reboot, uptimeMs: () => 3_600_000 }),
    audit: { append: async () => {} },
  });
  let calls = 0;
  const probe = async () => (outcomes[Math.min(calls++, outcomes.length - 1)] === 'U' ? up : down);
  const round = createRounds({ probe, responder });
  return { fake, round, probes: () => calls };
}

const signal = new AbortController().signal;

describe('rounds', () => {
  // [probe outcomes, threshold, what each round reports: U/D with the agent's count, R<verdict> when it responded]
  const cases: [string, number, string[], string][] = [
    ['DDD', 3, ['D1', 'D2', 'D3 failed'], 'the third failure responds; the verification is still down'],
    ['DDU', 3, ['D1', 'D2'], 'below the threshold nothing runs'],
    ['DDDU', 3, ['D1', 'D2', 'U0 recovered'], 'the verification comes back up: the count starts over'],
    [
      'DDDDD',
      2,
      ['D1', 'D2 failed', 'D3', 'D4'],
      'once per failure streak: the count goes on past the threshold',
    ],
    ['DUDD', 2, ['D1', 'U0', 'D1', 'D2 failed'], 'a success resets the count'],
  ];
  it.each(cases)('%s at threshold %i -> %j (%s)', async (outcomes, threshold, expected) => {
    const { round } = setup(outcomes);
    const spec = check(threshold);
    const seen: string[] = [];
    // Each round consumes one probe, or two when it responds (the verification).
    while (seen.length < expected.length) {
      const result = await round(spec, signal);
      const verdict = result.response ? ` ${result.response.verdict}` : '';
      seen.push(`${result.outcome === 'up' ? 'U' : 'D'}${result.consecutiveFailures}${verdict}`);
    }
    expect(seen).toEqual(expected);
  });

  it('reports what was tried: the trigger, the restart and its verification', async () => {
    const { round, fake } = setup('DU');
    const result = await round(check(1), signal);
    expect(result).toMatchObject({ outcome: 'up', consecutiveFailures: 0 });
    expect(result.response).toEqual({
      verdict: 'recovered',
      trigger: { outcome: 'down', reason: 'refused', detail: down.detail, durationMs: 2 },
      attempts: [
        expect.objectContaining({
          kind: 'restart-service',
          target: 'nginx',
          status: 'done',
          verification: { outcome: 'up', detail: 'connected', durationMs: 1 },
        }),
      ],
    });
    expect(fake.argv()).toEqual([[LINUX.systemctl, 'restart', '--', 'nginx']]);
  });

  it('reports a response this agent does not allow as response-denied, runs nothing and probes once', async () => {
    const { round, fake, probes } = setup('DU', {});
    const result = await round(check(1), signal);
    expect(result).toMatchObject({ outcome: 'down', reason: 'response-denied', consecutiveFailures: 1 });
    expect(result.response?.verdict).toBe('denied');
    expect(fake.calls).toEqual([]);
    expect(probes()).toBe(1);
  });

  it('responds again after a reboot that did not happen, and the guard holds the second one back', async () => {
    const { round, fake } = setup('D', { allow: ['reboot'] });
    const spec = { ...check(1), responses: [{ kind: 'reboot' as const }] };
    const first = await round(spec, signal);
    expect([first.response?.verdict, first.consecutiveFailures]).toEqual(['rebooting', 1]);
    const second = await round(spec, signal);
    expect(second).toMatchObject({ reason: 'reboot-suppressed', consecutiveFailures: 1 });
    expect(second.response?.verdict).toBe('suppressed');
    expect(fake.argv()).toEqual([[LINUX.systemctl, 'reboot']]);
  });

  it('runs no round for a check without responses', async () => {
    const { round, probes } = setup('D');
    const result = await round(check(1, false), signal);
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'refused',
      consecutiveFailures: 1,
      responds: false,
    });
    expect(result).not.toHaveProperty('response');
    expect(probes()).toBe(1);
  });
});

describe('the audit log of a round', () => {
  const planted = { send: 's3cr3t-planted', password: 'hunter2-planted', token: 'tok-planted' };
  const args = [`--password=${planted.password}`, '--token', planted.token];
  const secretive: CheckSpec = {
    ...check(1),
    kind: 'port',
    responses: [{ kind: 'run-program', path: '/opt/heal', args, timeoutMs: 5000 }],
    spec: defaultPortSpec({ host: '127.0.0.1', port: 80, send: `AUTH token=${planted.send}\r\n` }),
  };

  /** The value in clear text, or as the bytes of a Uint8Array in JSON (`{"0":115,"1":51,...}`). */
  const leaks = (text: string, value: string) =>
    text.includes(value) || text.replace(/"\d+":/g, '').includes([...Buffer.from(value)].join(','));

  async function respondOnce() {
    const { system, fake } = fakeSystem('linux');
    fake.on('/opt/heal', args, { exitCode: 1, stderr: `login refused: password=${planted.password}` });
    const config = parseResponsesConfig({ allow: ['run-program'], programs: ['/opt/heal'] }, 'linux');
    const logged: string[] = [];
    const responder = createResponder({
      system,
      config,
      guard: createRebootGuard({ dir, options: config.reboot }),
      audit: openAuditLog({ dir }),
      logger: createLogger({ name: 'agent', level: 'debug', destination: { write: (l) => logged.push(l) } }),
    });
    const result = await createRounds({ probe: async () => down, responder })(secretive, signal);
    const audit = await readFile(path.join(dir, AUDIT_FILE), 'utf8');
    return { result, audit, logged: logged.join('') };
  }

  it('holds the check as {id, name} and the arguments redacted, and no planted secret', async () => {
    const { result, audit } = await respondOnce();
    expect(result.response?.verdict).toBe('failed');
    for (const value of Object.values(planted)) expect(leaks(audit, value), value).toBe(false);
    const lines = audit
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRecord);
    expect(lines.map((l) => [l.event, l.check])).toEqual([
      ['started', { id: 'web', name: 'Web' }],
      ['finished', { id: 'web', name: 'Web' }],
    ]);
    expect(lines[1]!.response.commands).toEqual([
      expect.objectContaining({
        argv: ['/opt/heal', '--password=[redacted]', '--token', '[redacted]'],
        output: 'login refused: password=[redacted]',
      }),
    ]);
  });

  it('logs the round without a planted secret', async () => {
    const { logged } = await respondOnce();
    expect(logged).toContain('"check":"web"');
    for (const value of Object.values(planted)) expect(leaks(logged, value), value).toBe(false);
  });
});
