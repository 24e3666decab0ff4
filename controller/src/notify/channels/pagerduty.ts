import { parseDuration } from '@portwarden/common/duration';
import { pagerdutyChannelSchema } from '@portwarden/common/policy/schema';
import type { IncidentEvent } from '../../state/event.js';
import { alertAnnotations, alertLabels, fingerprint } from '../alertmanager.js';
import { ChannelConfigError } from '../retry.js';
import type { Channel } from './channel.js';
import { postJson } from './http.js';
import { memberEvents } from './members.js';

export interface PagerdutyConfig {
  /** The integration key of an Events API v2 integration. A credential: never logged. */
  routingKey: string;
  /** @default DEFAULT_PAGERDUTY_URL */
  url: string;
  /** @default 10000 */
  timeoutMs: number;
}

/** PagerDuty's US endpoint; the EU one is `https://events.eu.pagerduty.com/v2/enqueue`. */
export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
export const DEFAULT_PAGERDUTY_TIMEOUT_MS = 10_000;

/** Events API v2 limits: `payload.summary` and `dedup_key`. */
export const SUMMARY_MAX_CHARS = 1024;
export const DEDUP_KEY_MAX_CHARS = 255;

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerdutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];
/** When the agent has no valid `severity` label. */
export const DEFAULT_PAGERDUTY_SEVERITY: PagerdutySeverity = 'error';

/**
 * `acknowledge` is part of the API and of this type so that `portwarden ack` (to come) can send
 * `buildPagerdutyEvent(event, routingKey, externalUrl, 'acknowledge')` with the same dedup key.
 */
export type PagerdutyAction = 'trigger' | 'acknowledge' | 'resolve';

export interface PagerdutyEvent {
  routing_key: string;
  event_action: PagerdutyAction;
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerdutySeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links: { href: string; text: string }[];
  client: string;
  client_url: string;
}

/**
 * The PagerDuty alert of an incident: `portwarden-incident-<id>`. The incident id, not the labels'
 * fingerprint: it is the same for the opened and the resolved event even when the agent's labels
 * changed in between, and a late resolve of an earlier incident of the same check cannot close the
 * current one (delivery order is not guaranteed). `portwarden ack` knows the incident id too.
 */
export function pagerdutyDedupKey(event: Pick<IncidentEvent, 'incidentId'>): string {
  return `portwarden-incident-${event.incidentId}`;
}

/** The agent's `severity` label when PagerDuty knows it (case-insensitive), else `error`. */
export function pagerdutySeverity(agentLabels: Readonly<Record<string, string>>): PagerdutySeverity {
  const value = agentLabels.severity?.trim().toLowerCase();
  return (PAGERDUTY_SEVERITIES as readonly string[]).includes(value ?? '')
    ? (value as PagerdutySeverity)
    : DEFAULT_PAGERDUTY_SEVERITY;
}

/** Resolved resolves, an acknowledgement here acknowledges there; anything else (re)triggers. */
export function pagerdutyAction(event: Pick<IncidentEvent, 'event' | 'notice'>): PagerdutyAction {
  if (event.event === 'resolved') return 'resolve';
  return event.notice?.kind === 'acknowledged' ? 'acknowledge' : 'trigger';
}

/**
 * The Events API v2 body for one incident event: `trigger` when it opened, `resolve` when it
 * resolved (unless `action` says otherwise). Pure: the same event gives the same body.
 */
export function buildPagerdutyEvent(
  event: IncidentEvent,
  routingKey: string,
  externalUrl: string,
  action: PagerdutyAction = pagerdutyAction(event),
): PagerdutyEvent {
  const base = externalUrl.replace(/\/+$/, '');
  const labels = alertLabels(event);
  const annotations = alertAnnotations(event);
  const { check, agent } = event;
  return {
    routing_key: routingKey,
    event_action: action,
    dedup_key: pagerdutyDedupKey(event),
    payload: {
      summary: truncate(annotations.summary ?? '', SUMMARY_MAX_CHARS),
      // The affected system, as PagerDuty asks (a host name); the agent that saw it is `group`.
      source: check.host || agent.hostname || agent.name,
      severity: pagerdutySeverity(agent.labels),
      timestamp: (event.event === 'resolved' && event.endsAt) || event.startsAt,
      component: check.name,
      group: agent.name,
      class: event.reason,
      custom_details: {
        status: event.event === 'resolved' ? 'resolved' : 'firing',
        incident_id: event.incidentId,
        alert_group: event.alertGroup.id,
        check_id: check.id,
        ...(check.kind !== 'firewall' && check.port > 0 && { port: check.port }),
        reason: event.reason,
        detail: event.detail,
        consecutive_failures: event.consecutiveFailures,
        starts_at: event.startsAt,
        ...(event.endsAt && { ends_at: event.endsAt }),
        labels,
        annotations,
        fingerprint: fingerprint(labels),
      },
    },
    links: [
      { href: `${base}/incidents/${event.incidentId}`, text: `Portwarden incident ${event.incidentId}` },
    ],
    client: 'Portwarden',
    client_url: base,
  };
}

/** Sends Events API v2 events through `postJson`: 202 is success, 400 final, 429 and 5xx retried. */
export const pagerdutyChannel: Channel<PagerdutyConfig> = {
  kind: 'pagerduty',

  parseConfig(raw) {
    const parsed = pagerdutyChannelSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // zod's messages never quote the value, so the routing key stays out of the error.
      throw new ChannelConfigError(
        `invalid pagerduty channel: ${issue?.path.join('.') ?? ''} ${issue?.message}`,
      );
    }
    const { routingKey, url, timeout } = parsed.data;
    return {
      routingKey,
      url: url ?? DEFAULT_PAGERDUTY_URL,
      timeoutMs:
        timeout === undefined ? DEFAULT_PAGERDUTY_TIMEOUT_MS : parseDuration(timeout, 'pagerduty timeout'),
    };
  },

  async send(notification, config, context) {
    // A group's notification is one event per member, each with its own dedup key: a retry that
    // sends the first ones again is deduplicated by PagerDuty.
    for (const event of memberEvents(notification.event)) {
      const body = buildPagerdutyEvent(event, config.routingKey, context.externalUrl);
      await postJson(config.url, body, { timeoutMs: config.timeoutMs });
    }
  },
};

/** At most `max` characters (code points), the last one an ellipsis when cut. */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
