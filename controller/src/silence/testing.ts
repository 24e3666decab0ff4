import type { Matcher } from '@portwarden/common/matchers';
import { parseMatcher } from '@portwarden/common/matchers';
import type { IncidentEvent } from '../state/event.js';
import type { Silence } from './types.js';

/** An opened event of check `web` on agent `db-1` (labels role=db, site=paris), group `ops`. */
export function sampleEvent(overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    outboxId: 10,
    event: 'opened',
    incidentId: 3,
    check: { id: 'web', name: 'Web Server', host: '127.0.0.1', port: 80 },
    agent: { name: 'db-1', hostname: 'db-1.example', labels: { role: 'db', 'site.name': 'paris' } },
    alertGroup: { id: 'ops', name: 'Ops' },
    policyRevision: 1,
    reason: 'refused',
    detail: '',
    consecutiveFailures: 3,
    startsAt: '2026-12-07T10:00:00.000Z',
    ...overrides,
  };
}

export function sampleSilence(
  id: number,
  matchers: string[],
  from: string,
  to: string,
  expiredAt?: string,
): Silence {
  return {
    id,
    matchers: matchers.map((m): Matcher => parseMatcher(m)),
    startsAt: new Date(from),
    endsAt: new Date(to),
    comment: 'test',
    createdBy: 'ops',
    createdAt: new Date(from),
    expiredAt: expiredAt ? new Date(expiredAt) : null,
  };
}
