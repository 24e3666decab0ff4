import { judgeReadiness, type Findings, type ProbeResult, type ReadinessReport } from './readiness.js';
import type { RedisProbe } from './redis-probe.js';

export interface ReadinessProbes {
  /** SELECT 1 on the controller's pool. */
  postgres(): Promise<unknown>;
  /** Opened at start, closed at stop; none when delivery is in-process. */
  redis?: () => RedisProbe;
  grpcListening(): boolean;
}

export interface ReadinessOptions {
  probes: ReadinessProbes;
  /** --allow-redis-eviction */
  evictionAllowed?: boolean;
  /** @default 1000 */
  intervalMs?: number;
  /** How long a dependency has to answer. @default 1000 */
  timeoutMs?: number;
  /** Told each time readiness flips (the gRPC health service). */
  onChange?(ready: boolean): void;
}

export interface Readiness {
  report(): ReadinessReport;
  /** Probes once, then every interval in the background. */
  start(): Promise<void>;
  /** Not ready from now on, first of all; stops probing. */
  stop(): void;
}

/**
 * Probes the dependencies in the background, so that a request for readiness costs nothing and a
 * dependency that hangs cannot hang it. A probe still waiting from an earlier round is not asked
 * again: it counts as not answering.
 */
export function createReadiness(options: ReadinessOptions): Readiness {
  const { probes } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 1000;
  const findings: Findings = {
    phase: 'starting',
    grpcListening: false,
    evictionAllowed: options.evictionAllowed ?? false,
    ...(!probes.redis && { redis: 'in-process' }),
  };
  const pending = new Set<string>();
  let redis: RedisProbe | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ready = false;

  const timed = async <T>(name: string, probe: () => Promise<T>): Promise<ProbeResult & { value?: T }> => {
    if (pending.has(name)) return { ok: false, error: `no answer within ${timeoutMs} ms` };
    const started = performance.now();
    pending.add(name);
    const work = probe().finally(() => pending.delete(name));
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const value = await Promise.race([work, late]);
      return { ok: true, ms: Math.round(performance.now() - started), value };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timeout);
    }
  };

  const probeRedis = async (probe: RedisProbe) => {
    const { value, ...result } = await timed('redis', () => probe.evictionPolicy());
    return result.ok ? { ...result, evictionPolicy: value } : result;
  };

  const probeAll = async () => {
    const [postgres, redisFinding] = await Promise.all([
      timed('postgres', probes.postgres),
      redis && probeRedis(redis),
    ]);
    findings.postgres = postgres.ok ? { ok: true, ms: postgres.ms } : postgres;
    if (redisFinding) findings.redis = redisFinding;
    findings.grpcListening = probes.grpcListening();
    tell();
  };

  const tell = () => {
    const now = judgeReadiness(findings).status === 'ready';
    if (now !== ready) options.onChange?.(now);
    ready = now;
  };

  const loop = async () => {
    await probeAll();
    if (findings.phase === 'running') timer = setTimeout(() => void loop(), intervalMs);
  };

  return {
    report: () => judgeReadiness(findings),
    async start() {
      redis = probes.redis?.();
      findings.phase = 'running';
      await loop();
    },
    stop() {
      findings.phase = 'stopping';
      tell();
      clearTimeout(timer);
      redis?.close();
      redis = undefined;
    },
  };
}
