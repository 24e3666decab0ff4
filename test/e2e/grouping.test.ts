import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';

interface Message {
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string> }[];
}

/** A loopback port nothing listens on (taken from the kernel, then let go): connecting is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Grouping with a real agent: ten ports stop answering on one server; a grouped alert group pages
 * once, listing all ten, while an alert group without groupBy is told at once.
 */
describe('ten checks failing on one agent', () => {
  const fleet = new Fleet({ redis: true, controller: { followupIntervalMs: 200 } });
  const receiver = new WebhookReceiver();
  let sql: postgres.Sql;

  beforeAll(async () => {
    await Promise.all([fleet.start(), receiver.start()]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    const ports: number[] = [];
    for (let i = 0; i < 11; i += 1) ports.push(await closedPort());
    await fleet.controller.applyPolicy(`
alertGroups:
  grouped:
    channels: [{ webhook: { url: '${receiver.url}/grouped' } }]
    groupBy: [agent]
    groupWait: 3s
  direct:
    channels: [{ webhook: { url: '${receiver.url}/direct' } }]
checks:
${ports
  .slice(0, 10)
  .map(
    (port, i) => `  - { name: svc-${i}, port: ${port}, interval: 1s, timeout: 500ms, alertGroup: grouped }`,
  )
  .join('\n')}
  - { name: db, port: ${ports[10]}, interval: 1s, timeout: 500ms, alertGroup: direct }
`);
    await fleet.addAgent('web-1', { site: 'paris' });
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await receiver.stop();
  });

  const on = (path: string) =>
    receiver.received.filter((r) => r.path.endsWith(path)).map((r) => r.body as Message);

  it('pages ONE webhook with ten alerts; the ungrouped check is told at once, before it', async () => {
    await until('the group notification', () => on('/grouped').length >= 1, 20_000);
    const [message] = on('/grouped');
    expect(message!.status).toBe('firing');
    expect(message!.groupLabels).toEqual({ agent: 'web-1' });
    expect(message!.alerts).toHaveLength(10);
    expect(new Set(message!.alerts.map((a) => a.labels.check_id)).size).toBe(10);
    expect(message!.alerts.every((a) => a.labels.agent === 'web-1' && a.labels.site === 'paris')).toBe(true);

    const paths = receiver.received.map((r) => r.path);
    expect(paths.findIndex((p) => p.endsWith('/direct'))).toBeLessThan(
      paths.findIndex((p) => p.endsWith('/grouped')),
    );

    // Every member recorded as grouped once the relay is through; still exactly one group message.
    await until('ten grouped notification rows', async () => {
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM notifications WHERE status = 'grouped'`;
      return row?.n === 10;
    });
    expect(on('/grouped')).toHaveLength(1);
    expect(on('/direct')).toHaveLength(1);
  });
});
