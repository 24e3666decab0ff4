import { formatDuration, parseDuration } from '../duration.js';
import { parseMatcher } from '../matchers.js';
import { weeklyCron } from '../schedule.js';
import type { PolicyIssue } from '../errors.js';
import { checkIdFromName } from '../ids.js';
import { portOfService, type ServiceName } from '../services.js';
import {
  POLICY_DEFAULTS,
  type ResolvedCheck,
  type ResolvedCheckBase,
  type ResolvedFirewallCheck,
  type ResolvedFlapping,
  type ResolvedMaintenance,
  type ResolvedPolicy,
  type ResolvedGrouping,
  type ResolvedPortCheck,
} from './resolved.js';
import type { AlertGroupDocument, CheckDocument, MaintenanceDocument, PolicyDocument } from './schema.js';
import { formatPath, type LineOf, type Path } from './path.js';
import { resolvePortOptions } from './resolve-port.js';
import { resolveResponse } from './resolve-response.js';

/**
 * What resolve reads: the parts of the document that passed the schema. A check that failed it
 * is a hole (`undefined`), so that the others keep their indices in paths.
 */
export type ResolveInput = Omit<PolicyDocument, 'checks'> & { checks: (CheckDocument | undefined)[] };

export interface ResolveContext {
  lineOf: LineOf;
  /** Whether the schema rejected this part: what depends on it cannot be checked, so is not. */
  failed: (path: Path) => boolean;
}

/**
 * Fills every default in one place and checks what a schema cannot: references and uniqueness.
 * The policy is only meaningful when `issues` is empty.
 */
export function resolvePolicy(
  doc: ResolveInput,
  { lineOf, failed }: ResolveContext,
): { policy: ResolvedPolicy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const issue = (path: Path, message: string) =>
    issues.push({ path: formatPath(path), line: lineOf(path), message });

  const alertGroups: ResolvedPolicy['alertGroups'] = {};
  for (const [id, group] of Object.entries(doc.alertGroups ?? {})) {
    const grouping = resolveGrouping(group, (key, message) => issue(['alertGroups', id, key], message));
    alertGroups[id] = {
      id,
      name: group.name ?? id,
      channels: group.channels,
      repeatIntervalMs: parseDuration(group.repeatInterval ?? `${POLICY_DEFAULTS.repeatIntervalMs}ms`),
      escalate: (group.escalate ?? []).map((step) => ({ afterMs: parseDuration(step.after), to: step.to })),
      ...(grouping && { grouping }),
    };
  }
  // A group the schema rejected exists all the same: references to it are not "unknown".
  const unknownGroup = (id: string) => !alertGroups[id] && !failed(['alertGroups', id]);
  for (const [id, group] of Object.entries(doc.alertGroups ?? {}))
    (group.escalate ?? []).forEach((step, index) => {
      const path = ['alertGroups', id, 'escalate', index, 'to'];
      if (unknownGroup(step.to)) issue(path, `unknown alert group "${step.to}"`);
      else if (step.to === id) issue(path, 'an alert group cannot escalate to itself');
    });
  const defaults = doc.defaults ?? {};
  if (defaults.alertGroup !== undefined && unknownGroup(defaults.alertGroup)) {
    issue(['defaults', 'alertGroup'], `unknown alert group "${defaults.alertGroup}"`);
  }

  const seen = new Map<string, number>();
  const checks: ResolvedCheck[] = [];
  doc.checks.forEach((check, index) => {
    if (!check) return;
    const path = ['checks', index];
    const report = readsFailedDefault(check, failed) ? () => undefined : issue;
    const resolved = resolveCheck(check, defaults, (key, message) => report([...path, ...key], message));
    const previous = seen.get(resolved.id);
    if (previous !== undefined)
      issue([...path, 'name'], `check id "${resolved.id}" is also used by checks[${previous}]`);
    seen.set(resolved.id, index);
    if (unknownGroup(resolved.alertGroup)) {
      report(
        [...path, 'alertGroup'],
        resolved.alertGroup
          ? `unknown alert group "${resolved.alertGroup}"`
          : 'no alert group: set alertGroup here or in defaults',
      );
    }
    checks.push(resolved);
  });

  const livenessGroup = doc.liveness?.alertGroup ?? defaults.alertGroup;
  if (doc.liveness?.alertGroup !== undefined && unknownGroup(doc.liveness.alertGroup)) {
    issue(['liveness', 'alertGroup'], `unknown alert group "${doc.liveness.alertGroup}"`);
  }
  const liveness = {
    silenceMs: parseDuration(doc.liveness?.after ?? `${POLICY_DEFAULTS.livenessSilenceMs}ms`),
    ...(livenessGroup !== undefined && { alertGroup: livenessGroup }),
  };

  const maintenance = (doc.maintenance ?? []).map(resolveMaintenance);
  // Left out when there is none, so that revisions without windows stay as they were.
  return {
    policy: { checks, alertGroups, liveness, ...(maintenance.length > 0 && { maintenance }) },
    issues,
  };
}

