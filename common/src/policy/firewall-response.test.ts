import { describe, expect, it } from 'vitest';
import type { PolicyError } from '../errors.js';
import { parsePolicy } from './parse.js';
import { respondsFirst } from './resolved.js';

const policy = (checks: string) =>
  `defaults: { alertGroup: g, interval: 1m, timeout: 5s, failuresBeforeAlert: 2 }
alertGroups: { g: { channels: [{ log: {} }] } }
checks:
${checks}`;

describe('firewall checks', () => {
  it('resolve with the same interval, threshold, alert group, enabled and agents as port checks', () => {
    const [check] = parsePolicy(
      policy(`  - name: Windows Firewall
    firewall: { mode: enable-or-reboot, profiles: [domain, private, public], provider: auto }
    failuresBeforeAlert: 3
    enabled: false
    agents: { os: windows }
`),
    ).checks;
    expect(check).toEqual({
      kind: 'firewall',
      id: 'windows-firewall',
      name: 'Windows Firewall',
      intervalMs: 60_000,
      // defaults.timeout is for ports: PowerShell needs longer
      timeoutMs: 60_000,
      failuresBeforeAlert: 3,
      successesBeforeResolve: 1,
      alertGroup: 'g',
      enabled: false,
      agents: { os: 'windows' },
      firewall: { mode: 'enable-or-reboot', profiles: ['domain', 'private', 'public'], provider: 'auto' },
    });
    expect(respondsFirst(check!)).toBe(true);
  });

  it('default to notify on every profile with the provider chosen by the agent', () => {
    const [check] = parsePolicy(policy('  - { name: fw, firewall: {}, timeout: 20s }\n')).checks;
    expect(check).toMatchObject({
      timeoutMs: 20_000,
      firewall: { mode: 'notify', profiles: ['domain', 'private', 'public'], provider: 'auto' },
    });
    expect(respondsFirst(check!)).toBe(false);
  });

  it('report every key that belongs to port checks, each with its line', () => {
    let error: PolicyError | undefined;
    try {
      parsePolicy(policy('  - name: fw\n    firewall: { mode: enable }\n    send: HELO\n    tls: true\n'));
    } catch (err) {
      error = err as PolicyError;
    }
    expect(error?.issues).toEqual([
      { path: 'checks[0].send', line: 6, message: 'is for port checks, not firewall checks' },
      { path: 'checks[0].tls', line: 7, message: 'is for port checks, not firewall checks' },
    ]);
  });
});

describe('responses on port checks', () => {
  const resolve = (response: string) => {
    const [check] = parsePolicy(policy(`  - { name: web, port: 80, response: ${response} }\n`)).checks;
    return check;
  };

  it.each([
    [
      '{ restartService: nginx.service }',
      { kind: 'restart-service', service: 'nginx.service', timeoutMs: 60_000 },
    ],
    [
      '{ restartService: MSSQL$SQLEXPRESS, timeout: 2m }',
      { kind: 'restart-service', service: 'MSSQL$SQLEXPRESS', timeoutMs: 120_000 },
    ],
    [
      "{ runProgram: { path: /usr/local/sbin/heal-web, args: ['--port', '80; rm -rf /'], timeout: 30s } }",
      {
        kind: 'run-program',
        path: '/usr/local/sbin/heal-web',
        args: ['--port', '80; rm -rf /'],
        timeoutMs: 30_000,
      },
    ],
    [
      "{ runProgram: { path: 'C:\\Tools\\heal.exe' } }",
      { kind: 'run-program', path: 'C:\\Tools\\heal.exe', args: [], timeoutMs: 60_000 },
    ],
    ['{ reboot: true }', { kind: 'reboot' }],
  ])('%s', (response, expected) => {
    const check = resolve(response);
    expect(check).toMatchObject({ kind: 'port', response: expected });
    expect(respondsFirst(check!)).toBe(true);
  });

  it('are absent unless asked for: the check alerts at its threshold', () => {
    const [check] = parsePolicy(policy('  - { name: web, port: 80 }\n')).checks;
    expect(check).not.toHaveProperty('response');
    expect(respondsFirst(check!)).toBe(false);
  });

  it('treat a stored revision without kind as a port check', () => {
    expect(respondsFirst({ ...resolve('{ reboot: true }')!, kind: undefined } as never)).toBe(true);
  });
});
