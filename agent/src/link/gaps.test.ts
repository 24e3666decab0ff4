import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { FakeController, type FakeControllerOptions } from '../testing/controller.js';
import { openSpool, type ResultRecord, type Spool } from '../spool/spool.js';
import { createLink, type Link } from './link.js';

let dir: string;
let spool: Spool;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-link-gaps-'));
  // Room for about ten results: the appends below overflow it several times.
  spool = await openSpool({ dir, maxBytes: 3000, segmentBytes: 1000, headroomBytes: 0 });
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

const record = (checkId: string, i: number): ResultRecord => ({
  checkId,
  startedAtUnixMs: 1_700_000_000_000 + i,
  outcome: 'up',
  detail: 'connected',
  durationMs: 1,
  timings: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 },
});

async function overflow(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await spool.append(record(i % 2 ? 'web' : 'db', i));
  await spool.flushed();
}

async function connect(options: FakeControllerOptions = {}): Promise<{ fake: FakeController; link: Link }> {
  const fake = await FakeController.start(options);
  const link = createLink({
    controllers: [fake.address],
    hello: () => ({
      name: 'web-1',
      labels: {},
      os: 'linux',
      agentVersion: '0',
      configRevision: 0,
      hostname: os.hostname(),
    }),
    spool,
    applyConfig: async () => '',
    backoff: { initialMs: 20, maxMs: 100 },
    logger: silentLogger(),
  });
  link.start();
  cleanup.push(() => fake.close());
  cleanup.push(() => link.stop());
  return { fake, link };
}

it('reports every gap after the hello, again on a new stream until acknowledged, then forgets it', async () => {
  await overflow(60);
  const gaps = spool.gaps();
  expect(gaps.length).toBeGreaterThan(0);

  // Not acknowledged: the reports stay in the spool and go again on the next stream, same ids.
  const first = await connect({ autoAckGaps: false });
  await first.fake.until(() => first.fake.gaps.length === gaps.length);
  expect(first.fake.gaps).toEqual(gaps);
  await first.link.stop();
  expect(spool.gaps()).toEqual(gaps);

  const second = await connect();
  await second.fake.until(() => second.fake.gaps.length === gaps.length);
  expect(second.fake.gaps).toEqual(gaps);
  // The acks reach the agent after the controller's last event: ask the spool itself.
  await until('the acknowledged reports forgotten', () => spool.gaps().length === 0, 5_000, 10);
});

it('sends a gap that appears while the stream is open', async () => {
  // Results unacknowledged: every drop counts.
  const { fake, link } = await connect({ autoAck: false });
  await fake.until(() => fake.hellos.length === 1);
  await overflow(60);
  expect(spool.gaps().length).toBeGreaterThan(0);
  const expected = spool.gaps();
  // New results wake the link, which sends the reports it has not sent on this stream.
  link.notify();
  await fake.until(() => fake.gaps.length >= expected.length);
  expect(fake.gaps.slice(0, expected.length)).toEqual(expected);
  expect(fake.gaps.map((g) => g.id)).toEqual([...new Set(fake.gaps.map((g) => g.id))]);
});
