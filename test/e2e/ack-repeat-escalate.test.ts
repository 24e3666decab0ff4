import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { portwarden } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver, type Received } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface PagerdutyBody {
  event_action: string;
  dedup_key: string;
  payload: { component: string; custom_details: { incident_id: number } };
}

const alertOf = (r: Received) => (r.body as { alerts: WebhookAlert[] }).alerts[0]!;
/** Webhook messages about check `check` whose notice says `notice` (undefined: a plain firing/resolve). */
const about = (receiver: WebhookReceiver, check: string, notice?: RegExp) =>
  receiver.received.filter((r) => {
    const alert = alertOf(r);
    if (alert.labels.check !== check) return false;
    return notice ? notice.test(alert.annotations.notice ?? '') : alert.annotations.notice === undefined;
  });

/**
 * Repeat, acknowledge and escalation through real PostgreSQL, Redis, HTTP receivers and the CLI:
 * the follow-up loop runs every 200 ms, repeat intervals and escalation steps are seconds.
 */
describe('repeat, acknowledge and escalation', () => {
  const fleet = new Fleet({ redis: true, controller: { followupIntervalMs: 200 } });
  const ops = new WebhookReceiver();
  const pager = new WebhookReceiver();
  const web = new WebhookReceiver();
  const leads = new WebhookReceiver();
  const services = {
    acked: new FlakyService(),
    control: new FlakyService(),
    escalated: new FlakyService(),
    quick: new FlakyService(),
  };
  let sql: postgres.Sql;

  const incidentOf = async (check: string): Promise<number> => {
    const { incidents } = await fleet.api<{
      incidents: { id: number; checkName: string; resolvedAt: string | null }[];
    }>('/api/v1/incidents?status=open');
    return incidents.find((i) => i.checkName === check)!.id;
  };

  beforeAll(async () => {
    await Promise.all([fleet.start(), ops.start(), pager.start(), web.start(), leads.start()]);
    for (const service of Object.values(services)) await service.start();
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    const check = (name: string, service: FlakyService, group: string) =>
      `  - { name: ${name}, port: ${service.port}, interval: 300ms, timeout: 200ms, alertGroup: ${group} }`;
    await fleet.controller.applyPolicy(`
alertGroups:
  ops:
    name: Ops
    repeatInterval: 2s
    channels:
      - webhook: { url: '${ops.url}' }
      - pagerduty: { routingKey: test-routing-key, url: '${pager.url}' }
  web:
    name: Web
    escalate: [{ after: 3s, to: leads }]
    channels: [{ webhook: { url: '${web.url}' } }]
  leads:
    name: Team leads
    channels: [{ webhook: { url: '${leads.url}' } }]
checks:
${check('acked', services.acked, 'ops')}
${check('control', services.control, 'ops')}
${check('escalated', services.escalated, 'web')}
${check('quick', services.quick, 'web')}
`);
    await fleet.addAgent('ack-1', {});
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    for (const receiver of [ops, pager, web, leads]) await receiver.stop();
    for (const service of Object.values(services)) await service.stop();
  });

  it('repeats a firing incident every repeatInterval, and stops once it is acknowledged with the CLI', async () => {
    await services.acked.stop();
    await services.control.stop();
    await until(
      'a repeat of each',
      () =>
        about(ops, 'acked', /Still failing/).length >= 1 &&
        about(ops, 'control', /Still failing/).length >= 1,
    );
    const repeat = alertOf(about(ops, 'acked', /Still failing/)[0]!);
    expect(repeat.annotations.notice).toBe('Still failing after 2s');
    expect(about(ops, 'acked')).toHaveLength(1); // one firing, then repeats
    // PagerDuty hears the repeat as another trigger of the same alert.
    const id = await incidentOf('acked');
    const dedupKey = `portwarden-incident-${id}`;
    await until(
      'the PagerDuty trigger and repeat',
      () => pager.received.filter((r) => (r.body as PagerdutyBody).dedup_key === dedupKey).length >= 2,
    );

    const run = await portwarden(['ack', String(id), '--comment', 'looking'], {
      PORTWARDEN_URL: fleet.httpUrl,
      PORTWARDEN_TOKEN: fleet.admin.token,
    });
    expect(run).toMatchObject({
      code: 0,
      stdout: `incident ${id} acknowledged by bootstrap-admin: looking\n`,
    });

    // Each channel is its own job: wait for both, in whatever order they were delivered.
    await until(
      'PagerDuty and the webhook to get the acknowledge',
      () =>
        pager.received.some((r) => (r.body as PagerdutyBody).event_action === 'acknowledge') &&
        about(ops, 'acked', /Acknowledged by/).length > 0,
    );
    const acks = pager.received
      .map((r) => r.body as PagerdutyBody)
      .filter((b) => b.event_action === 'acknowledge');
    expect(acks).toEqual([expect.objectContaining({ dedup_key: dedupKey })]);
    expect(about(ops, 'acked', /Acknowledged by bootstrap-admin: looking/)).toHaveLength(1);

    // Two more repeat intervals of the unacknowledged control incident go by ...
    const controlRepeats = about(ops, 'control', /Still failing/).length;
    await until(
      'two more repeats of the control incident',
      () => about(ops, 'control', /Still failing/).length >= controlRepeats + 2,
    );
    // ... and no repeat of the acknowledged one was written after the acknowledgement, and every
    // one written was delivered (none is still on its way).
    const [counts] = await sql<{ after: number; total: number }[]>`
      SELECT count(*) FILTER (WHERE o.created_at > i.acked_at)::int AS after, count(*)::int AS total
      FROM outbox o JOIN incidents i ON i.id = o.incident_id
      WHERE i.id = ${id} AND o.payload->'notice'->>'kind' = 'repeat'`;
    expect(counts!.after).toBe(0);
    expect(about(ops, 'acked', /Still failing/)).toHaveLength(counts!.total);

    const again = await portwarden(['ack', String(id)], {
      PORTWARDEN_URL: fleet.httpUrl,
      PORTWARDEN_TOKEN: fleet.admin.token,
    });
    expect(again.stdout).toMatch(
      new RegExp(`^incident ${id} was already acknowledged by bootstrap-admin at `),
    );
    const listed = await portwarden(['get', 'incidents'], {
      PORTWARDEN_URL: fleet.httpUrl,
      PORTWARDEN_TOKEN: fleet.admin.token,
    });
    expect(listed.stdout).toMatch(/ACKED BY/);
    expect(listed.stdout).toMatch(/bootstrap-admin +looking/);
  });

  it('escalates an unacknowledged incident to the next group, which later gets its resolve; an early ack escalates nothing', async () => {
    await services.quick.stop();
    await until('the quick incident to fire', () => about(web, 'quick').length >= 1);
    const quick = await incidentOf('quick');
    const acked = await fetch(`${fleet.httpUrl}/api/v1/incidents/${quick}/ack`, {
      method: 'POST',
      headers: { ...fleet.auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(acked.status).toBe(200);

    await services.escalated.stop();
    await until('the escalation', () => about(leads, 'escalated', /escalated/).length >= 1);
    const escalation = alertOf(about(leads, 'escalated', /escalated/)[0]!);
    expect(escalation.annotations.notice).toBe('Not acknowledged within 3s; escalated from Web');
    expect(escalation.status).toBe('firing');
    // `quick` opened before `escalated`, so its 3 s were up before this escalation: it was skipped.
    expect(leads.received.filter((r) => alertOf(r).labels.check === 'quick')).toHaveLength(0);

    await services.escalated.start();
    await until('the resolve at both groups', () =>
      [web, leads].every((receiver) =>
        receiver.received.some(
          (r) => alertOf(r).labels.check === 'escalated' && alertOf(r).status === 'resolved',
        ),
      ),
    );
    // Each step once: one escalation, one resolve.
    expect(leads.received.map((r) => [alertOf(r).labels.check, alertOf(r).status])).toEqual([
      ['escalated', 'firing'],
      ['escalated', 'resolved'],
    ]);
  });
});
