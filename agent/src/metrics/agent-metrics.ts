import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentMetricsSources, ProbeObserver } from './types.js';

/** A probe answers in milliseconds on a LAN; the top buckets are timeouts (10 s by default). */
const PROBE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface AgentMetrics extends ProbeObserver {
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * The agent's metrics, in a registry of its own. No default process metrics: the agent stays
 * small, and node_exporter covers the host.
 */
export function createAgentMetrics(sources: AgentMetricsSources): AgentMetrics {
  const registry = new Registry();
  const registers = [registry];
  const probes = new Counter({
    name: 'portwarden_agent_probes_total',
    help: 'Probes run, by outcome (up, down) and reason (empty when up).',
    labelNames: ['outcome', 'reason'],
    registers,
  });
  const latency = new Histogram({
    name: 'portwarden_agent_probe_duration_seconds',
    help: 'How long each probe took, whatever its outcome.',
    buckets: PROBE_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'portwarden_agent_spool_bytes',
    help: 'Bytes of results in the spool, acknowledged ones not yet deleted included.',
    registers,
    collect() {
      this.set(sources.spool().bytes);
    },
  });
  new Gauge({
    name: 'portwarden_agent_spool_gaps',
    help: 'Gaps (results a full spool dropped) not yet acknowledged by the controller.',
    registers,
    collect() {
      this.set(sources.spool().gaps.length);
    },
  });
  new Gauge({
    name: 'portwarden_agent_spool_dropped_results',
    help: 'Results dropped in the gaps not yet acknowledged by the controller.',
    registers,
    collect() {
      this.set(sources.spool().gaps.reduce((sum, gap) => sum + gap.dropped, 0));
    },
  });
  new Gauge({
    name: 'portwarden_agent_stream_connected',
    help: 'Whether a stream to a controller is open (1) or not (0).',
    registers,
    collect() {
      this.set(sources.connected() ? 1 : 0);
    },
  });
  return {
    probed({ outcome, reason, durationMs }) {
      probes.inc({ outcome, reason: reason ?? '' });
      latency.observe(durationMs / 1000);
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
