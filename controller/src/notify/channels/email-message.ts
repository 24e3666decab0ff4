import type { Labels } from '@portwarden/common/labels';
import { eventHeadline, type IncidentEvent } from '../../state/event.js';
import { alertAnnotations, alertLabels, fingerprint, incidentUrl } from '../alertmanager.js';
import { memberEvents } from './members.js';

/**
 * The mail for one incident event: the same facts as the Alertmanager message (labels,
 * annotations, fingerprint, the incident's URL), as a subject, a plain-text part and an HTML part.
 * Pure: the channel only adds the envelope and the transport.
 */

/** `{status}` is FIRING, RESOLVED, or a notice's headline (`eventHeadline`). */
export const DEFAULT_EMAIL_SUBJECT = '[{status}] {check} on {agent}: {reason}';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  /** Angle brackets included. Derived, so a retried mail has the same one and receivers dedup. */
  messageId: string;
  /** The opened mail's Message-ID, on the resolved mail only: one thread per incident. */
  inReplyTo?: string;
  references?: string;
  headers: Record<string, string>;
}

export function buildEmailMessage(
  event: IncidentEvent,
  externalUrl: string,
  subjectTemplate = DEFAULT_EMAIL_SUBJECT,
): EmailMessage {
  const resolved = event.event === 'resolved';
  const labels = alertLabels(event);
  const print = fingerprint(labels);
  const thread = threadMessageId(event, print, externalUrl);
  const rows = factRows(event, externalUrl, print);
  const members = event.members && event.members.length > 1 ? memberEvents(event) : [];
  return {
    subject: renderSubject(subjectTemplate, event),
    text: plainText(event, rows, labels) + listText(members, externalUrl),
    html: html(event, rows, labels).replace('</body>', `${listHtml(members, externalUrl)}</body>`),
    messageId: resolved ? thread.replace(/@/, '.resolved@') : thread,
    ...(resolved && { inReplyTo: thread, references: thread }),
    headers: {
      // RFC 3834: auto-responders (vacation replies) stay quiet.
      'Auto-Submitted': 'auto-generated',
      'X-Portwarden-Status': resolved ? 'resolved' : 'firing',
      'X-Portwarden-Fingerprint': print,
      'X-Portwarden-Incident': String(event.incidentId),
    },
  };
}

/** One line: newlines and runs of blanks in names or reasons become one space. */
export function renderSubject(template: string, event: IncidentEvent): string {
  // The names are EMAIL_SUBJECT_PLACEHOLDERS, checked by the policy schema.
  // A group's notification: `[FIRING:10] HTTPS and 9 more on web-1: refused`.
  const all = memberEvents(event);
  const values: Record<string, string> = {
    status: all.length > 1 ? `${eventHeadline(event)}:${all.length}` : eventHeadline(event),
    check: andMore(all.map((e) => e.check.name)),
    agent: andMore(all.map((e) => e.agent.name)),
    reason: andMore(all.map((e) => e.reason)),
    group: event.alertGroup.name,
  };
  const text = template.replace(/\{([^{}]*)\}/g, (all, name: string) =>
    Object.hasOwn(values, name) ? values[name]! : all,
  );
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * `<incident-42.1763719200000.<fingerprint>@host>`: the incident id and its start (an id reused
 * after a database reset starts a new thread), the alert's fingerprint, and the web UI's host name
 * (so two installations never collide), else `portwarden`.
 */
export function threadMessageId(event: IncidentEvent, print: string, externalUrl: string): string {
  const started = Date.parse(event.startsAt);
  return `<incident-${event.incidentId}.${Number.isNaN(started) ? 0 : started}.${print}@${messageIdHost(externalUrl)}>`;
}

function messageIdHost(externalUrl: string): string {
  try {
    const host = new URL(externalUrl).hostname;
    return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(host) ? host : 'portwarden';
  } catch {
    return 'portwarden';
  }
}

type Row = [label: string, value: string];

/** What the mail states besides the summary and the description, in order. */
function factRows(event: IncidentEvent, externalUrl: string, print: string): Row[] {
  const annotations = alertAnnotations(event);
  const rows: Row[] = [
    ['Status', event.event === 'resolved' ? 'resolved' : 'firing'],
    ['Check', `${event.check.name} (${event.check.id})`],
    ['Agent', event.agent.hostname ? `${event.agent.name} (${event.agent.hostname})` : event.agent.name],
    ['Reason', event.reason],
  ];
  if (annotations.notice) rows.push(['Notice', annotations.notice]);
  if (event.detail) rows.push(['Detail', event.detail]);
  if (annotations.response) rows.push(['Response', annotations.response]);
  rows.push(['Started', event.startsAt]);
  if (event.endsAt) rows.push(['Resolved', event.endsAt]);
  if (annotations.probed_at) rows.push(['Probed at', annotations.probed_at]);
  rows.push(['Alert group', `${event.alertGroup.name} (${event.alertGroup.id})`]);
  rows.push(['Incident', incidentUrl(event, externalUrl)]);
  rows.push(['Fingerprint', print]);
  return rows;
}

function heading(event: IncidentEvent): string {
  return `${eventHeadline(event)}: ${alertAnnotations(event).summary}`;
}

function plainText(event: IncidentEvent, rows: Row[], labels: Labels): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return [
    heading(event),
    '',
    alertAnnotations(event).description ?? '',
    '',
    ...rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    '',
    'Labels:',
    ...Object.entries(labels).map(([name, value]) => `  ${name}=${value}`),
    '',
  ].join('\n');
}

