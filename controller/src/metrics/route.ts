import type { FastifyInstance } from 'fastify';
import type { ControllerMetrics } from './controller-metrics.js';

/** What GET /metrics serves, and whether it needs a token. */
export interface MetricsRoute extends Pick<ControllerMetrics, 'scrape'> {
  /** --metrics-public: no token needed. */
  tokenless: boolean;
}

/**
 * GET /metrics in the Prometheus text format, on the HTTP API's listener. It needs a viewer token
 * (auth/route-rules.ts OUTSIDE_API_RULES) unless `tokenless` (--metrics-public). Not in the
 * OpenAPI document: it is not JSON, and Prometheus is its client.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: MetricsRoute): void {
  app.get(
    '/metrics',
    { config: { tokenless: metrics.tokenless }, schema: { hide: true } },
    async (_request, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.type(contentType).send(body);
    },
  );
}
