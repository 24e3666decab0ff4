import { describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { ChannelDocument } from '@portwarden/common/policy/schema';
import type { IncidentEvent } from '../state/event.js';
import { createDeliver } from './deliver.js';
import type { NotificationRecord } from './nflog.js';
import { resolveChannelSecrets, type SecretResolver } from './secrets.js';

const secrets = (values: Record<string, string>): SecretResolver => ({
  open: async (name) => values[name],
});

const webhook = (url: string, headers?: Record<string, string>): ChannelDocument => ({
  webhook: { url, ...(headers && { headers }) },
});

describe('resolveChannelSecrets', () => {
  it('replaces references in the url and the headers, and leaves the rest', async () => {
    const channel = webhook('http://127.0.0.1/h?k=${secret:k}', {
      Authorization: 'Bearer ${secret:pd}',
      X: 'y',
    });
    expect(await resolveChannelSecrets(channel, secrets({ pd: 'p1', k: 'k1' }))).toEqual(
      webhook('http://127.0.0.1/h?k=k1', { Authorization: 'Bearer p1', X: 'y' }),
    );
  });

  it('replaces references in any string of any kind, at any depth', async () => {
    // As an e-mail channel's SMTP password or a PagerDuty routing key will be written.
    const channel = {
      email: { to: ['ops@example.test'], smtp: { host: 'mx', port: 25, password: 'pw=${secret:smtp}' } },
    } as unknown as ChannelDocument;
    expect(await resolveChannelSecrets(channel, secrets({ smtp: 's3' }))).toEqual({
      email: { to: ['ops@example.test'], smtp: { host: 'mx', port: 25, password: 'pw=s3' } },
    });
  });

  it('leaves a channel without references as it is', async () => {
    const channel = webhook('http://127.0.0.1/h');
    expect(await resolveChannelSecrets(channel, secrets({}))).toBe(channel);
    expect(await resolveChannelSecrets({ log: {} }, secrets({}))).toEqual({ log: {} });
  });

  it.each([
    ['a deleted secret', secrets({}), 'which no longer exists'],
    ['a secret that cannot be opened', { open: () => Promise.reject(new Error('bad key')) }, 'bad key'],
  ])('fails for good on %s', async (_what, resolver, message) => {
    const channel = webhook('http://127.0.0.1/h', { Authorization: '${secret:gone}' });
    await expect(resolveChannelSecrets(channel, resolver)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining(message),
    });
  });
});

describe('createDeliver with a deleted secret', () => {
  it('records the delivery failed for good at the first attempt', async () => {
    const rows: NotificationRecord[] = [];
    const deliver = createDeliver({
      log: { find: async () => undefined, record: async (row) => (rows.push(row), true) },
      routes: {
        channels: async () => [webhook('http://127.0.0.1:9/h', { Authorization: '${secret:gone}' })],
      },
      logger: silentLogger(),
      externalUrl: 'http://127.0.0.1',
      secrets: secrets({}),
    });
    const event = { outboxId: 1, alertGroup: { id: 'ops' }, policyRevision: 1 } as unknown as IncidentEvent;
    const outcome = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 5 });
    expect(outcome.status).toBe('failed');
    expect(rows[0]?.error).toContain('secret "gone"');
  });
});
