import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POWERSHELL } from '../probes/firewall/windows/powershell.js';
import { fakeSystem, fixture, LINUX, WIN } from '../probes/firewall/testing/fixtures.js';
import { probeFirewall, type FirewallProbeResult } from '../probes/firewall/probe.js';
import { defaultFirewallSpec } from '../probes/firewall/spec.js';
import { parseResponsesConfig, type ResponsesConfigInput } from './allow.js';
import { auditedCheck, type AuditRecord, type AuditSink } from './audit.js';
import { createResponder } from './executor.js';
import { createRebootGuard } from './guard.js';
import { respond, type CheckResult } from './respond.js';
import { firewallResponses, type ResponseSpec } from './spec.js';

const check = auditedCheck({ id: 'web-https', name: 'web https' });
const refused: CheckResult = {
  outcome: 'down',
  reason: 'refused',
  detail: 'cannot connect to 127.0.0.1:443: ECONNREFUSED',
};
const up: CheckResult = { outcome: 'up', detail: 'connected' };
const restartNginx: ResponseSpec = { kind: 'restart-service', service: 'nginx', timeoutMs: 10_000 };
const ps = (script: string) => [...POWERSHELL.args, script];
const REBOOT_COMMENT =
  "Portwarden: check 'web https' failed and its response did not fix it; reboot 1 of at most 1 within 24 h";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-respond-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setup(platform: 'linux' | 'win32', allow: ResponsesConfigInput) {
  const { system, fake } = fakeSystem(platform);
  const config = parseResponsesConfig(allow, platform);
  const audited: AuditRecord[] = [];
  const audit: AuditSink = { append: async (record) => void audited.push(record) };
  const guard = createRebootGuard({ dir, options: config.reboot, uptimeMs: () => 3_600_000 });
  return { system, fake, audited, responder: createResponder({ system, config, guard, audit }) };
}

/** A probe that answers with these results in turn, and counts its calls. */
function scripted<R extends CheckResult>(...results: R[]) {
  const probe = async () => results[Math.min(probe.calls++, results.length - 1)]!;
  probe.calls = 0;
  return probe;
}

describe('respond', () => {
  it('restarts the service, probes again at once, and reports the recovery', async () => {
    const { fake, responder } = setup('linux', { allow: ['restart-service'], services: ['nginx'] });
    fake.on(LINUX.systemctl, ['restart', '--', 'nginx']);
    const probe = scripted(up);
    const outcome = await respond(check, refused, probe, [restartNginx], responder);
    expect(outcome.verdict).toBe('recovered');
    expect(outcome.result).toEqual(up);
    expect(probe.calls).toBe(1);
    expect(outcome.attempts).toEqual([
      { response: expect.objectContaining({ status: 'done' }), verification: up },
    ]);
  });

  it('reports a service that stays down with the verification, and what was tried', async () => {
    const { fake, responder } = setup('linux', { allow: ['restart-service'], services: ['nginx'] });
    fake.on(LINUX.systemctl, ['restart', '--', 'nginx']);
    const stillDown = { ...refused, detail: 'still refused' };
    const outcome = await respond(check, refused, scripted(stillDown), [restartNginx], responder);
    expect(outcome.verdict).toBe('failed');
    expect(outcome.result).toEqual(stillDown);
    expect(outcome.attempts[0]!.response).toMatchObject({
      kind: 'restart-service',
      target: 'nginx',
      status: 'done',
    });
  });

  it('turns a response the agent does not allow into response-denied, runs nothing, and probes nothing', async () => {
    const { fake, responder, audited } = setup('linux', {});
    const probe = scripted(up);
    const outcome = await respond(check, refused, probe, [restartNginx, { kind: 'reboot' }], responder);
    expect(outcome.verdict).toBe('denied');
    expect(outcome.result).toEqual({
      outcome: 'down',
      reason: 'response-denied',
      detail:
        "restart-service is not allowed by this agent's local config (add it to responses.allow); the check: refused: cannot connect to 127.0.0.1:443: ECONNREFUSED",
    });
    expect(outcome.attempts).toHaveLength(1); // no escalation past a "no"
    expect(fake.calls).toEqual([]);
    expect(probe.calls).toBe(0);
    expect(audited.map((r) => r.response.status)).toEqual(['denied']);
  });

  it('turns a reboot the guard holds back into reboot-suppressed', async () => {
    const { fake, responder } = setup('linux', { allow: ['reboot'], maxReboots: 0 });
    const outcome = await respond(check, refused, scripted(up), [{ kind: 'reboot' }], responder);
    expect(outcome.verdict).toBe('suppressed');
    expect(outcome.result.reason).toBe('reboot-suppressed');
    expect(outcome.result.detail).toMatch(
      /^reboot held back: 0 reboot\(s\) within 24 h; maxReboots is 0; the check: refused: /,
    );
    expect(fake.calls).toEqual([]);
  });

  it('does nothing without responses', async () => {
    const { responder } = setup('linux', {});
    expect(await respond(check, refused, scripted(up), [], responder)).toMatchObject({
      verdict: 'none',
      result: refused,
    });
  });
});

