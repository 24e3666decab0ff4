import { createParts } from '@portwarden/common/lifecycle';
import { ENROLLMENT_OFF } from './enroll/open.js';
import { createFollowupLoop } from './followup/loop.js';
import { followupSweeps } from './followup/sweeps.js';
import { createLivenessMonitor } from './liveness/monitor.js';
import { livenessSettings } from './liveness/settings.js';
import { controllerOptions, type ControllerOptions } from './options.js';
import * as part from './parts.js';
import { httpTlsSource } from './safety/http-tls.js';
import { startChecksPart } from './safety/start-checks.js';
import { createLivenessStore } from './store/liveness-store.js';

/**
 * Each part's stop may wait this long on a dependency that does not answer; with every part
 * bounded, a signalled controller is gone within 10 s (main.ts has the deadline behind this).
 */
const PART_STOP_MS = 5_000;

export type { ControllerLimits, ControllerOptions, ControllerTlsOptions, HttpTlsOptions } from './options.js';

export interface StartedController {
  /** host:port the gRPC server bound */
  grpcAddress: string;
  /** http://host:port of the HTTP API */
  httpUrl: string;
}

/**
 * The controller as a lifecycle: `start()` starts its parts in order (parts.ts), `stop()` stops
 * them in reverse. Tests run it in-process.
 */
export function createController(input: ControllerOptions) {
  const shared = part.createShared(controllerOptions(input));
  const { options, logger, sql, policy } = shared;
  const security = options.tls ? part.securityPart(shared, options.tls) : undefined;
  const readiness = part.createControllerReadiness(shared, () => grpc.current);
  const metrics = part.createMetrics(shared, readiness);
  const api = part.apiPart(
    shared,
    () => security?.value.access ?? ENROLLMENT_OFF,
    readiness,
    () => (httpTlsSource(options) === 'ca' ? security?.value.certificates : undefined),
    metrics,
  );
  const notifications = part.notificationsPart(shared, () => api.value.url);
  const onEvents = () => notifications.value.wake();
  const liveness = createLivenessMonitor({
    store: createLivenessStore(sql),
    logger,
    settings: () => livenessSettings(policy.current()),
    onEvents,
    intervalMs: options.livenessIntervalMs,
  });
  const grpc = part.grpcPart(shared, () => security?.value, { onEvents, liveness, metrics: metrics.ingest });
  const followup = createFollowupLoop({
    sweeps: followupSweeps({
      sql,
      logger,
      deliveryJobs: () => notifications.value.jobs,
      reconcileGraceMs: options.reconcileGraceMs,
      policy,
    }),
    logger,
    onEvents,
    intervalMs: options.followupIntervalMs,
  });
  const parts = createParts(
    [
      startChecksPart(options),
      part.databasePart(shared),
      part.retentionPart(shared),
      part.replicasPart(shared),
      ...(security ? [security] : []),
      api,
      notifications,
      part.policyPushPart(shared),
      grpc,
      part.livenessPart(liveness),
      { name: 'followup', start: () => followup.start(), stop: () => followup.stop() },
      part.readinessPart(readiness),
    ],
    { stopTimeoutMs: PART_STOP_MS },
  );

  return {
    async start(): Promise<StartedController> {
      await parts.start();
      const started = { grpcAddress: grpc.value.address, httpUrl: api.value.url };
      logger.info(started, 'controller started');
      return started;
    },

    async stop(): Promise<void> {
      await parts.stop();
      logger.info('controller stopped');
    },

    applyPolicy: (source: string) => policy.apply(source),

    /** The revision in force, 0 before the first apply. */
    currentRevision: (): number => policy.current()?.revision ?? 0,
  };
}

export type Controller = ReturnType<typeof createController>;
