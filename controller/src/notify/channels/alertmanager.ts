import type { Labels } from '@portwarden/common/labels';
import { parseDuration } from '@portwarden/common/duration';
import { POLICY_DEFAULTS } from '@portwarden/common/policy/resolved';
import { alertmanagerChannelSchema } from '@portwarden/common/policy/schema';
import type { IncidentEvent } from '../../state/event.js';
import { alertAnnotations, alertLabels } from '../alertmanager.js';
import { ChannelConfigError } from '../retry.js';
import type { Channel } from './channel.js';
import { postJson } from './http.js';
import { memberEvents } from './members.js';

export interface AlertmanagerConfig {
  /** The Alertmanager's base URL, without `/api/v2/alerts`. */
  url: string;
  /** @default 10000 */
  timeoutMs: number;
}

export const DEFAULT_ALERTMANAGER_TIMEOUT_MS = 10_000;

/**
 * The least time ahead a firing alert's `endsAt` is set. Alertmanager resolves an alert by itself
 * at its `endsAt` (or `resolve_timeout`, 5m by default, after the last post when it has none).
 * Portwarden re-posts a firing incident with each repeat (the alert group's `repeatInterval`, 4h by
 * default) and posts the resolve when it resolves, so `endsAt` only has to outlive the gap between
 * two posts: `firingHorizonMs`.
 */
export const FIRING_HORIZON_MS = 24 * 60 * 60 * 1000;

/**
 * How far ahead `endsAt` is set: `max(24h, 3 × repeatInterval)`, so that the alert survives two
 * missed repeats (a controller restart, an Alertmanager briefly down) before Alertmanager expires
 * it. An acknowledged incident is not repeated: its alert lasts this long after the
 * ACKNOWLEDGED post, then Alertmanager lets it go while Portwarden still shows it open.
 */
export function firingHorizonMs(repeatIntervalMs: number = POLICY_DEFAULTS.repeatIntervalMs): number {
  return Math.max(FIRING_HORIZON_MS, 3 * repeatIntervalMs);
}

/** One element of Alertmanager's `POST /api/v2/alerts` body (`postableAlert`). */
export interface PostableAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** `endsAt` of a firing alert posted at `now`. */
export function firingAlertEndsAt(now: number, horizonMs = FIRING_HORIZON_MS): string {
  return new Date(now + horizonMs).toISOString();
}

/**
 * The alert as Alertmanager's API takes it, with the same labels (so the same fingerprint) and
 * annotations as the webhook message. Firing: `endsAt` is `now` plus the horizon of its group's
 * repeat interval (never before
 * `startsAt`); resolved: `endsAt` is when the incident resolved, in the past, so Alertmanager marks
 * it resolved and sends its own resolved notifications.
 */
export function buildPostableAlerts(
  event: IncidentEvent,
  externalUrl: string,
  now: number,
  horizonMs = firingHorizonMs(event.alertGroup.repeatIntervalMs),
): PostableAlert[] {
  const base = externalUrl.replace(/\/+$/, '');
  const resolved = event.event === 'resolved';
  return [
    {
      labels: alertLabels(event),
      annotations: alertAnnotations(event),
      startsAt: event.startsAt,
      endsAt: resolved
        ? (event.endsAt ?? new Date(now).toISOString())
        : firingAlertEndsAt(Math.max(now, Date.parse(event.startsAt)), horizonMs),
      generatorURL: `${base}/incidents/${event.incidentId}`,
    },
  ];
}

/** The alerts endpoint under a base URL that may itself have a path (`http://host/am/`). */
export function alertsEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
}

/** Posts each incident event to an Alertmanager's API v2, which then routes it with its own tree. */
export const alertmanagerChannel: Channel<AlertmanagerConfig> = {
  kind: 'alertmanager',

  parseConfig(raw) {
    const parsed = alertmanagerChannelSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ChannelConfigError(
        `invalid alertmanager channel: ${issue?.path.join('.') ?? ''} ${issue?.message}`,
      );
    }
    const { url, timeout } = parsed.data;
    if (new URL(url).search) {
      throw new ChannelConfigError(
        'invalid alertmanager channel: url is the base URL, without a query string',
      );
    }
    return {
      url,
      timeoutMs:
        timeout === undefined
          ? DEFAULT_ALERTMANAGER_TIMEOUT_MS
          : parseDuration(timeout, 'alertmanager timeout'),
    };
  },

  async send(notification, config, context) {
    // A group's notification posts each member's own alert, in one request.
    const alerts = memberEvents(notification.event).flatMap((event) =>
      buildPostableAlerts(event, context.externalUrl, Date.now()),
    );
    await postJson(alertsEndpoint(config.url), alerts, { timeoutMs: config.timeoutMs });
  },
};