/** Checked whole by the schema; here a weekly schedule becomes cron and the time zone defaults to UTC. */
function resolveMaintenance(window: MaintenanceDocument): ResolvedMaintenance {
  const { schedule } = window;
  return {
    name: window.name,
    cron: 'cron' in schedule ? schedule.cron.trim() : weeklyCron(schedule.weekly.days, schedule.weekly.at),
    timeZone: window.timeZone ?? 'UTC',
    durationMs: parseDuration(window.duration),
    matchers: window.matchers.map(parseMatcher),
  };
}

/** `groupBy` with its `groupWait` (default 30s); a `groupWait` alone is an error, not ignored. */
function resolveGrouping(
  group: AlertGroupDocument,
  issue: (key: string, message: string) => void,
): ResolvedGrouping | undefined {
  if (!group.groupBy) {
    if (group.groupWait !== undefined) issue('groupWait', 'groupWait needs groupBy');
    return undefined;
  }
  const waitMs = group.groupWait === undefined ? POLICY_DEFAULTS.groupWaitMs : parseDuration(group.groupWait);
  return { by: group.groupBy, waitMs };
}

/** The defaults that resolve's checks of a check read: its alert group, and the timeout slowAfter needs. */
const CHECKED_DEFAULTS = ['alertGroup', 'timeout'] as const;

/** A check that falls back to a default the schema rejected cannot be checked against it. */
function readsFailedDefault(check: CheckDocument, failed: (path: Path) => boolean): boolean {
  return CHECKED_DEFAULTS.some((key) => check[key] === undefined && failed(['defaults', key]));
}

type Defaults = NonNullable<PolicyDocument['defaults']>;

type Issue = (key: Path, m: string) => void;

function resolveCheck(check: CheckDocument, defaults: Defaults, issue: Issue): ResolvedCheck {
  return check.firewall
    ? resolveFirewallCheck(check, defaults, issue)
    : resolvePortCheck(check, defaults, issue);
}

/** What port and firewall checks share: name, id, interval, threshold, alert group, enabled, agents. */
function resolveBase(check: CheckDocument, defaults: Defaults, timeoutMs: number): ResolvedCheckBase {
  return {
    id: check.id ?? checkIdFromName(check.name),
    name: check.name,
    intervalMs: parseDuration(check.interval ?? defaults.interval ?? '2m'),
    timeoutMs,
    failuresBeforeAlert:
      check.failuresBeforeAlert ?? defaults.failuresBeforeAlert ?? POLICY_DEFAULTS.failuresBeforeAlert,
    successesBeforeResolve:
      check.successesBeforeResolve ??
      defaults.successesBeforeResolve ??
      POLICY_DEFAULTS.successesBeforeResolve,
    alertGroup: check.alertGroup ?? defaults.alertGroup ?? '',
    enabled: check.enabled ?? true,
    agents: check.agents ?? {},
  };
}

