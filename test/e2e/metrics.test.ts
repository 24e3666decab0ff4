import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '@portwarden/agent/agent';
import { namingProblem, parseMetrics, sampleValue } from '@portwarden/common/testing/metrics';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Both /metrics endpoints with a real agent and controller: what the agent probes shows up in its
 * counters, then as results, an incident and a notification in the controller's.
 */
describe('/metrics on the controller and the agent', { timeout: 60_000 }, () => {
  const fleet = new Fleet({ redis: false });
  const service = new FlakyService();
  let agent: Agent;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: up, port: ${service.port}, interval: 1s, timeout: 500ms, alertGroup: ops }
  - { name: shut, port: ${await closedPort()}, interval: 1s, timeout: 500ms, failuresBeforeAlert: 2, alertGroup: ops }
`);
    agent = await fleet.addAgent('metrics-1', {}, undefined, { metricsListen: '127.0.0.1:0' });
  });

  afterAll(async () => {
    await fleet.stop();
    await service.stop();
  });

  const scrape = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/metrics`, { headers });
    expect(response.status).toBe(200);
    return parseMetrics(await response.text());
  };

  it("counts the agent's probes by outcome and reason", async () => {
    const families = await until('up and refused probes counted', async () => {
      const scraped = await scrape(agent.metricsUrl!);
      const probes = (outcome: string, reason: string) =>
        sampleValue(scraped, 'portwarden_agent_probes_total', { outcome, reason }) ?? 0;
      return probes('up', '') >= 2 && probes('down', 'refused') >= 2 ? scraped : undefined;
    });
    expect(sampleValue(families, 'portwarden_agent_stream_connected')).toBe(1);
    expect([...families.values()].filter((family) => namingProblem(family))).toEqual([]);
  });

  it('shows the results, the incident and its notification on the controller', async () => {
    const families = await until('the notification sent', async () => {
      const scraped = await scrape(fleet.httpUrl, fleet.auth);
      return sampleValue(scraped, 'portwarden_notifications', { channel_kind: 'log', status: 'sent' })
        ? scraped
        : undefined;
    });
    expect(sampleValue(families, 'portwarden_results_ingested_total')).toBeGreaterThanOrEqual(4);
    expect(sampleValue(families, 'portwarden_incidents_open', { state: 'firing', reason: 'refused' })).toBe(
      1,
    );
    expect(sampleValue(families, 'portwarden_agents_connected')).toBe(1);
    expect(sampleValue(families, 'portwarden_database_scrape_up')).toBe(1);
    expect([...families.values()].filter((family) => namingProblem(family))).toEqual([]);
  });
});
