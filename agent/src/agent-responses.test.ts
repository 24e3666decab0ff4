import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AgentConfig,
  Check,
  FirewallMode,
  FirewallProfile,
  FirewallProvider,
  FirewallState,
  Outcome,
  ResponseKind,
  ResponseStatus,
  ResponseVerdict,
} from '@portwarden/proto/agent/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, type AgentOptions, type SpooledResult } from './agent.js';
import { fixture, LINUX, WIN } from './probes/firewall/testing/fixtures.js';
import { POWERSHELL } from './probes/firewall/windows/powershell.js';
import { createFakeRunner, fakeLocate } from './system/testing/fake-runner.js';
import { FakeController } from './testing/controller.js';
import { closedPort, listen, type TestServer } from './testing/servers.js';

let dir: string;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-agent-responses-'));
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await rm(dir, { recursive: true, force: true });
});

const portCheck = (port: number, extra: Parameters<typeof Check.fromPartial>[0] = {}) =>
  Check.fromPartial({
    id: 'web',
    name: 'Web',
    intervalMs: 50,
    enabled: true,
    failuresBeforeAlert: 2,
    kind: { $case: 'port', value: { host: '127.0.0.1', port, timeoutMs: 2000 } },
    ...extra,
  });

const restart = {
  action: { $case: 'restartService' as const, value: { name: 'fake-svc', timeoutMs: 5000 } },
};

async function start(checks: Check[], options: Partial<AgentOptions> = {}) {
  const fake = await FakeController.start({
    config: { revision: 1, config: AgentConfig.fromPartial({ checks }) },
  });
  cleanup.push(() => fake.close());
  const results: SpooledResult[] = [];
  const agent = createAgent({
    controllers: [fake.address],
    name: 'web-1',
    stateDir: dir,
    reconnect: { initialMs: 20, maxMs: 100 },
    onResult: (r) => results.push(r),
    ...options,
  });
  cleanup.push(() => agent.stop());
  await agent.start();
  return { fake, agent, results };
}