describe('respond for a Windows firewall check in enable-or-reboot mode', () => {
  const text = (name: string) => fixture(`windows/${name}`);
  const spec = defaultFirewallSpec({
    mode: 'enable-or-reboot',
    provider: 'powershell',
    profiles: ['public'],
  });

  it('re-enables, verifies from the active store, and reboots when the profile stays off', async () => {
    const { system, fake, responder } = setup('win32', { allow: ['firewall-enable', 'reboot'] });
    const publicOff = { stdout: text('get-netfirewallprofile.activestore.json.public-off.json.txt') };
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), publicOff)
      .on(WIN.powershell, ps(POWERSHELL.service), { stdout: text('get-service-mpssvc.running.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '0' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), publicOff)
      .on(WIN.powershell, ps(POWERSHELL.enable(['public'])))
      .on(WIN.shutdown, ['/r', '/t', '60', '/c', REBOOT_COMMENT, '/d', 'p:4:1']);
    const probe = () => probeFirewall(spec, { system });
    const trigger = await probe();
    expect(trigger.reason).toBe('firewall-disabled');
    fake.calls.length = 0;
    const outcome = await respond<FirewallProbeResult>(
      check,
      trigger,
      probe,
      firewallResponses(spec),
      responder,
    );
    expect(outcome.verdict).toBe('rebooting');
    expect(outcome.attempts.map((a) => [a.response.kind, a.response.status, a.verification?.reason])).toEqual(
      [
        ['firewall-enable', 'done', 'firewall-disabled'],
        ['reboot', 'done', undefined],
      ],
    );
    expect(fake.argv().map((argv) => (argv.at(-1) === 'p:4:1' ? 'shutdown' : argv.at(-1)))).toEqual([
      // firewall-enable: read the state, then turn public on
      POWERSHELL.activeStore,
      POWERSHELL.service,
      POWERSHELL.localPolicyModifyState,
      POWERSHELL.persistentStore,
      POWERSHELL.service,
      POWERSHELL.enable(['public']),
      // verification: the active store again
      POWERSHELL.activeStore,
      POWERSHELL.service,
      POWERSHELL.localPolicyModifyState,
      POWERSHELL.persistentStore,
      'shutdown',
    ]);
  });

  it('stops at a Group Policy override: nothing re-enabled, no reboot', async () => {
    const { system, fake, responder } = setup('win32', { allow: ['firewall-enable', 'reboot'] });
    const gpoSpec = defaultFirewallSpec({ mode: 'enable-or-reboot', provider: 'powershell' });
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), { stdout: text('gpo-override.activestore.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.service), { stdout: text('get-service-mpssvc.running.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), {
        stdout: text('gpo-override.fwpolicy2.localpolicymodifystate.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: text('gpo-override.persistentstore.json.txt'),
      });
    const probe = () => probeFirewall(gpoSpec, { system });
    const outcome = await respond(check, await probe(), probe, firewallResponses(gpoSpec), responder);
    expect(outcome.verdict).toBe('suppressed');
    expect(outcome.result.reason).toBe('gpo-override');
    expect(outcome.attempts).toHaveLength(1);
    expect(fake.argv().some((argv) => argv[0] === WIN.shutdown || argv.at(-1)!.startsWith('Set-'))).toBe(
      false,
    );
  });
});
