import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import { ChannelConfigError, RejectedStatusError, RetryableStatusError } from '../retry.js';
import { expectAdaptiveCardMessage, firingEvent, resolvedEvent } from '../testing/chat-shapes.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { incidentFacts } from './facts.js';
import {
  buildTeamsMessage,
  escapeTeamsMarkdown,
  type TeamsMessage,
  type TextBlock,
} from './teams-message.js';
import { teamsChannel } from './teams.js';

const context = { logger: silentLogger(), externalUrl: 'http://ui.example' };
const notification = (event: IncidentEvent) => ({ event, channelKey: 'mail#0:teams', attempt: 1 });
// What a Workflows URL looks like: the signature in the query is the credential.
const FLOW = '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers&sv=1.0&sig=S1GNATURE';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const send = (path: string, event: IncidentEvent, extra: Record<string, unknown> = {}) =>
  teamsChannel.send(
    notification(event),
    teamsChannel.parseConfig({ url: `${receiver.url}${path}`, ...extra }),
    context,
  );

describe('buildTeamsMessage', () => {
  it('is a message with one Adaptive Card: title, summary, facts, detail and a link', () => {
    const message = buildTeamsMessage(incidentFacts(firingEvent, 'http://ui.example'));
    expectAdaptiveCardMessage(message);
    const card = message.attachments[0]!.content;
    expect(card.version).toBe('1.4');
    expect(card.body[0]).toEqual({
      type: 'TextBlock',
      text: 'FIRING: Mail on mx-1',
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: 'Attention',
    });
    expect(card.body[2]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Check', value: 'Mail' },
        { title: 'Agent', value: 'mx-1' },
        { title: 'Target', value: 'mail.example:25' },
        { title: 'Reason', value: expect.stringMatching(/^expect-mismatch \(.+\)$/) },
        { title: 'Opened', value: '2026-11-21T10:00:00.000Z' },
      ],
    });
    expect(card.body[3]).toMatchObject({ type: 'TextBlock', text: '554 go away', isSubtle: true });
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open incident', url: 'http://ui.example/incidents/5' },
    ]);
  });

  it('escapes emphasis and links, and cuts long text', () => {
    expect(['*', '_', '[', ']', '\\', 'a', '(', '#'].map(escapeTeamsMarkdown)).toEqual([
      '\\*',
      '\\_',
      '\\[',
      '\\]',
      '\\\\',
      'a',
      '(',
      '#',
    ]);
    const hostile = {
      ...firingEvent,
      detail: `[reset your password](https://evil.example) **now** ${'x'.repeat(30_000)}`,
    };
    const message = buildTeamsMessage(incidentFacts(hostile, 'http://ui.example'));
    expectAdaptiveCardMessage(message);
    const detail = message.attachments[0]!.content.body[3] as TextBlock;
    expect(
      detail.text.startsWith('\\[reset your password\\](https://evil.example) \\*\\*now\\*\\* xxx'),
    ).toBe(true);
    expect(detail.text.length).toBeLessThanOrEqual(2000);
    expect(detail.text.endsWith('…')).toBe(true);
  });
});

describe('teams channel', () => {
  it('delivers a firing and a resolved notification; 202 Accepted is success', async () => {
    receiver.script(FLOW, [{ status: 202 }, { status: 202 }]);
    await send(FLOW, firingEvent);
    await send(FLOW, resolvedEvent);
    const requests = receiver.on(FLOW);
    expect(requests.map((r) => [r.method, r.headers['content-type']])).toEqual([
      ['POST', 'application/json'],
      ['POST', 'application/json'],
    ]);
    const [firing, resolved] = requests.map((r) => JSON.parse(r.body) as TeamsMessage);
    expectAdaptiveCardMessage(firing!);
    expectAdaptiveCardMessage(resolved!);
    expect(firing!.attachments[0]!.content.body[0]).toMatchObject({
      text: 'FIRING: Mail on mx-1',
      color: 'Attention',
    });
    expect(resolved!.attachments[0]!.content.body[0]).toMatchObject({
      text: 'RESOLVED: Mail on mx-1',
      color: 'Good',
    });
    expect(resolved!.attachments[0]!.content.body[2]).toMatchObject({
      facts: expect.arrayContaining([{ title: 'Resolved', value: '2026-11-21T10:05:00.000Z' }]),
    });
  });

  it('treats 401 (a bad sig) as final and never shows the signature', async () => {
    const path = FLOW.replace('abc', 'denied');
    receiver.script(path, [{ status: 401, body: '{"error":{"code":"DirectApiAuthorizationRequired"}}' }]);
    const error = await send(path, firingEvent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedStatusError);
    expect((error as RejectedStatusError).status).toBe(401);
    expect((error as Error).message).not.toMatch(/S1GNATURE|sig=|workflows/);
  });

  it('retries 429 after its Retry-After', async () => {
    const path = FLOW.replace('abc', 'busy');
    receiver.script(path, [{ status: 429, headers: { 'retry-after': '2' } }]);
    const error = await send(path, firingEvent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableStatusError);
    expect((error as RetryableStatusError).retryAfterMs).toBe(2000);
  });

  it.each([
    [{}, /url/],
    [{ url: 'mailto:ops@example.com' }, /url expected an http/],
    [{ url: 'https://flow.example/x?sig=s3cret', title: 'x' }, /title/],
    [{ url: '${secret:flow}' }, /unresolved secret/],
  ])('rejects the config %j without repeating the URL', (raw, message) => {
    const parse = () => teamsChannel.parseConfig(raw);
    expect(parse).toThrow(ChannelConfigError);
    expect(parse).toThrow(message);
    expect(parse).not.toThrow(/s3cret/);
  });

  it('fills in the default timeout and takes a shorter one', () => {
    expect(teamsChannel.parseConfig({ url: 'https://flow.example/x' }).timeoutMs).toBe(10_000);
    expect(teamsChannel.parseConfig({ url: 'https://flow.example/x', timeout: '2s' }).timeoutMs).toBe(2000);
  });
});
