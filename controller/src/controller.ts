import { ENROLLMENT_OFF } from './enroll/open.js';
import { Parts } from './lifecycle.js';
import { createLivenessMonitor } from './liveness/monitor.js';
import { livenessSettings } from './liveness/settings.js';
import { controllerOptions, type ControllerOptions } from './options.js';
import * as part from './parts.js';
import { createLivenessStore } from './store/liveness-store.js';

export type { ControllerLimits, ControllerOptions, ControllerTlsOptions } from './options.js';

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
  const parts = new Parts();

  return {
    async start(): Promise<StartedController> {
      await parts.start(part.databasePart(shared));
      const security = options.tls && (await parts.start(part.securityPart(shared, options.tls)));
      const httpUrl = await parts.start(part.apiPart(shared, security?.access ?? ENROLLMENT_OFF));
      const notifications = await parts.start(part.notificationsPart(shared, httpUrl));
      const liveness = createLivenessMonitor({
        store: createLivenessStore(sql),
        logger,
        settings: () => livenessSettings(policy.current()?.policy),
        onEvents: () => notifications.wake(),
        intervalMs: options.livenessIntervalMs,
      });
      await parts.start(part.policyPushPart(shared));
      const grpc = await parts.start(
        part.grpcPart(shared, security, { onEvents: () => notifications.wake(), liveness }),
      );
      await parts.start(part.livenessPart(liveness));
      const started = { grpcAddress: grpc.address, httpUrl };
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
