#!/usr/bin/env node
import { Command } from 'commander';
import { PortwardenError } from '@portwarden/common/errors';
import { readToken } from './control/policy.js';
import { defaultRampMs, durationFlag, intFlag, rateFlag } from './options.js';
import { formatReport } from './report.js';
import { runSim } from './run.js';

interface Flags {
  controller: string;
  api: string;
  adminTokenFile?: string;
  agents: string;
  checks: string;
  interval: string;
  failureRate: string;
  failuresBeforeAlert: string;
  seed: string;
  agentsPerConnection: string;
  ramp?: string;
  warmup: string;
  duration: string;
  drain: string;
  controllerPid?: string;
  databaseUrl?: string;
  namePrefix?: string;
  json?: boolean;
}

const program = new Command('portwarden-sim')
  .description(
    "Simulated agents speaking the real agent contract to an --insecure controller (plaintext gRPC, agents named by their hello); reports offered vs acknowledged results/s, ack latency, the controller's CPU and RSS, PostgreSQL's CPU, commits per result and notification latency",
  )
  .option('--controller <addr>', "the controller's gRPC address (started with --insecure)", '127.0.0.1:7443')
  .option('--api <url>', "the controller's HTTP API", 'http://127.0.0.1:7480')
  .option(
    '--admin-token-file <file>',
    "an admin token (the controller's --admin-token-file): the sim then applies its own policy (C port checks for its agents, a webhook to its receiver), replacing the one in force; without it the agents run the checks they are pushed",
  )
  .option('--agents <n>', 'simulated agents', '100')
  .option('--checks <n>', 'checks per agent', '20')
  .option('--interval <duration>', 'each check runs this often', '10s')
  .option('--failure-rate <rate>', 'each result is down with this probability: 0.02 or 2%', '0')
  .option('--failures-before-alert <n>', "the policy's failuresBeforeAlert", '1')
  .option('--seed <n>', 'seed of the failures', '1')
  .option('--agents-per-connection <n>', 'agents sharing one HTTP/2 connection', '50')
  .option('--ramp <duration>', 'hellos spread over this long (default: 1 ms per agent, 1 s to 30 s)')
  .option('--warmup <duration>', 'after every agent has its config, before the window', '10s')
  .option('--duration <duration>', 'the measured window', '60s')
  .option(
    '--drain <duration>',
    'after the window: wait this long at most for the last acks and notifications',
    '15s',
  )
  .option('--controller-pid <pid>', "the controller's process: its CPU and RSS")
  .option(
    '--database-url <url>',
    "the controller's database: commits per result, agent unreachable incidents",
  )
  .option('--name-prefix <prefix>', 'agent names are PREFIX-00001…; unique per run (default sim-<time>)')
  .option('--json', 'print the report as JSON')
  .exitOverride();

async function main(flags: Flags): Promise<void> {
  const agents = intFlag(flags.agents, '--agents');
  const report = await runSim({
    controller: flags.controller,
    api: flags.api,
    ...(flags.adminTokenFile && { adminToken: await readToken(flags.adminTokenFile) }),
    agents,
    checks: intFlag(flags.checks, '--checks', 1, 1000),
    intervalMs: durationFlag(flags.interval, '--interval'),
    failureRate: rateFlag(flags.failureRate, '--failure-rate'),
    failuresBeforeAlert: intFlag(flags.failuresBeforeAlert, '--failures-before-alert', 1, 1000),
    seed: intFlag(flags.seed, '--seed', 0),
    agentsPerConnection: intFlag(flags.agentsPerConnection, '--agents-per-connection'),
    rampMs: flags.ramp ? durationFlag(flags.ramp, '--ramp') : defaultRampMs(agents),
    warmupMs: durationFlag(flags.warmup, '--warmup'),
    durationMs: durationFlag(flags.duration, '--duration'),
    drainMs: durationFlag(flags.drain, '--drain'),
    ...(flags.controllerPid && { controllerPid: intFlag(flags.controllerPid, '--controller-pid') }),
    ...(flags.databaseUrl && { databaseUrl: flags.databaseUrl }),
    namePrefix: flags.namePrefix ?? `sim-${Date.now().toString(36)}`,
    log: (line) => process.stderr.write(`portwarden-sim: ${line}\n`),
  });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
}

Promise.resolve()
  .then(() => main(program.parse().opts<Flags>()))
  .then(
    () => process.exit(0),
    (err: unknown) => {
      if (
        err instanceof Error &&
        'exitCode' in err &&
        (err as { code?: string }).code?.startsWith('commander.')
      )
        process.exit((err as { exitCode: number }).exitCode === 0 ? 0 : 2);
      const hint = err instanceof PortwardenError && err.hint ? `\n  hint: ${err.hint}` : '';
      process.stderr.write(`portwarden-sim: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
      process.exit(1);
    },
  );