function html(event: IncidentEvent, rows: Row[], labels: Labels): string {
  const color = event.event === 'resolved' ? '#2e7d32' : '#c62828';
  const cell = 'style="padding:2px 12px 2px 0;vertical-align:top"';
  const row = ([label, value]: Row) =>
    `<tr><th align="left" ${cell}>${escapeHtml(label)}</th><td ${cell}>${
      label === 'Incident' && /^https?:\/\//.test(value)
        ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>`
        : escapeHtml(value)
    }</td></tr>`;
  return [
    '<!DOCTYPE html>',
    '<html><body style="font-family:sans-serif">',
    `<h2 style="color:${color}">${escapeHtml(heading(event))}</h2>`,
    `<p>${escapeHtml(alertAnnotations(event).description ?? '')}</p>`,
    `<table>${rows.map(row).join('')}</table>`,
    '<h3>Labels</h3>',
    `<ul>${Object.entries(labels)
      .map(([name, value]) => `<li><code>${escapeHtml(name)}=${escapeHtml(value)}</code></li>`)
      .join('')}</ul>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** `HTTPS`, or `HTTPS and 2 more` for three different values. */
function andMore(values: readonly string[]): string {
  const distinct = [...new Set(values)];
  return distinct.length > 1 ? `${distinct[0]} and ${distinct.length - 1} more` : (distinct[0] ?? '');
}

/** A group's incidents, one line each: state, check on agent, reason, link. */
function listItem(event: IncidentEvent, externalUrl: string): [line: string, url: string] {
  const state = event.event === 'resolved' ? 'RESOLVED' : 'FIRING';
  return [
    `${state} ${event.check.name} on ${event.agent.name}: ${event.reason}`,
    incidentUrl(event, externalUrl),
  ];
}

function listText(members: readonly IncidentEvent[], externalUrl: string): string {
  if (members.length === 0) return '';
  const lines = members.map((m) => listItem(m, externalUrl)).map(([line, url]) => `  - ${line} <${url}>`);
  return ['', `Incidents in this notification (${members.length}):`, ...lines, ''].join('\n');
}

function listHtml(members: readonly IncidentEvent[], externalUrl: string): string {
  if (members.length === 0) return '';
  const items = members
    .map((m) => listItem(m, externalUrl))
    .map(([line, url]) => `<li><a href="${escapeHtml(url)}">${escapeHtml(line)}</a></li>`);
  return `<h3>Incidents in this notification (${members.length})</h3>\n<ul>${items.join('')}</ul>\n`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}
