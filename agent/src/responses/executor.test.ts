import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POWERSHELL } from '../probes/firewall/windows/powershell.js';
import { fakeSystem, fixture, LINUX, WIN } from '../probes/firewall/testing/fixtures.js';
import { INJECTION_CORPUS } from '../system/testing/corpus.js';
import { parseResponsesConfig, type ResponsesConfigInput } from './allow.js';
import { AUDIT_FILE, auditedCheck, openAuditLog, type AuditRecord } from './audit.js';
import { RESTART_SCRIPT } from './commands.js';
import { createResponder, type ResponseContext } from './executor.js';
import { createRebootGuard, REBOOT_GUARD_FILE } from './guard.js';
import type { ResponseSpec } from './spec.js';

const HOUR = 3_600_000;
const check = auditedCheck({ id: 'web-https', name: 'web https' });
const down: ResponseContext = { check, last: { reason: 'refused' } };
const ps = (script: string) => [...POWERSHELL.args, script];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-responses-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A responder on a fake system; `restart()` builds a new one on the same state dir, as an agent restart does. */
function setup(platform: 'linux' | 'win32', allow: ResponsesConfigInput, uptimeMs = 2 * HOUR) {
  const { system, fake } = fakeSystem(platform);
  const config = parseResponsesConfig(allow, platform);
  const restart = () =>
    createResponder({
      system,
      config,
      guard: createRebootGuard({ dir, options: config.reboot, uptimeMs: () => uptimeMs }),
      audit: openAuditLog({ dir }),
    });
  return { fake, responder: restart(), restart };
}

async function auditLines(): Promise<AuditRecord[]> {
  const text = await readFile(path.join(dir, AUDIT_FILE), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditRecord);
}

describe('two keys', () => {
  it('denies a response the local config does not allow, runs nothing, and audits it', async () => {
    const { fake, responder } = setup('linux', { allow: ['run-program'], programs: ['/opt/heal'] });
    const outcome = await responder.execute(
      { kind: 'restart-service', service: 'nginx', timeoutMs: 1000 },
      down,
    );
    expect(outcome).toMatchObject({
      kind: 'restart-service',
      target: 'nginx',
      status: 'denied',
      reason: 'response-denied',
      detail: "restart-service is not allowed by this agent's local config (add it to responses.allow)",
      commands: [],
    });
    expect(fake.calls).toEqual([]);
    expect((await auditLines()).map((r) => [r.event, r.response.status])).toEqual([['finished', 'denied']]);
  });

  it('denies a service or program the allow-list does not name exactly', async () => {
    const { fake, responder } = setup('linux', {
      allow: ['restart-service', 'run-program'],
      services: ['nginx.service'],
      programs: ['/opt/heal'],
    });
    expect(
      (await responder.execute({ kind: 'restart-service', service: 'sshd', timeoutMs: 1000 }, down)).status,
    ).toBe('denied');
    expect(
      (await responder.execute({ kind: 'run-program', path: '/opt/heal2', args: [], timeoutMs: 1000 }, down))
        .status,
    ).toBe('denied');
    expect(fake.calls).toEqual([]);
  });
});

describe('restart-service', () => {
  it('runs systemctl restart with the name after --, on Linux', async () => {
    const { fake, responder } = setup('linux', { allow: ['restart-service'], services: ['nginx.service'] });
    fake.on(LINUX.systemctl, ['restart', '--', 'nginx.service']);
    const outcome = await responder.execute(
      { kind: 'restart-service', service: 'nginx.service', timeoutMs: 45_000 },
      down,
    );
    expect(outcome).toMatchObject({ status: 'done', detail: 'restart nginx.service: done' });
    expect(fake.calls).toEqual([
      { file: LINUX.systemctl, args: ['restart', '--', 'nginx.service'], timeoutMs: 45_000 },
    ]);
  });

  it('hands the name to a constant PowerShell script through the environment, on Windows', async () => {
    const { fake, responder } = setup('win32', {
      allow: ['restart-service'],
      services: ['MSSQL$SQLEXPRESS'],
    });
    fake.on(WIN.powershell, ps(RESTART_SCRIPT), {
      exitCode: 1,
      stderr: 'Restart-Service : Cannot open MSSQL$SQLEXPRESS service',
    });
    const outcome = await responder.execute(
      { kind: 'restart-service', service: 'MSSQL$SQLEXPRESS', timeoutMs: 60_000 },
      down,
    );
    expect(outcome).toMatchObject({ status: 'failed', detail: 'restart MSSQL$SQLEXPRESS: exited 1' });
    expect(fake.calls).toEqual([
      {
        file: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        args: [
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          'Restart-Service -Name $env:PORTWARDEN_SERVICE -Force -ErrorAction Stop',
        ],
        env: { PORTWARDEN_SERVICE: 'MSSQL$SQLEXPRESS' },
        timeoutMs: 60_000,
      },
    ]);
  });
});

