import { PortwardenError } from '@portwarden/common/errors';
import { escapeBytes } from '@portwarden/common/text';
import { defaultPortSpec, type PortSpec } from '@portwarden/agent/probes/port/spec';
import { plannedWrites } from '@portwarden/agent/probes/port/writes';
import { createPortProbe, probePort } from '@portwarden/agent/probes/port/tcp';
import { systemLookup, type Lookup } from '@portwarden/agent/probes/port/resolve';
import { probeInTurn } from './in-turn.js';
import type { ProbeResult } from '@portwarden/agent/probes/probe';
import { EXIT, nagiosStatus } from './nagios.js';
import { certDays, flagDuration, specInput, type CertDays, type ProbeFlags } from './flags.js';

export interface ProbeRun {
  exitCode: number;
  stdout: string;
}

/** `portwarden probe`: one probe, reported the Nagios way (or as JSON, or as the planned bytes). */
export interface ProbeCommandDependencies {
  /** @default the system resolver, as check_tcp uses it */
  lookup?: Lookup;
  /** @default Date.now */
  now?: () => number;
}

export async function runProbeCommand(
  flags: ProbeFlags,
  deps: ProbeCommandDependencies = {},
): Promise<ProbeRun> {
  let spec: PortSpec;
  let days: CertDays | undefined;
  try {
    spec = defaultPortSpec(specInput(flags));
    days = certDays(flags);
  } catch (err) {
    if (!(err instanceof PortwardenError)) throw err;
    return { exitCode: EXIT.UNKNOWN, stdout: `TCP UNKNOWN - ${err.message}\n` };
  }
  if (flags.dryRun) return { exitCode: EXIT.OK, stdout: dryRun(spec) };
  // Timed here at full resolution: the result's durationMs is whole milliseconds, check_tcp's microseconds.
  const started = performance.now();
  const probe = deps.lookup ? createPortProbe({ lookup: deps.lookup }) : probePort;
  const result =
    flags.addresses === undefined
      ? await probeInTurn(spec, deps.lookup ?? systemLookup, probe)
      : await probe(spec, {});
  const elapsedMs = performance.now() - started;
  const critical = certCritical(result, days, (deps.now ?? Date.now)());
  const nagios = status(flags, spec, result, elapsedMs, critical);
  if (flags.json)
    return {
      exitCode: nagios.exitCode,
      stdout: `${JSON.stringify({ state: nagios.state, ...result }, null, 2)}\n`,
    };
  return { exitCode: nagios.exitCode, stdout: `${nagios.line}\n` };
}

function status(
  flags: ProbeFlags,
  spec: PortSpec,
  result: ProbeResult,
  elapsedMs: number,
  certCritical: boolean,
) {
  return nagiosStatus({
    certCritical,
    host: spec.host,
    port: spec.port,
    outcome: result.outcome,
    ...(result.reason && { reason: result.reason }),
    detail: result.detail,
    durationMs: elapsedMs,
    received: receivedText(result),
    timeoutMs: spec.timeoutMs,
    mismatch: flags.mismatch,
    ...(flags.warning !== undefined && { warningSeconds: flagDuration(flags.warning, '--warning') / 1000 }),
    ...(flags.critical !== undefined && {
      criticalSeconds: flagDuration(flags.critical, '--critical') / 1000,
    }),
  });
}

const DAY_MS = 86_400_000;

/**
 * check_tcp's `-D warn,crit`: a certificate that expired, or expires within `crit` days, is
 * CRITICAL rather than WARNING. The probe's cert-expiring detail names the date.
 */
export function certCritical(result: ProbeResult, days: CertDays | undefined, now: number): boolean {
  if (result.reason !== 'cert-expiring' || !days) return false;
  if (/ expired on /.test(result.detail)) return true;
  if (days.critDays === undefined) return false;
  const notAfter = Date.parse(/ expires on (\S+?),/.exec(result.detail)?.[1] ?? '');
  return Number.isFinite(notAfter) && notAfter - now <= days.critDays * DAY_MS;
}

/** Everything the server sent during the probe, in order, its escaped line breaks as spaces. */
function receivedText(result: ProbeResult): string {
  const entries = result.transcript?.entries ?? [];
  return entries
    .filter((e) => e.direction === 'received')
    .map((e) => e.text)
    .join('')
    .replace(/(\\r|\\n)+/g, ' ');
}

/** Each write, escaped and in hex, so a user can see exactly what goes on the wire. */
function dryRun(spec: PortSpec): string {
  const writes = plannedWrites(spec);
  const target = `${spec.host} port ${spec.port}${spec.tls ? ' (TLS)' : ''}${spec.starttls !== 'none' ? ` (STARTTLS ${spec.starttls})` : ''}`;
  if (writes.length === 0) return `would connect to ${target} and send nothing\n`;
  const lines = writes.map((w, i) => {
    const label = w.purpose === 'send' ? `send step ${w.step}` : w.purpose;
    const hex = [...w.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return `${i + 1}. ${label}${w.encrypted ? ' (inside TLS)' : ''}: "${escapeBytes(w.bytes, 10_000)}" (${w.bytes.length} bytes)\n   ${hex}`;
  });
  return `would connect to ${target} and send:\n${lines.join('\n')}\n`;
}
