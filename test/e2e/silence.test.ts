import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { until } from '@portwarden/common/testing';
import { portwarden } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

interface Message {
  status: 'firing' | 'resolved';
  alerts: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string }[];
}

interface Row {
  incidentId: number;
  outboxId: number;
  status: string;
  note: string | null;
}

/**
 * Silences and maintenance windows end to end: PostgreSQL, Redis (the fleet's own prefix), a real
 * agent probing real ports, the CLI as a user runs it, and a real webhook receiver.
 */
describe('silences and maintenance windows', () => {
  const fleet = new Fleet({ redis: true, controller: { followupIntervalMs: 100 } });
  const receiver = new WebhookReceiver();
  const web = new FlakyService();
  const db = new FlakyService();
  const results: SpooledResult[] = [];
  let sql: postgres.Sql;

  const policy = (maintenance = '') => `
alertGroups:
  ops:
    channels: [{ webhook: { url: '${receiver.url}' } }]
checks:
  - { name: Web, id: web, port: ${web.port}, interval: 1s, timeout: 500ms, alertGroup: ops, agents: { role: web } }
  - { name: DB, id: db, port: ${db.port}, interval: 1s, timeout: 500ms, alertGroup: ops, agents: { role: db } }
${maintenance}`;

  const cli = (...args: string[]) =>
    portwarden(args, { PORTWARDEN_URL: fleet.httpUrl, PORTWARDEN_TOKEN: fleet.admin.token });

  /** Every notification row of one check's incidents, oldest first. */
  const notifications = (checkId: string) =>
    sql<Row[]>`
      SELECT o.incident_id, n.outbox_id, n.status, n.error AS note
      FROM notifications n JOIN outbox o ON o.id = n.outbox_id JOIN incidents i ON i.id = o.incident_id
      WHERE i.check_id = ${checkId} ORDER BY n.id`;
  const outboxCount = async (checkId: string) =>
    (
      await sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM outbox o JOIN incidents i ON i.id = o.incident_id
      WHERE i.check_id = ${checkId}`
    )[0]!.count;
  const openIncidents = async (checkId: string) =>
    (await fleet.api<{ incidents: { checkId: string }[] }>('/api/v1/incidents?status=open')).incidents.filter(
      (i) => i.checkId === checkId,
    );

  beforeAll(async () => {
    await Promise.all([fleet.start(), receiver.start(), web.start(), db.start()]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {}, transform: postgres.camel });
    await fleet.controller.applyPolicy(policy());
    await fleet.addAgent('web-1', { role: 'web' }, (r) => results.push(r));
    await fleet.addAgent('db-1', { role: 'db' }, (r) => results.push(r));
    await until('both checks up', () => results.filter((r) => r.outcome === 'up').length >= 2);
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await receiver.stop();
    await web.stop();
    await db.stop();
  });

  let silenceId = '';

  it('a silence added with the CLI holds the firing of an incident that opens; the incident is recorded', async () => {
    const add = await cli(
      'silence',
      'add',
      '--match',
      'check=web',
      '--match',
      'agent=web-1',
      '--for',
      '1h',
      '--comment',
      'deploying web-1',
    );
    expect(add.stderr).toContain('check=web, agent=web-1');
    expect(add.code).toBe(0);
    silenceId = add.stdout.trim();
    expect(silenceId).toMatch(/^\d+$/);
    const list = await cli('silence', 'list');
    expect(list.stdout).toMatch(new RegExp(`^${silenceId}\\s+active\\s+check=web, agent=web-1`, 'm'));

    await web.stop();
    const [held] = await until('the firing held', async () => {
      const rows = await notifications('web');
      return rows.length > 0 && rows;
    });
    expect(held).toMatchObject({ status: 'held', note: `silence ${silenceId}` });
    expect(await openIncidents('web')).toHaveLength(1);
    expect(receiver.received).toHaveLength(0);
  });

  it('expiring it while still failing delivers one firing, with the release notice', async () => {
    const expire = await cli('silence', 'expire', silenceId);
    expect(expire.stdout).toBe(`silence ${silenceId} expired\n`);
    await receiver.waitFor(1);
    const message = receiver.received[0]!.body as Message;
    expect(message.status).toBe('firing');
    expect(message.alerts[0]!.labels).toMatchObject({ check_id: 'web', agent: 'web-1' });
    expect(message.alerts[0]!.annotations.notice).toBe(
      `Silence ${silenceId} ended; still failing since ${message.alerts[0]!.startsAt}.`,
    );
    const list = await cli('silence', 'list');
    expect(list.stdout).toMatch(new RegExp(`^${silenceId}\\s+expired`, 'm'));
  });

  it('the release is written once: the resolve that follows is sent, and nothing else', async () => {
    await web.start();
    await receiver.waitFor(2);
    expect((receiver.received[1]!.body as Message).status).toBe('resolved');
    // Dozens of release sweeps ran by now (100 ms apart): still one release.
    expect(await outboxCount('web')).toBe(3);
    // The receiver answers before the row of the resolve is written.
    const rows = await until('the resolve recorded', async () => {
      const all = await notifications('web');
      return all.length === 3 && all;
    });
    expect(rows.map((r) => r.status)).toEqual(['held', 'sent', 'sent']);
    expect(receiver.received).toHaveLength(2);
  });

  it('a maintenance window in the policy that covers now holds the same way, and releases when it goes', async () => {
    // Starts every minute and lasts an hour: open now, whatever the time.
    await fleet.controller.applyPolicy(
      policy(`maintenance:
  - name: db patching
    schedule: { cron: "* * * * *" }
    duration: 1h
    timeZone: Europe/Berlin
    matchers: [ "agent=~db-.*", "check=db" ]`),
    );
    await db.stop();
    const [held] = await until('the firing held', async () => {
      const rows = await notifications('db');
      return rows.length > 0 && rows;
    });
    expect(held).toMatchObject({ status: 'held', note: 'maintenance db patching' });
    expect(await openIncidents('db')).toHaveLength(1);
    expect(receiver.received).toHaveLength(2);

    await fleet.controller.applyPolicy(policy());
    await receiver.waitFor(3);
    const message = receiver.received[2]!.body as Message;
    expect(message.status).toBe('firing');
    expect(message.alerts[0]!.labels).toMatchObject({ check_id: 'db', agent: 'db-1' });
    expect(message.alerts[0]!.annotations.notice).toContain('Maintenance window "db patching" ended');
  });

  it('a resolve whose firing was held is held too', async () => {
    const add = await cli(
      'silence',
      'add',
      '--match',
      'check=web',
      '--until',
      new Date(Date.now() + 3_600_000).toISOString(),
      '--comment',
      'again',
    );
    expect(add.code).toBe(0);
    const id = add.stdout.trim();
    await web.stop();
    await until(
      'a second web incident held',
      async () => (await notifications('web')).filter((r) => r.status === 'held').length === 2,
    );
    await web.start();
    const rows = await until('its resolve held', async () => {
      const all = await notifications('web');
      return all.filter((r) => r.status === 'held').length === 3 && all;
    });
    expect(rows.slice(-2)).toEqual([
      expect.objectContaining({ status: 'held', note: `silence ${id}` }),
      expect.objectContaining({ status: 'held', note: `silence ${id}` }),
    ]);
    expect(await openIncidents('web')).toHaveLength(0);
    // Resolved while silenced: nothing to release once the silence goes. The db check recovering
    // (its release was sent, so its resolve is) marks a moment after many more sweeps.
    await cli('silence', 'expire', id);
    await db.start();
    await receiver.waitFor(4);
    const last = receiver.received[3]!.body as Message;
    expect([last.status, last.alerts[0]!.labels.check_id]).toEqual(['resolved', 'db']);
    const aboutWeb = receiver.received.filter(
      (r) => (r.body as Message).alerts[0]!.labels.check_id === 'web',
    );
    expect(aboutWeb).toHaveLength(2);
  });
});
