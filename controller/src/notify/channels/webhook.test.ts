import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import { buildAlertmanagerMessage } from '../alertmanager.js';
import {
  ChannelConfigError,
  DeliveryTimeoutError,
  RejectedStatusError,
  RetryableStatusError,
} from '../retry.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { signatureHeaders, webhookChannel } from './webhook.js';

const event: IncidentEvent = {
  outboxId: 3,
  event: 'opened',
  incidentId: 5,
  check: { id: 'smtp', name: 'Mail', host: 'mail.example', port: 25 },
  agent: { name: 'mx-1', hostname: 'mx-1', labels: {} },
  alertGroup: { id: 'mail', name: 'Mail' },
  policyRevision: 1,
  reason: 'expect-mismatch',
  detail: '554 go away',
  consecutiveFailures: 2,
  startsAt: '2026-11-21T10:00:00.000Z',
};
const context = { logger: silentLogger(), externalUrl: 'http://ui.example' };
const notification = { event, channelKey: 'mail#0:webhook', attempt: 1 };

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function send(path: string, extra: Record<string, unknown> = {}) {
  const config = webhookChannel.parseConfig({ url: `${receiver.url}${path}`, ...extra });
  return webhookChannel.send(notification, config, context);
}

describe('webhook channel', () => {
  it('POSTs the Alertmanager message as JSON with the configured headers', async () => {
    await send('/ok', { headers: { Authorization: 'Bearer s3cret', 'X-Team': 'mail' } });
    const [request] = receiver.on('/ok');
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBe('Bearer s3cret');
    expect(request!.headers['x-team']).toBe('mail');
    expect(JSON.parse(request!.body)).toEqual(buildAlertmanagerMessage(event, 'http://ui.example'));
  });

  it('keeps the status and the first 200 bytes of a rejected answer, naming only the origin', async () => {
    receiver.script('/reject?token=abc', [{ status: 422, body: `${'x'.repeat(195)}€€€ and more` }]);
    const error = await send('/reject?token=abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedStatusError);
    const rejected = error as RejectedStatusError;
    expect(rejected.status).toBe(422);
    // 195 + one 3-byte euro sign = 198 bytes; the second would cross 200 and is cut.
    expect(rejected.bodyStart).toBe(`${'x'.repeat(195)}€`);
    expect(rejected.message).not.toContain('token=abc');
  });

  it('does not follow a redirect, which would turn the POST into a GET', async () => {
    receiver.script('/moved', [{ status: 301, headers: { location: `${receiver.url}/ok` } }]);
    const before = receiver.requests.items.length;
    const error = await send('/moved').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedStatusError);
    expect((error as RejectedStatusError).status).toBe(301);
    expect(receiver.requests.items.length - before).toBe(1);
  });

  it('reads Retry-After on 429', async () => {
    receiver.script('/busy', [{ status: 429, headers: { 'retry-after': '7' } }]);
    const error = await send('/busy').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableStatusError);
    expect((error as RetryableStatusError).retryAfterMs).toBe(7000);
  });

  it('gives up on a silent receiver after the configured timeout', async () => {
    receiver.hang('/hang');
    const error = await send('/hang', { timeout: '150ms' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect((error as DeliveryTimeoutError).timeoutMs).toBe(150);
  });

  it('rejects a bad header without repeating its value', () => {
    const parse = () =>
      webhookChannel.parseConfig({ url: 'http://x.example', headers: { 'X-Key': 'sec\nret' } });
    expect(parse).toThrow(ChannelConfigError);
    expect(parse).toThrow(/X-Key/);
    expect(parse).not.toThrow(/sec/);
  });

  it('rejects unknown options, as the policy does', () => {
    expect(() => webhookChannel.parseConfig({ url: 'http://x.example', method: 'PUT' })).toThrow(
      ChannelConfigError,
    );
  });
});

/** The receiver's check as docs/policy.md shows it, run as written. */
const verify = docsVerifyExample();

function docsVerifyExample(): (secret: string, headers: object, rawBody: string, now: number) => boolean {
  const docs = readFileSync(fileURLToPath(new URL('../../../../docs/policy.md', import.meta.url)), 'utf8');
  const section = docs.slice(docs.indexOf('### Signed webhooks'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  return new Function('require', `${code}\nreturn verify;`)(createRequire(import.meta.url));
}

describe('webhook signature', () => {
  it('signs the exact body sent: the receiver verifies it, a wrong secret does not', async () => {
    const secret = 'whsec-0123456789';
    const before = Date.now();
    await send('/signed', { signingSecret: secret });
    const [request] = receiver.on('/signed');
    const timestamp = Number(request!.headers['x-portwarden-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(request!.headers['x-portwarden-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(secret, request!.headers, request!.body, Date.now())).toBe(true);
    expect(verify('whsec-wrong', request!.headers, request!.body, Date.now())).toBe(false);
    // A changed body, or the same request replayed later, does not verify either.
    expect(verify(secret, request!.headers, request!.body.replace('firing', 'resolved'), Date.now())).toBe(
      false,
    );
    expect(verify(secret, request!.headers, request!.body, Date.now() + 10 * 60_000)).toBe(false);
    // The signature covers the message that was built, byte for byte.
    expect(JSON.parse(request!.body)).toEqual(buildAlertmanagerMessage(event, 'http://ui.example'));
  });

  it('signs the resolved notification too, and a body with non-ASCII text as UTF-8', async () => {
    const secret = 'whsec-ü';
    const config = webhookChannel.parseConfig({ url: `${receiver.url}/signed-utf8`, signingSecret: secret });
    const resolved: IncidentEvent = {
      ...event,
      event: 'resolved',
      detail: '554 geht nicht — zurück',
      endsAt: '2026-11-21T10:02:00.000Z',
    };
    await webhookChannel.send({ ...notification, event: resolved }, config, context);
    const [request] = receiver.on('/signed-utf8');
    expect(JSON.parse(request!.body).status).toBe('resolved');
    expect(verify(secret, request!.headers, request!.body, Date.now())).toBe(true);
  });

  it('sends no signature headers without a signingSecret', async () => {
    await send('/unsigned');
    const [request] = receiver.on('/unsigned');
    expect(request!.headers).not.toHaveProperty('x-portwarden-signature');
    expect(request!.headers).not.toHaveProperty('x-portwarden-timestamp');
  });

  it('is a pure function of secret, body and time', () => {
    expect(signatureHeaders('k', '{}', 1_700_000_000_999)).toEqual({
      'X-Portwarden-Timestamp': '1700000000',
      'X-Portwarden-Signature': `sha256=${createHmac('sha256', 'k').update('1700000000.{}').digest('hex')}`,
    });
  });

  it('rejects an empty signingSecret', () => {
    expect(() => webhookChannel.parseConfig({ url: 'http://x.example', signingSecret: '' })).toThrow(
      /signingSecret/,
    );
  });
});
