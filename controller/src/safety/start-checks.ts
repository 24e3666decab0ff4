import type { ConfigError } from '@portwarden/common/errors';
import type { Part } from '@portwarden/common/lifecycle';
import type { ResolvedOptions } from '../options.js';
import { dbTlsSafety } from './db-tls-safety.js';
import { evictionSafety } from './eviction-safety.js';
import { httpTlsSource } from './http-tls.js';
import { grpcListenSafety, httpListenSafety } from './listen-safety.js';
import { readEvictionPolicy } from './redis-policy.js';

/** The first refusal the options earn, from what they say alone. */
export function optionsRefusal(options: ResolvedOptions): ConfigError | undefined {
  return (
    httpListenSafety(options.httpListen, httpTlsSource(options) !== 'none', options) ??
    grpcListenSafety(options.grpcListen, options.tls !== undefined) ??
    dbTlsSafety(options.databaseUrl, options)
  );
}

/**
 * Refuses an unsafe configuration before anything connects to PostgreSQL or listens: the options,
 * then Redis's eviction policy. A Redis out of reach is not refused here: delivery waits for it,
 * as it does for an outage later.
 */
export function startChecksPart(options: ResolvedOptions): Part {
  return {
    name: 'start checks',
    async start() {
      const refusal = optionsRefusal(options);
      if (refusal) throw refusal;
      if (options.redisUrl) await checkEviction(options.redisUrl, options);
    },
  };
}

async function checkEviction(redisUrl: string, options: ResolvedOptions): Promise<void> {
  let policy: string | undefined;
  try {
    policy = await readEvictionPolicy(redisUrl);
  } catch (err) {
    options.logger.warn({ err }, 'cannot ask Redis for its maxmemory-policy at start; starting anyway');
    return;
  }
  const refusal = evictionSafety(policy, options);
  if (refusal) throw refusal;
}
