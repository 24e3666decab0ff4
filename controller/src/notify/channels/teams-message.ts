import { truncate, type IncidentFacts } from './facts.js';

/**
 * The message a Microsoft Teams Workflows webhook ("When a Teams webhook request is received",
 * then "Post card in a chat or channel") expects: a Bot Framework `message` activity with one
 * Adaptive Card attachment. The card: a coloured title, the summary, a FactSet (check, agent,
 * target, reason, times), the detail, and an Action.OpenUrl to the incident. Teams caps a message
 * at 28 KB; the free texts are cut well below that.
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** Teams renders Adaptive Cards up to 1.5; Workflows' own samples use 1.4. */
export const ADAPTIVE_CARD_VERSION = '1.4';

/** Cut for free text (detail, response) and for each fact's value. */
export const TEAMS_TEXT_MAX = 2000;
export const TEAMS_FACT_MAX = 500;

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: 'Attention' | 'Good';
  isSubtle?: boolean;
}

export interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: (TextBlock | FactSet)[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
}

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

/**
 * Teams renders TextBlock and fact text as a Markdown subset (bold, italic, links, lists; no code,
 * headings nor quotes): the characters of emphasis and links are backslash-escaped, so that a probe's
 * detail stays text and cannot make a link.
 */
export function escapeTeamsMarkdown(char: string): string {
  return /[\\*_[\]]/.test(char) ? `\\${char}` : char;
}

function text(value: string, max: number): string {
  return truncate(value, max, escapeTeamsMarkdown);
}

/**
 * A group's notification: a title counting its incidents, then one line per incident (its state,
 * title, target and reason) as a Markdown list, and a link to the first. Teams caps a message at
 * 28 KB: past 50 incidents the list ends with "and N more".
 */
export function buildTeamsGroupMessage(all: readonly IncidentFacts[]): TeamsMessage {
  const firing = all.filter((facts) => facts.firing).length;
  const shown = all.slice(0, TEAMS_LIST_MAX);
  const lines = shown.map(
    (facts) =>
      `- **${facts.state}** ${text(facts.title, 200)}: ${text(facts.target, 200)} · ${text(facts.reason, 200)}`,
  );
  if (all.length > shown.length) lines.push(`- and ${all.length - shown.length} more`);
  const title = `${firing > 0 ? 'FIRING' : 'RESOLVED'}: ${all.length} incidents (${firing} firing)`;
  return card(
    [
      {
        type: 'TextBlock',
        text: title,
        wrap: true,
        size: 'Large',
        weight: 'Bolder',
        color: firing > 0 ? 'Attention' : 'Good',
      },
      { type: 'TextBlock', text: lines.join('\n'), wrap: true },
    ],
    all[0]!.url,
  );
}

/** At most this many incidents are listed in a group's card. */
export const TEAMS_LIST_MAX = 50;

export function buildTeamsMessage(facts: IncidentFacts): TeamsMessage {
  const { firing } = facts;
  const body: (TextBlock | FactSet)[] = [
    {
      type: 'TextBlock',
      text: text(`${facts.state}: ${facts.title}`, 200),
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: firing ? 'Attention' : 'Good',
    },
    { type: 'TextBlock', text: text(facts.summary, TEAMS_FACT_MAX), wrap: true },
    {
      type: 'FactSet',
      facts: [
        ['Check', facts.check],
        ['Agent', facts.agent],
        ['Target', facts.target],
        ['Reason', facts.reason],
        ['Opened', facts.startsAt],
        ...(facts.endsAt ? [['Resolved', facts.endsAt]] : []),
      ].map(([title, value]) => ({ title: title!, value: text(value!, TEAMS_FACT_MAX) })),
    },
  ];
  if (facts.notice)
    body.splice(2, 0, { type: 'TextBlock', text: text(facts.notice, TEAMS_TEXT_MAX), wrap: true });
  if (facts.detail)
    body.push({ type: 'TextBlock', text: text(facts.detail, TEAMS_TEXT_MAX), wrap: true, isSubtle: true });
  if (facts.response)
    body.push({
      type: 'TextBlock',
      text: text(`Automatic response: ${facts.response}`, TEAMS_TEXT_MAX),
      wrap: true,
    });
  return card(body, facts.url);
}

function card(body: (TextBlock | FactSet)[], url: string): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: ADAPTIVE_CARD_SCHEMA,
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body,
          actions: [{ type: 'Action.OpenUrl', title: 'Open incident', url }],
        },
      },
    ],
  };
}
