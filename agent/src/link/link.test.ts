import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@portwarden/common/logger';
import { AgentConfig, Outcome, type ConfigPush } from '@portwarden/proto/agent/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPort } from '../testing/servers.js';
import { FakeController, type FakeControllerOptions } from '../testing/controller.js';
import { openSpool, type ResultRecord, type Spool } from '../spool/spool.js';
import { createLink, MAX_UNACKED_MESSAGES, type Link, type LinkOptions } from './link.js';

let dir: string;
let spool: Spool;
const acks = new EventEmitter();

/** The spool as the link sees it, telling the test about every ack. */
const ackingSpool: LinkOptions['spool'] = {
  pending: (afterSeq, limit) => spool.pending(afterSeq, limit),
  get lastSeq() {
    return spool.lastSeq;
  },
  ack(upToSeq) {
    spool.ack(upToSeq);
    acks.emit('ack');
  },
  gaps: () => spool.gaps(),
  ackGaps: (upToId) => spool.ackGaps(upToId),
};

/** Resolves once the spool holds no more than `count` unacknowledged results. */
function spoolDrainedTo(count: number): Promise<void> {
  if (spool.pending().length <= count) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (spool.pending().length > count) return;
      acks.off('ack', check);
      resolve();
    };
    acks.on('ack', check);
  });
}
const cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-link-'));
  spool = await openSpool({ dir });
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

async function controller(options: FakeControllerOptions = {}): Promise<FakeController> {
  const fake = await FakeController.start(options);
  cleanup.push(() => fake.close());
  return fake;
}

function link(controllers: string[], overrides: Partial<LinkOptions> = {}): Link {
  const created = createLink({
    controllers,
    hello: () => ({
      name: 'web-1',
      labels: { role: 'web' },
      os: 'linux',
      agentVersion: '0.1.0',
      configRevision: 4,
      hostname: os.hostname(),
    }),
    spool: ackingSpool,
    applyConfig: async () => '',
    backoff: { initialMs: 20, maxMs: 100 },
    logger: silentLogger(),
    ...overrides,
  });
  created.start();
  cleanup.push(() => created.stop());
  return created;
}

const record = (checkId: string): ResultRecord => ({
  checkId,
  startedAtUnixMs: 1_700_000_000_000,
  outcome: 'up',
  detail: 'connected',
  durationMs: 1,
  timings: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 },
});

async function spoolResults(count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => spool.append(record(`c${i}`))));
}

