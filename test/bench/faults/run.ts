/**
 * `npm run bench:faults`: faults under load (issue 13). Three controller replicas on one database
 * and one Redis prefix behind HAProxy (TCP mode), a simulated fleet (the sim's Fleet: the real
 * contract, seqs, the agent's window, unacknowledged results resent on the next stream) under
 * steady load through HAProxy, then, one after the other:
 *
 * 1. kill -9 one replica: time until its agents are configured again on the others;
 * 2. SIGTERM another: time from the signal to its exit, and its agents back on the last one;
 * 3. PostgreSQL restarted (`pg_ctl restart -m fast`): how long acks pause.
 *
 * Then the fleet stops probing, everything drains, and `results` is counted per agent against the
 * seqs the fleet produced: nothing missing, nothing stored twice. Each figure beside a baseline
 * from the same run. PostgreSQL is a private cluster of the bench's own (cluster.ts), never the
 * machine's shared server. Prints a markdown table for BENCHMARKS.md. Never part of `npm test`.
 *
 * Knobs: BENCH_FAULTS_AGENTS (default 2000), BENCH_FAULTS_CHECKS (20), BENCH_FAULTS_INTERVAL_MS
 * (10000), BENCH_FAULTS_AGENTS_PER_CONNECTION (10), BENCH_FAULTS_WINDOW_MS (15000: the baseline
 * window and the settling after each fault), BENCH_FAULTS_PG_MODE (fast, or immediate).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '@portwarden/common/testing';
import { deleteRedisPrefix, testRedisPrefix } from '@portwarden/controller/testing';
import { testAdminToken } from '@portwarden/controller/testing/admin-token';
import { ControllerDatabase } from '@portwarden/sim/database';
import { Fleet } from '@portwarden/sim/fleet';
import { applyPolicy, simPolicyYaml } from '@portwarden/sim/policy';
import { WebhookReceiver } from '@portwarden/sim/receiver';
import { ControllerProcess, replicaArgs } from '../../support/controller-process.js';
import { Haproxy } from '../../support/haproxy.js';
import { PrivateCluster } from './cluster.js';
import { AckWatch, checkIntegrity, everyAgentConfigured, percentile, reconfigured } from './measure.js';
import { printReport, type FaultFigures } from './report.js';

const AGENTS = Number(process.env.BENCH_FAULTS_AGENTS ?? 2000);
const CHECKS = Number(process.env.BENCH_FAULTS_CHECKS ?? 20);
const INTERVAL_MS = Number(process.env.BENCH_FAULTS_INTERVAL_MS ?? 10_000);
const PER_CONNECTION = Number(process.env.BENCH_FAULTS_AGENTS_PER_CONNECTION ?? 10);
const WINDOW_MS = Number(process.env.BENCH_FAULTS_WINDOW_MS ?? 15_000);
/** `fast`: sessions disconnected, clean shutdown; `immediate`: a crash, recovery at start. */
const PG_MODE = process.env.BENCH_FAULTS_PG_MODE === 'immediate' ? 'immediate' : 'fast';
/** How long the bench waits for agents to be back, or for the drain, before it reports "not". */
const GIVE_UP_MS = 120_000;
const LABEL = 'bench-faults';

const log = (line: string) => console.error(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);
const prefix = `faults-${randomBytes(3).toString('hex')}`;
const load0 = loadavg()[0]!;

const cluster = await PrivateCluster.create();
const admin = await testAdminToken();
const redisPrefix = testRedisPrefix();
const receiver = await new WebhookReceiver(() => {}).start();
let haproxy: Haproxy | undefined;
let fleet: Fleet | undefined;
const replicas: ControllerProcess[] = [];

/** Waits for `done`, up to GIVE_UP_MS; false (not an error) when it did not come: a finding. */
async function within(what: string, done: () => boolean): Promise<boolean> {
  try {
    await until(what, done, GIVE_UP_MS, 20);
    return true;
  } catch {
    log(`gave up after ${GIVE_UP_MS} ms waiting for ${what}`);
    return false;
  }
}

/** A fault's agents, their reconnect timings, and what the acks did from the fault until they settled. */
async function afterFault(
  name: string,
  fleet: Fleet,
  t0: number,
  victims: ReadonlySet<string>,
  watch: AckWatch,
): Promise<Pick<FaultFigures, 'victims' | 'back' | 'notBack' | 'reconnectHelloToConfig' | 'acks'>> {
  const gone = () => fleet.agents.every((a) => !victims.has(a.name) || (a.endedAt ?? -1) >= t0);
  await within(`${name}: the streams of its ${victims.size} agents to end`, gone);
  await within(`${name}: every agent configured again`, () => everyAgentConfigured(fleet));
  const { afterFault: back, helloToConfig } = reconfigured(fleet, t0);
  log(
    `${name}: ${back.length} agents configured again, the last after ${Math.max(0, ...back).toFixed(0)} ms; settling`,
  );
  await sleep(WINDOW_MS);
  return {
    victims: victims.size,
    back,
    notBack: fleet.agents.filter((a) => a.configuredAt === undefined).length,
    reconnectHelloToConfig: helloToConfig,
    acks: watch.stop(),
  };
}

