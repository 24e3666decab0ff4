import { Option, type Command } from 'commander';
import { ConfigError } from '@portwarden/common/errors';
import { parseDuration } from '@portwarden/common/duration';
import type { PortSpecInput } from '@portwarden/agent/probes/port/spec';

/** The flags of `portwarden probe`, check_tcp's short letters where it has one. */
export interface ProbeFlags {
  host: string;
  port?: string;
  service?: string;
  send?: string;
  crlf?: boolean;
  extraCrlf?: boolean;
  expect?: string[];
  expectRegex?: string[];
  all?: boolean;
  ignoreCase?: boolean;
  quit?: string;
  maxBytes?: string;
  /** `--tls`: implicit TLS, the chain verified (as policy checks do). */
  tls?: boolean;
  /** `-S`: check_tcp's implicit TLS: the handshake, not the chain (unless --ca-file). */
  S?: boolean;
  starttls?: 'smtp' | 'imap' | 'pop3' | 'ftp';
  sni?: string;
  verify: boolean;
  caFile?: string;
  certDays?: string;
  /** `-D days[,crit]`: check_tcp's certificate expiry check; implies `-S`. */
  D?: string;
  /** The agent's choice; without it, each address in turn as check_tcp. */
  addresses?: 'first' | 'any' | 'all';
  timeout: string;
  connectTimeout?: string;
  slowAfter?: string;
  expectClosed?: boolean;
  family: 'auto' | 'ipv4' | 'ipv6';
  mismatch: 'warn' | 'crit';
  warning?: string;
  critical?: string;
  json?: boolean;
  dryRun?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addProbeFlags(command: Command): Command {
  return command
    .option('-H, --host <host>', 'host name or address', '127.0.0.1')
    .option('-p, --port <port>', 'TCP port')
    .option('--service <name>', 'well-known service instead of --port (smtp, https, ...)')
    .option('-s, --send <text>', 'text to send after connecting; escapes \\r \\n \\t \\\\ \\xHH')
    .option('--crlf', 'append CR/LF to the text')
    .option('--extra-crlf', 'append one more CR/LF after the last command')
    .option('-e, --expect <text>', 'text expected in the greeting or reply (repeatable)', collect)
    .option('--expect-regex <re>', 'regular expression expected (repeatable)', collect)
    .option('-A, --all', 'every expectation must be found (default: any one, as check_tcp)')
    .option('--ignore-case', 'case-insensitive expectations')
    .option('-q, --quit <text>', 'text sent before closing politely')
    .option('-m, --max-bytes <n>', 'read at most this many bytes (default 4096)')
    .option('--tls', 'implicit TLS; the certificate chain is verified (as policy checks do)')
    .addOption(
      new Option(
        '-S',
        "check_tcp's implicit TLS: the handshake and the expiry, not the chain (which --ca-file verifies)",
      ),
    )
    .addOption(
      new Option('--starttls <protocol>', 'upgrade with STARTTLS after the greeting').choices([
        'smtp',
        'imap',
        'pop3',
        'ftp',
      ]),
    )
    .option('--sni <name>', 'TLS server name (default: the host when it is a name)')
    .option('--no-verify', 'do not verify the certificate')
    .option('--ca-file <pem>', 'trust these CA certificates instead of the system ones')
    .option(
      '--cert-days <days[,crit]>',
      'warn when the certificate expires within this many days (critical within crit, or when expired)',
    )
    .addOption(
      new Option(
        '-D <days[,crit]>',
        "check_tcp's certificate expiry: as --cert-days, with -S (the chain is not verified)",
      ),
    )
    .option('-t, --timeout <duration>', 'whole probe timeout (seconds, or 500ms, 10s, ...)', '10')
    .option('--connect-timeout <duration>', 'TCP connect timeout (default: the timeout)')
    .option('--slow-after <duration>', 'a slower probe fails with reason slow')
    .option('--expect-closed', 'the port must NOT accept connections')
    .addOption(
      new Option('--family <family>', 'address family').choices(['auto', 'ipv4', 'ipv6']).default('auto'),
    )
    .addOption(
      new Option('-M, --mismatch <state>', 'state for an unexpected response')
        .choices(['warn', 'crit'])
        .default('warn'),
    )
    .option('-w, --warning <seconds>', 'response time to warn at')
    .option('-c, --critical <seconds>', 'response time to go critical at')
    .addOption(
      new Option(
        '--addresses <mode>',
        "the agent's choice of a name's addresses: first, any (all at once, one must pass) or all (each must pass); default: each in turn until one accepts, as check_tcp",
      ).choices(['first', 'any', 'all']),
    )
    .option('--json', 'print the structured result instead of the status line')
    .option('--dry-run', 'print the exact bytes that would be sent, and probe nothing');
}

/** Nagios plugins take seconds; a unit (500ms, 2m) is accepted too. */
export function flagDuration(text: string, what: string): number {
  return /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) * 1000 : parseDuration(text, what);
}

