import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { AgentConfig } from '@portwarden/proto/agent/v1';
import { FakeController } from '../testing/controller.js';
import { FreezableProxy } from '../testing/proxy.js';
import { openSpool, type Spool } from '../spool/spool.js';
import { createLink, type Link } from './link.js';

let dir: string;
let spool: Spool;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-silent-'));
  spool = await openSpool({ dir });
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The connection to the first controller address dies silently: no FIN, no RST, nothing. With
 * the link's default keepalive (a ping every 10 s, 10 s to answer) the agent notices within 30 s
 * and opens its stream again through the next address in its list.
 */
it('notices a silently dead connection within 30 s and reconnects through the next address', async () => {
  const fake = await FakeController.start({ config: { revision: 1, config: AgentConfig.create() } });
  cleanup.push(() => fake.close());
  const proxy = await FreezableProxy.start(fake.port);
  cleanup.push(() => proxy.close());
  const connects: string[] = [];
  const link: Link = createLink({
    controllers: [proxy.address, fake.address],
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
    onConnect: (address) => connects.push(address),
  });
  link.start();
  cleanup.push(() => link.stop());

  await fake.until(() => fake.configAcks.length === 1);
  expect(connects).toEqual([proxy.address]);
  proxy.freeze();
  const frozenAt = Date.now();

  await fake.until(() => fake.hellos.length === 2);
  const noticedInMs = Date.now() - frozenAt;
  expect(noticedInMs).toBeLessThan(30_000);
  // The config ack follows the response headers, which is when the link reports a connect.
  await fake.until(() => fake.configAcks.length === 2);
  expect(connects).toEqual([proxy.address, fake.address]);
  expect(link.connected).toBe(true);
}, 45_000);
