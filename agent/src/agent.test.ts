import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { formatEnrollmentToken, newTokenSecret } from '@portwarden/common/enrollment-token';
import { AgentConfig, Check, Outcome } from '@portwarden/proto/agent/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent, type AgentOptions, type SpooledResult } from './agent.js';
import { saveConfig } from './config/config.js';
import { FakeController } from './testing/controller.js';
import { closedPort, listen, type TestServer } from './testing/servers.js';

let dir: string;
let smtp: TestServer;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-agent-'));
  smtp = await listen((socket) => socket.write('220 ready\r\n'));
  cleanup.push(() => smtp.close());
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await rm(dir, { recursive: true, force: true });
});

const configFor = (port: number) =>
  AgentConfig.fromPartial({
    checks: [
      Check.fromPartial({
        id: 'smtp',
        name: 'SMTP',
        intervalMs: 50,
        enabled: true,
        kind: { $case: 'port', value: { host: '127.0.0.1', port, expect: '220', timeoutMs: 2000 } },
      }),
    ],
  });

/** An agent whose results and config changes can be awaited. */
function agent(controllers: string[], overrides: Partial<AgentOptions> = {}) {
  const results: SpooledResult[] = [];
  const revisions: number[] = [];
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((check) => check());
  const created: Agent = createAgent({
    controllers,
    name: 'web-1',
    labels: { role: 'web' },
    stateDir: dir,
    reconnect: { initialMs: 20, maxMs: 100 },
    onResult: (result) => (results.push(result), changed()),
    onConfig: (revision) => (revisions.push(revision), changed()),
    ...overrides,
  });
  const until = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => condition() && (waiters.delete(check), resolve());
      waiters.add(check);
      check();
    });
  cleanup.push(() => created.stop());
  return { agent: created, results, revisions, until };
}

async function controller(options: Parameters<typeof FakeController.start>[0]): Promise<FakeController> {
  const fake = await FakeController.start(options);
  cleanup.push(() => fake.close());
  return fake;
}

describe('agent', () => {
  it('runs the checks the controller pushes and streams their results', async () => {
    const fake = await controller({ config: { revision: 1, config: configFor(smtp.port) } });
    const { agent: running, results, revisions, until } = agent([fake.address]);
    await running.start();

    await until(() => results.length >= 2);
    expect(revisions).toEqual([1]);
    expect(running.configRevision).toBe(1);
    expect(results.slice(0, 2).map((r) => [r.seq, r.checkId, r.outcome])).toEqual([
      [1, 'smtp', 'up'],
      [2, 'smtp', 'up'],
    ]);
    await fake.until(() => fake.results.length >= 2);
    expect(fake.results[0]).toMatchObject({ seq: 1, checkId: 'smtp', outcome: Outcome.OUTCOME_UP });
    expect(fake.hellos[0]).toMatchObject({ name: 'web-1', labels: { role: 'web' }, configRevision: 0 });
    expect(fake.hellos[0]?.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(fake.configAcks).toEqual([{ revision: 1, error: '' }]);
    const saved = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { revision: number };
    expect(saved.revision).toBe(1);
  });

  it('keeps the running config when a push is refused', async () => {
    const fake = await controller({ config: { revision: 1, config: configFor(smtp.port) } });
    const { agent: running, revisions, until } = agent([fake.address]);
    await running.start();
    await until(() => revisions.length === 1);

    fake.push(2, configFor(0));
    await fake.until(() => fake.configAcks.length === 2);
    expect(fake.configAcks[1]).toEqual({
      revision: 2,
      error: 'config rejected: checks[0] (smtp): port must be 1-65535',
    });
    expect(running.configRevision).toBe(1);
  });

  it('probes from its cached config while the controller is away, then catches up in order', async () => {
    // First life: get a config from the controller, then stop.
    const first = await controller({ config: { revision: 3, config: configFor(smtp.port) } });
    const before = agent([first.address]);
    await before.agent.start();
    await before.until(() => before.results.length >= 1);
    await before.agent.stop();
    await first.close();
    const lastSeqBefore = before.results.at(-1)!.seq;

    // Second life: no controller at the address; the agent still probes from its cache.
    const port = await closedPort();
    const after = agent([`127.0.0.1:${port}`]);
    await after.agent.start();
    expect(after.revisions).toEqual([3]);
    await after.until(() => after.results.length >= 3);
    expect(after.agent.connected).toBe(false);
    expect(after.results[0]!.seq).toBeGreaterThan(lastSeqBefore);

    // The controller comes up at that address: everything unacknowledged arrives, in seq order.
    const second = await controller({ port, autoAck: false });
    await second.until(() => second.results.some((r) => r.seq === after.results[2]!.seq));
    expect(second.hellos[0]?.configRevision).toBe(3);
    // consecutive from the oldest unacknowledged (perhaps from the first life) up to the newest
    const seqs = second.results.map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seqs[0]).toBeLessThanOrEqual(after.results[0]!.seq);
    expect(seqs).toEqual(expect.arrayContaining(after.results.slice(0, 3).map((r) => r.seq)));
  });

  it('probes from its cache while it enrolls; a stop then ends the start and stops what started', async () => {
    await saveConfig(dir, { revision: 3, config: configFor(smtp.port) });
    let attempted!: () => void;
    const enrolling = new Promise<void>((resolve) => (attempted = resolve));
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void (line.includes('enrollment') && attempted()) },
    );
    const enrollToken = formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: randomBytes(32) });
    const port = await closedPort();
    const { agent: running, results, until } = agent([`127.0.0.1:${port}`], { logger, tls: { enrollToken } });
    const starting = running.start();

    await enrolling;
    await until(() => results.length >= 2);
    await running.stop();
    await expect(starting).rejects.toThrow(/aborted/);
    expect(running.connected).toBe(false);
    expect(running.configRevision).toBe(3);
  });
});