describe('the agent runs responses', () => {
  it('at the threshold: restarts the service, verifies at once, and reports the round in one result', async () => {
    await writeFile(
      path.join(dir, 'agent.yaml'),
      'responses:\n  allow: [restart-service]\n  services: [fake-svc]\n',
    );
    const port = await closedPort();
    let service: TestServer | undefined;
    const fake = createFakeRunner('linux').on(LINUX.systemctl, ['restart', '--', 'fake-svc']);
    // The fake service manager brings the service back when it is asked to restart it.
    const run: typeof fake.run = async (cmd) => {
      const result = await fake.run(cmd);
      service ??= await listen(() => {}, { port });
      return result;
    };
    cleanup.push(async () => service?.close());
    const { fake: controller, results } = await start([portCheck(port, { responses: [restart] })], {
      system: { run, locate: fakeLocate({ systemctl: LINUX.systemctl }), platform: 'linux' },
    });

    await controller.until(() => controller.results.some((r) => r.response));
    const round = controller.results.findIndex((r) => r.response);
    expect(
      controller.results.slice(0, round + 1).map((r) => [r.outcome, r.consecutiveFailures, r.responds]),
    ).toEqual([
      [Outcome.OUTCOME_DOWN, 1, true],
      [Outcome.OUTCOME_UP, 0, true],
    ]);
    expect(controller.results[round]!.response).toMatchObject({
      verdict: ResponseVerdict.RESPONSE_VERDICT_RECOVERED,
      trigger: { outcome: Outcome.OUTCOME_DOWN, reason: 'refused' },
      attempts: [
        {
          kind: ResponseKind.RESPONSE_KIND_RESTART_SERVICE,
          target: 'fake-svc',
          status: ResponseStatus.RESPONSE_STATUS_DONE,
          verification: { outcome: Outcome.OUTCOME_UP, reason: '' },
          commands: [{ argv: [LINUX.systemctl, 'restart', '--', 'fake-svc'], exitCode: 0, timedOut: false }],
        },
      ],
    });
    expect(fake.argv()).toEqual([[LINUX.systemctl, 'restart', '--', 'fake-svc']]);
    expect(results[round]!.response?.verdict).toBe('recovered');
    const audit = (await readFile(path.join(dir, 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      audit.map((line: { event: string; response: { status?: string } }) => [
        line.event,
        line.response.status,
      ]),
    ).toEqual([
      ['started', undefined],
      ['finished', 'done'],
    ]);
  });

  it('allows nothing without a local config: response-denied, nothing run', async () => {
    const port = await closedPort();
    const fake = createFakeRunner('linux');
    const { fake: controller } = await start(
      [portCheck(port, { responses: [restart], failuresBeforeAlert: 1 })],
      {
        system: { run: fake.run, locate: fakeLocate({ systemctl: LINUX.systemctl }), platform: 'linux' },
      },
    );
    await controller.until(() => controller.results.length >= 1);
    expect(controller.results[0]).toMatchObject({
      outcome: Outcome.OUTCOME_DOWN,
      reason: 'response-denied',
      consecutiveFailures: 1,
      response: { verdict: ResponseVerdict.RESPONSE_VERDICT_DENIED },
    });
    expect(controller.results[0]!.detail).toMatch(
      /^restart-service is not allowed by this agent's local config/,
    );
    expect(fake.calls).toEqual([]);
  });

  it('re-enables a Windows firewall profile that is off and reports every profile', async () => {
    await writeFile(path.join(dir, 'agent.yaml'), 'responses: { allow: [firewall-enable] }\n');
    const text = (name: string) => ({ stdout: fixture(`windows/${name}`) });
    const off = text('get-netfirewallprofile.activestore.json.public-off.json.txt');
    const ps = (script: string) => [...POWERSHELL.args, script];
    const fake = createFakeRunner('win32')
      // The probe, the re-enable's own read, then on.
      .on(
        WIN.powershell,
        ps(POWERSHELL.activeStore),
        off,
        off,
        text('get-netfirewallprofile.activestore.json.all-on.json.txt'),
      )
      .on(WIN.powershell, ps(POWERSHELL.service), text('get-service-mpssvc.running.json.txt'))
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '0' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), off)
      .on(WIN.powershell, ps(POWERSHELL.enable(['public'])));
    const firewall = Check.fromPartial({
      id: 'fw',
      name: 'Windows Firewall',
      // Short, so the first run (jittered within the interval) comes at once.
      intervalMs: 200,
      enabled: true,
      failuresBeforeAlert: 1,
      kind: {
        $case: 'firewall',
        value: {
          mode: FirewallMode.FIREWALL_MODE_ENABLE,
          provider: FirewallProvider.FIREWALL_PROVIDER_POWERSHELL,
        },
      },
    });
    const { fake: controller } = await start([firewall], {
      system: { run: fake.run, locate: fakeLocate(WIN), platform: 'win32' },
    });
    await controller.until(() => controller.results.length >= 1);
    const [result] = controller.results;
    expect(result).toMatchObject({
      outcome: Outcome.OUTCOME_UP,
      consecutiveFailures: 0,
      response: {
        verdict: ResponseVerdict.RESPONSE_VERDICT_RECOVERED,
        trigger: { outcome: Outcome.OUTCOME_DOWN, reason: 'firewall-disabled' },
        attempts: [{ kind: ResponseKind.RESPONSE_KIND_FIREWALL_ENABLE, target: 'domain,private,public' }],
      },
    });
    expect(result!.firewall).toEqual({
      provider: FirewallProvider.FIREWALL_PROVIDER_POWERSHELL,
      found: [FirewallProvider.FIREWALL_PROVIDER_POWERSHELL],
      profiles: ['domain', 'private', 'public'].map((_, i) => ({
        profile: [
          FirewallProfile.FIREWALL_PROFILE_DOMAIN,
          FirewallProfile.FIREWALL_PROFILE_PRIVATE,
          FirewallProfile.FIREWALL_PROFILE_PUBLIC,
        ][i],
        state: FirewallState.FIREWALL_STATE_ON,
        detail: 'Enabled=1 in the active store',
      })),
      service: { name: 'MpsSvc', state: FirewallState.FIREWALL_STATE_ON, detail: 'Get-Service' },
      notes: [],
    });
    expect(fake.argv().filter((argv) => argv.at(-1)!.startsWith('Set-'))).toEqual([
      [WIN.powershell, ...ps(POWERSHELL.enable(['public']))],
    ]);
  });

  it('refuses to start with a local config it cannot read', async () => {
    await writeFile(path.join(dir, 'agent.yaml'), 'responses: { allow: [everything] }\n');
    const agent = createAgent({ controllers: ['127.0.0.1:1'], name: 'x', stateDir: dir });
    await expect(agent.start()).rejects.toThrow(/agent\.yaml: invalid local responses config/);
  });
});

describe('test now', () => {
  it('runs a check once on request, even a disabled one, and spools nothing', async () => {
    const up = await listen(() => {});
    cleanup.push(() => up.close());
    const check = portCheck(up.port, { enabled: false });
    const { fake: controller, results } = await start([check]);
    await controller.until(() => controller.configAcks.length === 1);
    controller.test('req-1', 'web');
    controller.test('req-2', 'nope');
    await controller.until(() => controller.testResults.length === 2);
    const byId = Object.fromEntries(controller.testResults.map((t) => [t.requestId, t]));
    expect(byId['req-1']).toMatchObject({
      error: '',
      result: { seq: 0, checkId: 'web', outcome: Outcome.OUTCOME_UP, consecutiveFailures: 0 },
    });
    expect(byId['req-2']).toEqual({
      requestId: 'req-2',
      result: undefined,
      error: 'this agent runs no check "nope"',
    });
    expect(results).toEqual([]);
    expect(controller.results).toEqual([]);
  });
});
