import { credentials, type ChannelOptions } from '@grpc/grpc-js';
import { AgentServiceClient, type Check } from '@portwarden/proto/agent/v1';
import type { NotificationTracker } from '../notify/tracker.js';
import { Counters } from './counters.js';
import { seededRandom } from './random.js';
import { SimAgent } from './sim-agent.js';
import { Wheel } from './wheel.js';

export interface FleetOptions {
  /** The controller's gRPC address, host:port (plaintext: an --insecure controller). */
  controller: string;
  agents: number;
  checks: number;
  intervalMs: number;
  /** Each result is down with this probability (0..1). */
  failureRate: number;
  seed: number;
  /** Agents per HTTP/2 connection. */
  agentsPerConnection: number;
  /** Hellos spread over this long. */
  rampMs: number;
  /** @default 10_000, as the agent */
  heartbeatMs?: number;
  /** Agent names are `${namePrefix}-NNNNN`. */
  namePrefix: string;
  labels: Record<string, string>;
  tracker?: NotificationTracker;
  /** The wheel's tick. @default 5 */
  tickMs?: number;
}

/** The channel options of the real agent (agent/src/link/link.ts), plus a pool of its own. */
function channelOptions(): ChannelOptions {
  return {
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // grpc-js shares one connection between channels with identical options through its global
    // subchannel pool; a pool per channel gives each group of agents its own HTTP/2 connection.
    'grpc.use_local_subchannel_pool': 1,
  };
}

/**
 * N simulated agents × C checks every I. One wheel (agents/wheel.ts) ticks every probe and every
 * heartbeat of the fleet; agent a's checks are spread evenly over the interval, and the fleet's
 * probes over the whole interval, as many real agents started at random moments would be.
 */
export class Fleet {
  readonly counters = new Counters();
  readonly agents: SimAgent[] = [];
  /** The check ids of the first config an agent got (for the report). */
  configChecks: string[] | undefined;
  private readonly clients: AgentServiceClient[] = [];
  private timer: NodeJS.Timeout | undefined;
  private probing = true;

  constructor(private readonly options: FleetOptions) {
    const random = seededRandom(options.seed);
    const groups = Math.ceil(options.agents / options.agentsPerConnection);
    for (let g = 0; g < groups; g++)
      this.clients.push(
        new AgentServiceClient(options.controller, credentials.createInsecure(), channelOptions()),
      );
    const ctx = {
      counters: this.counters,
      tracker: options.tracker,
      labels: options.labels,
      maxChecks: options.checks,
      now: () => performance.now(),
      random,
      failureRate: options.failureRate,
      reconnectMs: 250,
      reconnectMaxMs: 30_000,
      onFirstConfig: (checks: readonly Check[]) => (this.configChecks ??= checks.map((c) => c.id)),
    };
    const width = Math.max(5, String(options.agents).length);
    for (let a = 0; a < options.agents; a++) {
      const client = this.clients[Math.floor(a / options.agentsPerConnection)]!;
      this.agents.push(
        new SimAgent(`${options.namePrefix}-${String(a + 1).padStart(width, '0')}`, client, ctx),
      );
    }
  }

  /** Opens the streams over `rampMs`, and starts probing and heartbeats. */
  start(): void {
    const { agents, checks, intervalMs, rampMs } = this.options;
    const tickMs = this.options.tickMs ?? 5;
    const start = performance.now();
    // Item i is agent i % N, check floor(i / N): an agent's C checks are I/C apart.
    const probes = new Wheel(agents * checks, intervalMs, start);
    const heartbeats = new Wheel(agents, this.options.heartbeatMs ?? 10_000, start);
    const ramp = new Wheel(agents, Math.max(1, rampMs), start);
    let last = start;
    let connected = 0;
    this.timer = setInterval(() => {
      const now = performance.now();
      if (connected < agents)
        ramp.due(last, Math.min(now, start + rampMs), (a) => {
          if (connected < agents) this.agents[a]!.connect();
          connected++;
        });
      if (this.probing)
        probes.due(last, now, (item) => this.agents[item % agents]!.probe(Math.floor(item / agents)));
      heartbeats.due(last, now, (a) => this.agents[a]!.heartbeat());
      last = now;
    }, tickMs);
  }

  /** Stops producing results; streams stay open so that what was sent can still be acknowledged. */
  stopProbing(): void {
    this.probing = false;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const agent of this.agents) agent.stop();
    for (const client of this.clients) client.close();
  }
}
