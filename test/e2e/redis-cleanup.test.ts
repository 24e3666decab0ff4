import { afterAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { redisKeys } from '@portwarden/controller/testing';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

/**
 * Tests share one Redis: a fleet must leave nothing under its key prefix, as it leaves no database.
 * A notification goes through BullMQ first, so that there are keys to remove.
 */
describe('a fleet on Redis', () => {
  const fleet = new Fleet({ redis: true });
  const receiver = new WebhookReceiver();
  const service = new FlakyService();

  afterAll(async () => {
    await receiver.stop();
    await service.stop();
  });

  it('leaves no key under its prefix once stopped', async () => {
    await Promise.all([fleet.start(), receiver.start(), service.start()]);
    // Nothing listens on the port once the service stops: the check fails at once.
    await service.stop();
    await fleet.controller.applyPolicy(`
alertGroups:
  ops: { name: Ops, channels: [{ webhook: { url: '${receiver.url}' } }] }
checks:
  - { name: Web, port: ${service.port}, interval: 1s, timeout: 500ms, failuresBeforeAlert: 1, alertGroup: ops }
`);
    await fleet.addAgent('web-1', { role: 'web' });
    await until('the webhook through the queue', () => receiver.received.length > 0);
    const prefix = fleet.redisPrefix!;
    expect(await redisKeys(prefix)).not.toEqual([]);

    await fleet.stop();
    expect(await redisKeys(prefix)).toEqual([]);
  });
});
