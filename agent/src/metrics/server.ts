import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@portwarden/common/errors';
import type { Logger } from '@portwarden/common/logger';
import { createAgentMetrics } from './agent-metrics.js';
import { parseMetricsListen } from './listen.js';
import type { AgentMetricsSources, ProbeObserver } from './types.js';

export interface MetricsServer extends ProbeObserver {
  /** http://host:port it listens on. */
  url: string;
  close(): Promise<void>;
}

/**
 * `--metrics-listen`: GET /metrics in the Prometheus text format, nothing else. Loaded only when
 * the flag is given (agent.ts), so that an agent without it carries no metrics code.
 */
export async function startMetricsServer(
  listen: string,
  sources: AgentMetricsSources,
  logger: Logger,
): Promise<MetricsServer> {
  const address = parseMetricsListen(listen);
  const metrics = createAgentMetrics(sources);
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logger.error({ err }, 'metrics scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  server.listen(address.port, address.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ConfigError(
        `cannot serve metrics on ${listen}: ${code}`,
        'pick a free address for --metrics-listen',
        {
          cause: err,
        },
      );
    }),
  ]);
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  if (!address.loopback)
    logger.warn({ url }, '--metrics-listen beyond loopback: anyone who reaches it reads the metrics');
  logger.info({ url: `${url}/metrics` }, 'metrics listening');
  return {
    url,
    probed: (result) => metrics.probed(result),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