describe('run-program', () => {
  it('passes the arguments verbatim, one argv entry each, and audits them redacted', async () => {
    const { fake, responder } = setup('linux', { allow: ['run-program'], programs: ['/opt/heal'] });
    const args = [...INJECTION_CORPUS.slice(0, 12), '--password', 'hunter2'];
    fake.on('/opt/heal', args, { exitCode: 2, stderr: 'still broken' });
    const outcome = await responder.execute(
      { kind: 'run-program', path: '/opt/heal', args, timeoutMs: 5_000 },
      down,
    );
    expect(outcome).toMatchObject({ status: 'failed', detail: 'run /opt/heal: exited 2' });
    expect(fake.calls[0]!.args).toEqual(args);
    const audited = JSON.stringify(await auditLines());
    expect(audited).not.toContain('hunter2');
    expect(outcome.commands[0]!.argv.slice(-2)).toEqual(['--password', '[redacted]']);
  });

  it('reports a runner that throws with its message redacted, in the outcome and the audit log', async () => {
    const { system } = fakeSystem('linux');
    const config = parseResponsesConfig({ allow: ['run-program'], programs: ['/opt/heal'] }, 'linux');
    const responder = createResponder({
      system: { ...system, run: () => Promise.reject(new Error('cannot run /opt/heal --token=tok-1')) },
      config,
      guard: createRebootGuard({ dir, options: config.reboot }),
      audit: openAuditLog({ dir }),
    });
    const response: ResponseSpec = { kind: 'run-program', path: '/opt/heal', args: [], timeoutMs: 5_000 };
    const outcome = await responder.execute(response, down);
    expect(outcome).toMatchObject({
      status: 'failed',
      detail: 'run-program failed: cannot run /opt/heal --token=[redacted]',
    });
    expect(JSON.stringify(await auditLines())).not.toContain('tok-1');
  });
});

