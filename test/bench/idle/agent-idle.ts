/**
 * The agent at rest: the real binary (agent/dist/main.js), connected to a real controller run
 * in-process on a fresh PostgreSQL database, running the six Ports-tab checks every 2 minutes.
 * The window opens once every check has reported; RSS is sampled each second, CPU read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createController } from '@portwarden/controller/controller';
import { createTestDatabase } from '@portwarden/controller/testing';
import { testAdminToken } from '@portwarden/controller/testing/admin-token';
import { cpuMs, memory } from '../proc.js';
import { PORTS_TAB_CHECKS, PORTS_TAB_POLICY } from './policy.js';

export interface IdleResult {
  windowSeconds: number;
  cpuMs: number;
  /** CPU over the window, % of one core. */
  cpuPercentOfCore: number;
  rssMiB: { atEnd: number; max: number; peak: number };
  /** Probe results the agent started inside the window (6 per round). */
  probesInWindow: number;
  /** What the six checks found on this machine, e.g. `down: refused` x 6. */
  outcomes: string;
}

const SETTLE_MS = 3_000;
const MiB = 1024;

const AGENT_MAIN = fileURLToPath(new URL('./main.js', import.meta.resolve('@portwarden/agent/agent')));

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  child.kill('SIGTERM');
  await exited;
  clearTimeout(killer);
}

interface CheckRow {
  status: string;
  reason: string;
  lastResultAt: string | null;
}

async function checkRows(httpUrl: string, auth: { authorization: string }): Promise<CheckRow[]> {
  const response = await fetch(`${httpUrl}/api/v1/checks`, { headers: auth });
  return ((await response.json()) as { checks: CheckRow[] }).checks;
}

/** Polls the status board until every check has a result (the scheduler jitters first runs up to 10 s). */
async function allReported(
  httpUrl: string,
  auth: { authorization: string },
  agent: ChildProcess,
  timeoutMs: number,
): Promise<CheckRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await checkRows(httpUrl, auth);
    if (rows.length === PORTS_TAB_CHECKS && rows.every((row) => row.lastResultAt)) return rows;
    if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode}) before reporting`);
    if (Date.now() > deadline)
      throw new Error(`the agent did not report all six checks within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function summarize(rows: CheckRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = row.reason ? `${row.status}: ${row.reason}` : row.status;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} x ${n}`).join(', ');
}

/** Samples the agent for `seconds`; the caller has it running and reporting. */
async function observe(pid: number, seconds: number) {
  const before = cpuMs(pid);
  const startedAt = Date.now();
  let maxKiB = memory(pid).rssKiB;
  for (let second = 0; second < seconds; second += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    maxKiB = Math.max(maxKiB, memory(pid).rssKiB);
  }
  const elapsedMs = Date.now() - startedAt;
  const used = cpuMs(pid) - before;
  const { rssKiB, peakKiB } = memory(pid);
  return { startedAt, endedAt: startedAt + elapsedMs, elapsedMs, cpuMs: used, rssKiB, maxKiB, peakKiB };
}

/** The real binary, as an operator starts it; its log (info level) goes nowhere, as to a quiet journal. */
function startAgent(controller: string, stateDir: string): ChildProcess {
  const args = ['--controller', controller, '--name', 'bench', '--state-dir', stateDir, '--insecure'];
  return spawn(process.execPath, [AGENT_MAIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Probe results the agent started in a time range, as the controller stored them. */
async function resultsBetween(databaseUrl: string, from: number, to: number): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM results WHERE started_at >= ${new Date(from)} AND started_at < ${new Date(to)}`;
    return rows[0]?.count ?? 0;
  } finally {
    await sql.end();
  }
}

export async function measureIdleAgent(seconds: number): Promise<IdleResult> {
  const db = await createTestDatabase('pw_bench');
  const admin = await testAdminToken();
  const controller = createController({
    databaseUrl: db.url,
    adminTokenFile: admin.file,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
  });
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'pw-bench-agent-'));
  let agent: ChildProcess | undefined;
  try {
    const started = await controller.start();
    await controller.applyPolicy(PORTS_TAB_POLICY);
    agent = startAgent(started.grpcAddress, stateDir);
    const reported = await allReported(started.httpUrl, admin.headers, agent, 60_000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const seen = await observe(agent.pid!, seconds);
    const count = await resultsBetween(db.url, seen.startedAt, seen.endedAt);
    return {
      windowSeconds: seen.elapsedMs / 1000,
      cpuMs: seen.cpuMs,
      cpuPercentOfCore: (seen.cpuMs / seen.elapsedMs) * 100,
      rssMiB: { atEnd: seen.rssKiB / MiB, max: seen.maxKiB / MiB, peak: seen.peakKiB / MiB },
      probesInWindow: count,
      outcomes: summarize(reported),
    };
  } finally {
    if (agent) await stopProcess(agent);
    await controller.stop().catch(() => {});
    await db.drop();
    await admin.remove();
    await rm(stateDir, { recursive: true, force: true });
  }
}
