import type { QuickstartInfo } from './quickstart.js';
import { DEFAULT_HTTP_LISTEN } from './settings.js';

/**
 * The lines printed once everything runs. Each is `Label: value` with a fixed label, so that a
 * script can pick one out (for example `/^Portwarden HTTP API: (\S+)$/m`).
 */
export function formatBanner(info: QuickstartInfo): string {
  // On its default URL the CLI reads the quick start's token by itself (cli/src/auth.ts).
  const cli =
    info.httpUrl === `http://${DEFAULT_HTTP_LISTEN}`
      ? 'npx portwarden'
      : `npx portwarden --url ${info.httpUrl} --token "$(cat ${info.adminTokenFile})"`;
  const curl = `curl -H "Authorization: Bearer $(cat ${info.adminTokenFile})"`;
  const labels = Object.entries(info.agent.labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const lines = [
    '',
    'Portwarden quick start is running.',
    `Portwarden HTTP API: ${info.httpUrl}`,
    `Portwarden admin token: ${info.adminTokenFile} (keep it secret; it may do everything)`,
    `Portwarden agent gRPC: ${info.grpcAddress}`,
    `Portwarden database: ${database(info.database)}`,
    `Portwarden notifications: ${queue(info.queue)}`,
    `Portwarden policy: ${policy(info.policy)}`,
    `Portwarden local agent: ${info.agent.name} (${labels}), state in ${info.agent.stateDir}`,
    `Try: ${curl} ${info.httpUrl}/api/v1/agents`,
    `Try: ${curl} ${info.httpUrl}/api/v1/checks`,
    `Try: ${cli} get checks`,
    'Stop: press Ctrl-C',
    '',
  ];
  return lines.join('\n');
}

function database(db: QuickstartInfo['database']): string {
  return db.embedded ? `embedded PGlite at ${db.dataDir}` : `PostgreSQL at ${db.where} (DATABASE_URL)`;
}

function queue(q: QuickstartInfo['queue']): string {
  return q.redis ? `BullMQ on Redis at ${q.where} (REDIS_URL)` : 'in-process delivery (no REDIS_URL)';
}

function policy(p: QuickstartInfo['policy']): string {
  return p.appliedFrom
    ? `revision ${p.revision}, the example from ${p.appliedFrom}`
    : `revision ${p.revision}, already in force (the example is applied on the first run only)`;
}
