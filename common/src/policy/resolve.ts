import { parseDuration } from '../duration.js';
import { PolicyError, type PolicyIssue } from '../errors.js';
import { checkIdFromName } from '../ids.js';
import { portOfService, type ServiceName } from '../services.js';
import { decodeEscapes } from '../text.js';
import { POLICY_DEFAULTS, type ResolvedCheck, type ResolvedPolicy } from './resolved.js';
import type { CheckDocument, PolicyDocument } from './schema.js';
import { formatPath } from './parse.js';

type LineOf = (path: (string | number)[]) => number | undefined;

/** Fills every default in one place and checks what a schema cannot: references and uniqueness. */
export function resolvePolicy(doc: PolicyDocument, lineOf: LineOf = () => undefined): ResolvedPolicy {
  const issues: PolicyIssue[] = [];
  const issue = (path: (string | number)[], message: string) =>
    issues.push({ path: formatPath(path), line: lineOf(path), message });

  const alertGroups: ResolvedPolicy['alertGroups'] = {};
  for (const [id, group] of Object.entries(doc.alertGroups ?? {})) {
    alertGroups[id] = { id, name: group.name ?? id, channels: group.channels };
  }
  const defaults = doc.defaults ?? {};
  if (defaults.alertGroup !== undefined && !alertGroups[defaults.alertGroup]) {
    issue(['defaults', 'alertGroup'], `unknown alert group "${defaults.alertGroup}"`);
  }

  const seen = new Map<string, number>();
  const checks = doc.checks.map((check, index) => {
    const path = ['checks', index];
    const resolved = resolveCheck(check, defaults, (key, message) => issue([...path, ...key], message));
    const previous = seen.get(resolved.id);
    if (previous !== undefined)
      issue([...path, 'name'], `check id "${resolved.id}" is also used by checks[${previous}]`);
    seen.set(resolved.id, index);
    if (!alertGroups[resolved.alertGroup]) {
      issue(
        [...path, 'alertGroup'],
        resolved.alertGroup
          ? `unknown alert group "${resolved.alertGroup}"`
          : 'no alert group: set alertGroup here or in defaults',
      );
    }
    return resolved;
  });

  if (issues.length > 0) throw new PolicyError(issues);
  return { checks, alertGroups };
}

type Defaults = NonNullable<PolicyDocument['defaults']>;

function resolveCheck(
  check: CheckDocument,
  defaults: Defaults,
  issue: (key: string[], m: string) => void,
): ResolvedCheck {
  if (check.port === undefined && check.service === undefined) issue(['port'], 'set port or service');
  if (check.port !== undefined && check.service !== undefined)
    issue(['service'], 'set port or service, not both');
  if (check.send !== undefined) {
    try {
      decodeEscapes(check.send);
    } catch (err) {
      issue(['send'], (err as Error).message);
    }
  }
  const timeoutMs = parseDuration(check.timeout ?? defaults.timeout ?? '10s');
  return {
    id: check.id ?? checkIdFromName(check.name),
    name: check.name,
    host: check.host ?? POLICY_DEFAULTS.host,
    port: check.port ?? (check.service ? portOfService(check.service as ServiceName) : 0),
    ...(check.send !== undefined && { send: check.send }),
    crlf: check.crlf ?? false,
    extraCrlf: check.extraCrlf ?? false,
    ...(check.expect !== undefined && { expect: check.expect }),
    intervalMs: parseDuration(check.interval ?? defaults.interval ?? '2m'),
    timeoutMs,
    connectTimeoutMs: Math.min(
      timeoutMs,
      parseDuration(check.connectTimeout ?? defaults.connectTimeout ?? `${timeoutMs}ms`),
    ),
    failuresBeforeAlert:
      check.failuresBeforeAlert ?? defaults.failuresBeforeAlert ?? POLICY_DEFAULTS.failuresBeforeAlert,
    alertGroup: check.alertGroup ?? defaults.alertGroup ?? '',
    enabled: check.enabled ?? true,
    agents: check.agents ?? {},
  };
}
