/**
 * The agents at rest, each beside its baseline, one after the other on a quiet machine:
 * - Wine: portwarden-agent.exe enrolled over mutual TLS with a real controller on loopback, one port
 *   check against a loopback TCP server, its state on the prefix's C: drive; baseline: the same
 *   node.exe running an empty timer script in the same prefix.
 * - Linux: the .deb's bundle run by this machine's node, enrolled the same way; baseline: `node -e`
 *   with the same empty timer.
 * Each window opens once the process is up (the agent: once its first results are stored) and a
 * few seconds have gone by; the Wine prefix is emptied (`wineserver -k`) between the two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { until } from '@portwarden/common/testing';
import {
  killWineProcess,
  killWineServer,
  spawnWine,
  toWindowsPath,
  type WinePrefix,
} from '@portwarden/deploy/package/wine';
import { portwarden } from '../../support/cli.js';
import { Fleet } from '../../support/fleet.js';
import { FlakyService } from '../../support/tcp-server.js';
import { resident } from '../proc.js';
import { NODE_EXE, type Built } from './build.js';
import { prefixProcesses, sampleWindow, type Window } from './sample.js';

/** Start-up work (JIT, first GCs, enrollment) left behind before the window opens. */
const SETTLE_MS = 3_000;
/** How often the one check runs: several runs fall in a 60 s window. */
export const CHECK_INTERVAL = '10s';
const STATE_DIR = 'C:\\ProgramData\\Portwarden Bench';

/** Writes a file to say it is up, then does nothing: the cost of the runtime alone. */
const IDLE_SCRIPT = `require('fs').writeFileSync(process.argv[process.argv.length - 1], 'up');\nsetInterval(() => {}, 1e9);\n`;

export interface AgentWindow extends Window {
  /** Results the controller stored for this agent with a start inside the window. */
  results: number;
}

export interface IdleResults {
  wine: { baseline: Window; agent: AgentWindow };
  linux: { baseline: Window; agent: AgentWindow };
}

const log = (text: string) => process.stderr.write(`[bench:packages] ${text}\n`);

export async function measureIdle(
  built: Built,
  prefix: WinePrefix,
  dir: string,
  seconds: number,
): Promise<IdleResults> {
  const fleet = new Fleet({
    redis: false,
    controller: { tls: { caKey: 'the CA key secret of the packages bench' } },
  });
  const service = new FlakyService();
  let sql: postgres.Sql | undefined;
  try {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    await fleet.controller.applyPolicy(`
alertGroups: { bench: { channels: [{ log: {} }] } }
checks:
  - { name: port-windows, host: 127.0.0.1, port: ${service.port}, interval: ${CHECK_INTERVAL}, alertGroup: bench, agents: { os: windows } }
  - { name: port-linux, host: 127.0.0.1, port: ${service.port}, interval: ${CHECK_INTERVAL}, alertGroup: bench, agents: { os: linux } }
`);
    const idleScript = path.join(dir, 'idle.cjs');
    await writeFile(idleScript, IDLE_SCRIPT);
    const context = { fleet, sql, prefix, dir, seconds };

    log(`Wine baseline: node.exe ${path.basename(idleScript)}, ${seconds} s`);
    const wineBaseline = await wineWindow(
      context,
      'baseline',
      [NODE_EXE, toWindowsPath(idleScript)],
      'node.exe',
    );
    log(`Wine: portwarden-agent.exe enrolled over mutual TLS, ${seconds} s`);
    const token = await enrollToken(fleet, 'windows');
    const wineAgent = await wineWindow(
      context,
      'agent',
      [built.agentExe, ...agentArgs(fleet, 'bench-windows', STATE_DIR, token)],
      'portwarden-agent.exe',
      'bench-windows',
    );
    log(`Linux baseline: node -e setInterval, ${seconds} s`);
    const linuxBaseline = await linuxWindow(context, 'baseline', ['-e', IDLE_SCRIPT]);
    log(`Linux: the .deb's bundle on node ${process.version}, enrolled over mutual TLS, ${seconds} s`);
    const linuxToken = await enrollToken(fleet, 'linux');
    const linuxAgent = await linuxWindow(
      context,
      'agent',
      [built.debBundle, ...agentArgs(fleet, 'bench-linux', path.join(dir, 'linux-state'), linuxToken)],
      'bench-linux',
    );
    return {
      wine: { baseline: wineBaseline, agent: wineAgent as AgentWindow },
      linux: { baseline: linuxBaseline, agent: linuxAgent as AgentWindow },
    };
  } finally {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  }
}

interface Context {
  fleet: Fleet;
  sql: postgres.Sql;
  prefix: WinePrefix;
  dir: string;
  seconds: number;
}

