import { expect } from 'vitest';
import type { SlackMessage } from '../channels/slack-message.js';
import type { TeamsMessage } from '../channels/teams-message.js';
import type { IncidentEvent } from '../../state/event.js';

/** A firing and a resolved event of one incident, for the channels' tests. */
export const firingEvent: IncidentEvent = {
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

export const resolvedEvent: IncidentEvent = {
  ...firingEvent,
  outboxId: 4,
  event: 'resolved',
  endsAt: '2026-11-21T10:05:00.000Z',
};

/**
 * The documented shape of an incoming-webhook message (Block Kit reference): `text` and `blocks`,
 * at most 50 blocks, header plain_text up to 150 characters, section text up to 3000, up to 10
 * fields of 2000, buttons with a plain_text label up to 75 and a URL up to 3000.
 */
export function expectBlockKit(message: SlackMessage): void {
  expect(Object.keys(message).toSorted()).toEqual(['blocks', 'text']);
  expect(typeof message.text).toBe('string');
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks) {
    switch (block.type) {
      case 'header':
        expect(block.text.type).toBe('plain_text');
        expect(block.text.text.length).toBeGreaterThan(0);
        expect(block.text.text.length).toBeLessThanOrEqual(150);
        break;
      case 'section':
        expect(block.text ?? block.fields).toBeDefined();
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
        for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
        break;
      case 'context':
        expect(block.elements.length).toBeLessThanOrEqual(10);
        break;
      case 'actions':
        for (const button of block.elements) {
          expect(button.type).toBe('button');
          expect(button.text.type).toBe('plain_text');
          expect(button.text.text.length).toBeLessThanOrEqual(75);
          expect(button.url.length).toBeLessThanOrEqual(3000);
          expect(button.action_id.length).toBeLessThanOrEqual(255);
        }
        break;
      default:
        throw new Error(`unexpected block ${JSON.stringify(block)}`);
    }
  }
}

/**
 * The documented shape of a Teams Workflows message: a `message` activity with one attachment of
 * content type `application/vnd.microsoft.card.adaptive` whose content is an AdaptiveCard with
 * `$schema`, `version`, a `body` of TextBlocks and FactSets and Action.OpenUrl actions; under the
 * 28 KB Teams takes.
 */
export function expectAdaptiveCardMessage(message: TeamsMessage): void {
  expect(message.type).toBe('message');
  expect(message.attachments).toHaveLength(1);
  const [attachment] = message.attachments;
  expect(attachment!.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = attachment!.content;
  expect(card.type).toBe('AdaptiveCard');
  expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
  expect(['1.4', '1.5']).toContain(card.version);
  expect(card.body.length).toBeGreaterThan(0);
  for (const element of card.body) {
    if (element.type === 'TextBlock') {
      expect(typeof element.text).toBe('string');
      expect(element.text.length).toBeGreaterThan(0);
    } else {
      expect(element.type).toBe('FactSet');
      for (const fact of element.facts) {
        expect(typeof fact.title).toBe('string');
        expect(typeof fact.value).toBe('string');
      }
    }
  }
  for (const action of card.actions) {
    expect(action.type).toBe('Action.OpenUrl');
    expect(action.title.length).toBeGreaterThan(0);
    expect(() => new URL(action.url)).not.toThrow();
  }
  expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(28 * 1024);
}