describe('link', () => {
  it('says hello, applies the pushed config and acknowledges it', async () => {
    const config = AgentConfig.fromPartial({ checks: [{ id: 'smtp', enabled: true }] });
    const fake = await controller({ config: { revision: 9, config } });
    const applied: ConfigPush[] = [];
    link([fake.address], { applyConfig: async (push) => (applied.push(push), '') });

    await fake.until(() => fake.configAcks.length === 1);
    expect(fake.hellos).toEqual([
      {
        name: 'web-1',
        labels: { role: 'web' },
        os: 'linux',
        agentVersion: '0.1.0',
        configRevision: 4,
        hostname: os.hostname(),
      },
    ]);
    expect(applied).toEqual([{ revision: 9, config }]);
    expect(fake.configAcks).toEqual([{ revision: 9, error: '' }]);
  });

  it('reports why a config was refused in its ack', async () => {
    const fake = await controller({ config: { revision: 2, config: AgentConfig.create() } });
    link([fake.address], { applyConfig: async () => 'config rejected: checks[0]: has no host' });
    await fake.until(() => fake.configAcks.length === 1);
    expect(fake.configAcks).toEqual([{ revision: 2, error: 'config rejected: checks[0]: has no host' }]);
  });

  it('sends the spool in seq order, in batches of at most 500, and forgets what is acked', async () => {
    await spoolResults(1200);
    const fake = await controller();
    const agentLink = link([fake.address]);

    await fake.until(() => fake.results.length === 1200);
    expect(fake.batches.map((b) => b.length)).toEqual([500, 500, 200]);
    expect(fake.results.map((r) => r.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(fake.results[0]).toMatchObject({
      checkId: 'c0',
      outcome: Outcome.OUTCOME_UP,
      reason: '',
      detail: 'connected',
    });
    await spoolDrainedTo(0);

    // a result spooled later goes up at once
    await spool.append(record('late'));
    agentLink.notify();
    await fake.until(() => fake.results.length === 1201);
    expect(fake.results.at(-1)).toMatchObject({ seq: 1201, checkId: 'late' });
    await spoolDrainedTo(0);
    expect(spool.pending()).toEqual([]);
  });

  it('keeps at most MAX_UNACKED_MESSAGES batches unacknowledged, and sends what waited as one batch', async () => {
    const fake = await controller({ autoAck: false });
    const agentLink = link([fake.address]);
    await fake.until(() => fake.hellos.length === 1);
    // One result at a time, as probes finish: each goes out alone while the window has room.
    for (let i = 0; i < MAX_UNACKED_MESSAGES + 5; i++) {
      await spool.append(record(`c${i}`));
      agentLink.notify();
      if (i < MAX_UNACKED_MESSAGES) await fake.until(() => fake.batches.length === i + 1);
    }
    // The controller lags: nothing acked, so the five that finished later wait in the spool.
    expect(fake.batches.map((b) => b.length)).toEqual(Array(MAX_UNACKED_MESSAGES).fill(1));
    fake.ack(1); // one slot free: everything that waited goes as one batch
    await fake.until(() => fake.batches.length === MAX_UNACKED_MESSAGES + 1);
    const waited = Array.from({ length: 5 }, (_, i) => MAX_UNACKED_MESSAGES + 1 + i);
    expect(fake.batches.at(-1)!.map((r) => r.seq)).toEqual(waited);
    const all = MAX_UNACKED_MESSAGES + 5;
    expect(fake.results.map((r) => r.seq)).toEqual(Array.from({ length: all }, (_, i) => i + 1));
  });

  it('reconnects after the controller restarts on the same port and resends what is unacked, in order', async () => {
    await spoolResults(3);
    const first = await controller({ autoAck: false });
    const agentLink = link([first.address]);
    await first.until(() => first.results.length === 3);
    first.ack(1);
    await spoolDrainedTo(2);
    await first.close();

    // probing goes on while the controller is away
    await spool.append(record('offline-1'));
    await spool.append(record('offline-2'));
    agentLink.notify();

    const second = await controller({ port: first.port, autoAck: false });
    await second.until(() => second.results.length === 4);
    expect(second.hellos).toHaveLength(1);
    expect(second.results.map((r) => [r.seq, r.checkId])).toEqual([
      [2, 'c1'],
      [3, 'c2'],
      [4, 'offline-1'],
      [5, 'offline-2'],
    ]);
  });

  it('moves on to the next controller address when one fails', async () => {
    const fake = await controller();
    link([`127.0.0.1:${await closedPort()}`, fake.address]);
    await fake.until(() => fake.hellos.length === 1);
    expect(fake.hellos[0]?.name).toBe('web-1');
  });

  it('sends heartbeats with the last seq', async () => {
    await spoolResults(2);
    const fake = await controller();
    link([fake.address], { heartbeatMs: 20 });
    await fake.until(() => fake.heartbeats.length >= 2);
    expect(fake.heartbeats[0]?.lastSeq).toBe(2);
    expect(fake.heartbeats[0]?.sentAtUnixMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('tells when the controller answers, and stops reconnecting once stopped', async () => {
    const fake = await controller();
    let connected!: () => void;
    const answered = new Promise<void>((resolve) => (connected = resolve));
    const agentLink = link([fake.address], { onConnect: () => connected() });
    await answered;
    expect(agentLink.connected).toBe(true);
    await agentLink.stop();
    expect(agentLink.connected).toBe(false);
    // the controller sees the stream end
    await fake.until(() => fake.streams.size === 0);
  });
});
