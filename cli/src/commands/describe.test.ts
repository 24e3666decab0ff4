import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../client.js';
import { describeIncident, incidentTimeline, type IncidentView, type NotificationView } from './describe.js';

const incident = (extra: Partial<IncidentView> = {}): IncidentView => ({
  id: 7,
  agent: 'web-1',
  checkName: 'web',
  alertGroup: 'ops',
  reason: 'refused',
  detail: 'cannot connect to 127.0.0.1:80: ECONNREFUSED',
  openedAt: '2026-12-07T10:00:00.000Z',
  resolvedAt: null,
  ackedBy: null,
  ackedAt: null,
  ackComment: null,
  ...extra,
});
const note = (extra: Partial<NotificationView>): NotificationView => ({
  event: 'opened',
  notice: null,
  channelKey: 'ops/0:webhook',
  status: 'sent',
  attempts: 1,
  error: null,
  eventAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:01.000Z',
  ...extra,
});

/** A client that answers GETs by path, and fails any other request. */
function createFakeClient(answers: Record<string, unknown>): ApiClient {
  const refuse = () => Promise.reject(new Error('unexpected request'));
  return {
    get: <T>(path: string) =>
      path in answers ? Promise.resolve(answers[path] as T) : Promise.reject(new Error(`GET ${path}`)),
    put: refuse,
    post: refuse,
    postText: refuse,
    delete: refuse,
  };
}

describe('incidentTimeline', () => {
  it.each([
    {
      // why: an open incident with nothing sent yet is only its opening
      incident: incident(),
      notifications: [],
      text: `incident 7: web on web-1 (alert group ops), open
  2026-12-07T10:00:00.000Z  opened: refused: cannot connect to 127.0.0.1:80: ECONNREFUSED
`,
    },
    {
      // why: the whole story oldest first although the API lists notifications newest first;
      // the notification at the opening's instant comes after it; a failure shows its error
      incident: incident({
        ackedBy: 'alice',
        ackedAt: '2026-12-07T10:05:00.000Z',
        ackComment: 'on it',
        resolvedAt: '2026-12-07T10:10:00.000Z',
      }),
      notifications: [
        note({ event: 'resolved', eventAt: '2026-12-07T10:10:00.000Z' }),
        note({ notice: 'acknowledged', eventAt: '2026-12-07T10:05:00.000Z', channelKey: 'ops/1:slack' }),
        note({ status: 'failed', attempts: 3, error: 'HTTP 500', channelKey: 'ops/1:slack' }),
        note({}),
      ],
      text: `incident 7: web on web-1 (alert group ops), resolved
  2026-12-07T10:00:00.000Z  opened: refused: cannot connect to 127.0.0.1:80: ECONNREFUSED
  2026-12-07T10:00:00.000Z  notified ops/0:webhook (opened): sent
  2026-12-07T10:00:00.000Z  notified ops/1:slack (opened): failed after 3 attempts: HTTP 500
  2026-12-07T10:05:00.000Z  notified ops/1:slack (opened, acknowledged): sent
  2026-12-07T10:05:00.000Z  acknowledged by alice: on it
  2026-12-07T10:10:00.000Z  notified ops/0:webhook (resolved): sent
  2026-12-07T10:10:00.000Z  resolved
`,
    },
  ])('$incident.id $text', ({ incident, notifications, text }) => {
    expect(incidentTimeline(incident, notifications)).toBe(text);
  });
});

describe('describeIncident', () => {
  it('asks for that incident with its notifications', async () => {
    const client = createFakeClient({
      '/api/v1/incidents/7': { incident: incident(), notifications: [note({})] },
    });
    let printed = '';
    await describeIncident(client, 'incident', '7', (t) => (printed += t));
    expect(printed).toContain('notified ops/0:webhook (opened): sent');
  });

  it.each([
    // why: an unknown kind is a usage error
    { kind: 'check', id: '7', message: 'cannot describe "check"' },
    // why: an id is a positive whole number
    { kind: 'incident', id: 'x', message: 'invalid incident id "x"' },
    // why: an id the controller does not know is its 404, passed on
    { kind: 'incident', id: '8', message: 'GET /api/v1/incidents/8' },
  ])('refuses $kind $id', async ({ kind, id, message }) => {
    const client = createFakeClient({
      '/api/v1/incidents/7': { incident: incident(), notifications: [] },
    });
    await expect(describeIncident(client, kind, id, () => {})).rejects.toThrow(message);
  });
});
