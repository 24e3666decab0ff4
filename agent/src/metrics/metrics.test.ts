import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentConfig, Check } from '@portwarden/proto/agent/v1';
import { namingProblem, parseMetrics, sampleValue } from '@portwarden/common/testing/metrics';
import { until } from '@portwarden/common/testing';
import { ConfigError } from '@portwarden/common/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../agent.js';
import { FakeController } from '../testing/controller.js';
import { closedPort, listen, type TestServer } from '../testing/servers.js';
import { parseMetricsListen } from './listen.js';

let dir: string;
let smtp: TestServer;
let fake: FakeController;
let agent: Agent;
let url: string;

const portCheck = (id: string, port: number) =>
  Check.fromPartial({
    id,
    name: id,
    intervalMs: 50,
    enabled: true,
    kind: { $case: 'port', value: { host: '127.0.0.1', port, expect: '220', timeoutMs: 2000 } },
  });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-agent-metrics-'));
  smtp = await listen((socket) => socket.write('220 ready\r\n'));
  const config = AgentConfig.fromPartial({
    checks: [portCheck('smtp', smtp.port), portCheck('closed', await closedPort())],
  });
  fake = await FakeController.start({ config: { revision: 1, config } });
  agent = createAgent({
    controllers: [fake.address],
    name: 'metrics-1',
    stateDir: dir,
    metricsListen: '127.0.0.1:0',
  });
  await agent.start();
  url = `${agent.metricsUrl!}/metrics`;
});

afterAll(async () => {
  await agent?.stop();
  await fake?.close();
  await smtp?.close();
  await rm(dir, { recursive: true, force: true });
});

const scrape = async () => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
};

describe('--metrics-listen', { timeout: 30_000 }, () => {
  it('counts probes by outcome and reason, with their latency, as the checks run', async () => {
    const families = await until('both checks probed twice', async () => {
      const scraped = await scrape();
      const up = sampleValue(scraped, 'portwarden_agent_probes_total', { outcome: 'up', reason: '' }) ?? 0;
      const refused =
        sampleValue(scraped, 'portwarden_agent_probes_total', { outcome: 'down', reason: 'refused' }) ?? 0;
      return up >= 2 && refused >= 2 ? scraped : undefined;
    });
    const probes = families
      .get('portwarden_agent_probes_total')!
      .samples.reduce((sum, sample) => sum + sample.value!, 0);
    // The histogram saw the same probes as the counter (both are told in one place).
    expect(sampleValue(families, 'portwarden_agent_probe_duration_seconds')).toBe(probes);
    expect(families.get('portwarden_agent_probe_duration_seconds')!.samples[0]!.sum).toBeGreaterThan(0);
  });

  it('shows the spool and the stream', async () => {
    await until('the stream open', () => agent.connected);
    const families = await scrape();
    expect(sampleValue(families, 'portwarden_agent_stream_connected')).toBe(1);
    expect(sampleValue(families, 'portwarden_agent_spool_bytes')).toBeGreaterThan(0);
    expect(sampleValue(families, 'portwarden_agent_spool_gaps')).toBe(0);
    expect(sampleValue(families, 'portwarden_agent_spool_dropped_results')).toBe(0);
  });

  it('names every metric by Prometheus conventions', async () => {
    const families = [...(await scrape()).values()];
    expect(families.map((family) => [family.name, namingProblem(family)]).filter(([, p]) => p)).toEqual([]);
    expect(families.map((family) => family.name).sort()).toEqual([
      'portwarden_agent_probe_duration_seconds',
      'portwarden_agent_probes_total',
      'portwarden_agent_spool_bytes',
      'portwarden_agent_spool_dropped_results',
      'portwarden_agent_spool_gaps',
      'portwarden_agent_stream_connected',
    ]);
  });

  it('serves nothing else', async () => {
    expect((await fetch(`${agent.metricsUrl!}/`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(404);
  });
});

describe('parseMetricsListen', () => {
  it.each([
    // why: the documented example.
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464, loopback: true }],
    // why: a port alone stays on this machine.
    ['9464', { host: '127.0.0.1', port: 9464, loopback: true }],
    ['[::1]:9464', { host: '::1', port: 9464, loopback: true }],
    ['localhost:9464', { host: 'localhost', port: 9464, loopback: true }],
    // why: beyond loopback is allowed when written out (the agent warns).
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464, loopback: false }],
    ['[::]:9464', { host: '::', port: 9464, loopback: false }],
  ])('reads %s', (text, expected) => {
    expect(parseMetricsListen(text)).toEqual(expected);
  });

  it.each([
    // why: no port.
    ['127.0.0.1'],
    // why: a port out of range.
    ['127.0.0.1:70000'],
    // why: an IPv6 address without brackets is ambiguous.
    ['::1:9464'],
    ['[not-v6]:9464'],
    [''],
  ])('refuses %j with a hint', (text) => {
    expect(() => parseMetricsListen(text)).toThrow(ConfigError);
  });
});
