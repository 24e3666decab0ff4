import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { POWERSHELL } from '@portwarden/agent/probes/firewall/windows/powershell';
import type { Command, CommandRunner } from '@portwarden/agent/system/runner';
import { createFakeRunner, fakeLocate, type FakeRunner } from '@portwarden/agent/system/testing/fake-runner';
import { windowsToolPath } from '@portwarden/agent/system/tools';
import { until } from '@portwarden/common/testing';
import { portwarden as runCli } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

const SYSTEMCTL = '/usr/bin/systemctl';
const WIN = {
  powershell: windowsToolPath('powershell'),
  netsh: windowsToolPath('netsh'),
  sc: windowsToolPath('sc'),
  reg: windowsToolPath('reg'),
  shutdown: windowsToolPath('shutdown'),
};

/** The agent's recorded Windows outputs (agent/src/probes/firewall/testdata/windows, provenance in its README). */
const windows = (name: string) => ({
  stdout: readFileSync(new URL(`../../agent/src/probes/firewall/testdata/windows/${name}`, import.meta.url)),
});
const ps = (script: string) => [...POWERSHELL.args, script];

interface Alert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface ResponseRow {
  checkId: string;
  verdict: string;
  outcome: string;
  reason: string;
  incidentId: number | null;
  attempts: {
    kind: string;
    target: string;
    status: string;
    verification: { outcome: string; reason: string } | null;
  }[];
}
interface IncidentRow {
  id: number;
  agent: string;
  checkId: string;
  reason: string;
  resolvedAt: string | null;
}

/** Commands the fake runner saw whose last argument (the service, the script) matches. */
const issued = (fake: FakeRunner, pattern: RegExp) =>
  fake.calls.filter((c: Command) => pattern.test(c.args.at(-1) ?? ''));

/**
 * Automatic responses end to end, through the real controller and in-process agents whose command
 * runner is the fake one: nothing is ever restarted, enabled or rebooted for real.
 */