function positiveInt(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`invalid ${what} "${text}"`, 'write a whole number');
  return value;
}

/** `-D 30` or `-D 30,7`: warn within 30 days, critical within 7 (check_tcp's form). */
export interface CertDays {
  warnDays: number;
  critDays?: number;
}

export function certDays(flags: ProbeFlags): CertDays | undefined {
  const text = flags.D ?? flags.certDays;
  if (text === undefined) return undefined;
  const what = flags.D !== undefined ? '-D' : '--cert-days';
  const [warn, crit, extra] = text.split(',');
  if (extra !== undefined)
    throw new ConfigError(`invalid ${what} "${text}"`, 'write days, or days,crit (30 or 30,7)');
  return {
    warnDays: positiveInt(warn!, what),
    ...(crit !== undefined && { critDays: positiveInt(crit, what) }),
  };
}

/**
 * check_tcp's own TLS flags (`-S`, `-D`) check the handshake and the expiry and trust whatever
 * chain the server sends, as check_tcp does; `--tls` and `--starttls` verify it, as policy checks
 * do. `--ca-file` verifies against its CAs in both; `--no-verify` turns verification off in both.
 */
export function tlsChoice(flags: ProbeFlags): { tls: boolean; tlsVerify: boolean } {
  const checkTcpStyle = flags.S === true || flags.D !== undefined;
  // check_tcp's -D implies -S; with --starttls the certificate is the upgraded session's.
  const tls =
    flags.tls === true || flags.S === true || (flags.D !== undefined && flags.starttls === undefined);
  const verify = checkTcpStyle && flags.tls !== true ? flags.caFile !== undefined : true;
  return { tls, tlsVerify: verify && flags.verify };
}

export function specInput(flags: ProbeFlags): PortSpecInput {
  const has = <T>(value: T | undefined) => value !== undefined;
  const days = certDays(flags);
  return {
    host: flags.host,
    ...(has(flags.port) && { port: positiveInt(flags.port!, '--port') }),
    ...(has(flags.service) && { service: flags.service }),
    ...(has(flags.send) && { send: flags.send }),
    crlf: flags.crlf ?? false,
    extraCrlf: flags.extraCrlf ?? false,
    ...(has(flags.expect) && { expect: flags.expect }),
    ...(has(flags.expectRegex) && { expectRegex: flags.expectRegex }),
    // check_tcp's rule: any one expected text passes unless -A asks for all.
    expectMode: flags.all ? 'all' : 'any',
    ignoreCase: flags.ignoreCase ?? false,
    ...(has(flags.quit) && { quit: flags.quit }),
    ...(has(flags.maxBytes) && { maxBytes: positiveInt(flags.maxBytes!, '--max-bytes') }),
    ...tlsChoice(flags),
    starttls: flags.starttls ?? 'none',
    ...(has(flags.sni) && { sni: flags.sni }),
    ...(has(flags.caFile) && { caFile: flags.caFile }),
    ...(days && { certExpiresWithinMs: Math.max(days.warnDays, days.critDays ?? 0) * 86_400_000 }),
    timeoutMs: flagDuration(flags.timeout, '--timeout'),
    ...(has(flags.connectTimeout) && {
      connectTimeoutMs: flagDuration(flags.connectTimeout!, '--connect-timeout'),
    }),
    ...(has(flags.slowAfter) && { slowAfterMs: flagDuration(flags.slowAfter!, '--slow-after') }),
    expectClosed: flags.expectClosed ?? false,
    family: flags.family,
    addresses: flags.addresses ?? 'first',
    // The status line shows what the server said, as check_tcp does.
    transcript: true,
  };
}
