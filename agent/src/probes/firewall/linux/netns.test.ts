import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSES_CONFIG_DEFAULTS } from '../../../responses/allow.js';
import { auditedCheck, openAuditLog } from '../../../responses/audit.js';
import { createResponder } from '../../../responses/executor.js';
import { createRebootGuard } from '../../../responses/guard.js';
import { respond } from '../../../responses/respond.js';
import { firewallResponses } from '../../../responses/spec.js';
import { createRunner, type CommandRunner } from '../../../system/runner.js';
import type { SystemDeps } from '../../../system/system.js';
import { createLocator } from '../../../system/tools.js';
import { probeFirewall } from '../probe.js';
import { PROVIDER_OPTION_DEFAULTS, type ProviderOptions } from '../provider.js';
import { defaultFirewallSpec, type ProviderName } from '../spec.js';

/**
 * The Linux providers for real, as root, inside a network namespace this file creates: every
 * command runs as `ip netns exec <ns> ...`, so the host's own rules are never touched (checked at
 * the end). Needs `ip`, `nft`, `iptables-nft` and `iptables-legacy` (Debian: nftables, iptables).
 */
const root = process.platform === 'linux' && process.getuid?.() === 0;
const NS = `pw-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const TIMEOUT = { timeoutMs: 20_000 };

const IPTABLES_RULES = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

describe.skipIf(!root)('Linux providers for real, in a network namespace', () => {
  const real = createRunner();
  const locate = createLocator();
  let dir: string;
  let ip: string;
  let hostBefore: string;
  let system: SystemDeps;
  const tool = async (name: Parameters<typeof locate>[0]) => {
    const file = await locate(name);
    if (!file) throw new Error(`${name} is missing: apt-get install -y nftables iptables`);
    return file;
  };
  /** Runs a tool in the namespace and insists that it worked. */
  const sh = async (name: Parameters<typeof locate>[0], args: string[], input?: string) => {
    const result = await system.run({
      file: await tool(name),
      args,
      ...TIMEOUT,
      ...(input !== undefined && { input }),
    });
    expect(result.exitCode, `${name} ${args.join(' ')}: ${result.stderr.toString()}`).toBe(0);
  };

  beforeAll(async () => {
    ip = await tool('ip');
    for (const name of [
      'nft',
      'iptables-nft',
      'iptables-legacy',
      'iptables-nft-restore',
      'iptables-legacy-restore',
    ] as const) {
      await tool(name);
    }
    hostBefore = await hostState(real);
    const added = await real({ file: ip, args: ['netns', 'add', NS], ...TIMEOUT });
    expect(added.exitCode, added.stderr.toString()).toBe(0);
    system = { run: inNamespace(real, ip, NS), locate, platform: 'linux' };
    dir = await mkdtemp(path.join(os.tmpdir(), 'pw-netns-'));
  });

  afterAll(async () => {
    if (!ip || !system) return;
    await real({ file: ip, args: ['netns', 'del', NS], ...TIMEOUT });
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(await hostState(real)).toBe(hostBefore);
  });

  /** The sequence the agent runs for a firewall check in `enable` mode, with the two keys turned. */
  const enableAndVerify = async (provider: ProviderName, options: Partial<ProviderOptions>) => {
    const spec = defaultFirewallSpec({ mode: 'enable', provider });
    const ctx = { system, providerOptions: options };
    const down = await probeFirewall(spec, ctx);
    const audit = openAuditLog({ dir });
    const responder = createResponder({
      system,
      config: {
        ...RESPONSES_CONFIG_DEFAULTS,
        allow: ['firewall-enable'],
        firewall: { ...PROVIDER_OPTION_DEFAULTS, ...options },
      },
      guard: createRebootGuard({ dir, options: RESPONSES_CONFIG_DEFAULTS.reboot }),
      audit,
    });
    const check = auditedCheck({ id: `fw-${provider}`, name: `firewall (${provider})` });
    const outcome = await respond(
      check,
      down,
      () => probeFirewall(spec, ctx),
      firewallResponses(spec),
      responder,
    );
    return { down, outcome, audit: await readFile(audit.file, 'utf8') };
  };

  it('nftables: an input-drop ruleset is on, flushed it is off, enable restores it from the file and verifies', async () => {
    const rules = path.join(dir, 'nftables.conf');
    await copyFile(new URL('../testdata/linux/nftables.conf.input-drop.nft', import.meta.url), rules);
    await sh('nft', ['-f', rules]);
    expect(await hostState(real)).toBe(hostBefore); // it went into the namespace
    const spec = defaultFirewallSpec({ provider: 'nftables' });
    expect(await probeFirewall(spec, { system })).toMatchObject({
      outcome: 'up',
      detail: 'firewall on: inet filter input: policy drop (provider nftables)',
    });

    await sh('nft', ['flush', 'ruleset']);
    const { down, outcome, audit } = await enableAndVerify('nftables', { nftablesRuleset: rules });
    expect(down).toMatchObject({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'firewall off: no input hook chain (provider nftables)',
    });
    expect(outcome.verdict).toBe('recovered');
    expect(outcome.attempts[0]!.response).toMatchObject({ kind: 'firewall-enable', status: 'done' });
    expect(outcome.attempts[0]!.response.commands[0]!.argv.slice(-3)).toEqual([
      await tool('nft'),
      '-f',
      rules,
    ]);
    expect(outcome.result).toMatchObject({
      outcome: 'up',
      detail: 'firewall on: inet filter input: policy drop (provider nftables)',
    });
    expect(
      audit
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).event),
    ).toEqual(['started', 'finished']);
  });

  it("nftables: Debian's default accept-all ruleset is loaded but off", async () => {
    await sh('nft', [
      '-f',
      new URL('../testdata/linux/nftables.conf.debian-default-accept-all.nft', import.meta.url).pathname,
    ]);
    expect(await probeFirewall(defaultFirewallSpec({ provider: 'nftables' }), { system })).toMatchObject({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'firewall off: inet filter input: policy accept, no final drop or reject (provider nftables)',
    });
    await sh('nft', ['flush', 'ruleset']);
  });

  it('iptables (nf_tables backend): policy DROP is on, flushed it is off, enable restores the rules file and verifies', async () => {
    const rules = path.join(dir, 'rules.v4');
    await writeFile(rules, IPTABLES_RULES);
    await sh('iptables-nft-restore', [], IPTABLES_RULES);
    expect(await probeFirewall(defaultFirewallSpec({ provider: 'iptables' }), { system })).toMatchObject({
      outcome: 'up',
      detail: 'firewall on: nf_tables: INPUT policy DROP (provider iptables)',
    });

    await sh('iptables-nft', ['-P', 'INPUT', 'ACCEPT']);
    await sh('iptables-nft', ['-F', 'INPUT']);
    const { down, outcome } = await enableAndVerify('iptables', {
      iptablesRules: rules,
      iptablesBackend: 'nft',
    });
    expect(down).toMatchObject({ outcome: 'down', reason: 'firewall-disabled' });
    expect(outcome.verdict).toBe('recovered');
    expect(outcome.attempts[0]!.response.commands[0]!.argv.at(-1)).toBe(await tool('iptables-nft-restore'));
    expect(outcome.result).toMatchObject({
      outcome: 'up',
      detail: 'firewall on: nf_tables: INPUT policy DROP (provider iptables)',
    });
    await sh('nft', ['flush', 'ruleset']);
  });

  it('iptables (legacy backend): found through the nf_tables warning, restored with iptables-legacy-restore', async () => {
    const rules = path.join(dir, 'rules-legacy.v4');
    await writeFile(rules, IPTABLES_RULES);
    await sh('iptables-legacy-restore', [], IPTABLES_RULES);
    expect(await probeFirewall(defaultFirewallSpec({ provider: 'iptables' }), { system })).toMatchObject({
      outcome: 'up',
      detail:
        'firewall on: nf_tables: INPUT policy ACCEPT, no final DROP or REJECT rule; legacy: INPUT policy DROP (provider iptables)',
    });

    await sh('iptables-legacy', ['-P', 'INPUT', 'ACCEPT']);
    await sh('iptables-legacy', ['-F', 'INPUT']);
    const { down, outcome } = await enableAndVerify('iptables', {
      iptablesRules: rules,
      iptablesBackend: 'legacy',
    });
    expect(down).toMatchObject({ outcome: 'down', reason: 'firewall-disabled' });
    expect(outcome.verdict).toBe('recovered');
    expect(outcome.result.detail).toContain('legacy: INPUT policy DROP');
  });

  it('auto finds nftables and iptables here and reports the one filtering', async () => {
    await sh('nft', ['flush', 'ruleset']);
    await sh('iptables-legacy', ['-P', 'INPUT', 'ACCEPT']);
    await sh('nft', [
      '-f',
      new URL('../testdata/linux/nftables.conf.input-drop.nft', import.meta.url).pathname,
    ]);
    const result = await probeFirewall(defaultFirewallSpec(), { system });
    expect(result.firewall.found).toEqual(expect.arrayContaining(['nftables', 'iptables']));
    expect(result).toMatchObject({ outcome: 'up', firewall: { provider: 'nftables' } });
  });
});

/** Runs every command inside the namespace, through the same runner. */
function inNamespace(run: CommandRunner, ip: string, ns: string): CommandRunner {
  return (cmd) => run({ ...cmd, file: ip, args: ['netns', 'exec', ns, cmd.file, ...cmd.args] });
}

/** The host's own rules, which the tests must leave exactly as they were. */
async function hostState(run: CommandRunner): Promise<string> {
  const nft = await run({ file: (await createLocator()('nft'))!, args: ['list', 'ruleset'], ...TIMEOUT });
  expect(nft.exitCode).toBe(0);
  const legacyTables = await readFile('/proc/net/ip_tables_names', 'utf8').catch(() => '');
  return `${nft.stdout.toString()}\n--legacy tables--\n${legacyTables}`;
}