try {
  const url = await cluster.createDatabase('portwarden');
  log(`private PostgreSQL on 127.0.0.1:${cluster.port} (${cluster.dir})`);
  const args = [
    ...replicaArgs(url, redisPrefix, admin.file),
    // Every stream comes from HAProxy's one address; at the end one replica holds the whole fleet.
    '--max-streams-per-ip',
    String(AGENTS + 100),
  ];
  for (let i = 0; i < 3; i++) replicas.push(new ControllerProcess(args));
  // One at a time: the first applies the migrations.
  const addresses = [];
  for (const replica of replicas) addresses.push(await replica.start());
  haproxy = await new Haproxy(addresses.map((a) => a.grpcAddress)).start();
  const revision = await applyPolicy(
    addresses[0]!.httpUrl,
    admin.token,
    simPolicyYaml({
      checks: CHECKS,
      intervalMs: INTERVAL_MS,
      failuresBeforeAlert: 1,
      label: { name: LABEL, value: prefix },
      webhookUrl: receiver.url,
    }),
  );
  log(
    `policy revision ${revision}; ${AGENTS} agents × ${CHECKS} checks / ${INTERVAL_MS} ms through ${haproxy.address}`,
  );

  const rampMs = Math.min(30_000, Math.max(1000, AGENTS));
  fleet = new Fleet({
    controller: haproxy.address,
    agents: AGENTS,
    checks: CHECKS,
    intervalMs: INTERVAL_MS,
    failureRate: 0,
    seed: 13,
    agentsPerConnection: PER_CONNECTION,
    rampMs,
    namePrefix: prefix,
    labels: { [LABEL]: prefix },
  });
  const f = fleet;
  f.start();
  if (!(await within('every agent configured', () => everyAgentConfigured(f))))
    throw new Error(
      `only ${f.counters.configured} of ${AGENTS} agents got a config (hint: see the replicas' logs with PORTWARDEN_TEST_LOG=1)`,
    );
  const firstConnect = f.agents.map((a) => a.configuredAt! - a.helloAt!);
  log(
    `every agent configured (${replicas.map((r) => r.agents.size).join(' / ')} per replica); warming up ${WINDOW_MS} ms`,
  );
  await sleep(WINDOW_MS);

  const baselineWatch = new AckWatch(f);
  await sleep(WINDOW_MS);
  const baseline = baselineWatch.stop();
  log(
    `baseline: ${baseline.perSecond.toFixed(0)} acked/s, longest pause ${baseline.longestPauseMs.toFixed(0)} ms`,
  );

  // Fault 1: kill -9 replica 0.
  const killed = new Set(replicas[0]!.agents);
  log(`kill -9 replica 0 (${killed.size} agents)`);
  let watch = new AckWatch(f);
  let t0 = performance.now();
  await replicas[0]!.kill();
  const kill = await afterFault('kill -9', f, t0, killed, watch);

  // Fault 2: SIGTERM replica 1, timed to its exit.
  const stopped = new Set(replicas[1]!.agents);
  log(`SIGTERM replica 1 (${stopped.size} agents)`);
  watch = new AckWatch(f);
  t0 = performance.now();
  await replicas[1]!.stop();
  const exitMs = performance.now() - t0;
  // 0: a clean stop; 1: the stop's own deadline (controller/src/stop-on-signals.ts) ended it.
  const exitCode = replicas[1]!.child?.exitCode ?? -1;
  log(`replica 1 exited with ${exitCode} after ${exitMs.toFixed(0)} ms`);
  const term = { ...(await afterFault('SIGTERM', f, t0, stopped, watch)), exitMs, exitCode };

  // Fault 3: PostgreSQL restarted under the last replica.
  log(`pg_ctl restart -m ${PG_MODE}`);
  const pgWatch = new AckWatch(f);
  t0 = performance.now();
  await cluster.restart(PG_MODE);
  const pgReadyMs = performance.now() - t0;
  const ackedAtReady = f.counters.acked;
  const resumed = await within('acks to resume', () => f.counters.acked > ackedAtReady);
  const resumedMs = performance.now() - t0;
  await within('every agent configured after the restart', () => everyAgentConfigured(f));
  await sleep(WINDOW_MS);
  const pg = {
    acks: pgWatch.stop(),
    pgReadyMs,
    resumed,
    resumedMs,
    notBack: f.agents.filter((a) => a.configuredAt === undefined).length,
  };
  log(`PostgreSQL ready after ${pgReadyMs.toFixed(0)} ms, acks again after ${resumedMs.toFixed(0)} ms`);

  // Drain: everything produced must be acknowledged, then counted in `results`.
  f.stopProbing();
  const drained = await within('every result acknowledged', () => f.counters.acked === f.counters.offered);
  const integrity = await checkIntegrity(url, f);
  const db = new ControllerDatabase(url);
  const unreachable = await db.unreachableIncidents(prefix).finally(() => db.close());
  f.stop();
  fleet = undefined;

  // Baseline for the drain: the last replica, SIGTERM with no agent and no load.
  t0 = performance.now();
  await replicas[2]!.stop();
  const idleExitMs = performance.now() - t0;

  printReport({
    agents: AGENTS,
    checks: CHECKS,
    intervalMs: INTERVAL_MS,
    perConnection: PER_CONNECTION,
    cpus: cpus().length,
    load: [load0, loadavg()[0]!],
    firstConnect,
    baseline,
    kill,
    term,
    idleExitMs,
    pgMode: PG_MODE,
    pg,
    drained,
    offered: f.counters.offered,
    acked: f.counters.acked,
    integrity,
    unreachable,
  });
  log(`first connect hello → config p99 ${percentile(firstConnect, 99).toFixed(0)} ms`);
} finally {
  fleet?.stop();
  await haproxy?.stop();
  for (const replica of replicas) await replica.stop();
  await receiver.stop();
  await deleteRedisPrefix(redisPrefix);
  await admin.remove();
  await cluster.remove();
}