describe('reboot', () => {
  const reboot = { kind: 'reboot' } as const;
  const shutdownArgs = (comment: string) => ['/r', '/t', '60', '/c', comment, '/d', 'p:4:1'];

  it('reboots Windows with shutdown /r /t 60 /c /d p:4:1 once, then suppresses, also after a restart', async () => {
    const { fake, responder, restart } = setup('win32', { allow: ['reboot'] });
    fake.on(
      WIN.shutdown,
      shutdownArgs(
        "Portwarden: check 'web https' failed and its response did not fix it; reboot 1 of at most 1 within 24 h",
      ),
    );
    expect(await responder.execute(reboot, down)).toMatchObject({ status: 'done', detail: 'reboot: done' });

    const second = await responder.execute(reboot, down);
    expect(second).toMatchObject({ status: 'suppressed', reason: 'reboot-suppressed', commands: [] });
    expect(second.detail).toMatch(
      /^reboot held back: 1 reboot\(s\) within 24 h, the last at .*; maxReboots is 1$/,
    );

    const afterRestart = await restart().execute(reboot, down);
    expect(afterRestart).toMatchObject({ status: 'suppressed', reason: 'reboot-suppressed' });
    expect(fake.argv().filter((argv) => argv[0] === WIN.shutdown)).toHaveLength(1);
    expect(JSON.parse(await readFile(path.join(dir, REBOOT_GUARD_FILE), 'utf8')).reboots).toHaveLength(1);
  });

  it('reboots Linux with systemctl reboot', async () => {
    const { fake, responder } = setup('linux', { allow: ['reboot'] });
    fake.on(LINUX.systemctl, ['reboot']);
    expect(await responder.execute(reboot, down)).toMatchObject({ status: 'done' });
    expect(fake.argv()).toEqual([[LINUX.systemctl, 'reboot']]);
  });

  it('never reboots under a Group Policy override', async () => {
    const { fake, responder } = setup('win32', { allow: ['reboot'] });
    const last: ResponseContext['last'] = {
      reason: 'gpo-override',
      firewall: {
        provider: 'powershell',
        found: ['powershell'],
        notes: [],
        profiles: [{ profile: 'domain', state: 'off', detail: '', gpoOverride: true }],
      },
    };
    const outcome = await responder.execute(reboot, { check, last });
    expect(outcome).toMatchObject({ status: 'suppressed', reason: 'reboot-suppressed' });
    expect(outcome.detail).toBe(
      'reboot held back: Group Policy sets the firewall; a reboot would not change it',
    );
    expect(fake.calls).toEqual([]);
  });

  it('never reboots a server that has been up for less than minUptime', async () => {
    const { fake, responder } = setup('linux', { allow: ['reboot'], minUptime: '30m' }, 12 * 60_000);
    expect(await responder.execute(reboot, down)).toMatchObject({
      status: 'suppressed',
      reason: 'reboot-suppressed',
      detail: 'reboot held back: up for 12 min, under minUptime 30 min',
    });
    expect(fake.calls).toEqual([]);
  });

  it('is denied before the guard is asked when the local config does not allow it', async () => {
    const { fake, responder } = setup('linux', { allow: [] });
    expect(await responder.execute(reboot, down)).toMatchObject({
      status: 'denied',
      reason: 'response-denied',
    });
    expect(fake.calls).toEqual([]);
  });
});

describe('firewall-enable', () => {
  const enable: ResponseSpec = {
    kind: 'firewall-enable',
    profiles: ['domain', 'private', 'public'],
    provider: 'powershell',
    timeoutMs: 30_000,
  };
  const text = (name: string) => fixture(`windows/${name}`);

  it('leaves a profile Group Policy keeps off alone and runs nothing when that is all there is', async () => {
    const { fake, responder } = setup('win32', { allow: ['firewall-enable'] });
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), { stdout: text('gpo-override.activestore.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.service), { stdout: text('get-service-mpssvc.running.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), {
        stdout: text('gpo-override.fwpolicy2.localpolicymodifystate.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: text('gpo-override.persistentstore.json.txt'),
      });
    const outcome = await responder.execute(enable, down);
    expect(outcome).toMatchObject({
      status: 'suppressed',
      reason: 'gpo-override',
      detail: 'Group Policy keeps domain off; not re-enabled (provider powershell)',
    });
    expect(fake.argv().some((argv) => argv.at(-1)!.startsWith('Set-NetFirewallProfile'))).toBe(false);
  });

  it('re-enables only the profiles Group Policy does not own', async () => {
    const { fake, responder } = setup('win32', { allow: ['firewall-enable'] });
    const active =
      '[{"Name":"Domain","Enabled":0},{"Name":"Private","Enabled":1},{"Name":"Public","Enabled":0}]';
    const local =
      '[{"Name":"Domain","Enabled":1},{"Name":"Private","Enabled":1},{"Name":"Public","Enabled":0}]';
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), { stdout: active })
      .on(WIN.powershell, ps(POWERSHELL.service), { stdout: text('get-service-mpssvc.running.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '0' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), { stdout: local })
      .on(WIN.powershell, ps(POWERSHELL.enable(['public'])));
    const outcome = await responder.execute(enable, down);
    expect(outcome).toMatchObject({
      status: 'done',
      detail: 'Set-NetFirewallProfile public done (provider powershell); left to Group Policy: domain',
    });
    expect(fake.argv().at(-1)!.at(-1)).toBe(
      'Set-NetFirewallProfile -Profile Public -Enabled True -ErrorAction Stop',
    );
  });
});
