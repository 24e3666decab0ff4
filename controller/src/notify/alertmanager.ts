import type { Labels } from '@portwarden/common/labels';
import { isReason, REASON_TEXT } from '@portwarden/common/reasons';
import { LIVENESS_CHECK_ID, type IncidentEvent } from '../state/event.js';
import { memberEvents } from './channels/members.js';
import { describeResponse } from './response-text.js';

/**
 * The Prometheus Alertmanager webhook message (version "4"), so that receivers written for
 * Alertmanager consume Portwarden unchanged. One message carries one alert, the incident, or
 * a group's notification one alert per member. The
 * mapping is documented in README.md ("Alertmanager webhook payload").
 */

/** The `alertname` label of a failed check. */
export const ALERT_NAME = 'PortwardenCheckFailed';
/** The `alertname` label of an agent that stopped sending heartbeats. */
export const UNREACHABLE_ALERT_NAME = 'PortwardenAgentUnreachable';

/** What Alertmanager sends as `endsAt` while an alert fires (Go's zero time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Labels that group the alert, and so make the group key. */
const GROUP_LABELS = ['alertname', 'agent', 'check_id'] as const;

export type AlertStatus = 'firing' | 'resolved';

export interface AlertmanagerAlert {
  status: AlertStatus;
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Field names and order as Alertmanager's `webhook.Message` encodes them. */
export interface AlertmanagerMessage {
  receiver: string;
  status: AlertStatus;
  alerts: AlertmanagerAlert[];
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: 0;
}

/**
 * `externalUrl`: base URL of the controller's web UI (`externalURL`, and `generatorURL` under it).
 * A group's notification carries one alert per member, `groupLabels` its `groupBy` values.
 */
export function buildAlertmanagerMessage(event: IncidentEvent, externalUrl: string): AlertmanagerMessage {
  const base = externalUrl.replace(/\/+$/, '');
  const alerts = memberEvents(event).map((member) => alert(member, base));
  const status: AlertStatus = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
  const groupLabels = event.members
    ? groupingLabels(event.grouping?.labels ?? {})
    : pick(alerts[0]!.labels, GROUP_LABELS);
  return {
    receiver: event.alertGroup.id,
    status,
    alerts,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: base,
    version: '4',
    groupKey: `{}/${formatLabelSet({ alertgroup: event.alertGroup.id })}:${formatLabelSet(groupLabels)}`,
    truncatedAlerts: 0,
  };
}

function alert(event: IncidentEvent, base: string): AlertmanagerAlert {
  const status: AlertStatus = event.event === 'resolved' ? 'resolved' : 'firing';
  const labels = alertLabels(event);
  return {
    status,
    labels,
    annotations: alertAnnotations(event),
    startsAt: event.startsAt,
    endsAt: status === 'resolved' ? (event.endsAt ?? ZERO_TIME) : ZERO_TIME,
    generatorURL: incidentUrl(event, base),
    fingerprint: fingerprint(labels),
  };
}

/** A grouping's values under the alerts' label names: `check` is `check_id`, label names made valid. */
function groupingLabels(values: Record<string, string>): Labels {
  const labels: Labels = {};
  for (const [name, value] of Object.entries(values))
    labels[name === 'check' ? 'check_id' : promName(name)] = value;
  return labels;
}

/** The pairs every label set has, as Alertmanager's `commonLabels`. */
function common(sets: readonly Labels[]): Labels {
  const [first, ...rest] = sets;
  return Object.fromEntries(
    Object.entries(first ?? {}).filter(([name, value]) => rest.every((set) => set[name] === value)),
  );
}

/** The incident's page in the web UI (`generatorURL`). */
export function incidentUrl(event: Pick<IncidentEvent, 'incidentId'>, externalUrl: string): string {
  return `${externalUrl.replace(/\/+$/, '')}/incidents/${event.incidentId}`;
}

/**
 * The alert's identity: fixed labels first, then the agent's labels under Prometheus-valid names
 * (`.` and `-` become `_`; names starting with `__` are reserved and dropped), never replacing a
 * fixed one. The same for the opened and the resolved event of an incident.
 */
export function alertLabels(event: IncidentEvent): Labels {
  const liveness = event.check.id === LIVENESS_CHECK_ID;
  const labels: Labels = {
    alertname: liveness ? UNREACHABLE_ALERT_NAME : ALERT_NAME,
    check: event.check.name,
    check_id: event.check.id,
    agent: event.agent.name,
    host: event.check.host,
    ...(!liveness && event.check.kind !== 'firewall' && { port: String(event.check.port) }),
  };
  for (const key of Object.keys(event.agent.labels).sort()) {
    const name = promName(key);
    if (name.startsWith('__') || /^[0-9]/.test(name) || name in labels) continue;
    labels[name] = event.agent.labels[key]!;
  }
  return labels;
}

/** Same text when firing and when resolved, as Alertmanager repeats a rule's annotations. */
export function alertAnnotations(event: IncidentEvent): Labels {
  const { check, agent, reason, detail } = event;
  if (check.id === LIVENESS_CHECK_ID) {
    return withNotice(
      {
        summary: `agent ${agent.name} unreachable`,
        description: `Agent ${agent.name} on ${agent.hostname || check.host} stopped sending heartbeats: ${detail}.`,
      },
      event,
    );
  }
  const why = isReason(reason) ? `${reason} (${REASON_TEXT[reason]})` : reason;
  const what =
    check.kind === 'firewall'
      ? `Firewall check "${check.name}" on ${check.host}, run by agent ${agent.name},`
      : `Check "${check.name}" on ${check.host}:${check.port}, probed by agent ${agent.name},`;
  const tried = event.response ? describeResponse(event.response) : undefined;
  const description =
    `${what} failed: ${why}.` +
    (detail ? ` Detail: ${detail}` : '') +
    (tried ? ` Automatic response: ${tried}.` : '');
  const annotations: Labels = { summary: `${check.name} on ${agent.name} failed: ${reason}`, description };
  // What the agent tried before anyone was told, and how it ended.
  if (event.response && tried) {
    annotations.response = tried;
    annotations.response_verdict = event.response.verdict;
  }
  // The agent's clock disagrees with the controller's, which booked the incident: show both.
  if (event.probedAt) annotations.probed_at = `${event.probedAt} (agent clock)`;
  return withNotice(annotations, event);
}

/** A repeat, escalation or acknowledgement says so in `notice` (and `acknowledged_by`). */
function withNotice(annotations: Labels, { notice }: IncidentEvent): Labels {
  if (!notice) return annotations;
  return { ...annotations, notice: notice.text, ...(notice.by && { acknowledged_by: notice.by }) };
}

/**
 * Alertmanager's alert fingerprint: `model.LabelSet.Fingerprint()` from prometheus/common, i.e.
 * FNV-1a 64 over the label names in sorted order, each name and value followed by the byte 0xff,
 * printed as 16 lowercase hex digits.
 */
export function fingerprint(labels: Labels): string {
  let hash = FNV_OFFSET;
  for (const name of Object.keys(labels).sort()) {
    hash = fnvAdd(hash, Buffer.from(name, 'utf8'));
    hash = fnvAdd(hash, SEPARATOR);
    hash = fnvAdd(hash, Buffer.from(labels[name]!, 'utf8'));
    hash = fnvAdd(hash, SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}

/** Prometheus' `LabelSet.String()`: `{a="1", b="2"}`, sorted by name. */
export function formatLabelSet(labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${pairs.join(', ')}}`;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const UINT64 = 0xffffffffffffffffn;
const SEPARATOR = Uint8Array.of(0xff);

function fnvAdd(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const byte of bytes) h = ((h ^ BigInt(byte)) * FNV_PRIME) & UINT64;
  return h;
}

/** A label name as Prometheus allows it: `.` and `-` (anything else) become `_`. */
function promName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function pick(labels: Labels, names: readonly string[]): Labels {
  return Object.fromEntries(names.filter((name) => name in labels).map((name) => [name, labels[name]!]));
}
