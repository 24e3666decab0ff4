import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ReadinessReport } from '../health/readiness.js';

/** What the health routes need: the last readiness report, made in the background. */
export interface HealthSource {
  report(): ReadinessReport;
}

/**
 * Outside /api/: load balancers and orchestrators call them without a token. /livez says the
 * process serves; /readyz (and /healthz, its older name) whether it can do its work.
 */
export function registerHealthRoutes(app: FastifyInstance, health: HealthSource): void {
  app.get('/livez', async () => ({ status: 'ok' }));
  const ready = async (_request: unknown, reply: FastifyReply) => {
    const report = health.report();
    reply.code(report.status === 'ready' ? 200 : 503);
    return report;
  };
  app.get('/readyz', ready);
  app.get('/healthz', ready);
}
