/**
 * `npm run bench`: Portwarden's port probe against a loopback banner server, side by side in one
 * run with a bare Node loop, check_tcp, blackbox_exporter and zabbix_agentd; then the agent at
 * rest. Never part of `npm test`. Knobs: see options.ts (environment variables only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBannerServer } from './banner/handle.js';
import { buildInfo, probeHash } from './build-info.js';
import type { Tool } from './cell/protocol.js';
import { measureIdleAgent, type IdleResult } from './idle/agent-idle.js';
import { describeMachine, type Machine, type ToolInfo } from './machine.js';
import { ENV_HELP, readOptions } from './options.js';
import { makePlans } from './plans.js';
import { formatReport } from './report.js';
import { runSuite, type Row } from './suite.js';
import { transpileBench } from './transpile.js';

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

function command(): string {
  const settings = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value}`);
  return [...settings, 'npm run bench'].join(' ');
}

function toolInfo(machine: Machine, tool: Tool): ToolInfo | undefined {
  const byTool: Partial<Record<Tool, ToolInfo>> = {
    check_tcp: machine.tools.checkTcp,
    blackbox: machine.tools.blackbox,
    zabbix: machine.tools.zabbix,
  };
  return byTool[tool];
}

function progress(row: Row, round: number): void {
  const failed = row.failed > 0 ? `, ${row.failed} FAILED` : '';
  log(
    `round ${round} ${row.mode} c=${row.concurrency} ${row.label}: ${Math.round(row.probesPerSecond)}/s, ` +
      `${row.cpuMsPerProbe.toFixed(3)} ms CPU/probe, server ${Math.round(row.serverCpuPercent)}%${failed}`,
  );
}

/** The idle agent needs PostgreSQL and a controller that builds; its failure must not lose the table. */
async function measureIdle(seconds: number): Promise<IdleResult | string | undefined> {
  if (seconds <= 0) return undefined;
  log(`idle agent: starting the controller and the agent, then watching for ${seconds} s`);
  try {
    return await measureIdleAgent(seconds);
  } catch (err) {
    log(`idle agent failed: ${(err as Error).message}`);
    return `failed: ${(err as Error).message} (it needs PostgreSQL at PORTWARDEN_TEST_PG_URL, default 127.0.0.1:5432, and built agent and controller packages)`;
  }
}

async function main(): Promise<void> {
  const options = readOptions(process.env);
  const loadAtStart = os.loadavg()[0]!;
  log(`knobs (environment variables): ${ENV_HELP.replace(/\n/g, ' ')}`);
  await transpileBench();
  const machine = describeMachine();
  const build = buildInfo();
  const server = await startBannerServer();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'pw-bench-'));
  try {
    const plans = makePlans(options.tools, { machine, target: server, workDir });
    const missing = options.tools
      .filter((tool) => !plans[tool])
      .flatMap((tool) => toolInfo(machine, tool) ?? []);
    for (const tool of missing) log(`skipping ${tool.name}: not installed; install it with: ${tool.install}`);
    log(`banner server on ${server.host}:${server.port} (pid ${server.pid})`);
    const rows = await runSuite(options, plans, server, progress);
    const idle = await measureIdle(options.idleSeconds);
    const load = { start: loadAtStart, end: os.loadavg()[0]! };
    const rebuilt = probeHash() !== build.probeHash;
    if (rebuilt) log('WARNING: agent/dist/probes/port changed during the run; the figures mix two builds');
    const report = { command: command(), options, machine, build, rebuilt, rows, missing, load };
    process.stdout.write(formatReport({ ...report, ...(idle && { idle }) }));
  } finally {
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
