import type { QuickstartInfo } from './quickstart.js';
import { DEFAULT_HTTP_LISTEN } from './settings.js';

/** A rule above and below the banner, so that it stands out among the log lines around it. */
const RULE = '='.repeat(72);

/**
 * The lines printed once everything runs. Each is `Label: value` with a fixed label, so that a
 * script can pick one out (for example `/^Portwarden HTTP API: (\S+)$/m`). On a terminal
 * (`color`), the rules and the title are bold and coloured; the `Label: value` lines never are.
 */
export function formatBanner(info: QuickstartInfo, { color = false }: { color?: boolean } = {}): string {
  const bold = (text: string) => (color ? `\x1b[1;36m${text}\x1b[0m` : text);
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
    bold(RULE),
    bold('Portwarden quick start is running.'),
    `Portwarden web UI: ${info.httpUrl}/ (sign in with the admin token below)`,
    `Portwarden HTTP API: ${info.httpUrl}`,
    `Portwarden admin token: ${info.adminTokenFile} (keep it secret; it may do everything)`,
    `Portwarden mode: ${mode(info)}`,
    `Portwarden agent gRPC: ${info.grpcAddress}`,
    `Portwarden database: ${database(info.database)}`,
    `Portwarden notifications: ${queue(info.queue)}`,
    `Portwarden policy: ${policy(info.policy)}`,
    `Portwarden local agent: ${info.agent.name} (${labels}), state in ${info.agent.stateDir}`,
    `Try: ${curl} ${info.httpUrl}/api/v1/agents`,
    `Try: ${curl} ${info.httpUrl}/api/v1/checks`,
    `Try: ${cli} get checks`,
    'Stop: press Ctrl-C',
    bold(RULE),
    '',
  ];
  return lines.join('\n');
}

/** Colour for a person at a terminal that has not asked for none (https://no-color.org). */
export function bannerColor(isTerminal: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTerminal === true && !env.NO_COLOR;
}

/** The quick start's controller runs without a CA key (`--insecure`): say so, and how far it is exposed. */
function mode(info: QuickstartInfo): string {
  const what = 'plaintext gRPC, agents named by their hello, no enrollment';
  return info.httpLoopbackOnly
    ? `insecure, loopback only (${what}): for this machine; see README "Commands" for a controller on a network`
    : `insecure (${what}), and the HTTP API in plain HTTP beyond loopback (PORTWARDEN_HTTP_INSECURE_PUBLIC): API tokens cross the network in clear text`;
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
