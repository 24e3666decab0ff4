import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PortwardenError } from '@portwarden/common/errors';
import { counterDelta } from './agents/counters.js';
import { Fleet } from './agents/fleet.js';
import { applyPolicy, simPolicyYaml } from './control/policy.js';
import { ControllerDatabase } from './measure/pg.js';
import { cpuByPid, cpuDeltaMs, processCpuMs, processRssBytes } from './measure/proc.js';
import { NotificationTracker } from './notify/tracker.js';
import { WebhookReceiver } from './notify/receiver.js';
import { buildReport, type Readings, type RunConfig, type SimReport } from './report.js';

export interface SimOptions {
  /** The controller's gRPC address (an --insecure controller). */
  controller: string;
  /** The controller's HTTP API; with `adminToken`, the sim applies its own policy there. */
  api?: string;
  adminToken?: string;
  agents: number;
  checks: number;
  intervalMs: number;
  /** Each result is down with this probability (0..1). */
  failureRate: number;
  failuresBeforeAlert: number;
  seed: number;
  agentsPerConnection: number;
  rampMs: number;
  warmupMs: number;
  durationMs: number;
  /** After the window, how long to wait for the last acks and notifications. */
  drainMs: number;
  /** The controller's process, for its CPU and RSS. */
  controllerPid?: number;
  /** The controller's database, for commits and "agent unreachable" incidents. */
  databaseUrl?: string;
  /** Agent names are `${namePrefix}-NNNNN`; unique per run so that seqs start afresh. */
  namePrefix: string;
  /** How long agents may take to get their config after the ramp. @default 60_000 */
  configTimeoutMs?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** The fleet's label: the sim's checks select exactly this run's agents by it. */
export const FLEET_LABEL = 'sim-run';

/**
 * One simulator run: apply the policy (when it may), start the fleet, wait for every agent's
 * config, warm up, measure a window, stop probing, let the acks and notifications drain, report.
 */
export async function runSim(options: SimOptions): Promise<SimReport> {
  const log = options.log ?? (() => {});
  const tracker = new NotificationTracker((agent) => agent.startsWith(`${options.namePrefix}-`));
  const managePolicy = options.api !== undefined && options.adminToken !== undefined;
  const receiver = managePolicy
    ? await new WebhookReceiver((m, at) => tracker.receive(m, at)).start()
    : undefined;
  const db = options.databaseUrl ? new ControllerDatabase(options.databaseUrl) : undefined;
  const fleet = new Fleet({
    controller: options.controller,
    agents: options.agents,
    checks: options.checks,
    intervalMs: options.intervalMs,
    failureRate: options.failureRate,
    seed: options.seed,
    agentsPerConnection: options.agentsPerConnection,
    rampMs: options.rampMs,
    namePrefix: options.namePrefix,
    labels: { [FLEET_LABEL]: options.namePrefix },
    ...(managePolicy && { tracker }),
  });
  try {
    if (managePolicy) {
      const yaml = simPolicyYaml({
        checks: options.checks,
        intervalMs: options.intervalMs,
        failuresBeforeAlert: options.failuresBeforeAlert,
        label: { name: FLEET_LABEL, value: options.namePrefix },
        webhookUrl: receiver!.url,
      });
      const revision = await applyPolicy(options.api!, options.adminToken!, yaml);
      log(
        `policy revision ${revision}: ${options.checks} checks for agents ${FLEET_LABEL}=${options.namePrefix}`,
      );
    }
    const counters = fleet.counters;
    fleet.start();
    log(
      `connecting ${options.agents} agents over ${options.rampMs} ms (plaintext gRPC, --insecure controller)`,
    );
    const configDeadline = performance.now() + options.rampMs + (options.configTimeoutMs ?? 60_000);
    let nextProgress = performance.now() + 5000;
    while (counters.configured < options.agents && performance.now() < configDeadline) {
      await sleep(100);
      if (performance.now() < nextProgress) continue;
      nextProgress += 5000;
      log(
        `${counters.configured} of ${options.agents} agents configured, ${counters.streamErrors} streams ended${describeEnds(counters.streamEnds)}`,
      );
    }
    if (counters.configured === 0)
      throw new PortwardenError(
        'sim-connect',
        `none of the ${options.agents} agents got a config`,
        `is the controller at ${options.controller} started with --insecure, and its --max-streams-per-ip above ${options.agents}?`,
      );
    // A slow controller that configured only part of the fleet is a finding, not a failure: the
    // window measures what it does, and the report says how many agents it took.
    if (counters.configured < options.agents)
      log(
        `only ${counters.configured} of ${options.agents} agents configured by the deadline; measuring anyway`,
      );
    const configured = fleet.configChecks?.length ?? 0;
    log(
      `${counters.configured} of ${options.agents} agents configured (${configured} port checks each); warming up ${options.warmupMs} ms`,
    );
    if (configured === 0)
      throw new PortwardenError(
        'sim-config',
        'the pushed config has no port check',
        'apply a policy with port checks for these agents, or let the sim apply its own (--api, --admin-token-file)',
      );
    await sleep(options.warmupMs);

    // The window.
    const pid = options.controllerPid;
    const cpuStart = pid === undefined ? undefined : processCpuMs(pid);
    const pgStart = cpuByPid('postgres');
    const commitsStart = await db?.commits();
    const simStart = process.cpuUsage();
    const before = counters.snapshot();
    // The sim's own event-loop delay: what of the latencies it measures is its own lateness.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const t0 = performance.now();
    counters.measuring = true;
    let rssMax = 0;
    let waitingMax = 0;
    const sampler = setInterval(() => {
      if (pid !== undefined) rssMax = Math.max(rssMax, processRssBytes(pid) ?? 0);
      waitingMax = Math.max(waitingMax, counters.waiting);
    }, 1000);
    log(`measuring ${options.durationMs} ms`);
    await sleep(options.durationMs);
    counters.measuring = false;
    loopDelay.disable();
    clearInterval(sampler);
    const windowMs = performance.now() - t0;
    const after = counters.snapshot();
    const simCpu = process.cpuUsage(simStart);
    const cpuEnd = pid === undefined ? undefined : processCpuMs(pid);
    const rssEnd = pid === undefined ? undefined : processRssBytes(pid);
    const pgEnd = cpuByPid('postgres');
    const commitsEnd = await db?.commits();
    const waitingEnd = counters.waiting;

    fleet.stopProbing();
    log(`window over; waiting up to ${options.drainMs} ms for the last acks and notifications`);
    const drainDeadline = performance.now() + options.drainMs;
    while (counters.acked < counters.offered && performance.now() < drainDeadline) await sleep(50);
    const drained = counters.acked === counters.offered;
    if (managePolicy) await tracker.settled(Math.max(0, drainDeadline - performance.now()));
    const unreachable = db ? await db.unreachableIncidents(options.namePrefix) : undefined;

    const config: RunConfig = {
      controller: options.controller,
      agents: options.agents,
      checks: Math.min(options.checks, configured),
      intervalMs: options.intervalMs,
      failureRate: options.failureRate,
      agentsPerConnection: options.agentsPerConnection,
      nominalPerSecond: (options.agents * Math.min(options.checks, configured) * 1000) / options.intervalMs,
    };
    const readings: Readings = {
      windowMs,
      counts: counterDelta(before, after),
      ackLatency: counters.ackLatency.summary(),
      waitingEnd,
      waitingMax: Math.max(waitingMax, waitingEnd),
      largestBatch: counters.largestBatch,
      drained,
      configuredAgents: counters.configured,
      streamEnds: Object.fromEntries(counters.streamEnds),
      totals: { offered: counters.offered, acked: counters.acked },
      ...(pid !== undefined &&
        cpuStart !== undefined &&
        cpuEnd !== undefined && {
          controller: {
            pid,
            cpuMs: cpuEnd - cpuStart,
            rssEndBytes: rssEnd ?? 0,
            rssMaxBytes: Math.max(rssMax, rssEnd ?? 0),
          },
        }),
      postgres: { cpuMs: cpuDeltaMs(pgStart, pgEnd), processes: pgEnd.size },
      ...(commitsStart !== undefined && commitsEnd !== undefined && { commits: commitsEnd - commitsStart }),
      ...(managePolicy && { notifications: tracker.report() }),
      ...(unreachable !== undefined
        ? { unreachableIncidents: unreachable }
        : managePolicy && { unreachableIncidents: tracker.report().unreachable }),
      simCpuMs: (simCpu.user + simCpu.system) / 1000,
      simLoopDelayMs: {
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
    };
    return buildReport(config, readings);
  } finally {
    fleet.stop();
    await receiver?.stop();
    await db?.close();
  }
}

function describeEnds(ends: ReadonlyMap<string, number>): string {
  if (ends.size === 0) return '';
  return ` (${[...ends].map(([why, n]) => `${why} ${n}`).join(', ')})`;
}
