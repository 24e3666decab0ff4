import { PortwardenError } from '@portwarden/common/errors';
import type { ApiClient } from '../client.js';
import { renderTable } from '../table.js';

type Row = Record<string, unknown>;

/** Each resource: its API path, the key of the list in the response, and the table columns. */
const RESOURCES: Record<string, { path: string; key: string; columns: [string, (r: Row) => unknown][] }> = {
  agents: {
    path: '/api/v1/agents',
    key: 'agents',
    columns: [
      ['name', (r) => r.name],
      ['connected', (r) => (r.connected ? 'yes' : 'no')],
      ['revision', (r) => r.configRevision],
      ['os', (r) => r.os],
      ['version', (r) => r.agentVersion],
      [
        'labels',
        (r) =>
          Object.entries((r.labels ?? {}) as Row)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(','),
      ],
      ['last seen', (r) => r.lastSeenAt],
      ['dropped', (r) => r.dropped ?? 0],
    ],
  },
  gaps: {
    path: '/api/v1/gaps',
    key: 'gaps',
    columns: [
      ['agent', (r) => r.agent],
      ['id', (r) => r.id],
      ['seqs', (r) => `${String(r.fromSeq)}-${String(r.toSeq)}`],
      ['dropped', (r) => r.dropped],
      [
        'by check',
        (r) =>
          Object.entries((r.byCheck ?? {}) as Row)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(','),
      ],
      ['received', (r) => r.receivedAt],
    ],
  },
  checks: {
    path: '/api/v1/checks',
    key: 'checks',
    columns: [
      ['agent', (r) => r.agent],
      ['check', (r) => r.name],
      ['target', (r) => r.target],
      ['status', (r) => r.status],
      ['failures', (r) => `${String(r.consecutiveFailures)}/${String(r.failuresBeforeAlert)}`],
      ['since', (r) => r.since],
      ['reason', (r) => r.reason],
      ['detail', (r) => String(r.detail ?? '').slice(0, 60)],
      ['disabled by', disabledBy],
    ],
  },
  incidents: {
    path: '/api/v1/incidents',
    key: 'incidents',
    columns: [
      ['id', (r) => r.id],
      ['agent', (r) => r.agent],
      ['check', (r) => r.checkName],
      ['group', (r) => r.alertGroup],
      ['reason', (r) => r.reason],
      ['opened', (r) => r.openedAt],
      ['resolved', (r) => r.resolvedAt ?? '-'],
      ['acked by', (r) => r.ackedBy ?? '-'],
      ['ack comment', (r) => String(r.ackComment ?? '').slice(0, 60)],
    ],
  },
  responses: {
    path: '/api/v1/responses',
    key: 'responses',
    columns: [
      ['id', (r) => r.id],
      ['agent', (r) => r.agent],
      ['check', (r) => r.checkName],
      ['verdict', (r) => r.verdict],
      [
        'tried',
        (r) =>
          ((r.attempts ?? []) as Row[])
            .map((a) => `${String(a.kind)} ${String(a.target)}: ${String(a.status)}`)
            .join('; '),
      ],
      ['result', (r) => (r.reason ? `${String(r.outcome)} (${String(r.reason)})` : r.outcome)],
      ['incident', (r) => r.incidentId ?? '-'],
      ['at', (r) => r.startedAt],
    ],
  },
  notifications: {
    path: '/api/v1/notifications',
    key: 'notifications',
    columns: [
      ['incident', (r) => r.incidentId],
      ['event', (r) => (r.notice ? `${String(r.event)} (${String(r.notice)})` : r.event)],
      ['channel', (r) => r.channelKey],
      ['status', (r) => r.status],
      ['attempts', (r) => r.attempts],
      ['error', (r) => String(r.error ?? '').slice(0, 80)],
      ['updated', (r) => r.updatedAt],
    ],
  },
  audit: {
    path: '/api/v1/audit',
    key: 'entries',
    columns: [
      ['at', (r) => r.at],
      ['actor', (r) => r.actor],
      ['role', (r) => r.role],
      ['action', (r) => r.action],
      ['target', (r) => r.target],
      ['source', (r) => r.source],
    ],
  },
};

/** Who disabled a check here and when (`portwarden disable`), or `policy` for `enabled: false`. */
function disabledBy(r: Row): string {
  const override = r.disabled as { by: string; at: string; comment: string | null } | null | undefined;
  if (override) {
    const comment = override.comment ? `: ${override.comment.slice(0, 40)}` : '';
    return `${override.by} at ${override.at}${comment}`;
  }
  return r.enabled === false ? 'policy' : '';
}

export const RESOURCE_NAMES = [...Object.keys(RESOURCES), 'policy'];

/** Filters of `get`, sent as query parameters; the API validates their values. */
export interface GetFilter {
  agent?: string;
  incident?: string;
  status?: string;
}

/** The one resource each filter applies to. */
const FILTER_RESOURCE: Record<keyof GetFilter, string> = {
  agent: 'gaps',
  incident: 'notifications',
  status: 'notifications',
};

export async function get(
  client: ApiClient,
  resource: string,
  output: 'table' | 'json' | 'yaml',
  out: (text: string) => void,
  filter: GetFilter = {},
): Promise<void> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter) as [keyof GetFilter, string | undefined][]) {
    if (value === undefined) continue;
    if (FILTER_RESOURCE[name] !== resource)
      throw new PortwardenError('usage', `--${name} applies to \`get ${FILTER_RESOURCE[name]}\` only`);
    params.set(name, value);
  }
  if (resource === 'policy') {
    const policy = await client.get<{ revision: number; source: string }>('/api/v1/policy');
    out(
      output === 'json'
        ? JSON.stringify(policy, null, 2) + '\n'
        : `# revision ${policy.revision}\n${policy.source}`,
    );
    return;
  }
  const spec = RESOURCES[resource];
  if (!spec)
    throw new PortwardenError(
      'usage',
      `unknown resource "${resource}"`,
      `one of: ${RESOURCE_NAMES.join(', ')}`,
    );
  const query = params.size > 0 ? `?${params.toString()}` : '';
  const body = await client.get<Record<string, Row[]>>(`${spec.path}${query}`);
  const rows = body[spec.key] ?? [];
  if (output === 'json') return out(JSON.stringify(rows, null, 2) + '\n');
  out(
    renderTable(
      spec.columns.map(([h]) => h),
      rows.map((r) => spec.columns.map(([, f]) => f(r) as string)),
    ),
  );
}
