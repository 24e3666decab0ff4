import type { IncidentFacts } from './facts.js';
import { truncate } from './facts.js';

/**
 * The Slack incoming-webhook message (https://api.slack.com/messaging/webhooks): `text`, the
 * notification fallback, and Block Kit `blocks`. One notification gets a header, its facts, the
 * detail and a button to the incident; several (paced into one message, see slack-pacing.ts) get a
 * summary header and one section each. Limits from the Block Kit reference: 50 blocks per message,
 * 150 characters in a header, 3000 in a section's text, 2000 in a field, 10 fields, 75 in a button's
 * label, 3000 in its URL.
 */

export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  buttonText: 75,
  url: 3000,
} as const;

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | {
      type: 'actions';
      elements: {
        type: 'button';
        action_id: string;
        text: SlackText;
        url: string;
        style?: 'danger' | 'primary';
      }[];
    };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's three control characters in mrkdwn: `&`, `<` and `>` become entities. */
export function escapeMrkdwn(char: string): string {
  return char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : char;
}

/** `text` escaped for mrkdwn and cut to `max` characters. */
export function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): string {
  return truncate(text, max, escapeMrkdwn);
}

/** One message for one or more notifications of one channel, oldest first. */
export function buildSlackMessage(notifications: readonly IncidentFacts[]): SlackMessage {
  if (notifications.length === 0) throw new RangeError('a Slack message needs a notification');
  return notifications.length === 1 ? single(notifications[0]!) : grouped(notifications);
}

function single(facts: IncidentFacts): SlackMessage {
  const field = (name: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: `*${name}*\n${mrkdwn(value, SLACK_LIMITS.fieldText - name.length - 3)}`,
  });
  const blocks: SlackBlock[] = [
    header(`${facts.state}: ${facts.title}`),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: mrkdwn(facts.summary) },
      fields: [
        field('Check', facts.check),
        field('Agent', facts.agent),
        field('Target', facts.target),
        field('Reason', facts.reason),
      ],
    },
  ];
  if (facts.notice) blocks.push(labelled('Notice', facts.notice));
  if (facts.detail) blocks.push(labelled('Detail', facts.detail));
  if (facts.response) blocks.push(labelled('Automatic response', facts.response));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(when(facts)) }] });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: 'open-incident',
        text: { type: 'plain_text', text: 'Open incident' },
        url: facts.url.slice(0, SLACK_LIMITS.url),
        ...(facts.firing && { style: 'danger' as const }),
      },
    ],
  });
  return { text: mrkdwn(`${facts.state}: ${facts.summary}`), blocks };
}

function grouped(notifications: readonly IncidentFacts[]): SlackMessage {
  const line = summaryLine(notifications);
  // One block for the header; a list that does not fit ends with an "and N more" section.
  const room = SLACK_LIMITS.blocks - 1;
  const shown = notifications.length <= room ? notifications : notifications.slice(0, room - 1);
  const blocks: SlackBlock[] = [header(line), ...shown.map(listed)];
  const more = notifications.length - shown.length;
  if (more > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `_and ${more} more_` } });
  return { text: mrkdwn(line), blocks };
}

/** `3 notifications: 2 firing, 1 resolved` */
export function summaryLine(notifications: readonly IncidentFacts[]): string {
  const firing = notifications.filter((n) => n.firing).length;
  const parts = [
    firing && `${firing} firing`,
    notifications.length - firing && `${notifications.length - firing} resolved`,
  ];
  return `${notifications.length} notifications: ${parts.filter(Boolean).join(', ')}`;
}

/** One notification of a grouped message: state, linked title, target and reason, then the detail. */
function listed(facts: IncidentFacts): SlackBlock {
  const head = `*${facts.state}* <${linkUrl(facts.url)}|${mrkdwn(facts.title, 500)}>`;
  const what = `${mrkdwn(facts.target, 300)} · ${mrkdwn(facts.reason, 300)}`;
  const budget = SLACK_LIMITS.sectionText - head.length - what.length - 2;
  const text = facts.detail ? `${head}\n${what}\n${mrkdwn(facts.detail, budget)}` : `${head}\n${what}`;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function header(text: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.headerText) } };
}

function labelled(name: string, value: string): SlackBlock {
  const text = `*${name}*\n${mrkdwn(value, SLACK_LIMITS.sectionText - name.length - 3)}`;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function when(facts: IncidentFacts): string {
  return facts.endsAt ? `Opened ${facts.startsAt}, resolved ${facts.endsAt}` : `Opened ${facts.startsAt}`;
}

/** A URL inside `<url|label>`: the control characters escaped, `|` percent-encoded. */
function linkUrl(url: string): string {
  return mrkdwn(url.replaceAll('|', '%7C'), 1000);
}