/**
 * The check's flapping (its own, else the defaults'). A window that cannot hold one change more
 * than allowed, at one result per interval, could never mark the check flapping: an error.
 */
function resolveFlapping(
  check: CheckDocument,
  defaults: Defaults,
  intervalMs: number,
  issue: Issue,
): ResolvedFlapping | undefined {
  const flapping = check.flapping ?? defaults.flapping;
  if (!flapping) return undefined;
  const windowMs = parseDuration(flapping.window);
  const spanMs = flapping.changes * intervalMs;
  if (windowMs <= spanMs) {
    const where = check.flapping ? 'window' : 'defaults.flapping.window';
    issue(
      check.flapping ? ['flapping', 'window'] : ['interval'],
      `${where} ${flapping.window} can never see ${flapping.changes + 1} changes of a check run every ${formatDuration(intervalMs)}: make it longer than ${formatDuration(spanMs)}`,
    );
  }
  return { changes: flapping.changes, windowMs };
}

function resolvePortCheck(check: CheckDocument, defaults: Defaults, issue: Issue): ResolvedPortCheck {
  if (check.port === undefined && check.service === undefined)
    issue(['port'], 'set port or service (or firewall: for a firewall check)');
  if (check.port !== undefined && check.service !== undefined)
    issue(['service'], 'set port or service, not both');
  const timeoutMs = parseDuration(check.timeout ?? defaults.timeout ?? '10s');
  const host = check.host ?? POLICY_DEFAULTS.host;
  const response = check.response ? resolveResponse(check.response, issue) : undefined;
  const base = resolveBase(check, defaults, timeoutMs);
  const flapping = resolveFlapping(check, defaults, base.intervalMs, issue);
  return {
    kind: 'port',
    ...base,
    ...(flapping && { flapping }),
    host,
    port: check.port ?? (check.service ? portOfService(check.service as ServiceName) : 0),
    ...resolvePortOptions(check, host, timeoutMs, issue),
    connectTimeoutMs: Math.min(
      timeoutMs,
      parseDuration(check.connectTimeout ?? defaults.connectTimeout ?? `${timeoutMs}ms`),
    ),
    ...(response && { response }),
  };
}

/** The keys a firewall check takes besides `firewall`; every other key belongs to port checks. */
const FIREWALL_CHECK_KEYS = new Set<string>([
  'name',
  'id',
  'firewall',
  'interval',
  'timeout',
  'failuresBeforeAlert',
  'successesBeforeResolve',
  'flapping',
  'alertGroup',
  'enabled',
  'agents',
]);

/** `defaults.timeout` is for ports: a firewall check's own `timeout`, else 60 s. */
function resolveFirewallCheck(check: CheckDocument, defaults: Defaults, issue: Issue): ResolvedFirewallCheck {
  for (const key of Object.keys(check)) {
    if (FIREWALL_CHECK_KEYS.has(key)) continue;
    issue(
      [key],
      key === 'response'
        ? "a firewall check's mode implies its response: use firewall.mode enable or enable-or-reboot"
        : 'is for port checks, not firewall checks',
    );
  }
  const firewall = check.firewall!;
  const timeoutMs = check.timeout ? parseDuration(check.timeout) : POLICY_DEFAULTS.firewallTimeoutMs;
  const base = resolveBase(check, defaults, timeoutMs);
  const flapping = resolveFlapping(check, defaults, base.intervalMs, issue);
  return {
    kind: 'firewall',
    ...base,
    ...(flapping && { flapping }),
    firewall: {
      mode: firewall.mode ?? 'notify',
      profiles: firewall.profiles ? [...new Set(firewall.profiles)] : ['domain', 'private', 'public'],
      provider: firewall.provider ?? 'auto',
    },
  };
}