function agentArgs(fleet: Fleet, name: string, stateDir: string, token: string): string[] {
  return [
    '--controller',
    fleet.grpcAddress,
    '--name',
    name,
    '--state-dir',
    stateDir,
    '--enroll-token',
    token,
  ];
}

/** A one-time enrollment token from the CLI, as an operator makes one; the label picks the check. */
async function enrollToken(fleet: Fleet, os: string): Promise<string> {
  const run = await portwarden(
    ['--url', fleet.httpUrl, 'token', 'create', '--label', `os=${os}`, '--ttl', '10m'],
    { PORTWARDEN_TOKEN: fleet.admin.token },
  );
  if (run.code !== 0) throw new Error(`portwarden token create exited ${run.code}: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

/** Results stored for the agent of that name with a start in [from, to) (ms since the epoch). */
async function storedResults(
  sql: postgres.Sql,
  name: string,
  from = 0,
  to = Date.UTC(9999, 0, 1),
): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    SELECT count(*)::int AS count FROM results r JOIN agents a ON a.id = r.agent_id
    WHERE a.name = ${name} AND r.started_at >= ${new Date(from)} AND r.started_at < ${new Date(to)}`;
  return row?.count ?? 0;
}

/** The last lines a program wrote to stderr, for an error message. */
async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-15).join('\n');
}

/**
 * Waits until the program is ready: the baseline wrote its file, the agent has results stored.
 * Fails early, with the program's last words, when it exits first.
 */
async function ready(
  context: Context,
  child: ChildProcess,
  outBase: string,
  agentName: string | undefined,
): Promise<void> {
  const marker = `${outBase}.up`;
  try {
    await until(
      agentName ? `results stored by ${agentName}` : `${path.basename(outBase)} to start`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`it exited (${child.exitCode ?? child.signalCode}) first`);
        if (agentName) return (await storedResults(context.sql, agentName)) > 0;
        return access(marker).then(
          () => true,
          () => false,
        );
      },
      120_000,
      250,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; its stderr ends:\n${await tail(`${outBase}.err`)}`, {
      cause: err,
    });
  }
}

async function measured(
  context: Context,
  agentName: string | undefined,
  window: () => Promise<Window>,
): Promise<Window | AgentWindow> {
  const started = Date.now();
  const seen = await window();
  if (!agentName) return seen;
  return { ...seen, results: await storedResults(context.sql, agentName, started, Date.now()) };
}

async function wineWindow(
  context: Context,
  label: string,
  args: string[],
  exeName: string,
  agentName?: string,
): Promise<Window | AgentWindow> {
  const { prefix, dir, seconds } = context;
  const outBase = path.join(dir, `wine-${label}`);
  // The baseline's script writes its marker where its last argument says.
  const withMarker = agentName ? args : [...args, toWindowsPath(`${outBase}.up`)];
  const child = await spawnWine(prefix, withMarker, { outBase, env: { LOG_LEVEL: 'info' } });
  try {
    await ready(context, child, outBase, agentName);
    // The Windows process is a Unix process of its own (Wine's loader), found by its command line;
    // of several matches (a launcher still there), the one holding the memory.
    const [pid] = prefixProcesses(prefix.dir, exeName).sort(
      (a, b) => resident(b).rssKiB - resident(a).rssKiB,
    );
    if (pid === undefined) throw new Error(`no process of ${exeName} in the Wine prefix ${prefix.dir}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return await measured(context, agentName, () =>
      sampleWindow(pid, seconds, () => prefixProcesses(prefix.dir)),
    );
  } finally {
    await killWineProcess(child);
    // The next window starts from an empty prefix: no wineserver or services.exe left from this one.
    await killWineServer(prefix);
  }
}

async function linuxWindow(
  context: Context,
  label: string,
  args: string[],
  agentName?: string,
): Promise<Window | AgentWindow> {
  const { dir, seconds } = context;
  const outBase = path.join(dir, `linux-${label}`);
  const withMarker = agentName ? args : [...args, `${outBase}.up`];
  const out = await open(`${outBase}.out`, 'w');
  const err = await open(`${outBase}.err`, 'w');
  const child = spawn(process.execPath, withMarker, {
    stdio: ['ignore', out.fd, err.fd],
    env: { ...process.env, LOG_LEVEL: 'info' },
    detached: true,
  });
  await out.close();
  await err.close();
  try {
    await ready(context, child, outBase, agentName);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return await measured(context, agentName, () => sampleWindow(child.pid!, seconds));
  } finally {
    await stopGroup(child);
  }
}

/** SIGTERM to the process group, SIGKILL if it is still there after 10 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const killer = setTimeout(() => kill('SIGKILL'), 10_000);
  kill('SIGTERM');
  await exited;
  clearTimeout(killer);
}