describe('automatic responses', () => {
  const fleet = new Fleet({ redis: false });
  /** The CLI as the fleet's admin. */
  const portwarden = (args: string[]) => runCli(args, { PORTWARDEN_TOKEN: fleet.admin.token });
  const receiver = new WebhookReceiver();
  // A service the fake service manager brings back when asked to restart it, and one it cannot.
  const comesBack = new FlakyService();
  const staysDown = new FlakyService();
  const denied = new FlakyService();
  const results: SpooledResult[] = [];
  let dir: string;
  let linux: FakeRunner;
  let win1: FakeRunner;
  let win2: FakeRunner;

  const alerts = () =>
    receiver.received.flatMap((r) =>
      (r.body as { alerts: Alert[] }).alerts.filter((a) => a.status === 'firing'),
    );
  const alertsOf = (checkId: string) => alerts().filter((a) => a.labels.check_id === checkId);
  const responsesOf = async (checkId: string) =>
    (await fleet.api<{ responses: ResponseRow[] }>(`/api/v1/responses?check=${checkId}`)).responses;
  const incidentsOf = async (checkId: string) =>
    (await fleet.api<{ incidents: IncidentRow[] }>('/api/v1/incidents')).incidents.filter(
      (i) => i.checkId === checkId,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pw-e2e-responses-'));
    await Promise.all([fleet.start(), receiver.start()]);
    // Each service gets a port, then goes down: the checks start failing.
    for (const service of [comesBack, staysDown, denied]) await (await service.start()).stop();

    await fleet.controller.applyPolicy(`
defaults: { alertGroup: ops, interval: 500ms, timeout: 1s, failuresBeforeAlert: 2 }
alertGroups:
  ops: { channels: [{ webhook: { url: '${receiver.url}' } }] }
checks:
  - { name: Service A, port: ${comesBack.port}, agents: { role: web }, response: { restartService: svc-a } }
  - { name: Service B, port: ${staysDown.port}, agents: { role: web }, response: { restartService: svc-b } }
  - { name: Service C, port: ${denied.port}, agents: { role: web }, response: { restartService: svc-c } }
  - { name: Service D, port: ${comesBack.port}, agents: { role: web }, enabled: false }
  - name: Windows Firewall
    firewall: { mode: enable, profiles: [domain, private, public], provider: auto }
    failuresBeforeAlert: 1
    agents: { site: paris }
  - name: Windows Firewall under GPO
    firewall: { mode: enable-or-reboot }
    failuresBeforeAlert: 1
    agents: { gpo: forced }
`);

    // web-1 (Linux) allows restarting svc-a and svc-b, not svc-c.
    linux = createFakeRunner('linux')
      .on(SYSTEMCTL, ['restart', '--', 'svc-a'])
      .on(SYSTEMCTL, ['restart', '--', 'svc-b']);
    const run: CommandRunner = async (cmd) => {
      const result = await linux.run(cmd);
      if (cmd.args.at(-1) === 'svc-a') await comesBack.start();
      return result;
    };
    const webConfig = join(dir, 'web-1.yaml');
    await writeFile(webConfig, 'responses:\n  allow: [restart-service]\n  services: [svc-a, svc-b]\n');
    await fleet.addAgent('web-1', { role: 'web' }, (r) => results.push(r), {
      configFile: webConfig,
      system: { run, locate: fakeLocate({ systemctl: SYSTEMCTL }), platform: 'linux' },
    });

    // win-1: the public profile is off; after Set-NetFirewallProfile the active store reads all on.
    const off = windows('get-netfirewallprofile.activestore.json.public-off.json.txt');
    win1 = createFakeRunner('win32')
      .on(
        WIN.powershell,
        ps(POWERSHELL.activeStore),
        off,
        off,
        windows('get-netfirewallprofile.activestore.json.all-on.json.txt'),
      )
      .on(WIN.powershell, ps(POWERSHELL.service), windows('get-service-mpssvc.running.json.txt'))
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '0\r\n' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), off)
      .on(WIN.powershell, ps(POWERSHELL.enable(['public'])));
    const winConfig = join(dir, 'win.yaml');
    await writeFile(winConfig, 'responses: { allow: [firewall-enable, reboot], minUptime: 1ms }\n');
    await fleet.addAgent('win-1', { site: 'paris' }, undefined, {
      configFile: winConfig,
      system: { run: win1.run, locate: fakeLocate(WIN), platform: 'win32' },
    });

    // win-2: Group Policy forces the domain profile off.
    win2 = createFakeRunner('win32')
      .on(WIN.powershell, ps(POWERSHELL.activeStore), windows('gpo-override.activestore.json.txt'))
      .on(WIN.powershell, ps(POWERSHELL.service), windows('get-service-mpssvc.running.json.txt'))
      .on(
        WIN.powershell,
        ps(POWERSHELL.localPolicyModifyState),
        windows('gpo-override.fwpolicy2.localpolicymodifystate.txt'),
      )
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), windows('gpo-override.persistentstore.json.txt'));
    await fleet.addAgent('win-2', { gpo: 'forced' }, undefined, {
      configFile: winConfig,
      system: { run: win2.run, locate: fakeLocate(WIN), platform: 'win32' },
    });
  });

  afterAll(async () => {
    await fleet.stop();
    await receiver.stop();
    await comesBack.stop(); // the only one running: the fake restart started it
    await rm(dir, { recursive: true, force: true });
  });

  it('restarts a service that comes back: a recorded response and no incident', async () => {
    const round = await until(
      'the response round of Service A',
      async () => (await responsesOf('service-a'))[0],
    );
    expect(round).toMatchObject({
      verdict: 'recovered',
      outcome: 'up',
      incidentId: null,
      attempts: [
        { kind: 'restart-service', target: 'svc-a', status: 'done', verification: { outcome: 'up' } },
      ],
    });
    // The round's result is committed with the decision it led to: had it opened an incident, it would be there.
    expect(await incidentsOf('service-a')).toEqual([]);
    // The check goes on up, and nobody was told.
    const ups = results.filter((r) => r.checkId === 'service-a' && r.outcome === 'up').length;
    await until(
      'two more successes',
      () => results.filter((r) => r.checkId === 'service-a' && r.outcome === 'up').length >= ups + 2,
    );
    expect(await incidentsOf('service-a')).toEqual([]);
    expect(alertsOf('service-a')).toEqual([]);
    expect(issued(linux, /^svc-a$/)).toHaveLength(1);
  });

  it('restarts a service that stays down: exactly one incident, whose notification says the restart was tried and failed', async () => {
    await until('the alert for Service B', () => alertsOf('service-b').length > 0);
    const [alert] = alertsOf('service-b');
    expect(alert!.labels).toMatchObject({ check: 'Service B', agent: 'web-1' });
    expect(alert!.annotations.response_verdict).toBe('failed');
    expect(alert!.annotations.response).toBe(
      'the response failed: restart-service svc-b: done, then the check was still down (refused)',
    );
    expect(alert!.annotations.description).toContain(
      'Automatic response: the response failed: restart-service svc-b',
    );

    const [incident] = await incidentsOf('service-b');
    expect((await responsesOf('service-b'))[0]).toMatchObject({
      verdict: 'failed',
      incidentId: incident!.id,
    });
    // More failures: still one incident, one notification, one restart.
    const downs = results.filter((r) => r.checkId === 'service-b').length;
    await until(
      'three more failures',
      () => results.filter((r) => r.checkId === 'service-b').length >= downs + 3,
    );
    await until('those failures stored', async () => {
      const { checks } = await fleet.api<{ checks: { checkId: string; consecutiveFailures: number }[] }>(
        '/api/v1/checks',
      );
      return (checks.find((c) => c.checkId === 'service-b')?.consecutiveFailures ?? 0) >= downs + 3;
    });
    expect(await incidentsOf('service-b')).toHaveLength(1);
    expect(alertsOf('service-b')).toHaveLength(1);
    expect(issued(linux, /^svc-b$/)).toHaveLength(1);
  });

  it('reports a response the agent does not allow as response-denied, runs nothing and alerts', async () => {
    await until('the alert for Service C', () => alertsOf('service-c').length > 0);
    const [alert] = alertsOf('service-c');
    expect(alert!.annotations.summary).toBe('Service C on web-1 failed: response-denied');
    expect(alert!.annotations.response_verdict).toBe('denied');
    expect(alert!.annotations.response).toContain(
      `service "svc-c" is not in this agent's responses.services`,
    );
    expect((await responsesOf('service-c'))[0]).toMatchObject({
      verdict: 'denied',
      reason: 'response-denied',
      attempts: [{ kind: 'restart-service', target: 'svc-c', status: 'denied', verification: null }],
    });
    expect(issued(linux, /^svc-c$/)).toEqual([]);
  });

  it('re-enables a Windows firewall profile that is off, verifies it on, and opens no incident', async () => {
    const round = await until(
      'the response round of the firewall',
      async () => (await responsesOf('windows-firewall'))[0],
    );
    expect(round).toMatchObject({
      verdict: 'recovered',
      outcome: 'up',
      attempts: [
        {
          kind: 'firewall-enable',
          target: 'domain,private,public',
          status: 'done',
          verification: { outcome: 'up' },
        },
      ],
    });
    expect(await incidentsOf('windows-firewall')).toEqual([]);
    expect(issued(win1, /^Set-NetFirewallProfile/).map((c) => c.args.at(-1))).toEqual([
      'Set-NetFirewallProfile -Profile Public -Enabled True -ErrorAction Stop',
    ]);
    expect(win1.calls.filter((c) => c.file === WIN.shutdown)).toEqual([]);
  });

  it('leaves a profile Group Policy keeps off alone: no enable, no reboot, an incident that says gpo-override', async () => {
    await until('the alert for the GPO firewall', () => alertsOf('windows-firewall-under-gpo').length > 0);
    const [alert] = alertsOf('windows-firewall-under-gpo');
    expect(alert!.labels).toMatchObject({ agent: 'win-2' });
    expect(alert!.labels).not.toHaveProperty('port');
    expect(alert!.annotations.summary).toBe('Windows Firewall under GPO on win-2 failed: gpo-override');
    expect(alert!.annotations.response_verdict).toBe('suppressed');
    expect(alert!.annotations.response).toMatch(
      /^the response was held back: firewall-enable domain,private,public: suppressed \(Group Policy keeps domain off/,
    );
    const [incident] = await incidentsOf('windows-firewall-under-gpo');
    expect(incident).toMatchObject({ agent: 'win-2', reason: 'gpo-override' });
    expect(issued(win2, /^(Set-|Start-)/)).toEqual([]);
    expect(win2.calls.filter((c) => c.file === WIN.shutdown)).toEqual([]);
  });

  it('tests a check now from the CLI: the per-profile state, nothing stored, no response', async () => {
    const firewall = await portwarden([
      '--url',
      fleet.httpUrl,
      'test',
      'Windows Firewall',
      '--agent',
      'win-1',
    ]);
    expect(firewall).toMatchObject({ code: 0, stderr: '' });
    const lines = firewall.stdout.split('\n');
    expect(lines[0]).toMatch(/^Windows Firewall on win-1: up \(\d+ ms\)$/);
    expect(lines).toContain('PROFILE   STATE   GROUP POLICY   DETAIL');
    expect(
      lines.filter((l) => /^(domain|private|public)\s+on\s+Enabled=1 in the active store$/.test(l)),
    ).toHaveLength(3);
    expect(lines).toContain('firewall service MpsSvc: running');

    // A failing check: exit 1, and the test runs no response and moves no threshold.
    const before = (await responsesOf('service-c')).length;
    const denials = issued(linux, /^svc-c$/).length;
    const down = await portwarden([
      '--url',
      fleet.httpUrl,
      'test',
      'service-c',
      '--agent',
      'web-1',
      '-o',
      'json',
    ]);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({
      agent: 'web-1',
      check: { id: 'service-c', kind: 'port' },
      result: { outcome: 'down', reason: 'refused' },
    });
    expect(await responsesOf('service-c')).toHaveLength(before);
    expect(issued(linux, /^svc-c$/)).toHaveLength(denials);

    // A disabled check runs on request too; its result is not stored.
    const disabled = await portwarden(['--url', fleet.httpUrl, 'test', 'Service D', '--agent', 'web-1']);
    expect(disabled.stdout).toMatch(/^Service D on web-1: up \(\d+ ms\)$/m);
    const { checks } = await fleet.api<{
      checks: { checkId: string; agent: string; lastResultAt: string | null }[];
    }>('/api/v1/checks');
    expect(checks.find((c) => c.checkId === 'service-d' && c.agent === 'web-1')?.lastResultAt).toBeNull();

    // What the CLI says when it cannot.
    const unassigned = await portwarden([
      '--url',
      fleet.httpUrl,
      'test',
      'Windows Firewall',
      '--agent',
      'web-1',
    ]);
    expect(unassigned.code).toBe(2);
    expect(unassigned.stderr).toContain('agent web-1 does not run check "Windows Firewall"');
  });

  it('lists the responses with portwarden get responses', async () => {
    const run = await portwarden(['--url', fleet.httpUrl, 'get', 'responses']);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+AGENT\s+CHECK\s+VERDICT\s+TRIED\s+RESULT\s+INCIDENT\s+AT$/);
    expect(rows.find((r) => r.includes('Service A'))).toMatch(
      /web-1\s+Service A\s+recovered\s+restart-service svc-a: done\s+up\s+-/,
    );
    expect(rows.find((r) => r.includes('Service B'))).toMatch(
      /failed\s+restart-service svc-b: done\s+down \(refused\)\s+\d+/,
    );
  });
});
