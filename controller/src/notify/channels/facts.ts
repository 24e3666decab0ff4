import { isReason, REASON_TEXT } from '@portwarden/common/reasons';
import { alertAnnotations, alertLabels } from '../alertmanager.js';
import { eventHeadline, type IncidentEvent } from '../../state/event.js';

/**
 * What a chat message (Slack, Teams) shows of one incident event, as plain text: each channel
 * escapes it for its own markup. Same wording as the Alertmanager annotations.
 */
export interface IncidentFacts {
  /** FIRING, RESOLVED, or a notice's headline such as ACKNOWLEDGED (`eventHeadline`). */
  state: string;
  /** Whether the incident is still open: chat messages colour by it. */
  firing: boolean;
  /** What a repeat, escalation or acknowledgement adds. */
  notice?: string;
  /** `Mail on mx-1` */
  title: string;
  /** `Mail on mx-1 failed: refused` (the Alertmanager `summary`). */
  summary: string;
  check: string;
  agent: string;
  /** `host:port`, or the host alone for firewall and liveness checks. */
  target: string;
  /** `refused (connection refused)`: the code and its explanation. */
  reason: string;
  detail: string;
  /** What the agent tried before the incident opened, when it tried something. */
  response?: string;
  startsAt: string;
  endsAt?: string;
  /** The incident in the web UI (`generatorURL`). */
  url: string;
}

export function incidentFacts(event: IncidentEvent, externalUrl: string): IncidentFacts {
  const labels = alertLabels(event);
  const annotations = alertAnnotations(event);
  const resolved = event.event === 'resolved';
  return {
    state: eventHeadline(event),
    firing: !resolved,
    ...(event.notice && { notice: event.notice.text }),
    title: `${event.check.name} on ${event.agent.name}`,
    summary: annotations.summary ?? '',
    check: event.check.name,
    agent: event.agent.name,
    target: labels.port === undefined ? event.check.host : `${event.check.host}:${labels.port}`,
    reason: isReason(event.reason) ? `${event.reason} (${REASON_TEXT[event.reason]})` : event.reason,
    detail: event.detail,
    ...(annotations.response && { response: annotations.response }),
    startsAt: event.startsAt,
    ...(resolved && event.endsAt && { endsAt: event.endsAt }),
    url: `${externalUrl.replace(/\/+$/, '')}/incidents/${event.incidentId}`,
  };
}

/**
 * `text` cut to at most `max` UTF-16 units, ending in `…` when cut; never splits a surrogate pair.
 * `escape` is applied per character, so an escape sequence is never cut in half.
 */
export function truncate(text: string, max: number, escape: (char: string) => string = (c) => c): string {
  const full = Array.from(text, escape).join('');
  if (full.length <= max) return full;
  let out = '';
  for (const char of text) {
    const piece = escape(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}
