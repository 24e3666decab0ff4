import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { EventMember, IncidentEvent } from '../../state/event.js';
import { buildAlertmanagerMessage } from '../alertmanager.js';
import { expectAdaptiveCardMessage, expectBlockKit } from '../testing/chat-shapes.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { alertmanagerChannel } from './alertmanager.js';
import { buildEmailMessage } from './email-message.js';
import { incidentFacts } from './facts.js';
import { memberEvents } from './members.js';
import { pagerdutyChannel } from './pagerduty.js';
import { buildSlackMessage } from './slack-message.js';
import { buildTeamsGroupMessage } from './teams-message.js';

/** How each channel renders a group's one notification: three incidents on web-1, one resolved. */

const agent = { name: 'web-1', hostname: 'web-1.lan', labels: { role: 'web' } };
const member = (incidentId: number, check: string, endsAt?: string): EventMember => ({
  event: endsAt ? 'resolved' : 'opened',
  incidentId,
  check: { id: check, name: check.toUpperCase(), host: '10.0.0.7', port: 8000 + incidentId },
  agent,
  reason: 'refused',
  detail: 'connect ECONNREFUSED',
  consecutiveFailures: 1,
  startsAt: '2026-12-07T12:00:00.000Z',
  ...(endsAt && { endsAt }),
});
const members = [member(1, 'http'), member(2, 'smtp'), member(3, 'imap', '2026-12-07T12:00:20.000Z')];
const group: IncidentEvent = {
  ...members[0]!,
  outboxId: 40,
  alertGroup: { id: 'ops', name: 'Ops' },
  policyRevision: 2,
  grouping: { key: 'ops:{agent="web-1"}', labels: { agent: 'web-1' }, dueAt: '2026-12-07T12:00:30.000Z' },
  members,
};
const single: IncidentEvent = {
  ...members[0]!,
  outboxId: 41,
  alertGroup: group.alertGroup,
  policyRevision: 2,
};
const ui = 'http://ui.example';

describe('memberEvents', () => {
  it('is the event itself without members, else one event per member under the group', () => {
    expect(memberEvents(single)).toEqual([single]);
    const events = memberEvents(group);
    expect(events.map((e) => [e.outboxId, e.incidentId, e.event, e.alertGroup.id])).toEqual([
      [40, 1, 'opened', 'ops'],
      [40, 2, 'opened', 'ops'],
      [40, 3, 'resolved', 'ops'],
    ]);
    expect(events[2]!.endsAt).toBe('2026-12-07T12:00:20.000Z');
    expect(events[0]!.endsAt).toBeUndefined();
  });
});

describe('a group notification, per channel', () => {
  it('webhook: one alert per member, groupLabels the groupBy values', () => {
    const message = buildAlertmanagerMessage(group, ui);
    expect(message.status).toBe('firing');
    expect(message.alerts.map((a) => [a.labels.check_id, a.status])).toEqual([
      ['http', 'firing'],
      ['smtp', 'firing'],
      ['imap', 'resolved'],
    ]);
    expect(message.groupLabels).toEqual({ agent: 'web-1' });
    expect(message.groupKey).toBe('{}/{alertgroup="ops"}:{agent="web-1"}');
    // Common: what every alert has, not what one has.
    expect(message.commonLabels).toMatchObject({ agent: 'web-1', role: 'web', host: '10.0.0.7' });
    expect(message.commonLabels.check_id).toBeUndefined();
    // Unchanged for one incident: its own three group labels.
    expect(Object.keys(buildAlertmanagerMessage(single, ui).groupLabels)).toEqual([
      'alertname',
      'agent',
      'check_id',
    ]);
  });

  it('webhook: a grouping by check or by a label shows under the alerts label names', () => {
    const byCheck = { ...group, grouping: { ...group.grouping!, labels: { check: 'http', 'rack.no': '4' } } };
    expect(buildAlertmanagerMessage(byCheck, ui).groupLabels).toEqual({ check_id: 'http', rack_no: '4' });
  });

  it('email: the subject counts them, both parts list them', () => {
    const mail = buildEmailMessage(group, ui);
    expect(mail.subject).toBe('[FIRING:3] HTTP and 2 more on web-1: refused');
    expect(mail.text).toContain('Incidents in this notification (3):');
    expect(mail.text).toContain('  - RESOLVED IMAP on web-1: refused <http://ui.example/incidents/3>');
    expect(mail.html).toContain('<a href="http://ui.example/incidents/2">FIRING SMTP on web-1: refused</a>');
    expect(buildEmailMessage(single, ui).text).not.toContain('Incidents in this notification');
  });

  it('slack: one grouped message listing each', () => {
    const message = buildSlackMessage(memberEvents(group).map((e) => incidentFacts(e, ui)));
    expectBlockKit(message);
    expect(message.text).toBe('3 notifications: 2 firing, 1 resolved');
    expect(message.blocks).toHaveLength(4);
  });

  it('teams: one card with a list', () => {
    const message = buildTeamsGroupMessage(memberEvents(group).map((e) => incidentFacts(e, ui)));
    expectAdaptiveCardMessage(message);
    const [title, list] = message.attachments[0]!.content.body as { text: string }[];
    expect(title!.text).toBe('FIRING: 3 incidents (2 firing)');
    expect(list!.text.split('\n')).toEqual([
      '- **FIRING** HTTP on web-1: 10.0.0.7:8001 · refused (the connection was refused (nothing listens on the port))',
      '- **FIRING** SMTP on web-1: 10.0.0.7:8002 · refused (the connection was refused (nothing listens on the port))',
      '- **RESOLVED** IMAP on web-1: 10.0.0.7:8003 · refused (the connection was refused (nothing listens on the port))',
    ]);
  });
});

describe('per-alert APIs send each member as its own alert', () => {
  let receiver: Receiver;
  const context = { logger: silentLogger(), externalUrl: ui };
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver?.close());

  it('pagerduty: one event per member, each with its own dedup key and action', async () => {
    const config = pagerdutyChannel.parseConfig({ routingKey: 'R'.repeat(32), url: `${receiver.url}/pd` });
    await pagerdutyChannel.send({ event: group, channelKey: 'ops#0:pagerduty', attempt: 1 }, config, context);
    const sent = receiver
      .on('/pd')
      .map((r) => JSON.parse(r.body) as { dedup_key: string; event_action: string });
    expect(sent.map((e) => [e.dedup_key, e.event_action])).toEqual([
      ['portwarden-incident-1', 'trigger'],
      ['portwarden-incident-2', 'trigger'],
      ['portwarden-incident-3', 'resolve'],
    ]);
  });

  it('alertmanager: each member its own alert, in one post', async () => {
    const config = alertmanagerChannel.parseConfig({ url: `${receiver.url}/am` });
    await alertmanagerChannel.send(
      { event: group, channelKey: 'ops#0:alertmanager', attempt: 1 },
      config,
      context,
    );
    const [post] = receiver.on('/am/api/v2/alerts');
    const alerts = JSON.parse(post!.body) as { labels: Record<string, string>; endsAt: string }[];
    expect(alerts.map((a) => a.labels.check_id)).toEqual(['http', 'smtp', 'imap']);
    expect(alerts[2]!.endsAt).toBe('2026-12-07T12:00:20.000Z');
  });
});
