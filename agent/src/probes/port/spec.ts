import net from 'node:net';
import { ConfigError } from '@portwarden/common/errors';
import { portOfService, isServiceName } from '@portwarden/common/services';
import { decodeEscapes } from '@portwarden/common/text';

/**
 * What one `port` probe does, with every default filled in and durations in milliseconds. The
 * agent builds it from a pushed config, `portwarden probe` from its flags (through
 * `defaultPortSpec`). It is plain data: the probe compiles it (regexes, wire bytes, TLS context)
 * once per spec object and reuses that for every run.
 */
export interface PortSpec {
  // ---- target ----
  /** Host name or IP literal (`::1` or `[::1]`). @default '127.0.0.1' */
  host: string;
  /** 1-65535. */
  port: number;
  /** Which address families a name may resolve to. @default 'auto' */
  family: AddressFamily;
  /** Which resolved addresses to probe: the first, every one (all must pass), or every one (one must pass). @default 'first' */
  addresses: AddressMode;

  // ---- conversation ----
  /** The dialogue after connecting (and after TLS / STARTTLS), in order; empty: connecting is enough. @default [] */
  steps: Step[];
  /** Append CR/LF to each send step and to the quit text. @default false */
  crlf: boolean;
  /** Append one more CR/LF to the last send step (one CR/LF in all when `crlf` is off). @default false */
  extraCrlf: boolean;
  /** Sent (with CR/LF when `crlf`) before a polite close, while the connection is still usable; empty for none. @default empty */
  quit: Uint8Array;
  /** An expect step examines at most this many bytes (left over from the previous step plus new ones). @default 4096 */
  maxBytes: number;

  // ---- timing ----
  /** Bounds the whole probe: lookup, connect, TLS, conversation. @default 10000 */
  timeoutMs: number;
  /** Bounds the TCP handshake; never more than timeoutMs. @default timeoutMs */
  connectTimeoutMs: number;
  /** A probe that passes but takes longer than this is down with reason `slow`; 0: off. @default 0 */
  slowAfterMs: number;

  // ---- TLS ----
  /** Implicit TLS: the handshake starts right after the TCP connection. @default false */
  tls: boolean;
  /** Upgrade with STARTTLS after the protocol's greeting. Exclusive with `tls`. @default 'none' */
  starttls: StartTlsProtocol | 'none';
  /** Server name sent in the TLS ClientHello and checked against the certificate; '' sends none. @default host when it is a name, else '' */
  sni: string;
  /** Verify the certificate chain and the name. @default true */
  tlsVerify: boolean;
  /** PEM file of CA certificates trusted instead of the system's roots, read by the agent; '' for the system's. @default '' */
  caFile: string;
  /** Down with reason `cert-expiring` when the server's certificate expires within this window; 0: off. @default 0 */
  certExpiresWithinMs: number;

  // ---- negative check ----
  /** The port must not accept: up when refused, unreachable or timed out, down `exposed` when it accepts. @default false */
  expectClosed: boolean;

  // ---- result ----
  /** Attach the transcript to every result; a down result always carries it. @default false */
  transcript: boolean;
}

export type AddressFamily = 'auto' | 'ipv4' | 'ipv6';
export type AddressMode = 'first' | 'all' | 'any';
export type StartTlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ftp';
export type MatchMode = 'all' | 'any';

export const ADDRESS_FAMILIES: readonly AddressFamily[] = ['auto', 'ipv4', 'ipv6'];
export const ADDRESS_MODES: readonly AddressMode[] = ['first', 'all', 'any'];
export const STARTTLS_PROTOCOLS: readonly StartTlsProtocol[] = ['smtp', 'imap', 'pop3', 'ftp'];
export const MATCH_MODES: readonly MatchMode[] = ['all', 'any'];

/** One step of the dialogue: write bytes, or read until an expectation is met. */
export type Step = { kind: 'send'; bytes: Uint8Array } | { kind: 'expect'; expect: Expectation };

/**
 * What an expect step waits for. Texts are substrings of the bytes received (UTF-8); regexes are
 * JavaScript regular expressions tested against the bytes read as Latin-1 (one character per byte).
 */
export interface Expectation {
  texts: string[];
  /** Regex sources, without slashes or flags. */
  regexes: string[];
  /** `all`: every text and regex must be found; `any`: one is enough. @default 'all' */
  mode: MatchMode;
  /** ASCII case-insensitive texts and regexes (flag `i`). @default false */
  ignoreCase: boolean;
}

export const PORT_SPEC_DEFAULTS = {
  host: '127.0.0.1',
  family: 'auto',
  addresses: 'first',
  crlf: false,
  extraCrlf: false,
  maxBytes: 4096,
  timeoutMs: 10_000,
  slowAfterMs: 0,
  tls: false,
  starttls: 'none',
  tlsVerify: true,
  caFile: '',
  certExpiresWithinMs: 0,
  expectClosed: false,
  transcript: false,
  expectMode: 'all',
  ignoreCase: false,
} as const;

/**
 * What a caller may leave out. `send`, `expect`, `expectRegex` are the one-exchange shorthand of
 * the Ports tab (send, then expect in the greeting and the reply together), exclusive with `steps`.
 * Strings for `send` and `quit` have their escapes (`\r \n \t \\ \xHH`) decoded.
 */
export interface PortSpecInput extends Partial<Omit<PortSpec, 'steps' | 'quit' | 'port'>> {
  port?: number;
  /** A well-known service name (`smtp`), instead of `port`. */
  service?: string;
  steps?: Step[];
  send?: string | Uint8Array;
  expect?: string | string[];
  expectRegex?: string | string[];
  /** For the shorthand's expectation. @default 'all' */
  expectMode?: MatchMode;
  /** For the shorthand's expectation. @default false */
  ignoreCase?: boolean;
  quit?: string | Uint8Array;
}

/**
 * Fills every default in one place and checks the result; throws a ConfigError naming every
 * problem (`portwarden probe` shows it as UNKNOWN).
 */
export function defaultPortSpec(input: PortSpecInput): PortSpec {
  const problems: string[] = [];
  const bytes = (value: string | Uint8Array | undefined, what: string): Uint8Array => {
    if (value === undefined) return EMPTY;
    if (typeof value !== 'string') return value;
    try {
      return decodeEscapes(value);
    } catch (err) {
      problems.push(`${what} has an ${(err as Error).message}`);
      return EMPTY;
    }
  };
  const host = input.host ?? PORT_SPEC_DEFAULTS.host;
  const timeoutMs = input.timeoutMs ?? PORT_SPEC_DEFAULTS.timeoutMs;
  const shorthand = input.send !== undefined || input.expect !== undefined || input.expectRegex !== undefined;
  if (shorthand && input.steps) problems.push('steps and send/expect/expectRegex cannot go together');
  const spec: PortSpec = {
    host,
    port: input.port ?? servicePort(input.service, problems),
    family: input.family ?? PORT_SPEC_DEFAULTS.family,
    addresses: input.addresses ?? PORT_SPEC_DEFAULTS.addresses,
    steps:
      input.steps ??
      shorthandSteps(input.send === undefined ? undefined : bytes(input.send, 'send'), {
        texts: list(input.expect),
        regexes: list(input.expectRegex),
        mode: input.expectMode ?? PORT_SPEC_DEFAULTS.expectMode,
        ignoreCase: input.ignoreCase ?? PORT_SPEC_DEFAULTS.ignoreCase,
      }),
    crlf: input.crlf ?? PORT_SPEC_DEFAULTS.crlf,
    extraCrlf: input.extraCrlf ?? PORT_SPEC_DEFAULTS.extraCrlf,
    quit: bytes(input.quit, 'quit'),
    maxBytes: input.maxBytes ?? PORT_SPEC_DEFAULTS.maxBytes,
    timeoutMs,
    connectTimeoutMs: Math.min(input.connectTimeoutMs ?? timeoutMs, timeoutMs),
    slowAfterMs: input.slowAfterMs ?? PORT_SPEC_DEFAULTS.slowAfterMs,
    tls: input.tls ?? PORT_SPEC_DEFAULTS.tls,
    starttls: input.starttls ?? PORT_SPEC_DEFAULTS.starttls,
    sni: input.sni ?? defaultSni(host),
    tlsVerify: input.tlsVerify ?? PORT_SPEC_DEFAULTS.tlsVerify,
    caFile: input.caFile ?? PORT_SPEC_DEFAULTS.caFile,
    certExpiresWithinMs: input.certExpiresWithinMs ?? PORT_SPEC_DEFAULTS.certExpiresWithinMs,
    expectClosed: input.expectClosed ?? PORT_SPEC_DEFAULTS.expectClosed,
    transcript: input.transcript ?? PORT_SPEC_DEFAULTS.transcript,
  };
  problems.push(...portSpecProblems(spec));
  if (problems.length > 0) {
    throw new ConfigError(`invalid probe: ${problems.join('; ')}`, 'fix the listed options and try again');
  }
  return spec;
}

/**
 * The Ports tab exchange as steps: send (if given, even empty: `send: ''` with `crlf` sends just
 * CR/LF), then one expectation (if any).
 */
export function shorthandSteps(send: Uint8Array | undefined, expect: Expectation): Step[] {
  const steps: Step[] = [];
  if (send !== undefined) steps.push({ kind: 'send', bytes: send });
  if (expect.texts.length + expect.regexes.length > 0) steps.push({ kind: 'expect', expect });
  return steps;
}

/** SNI defaults to the host when it is a name: RFC 6066 forbids IP addresses in it. */
export function defaultSni(host: string): string {
  return net.isIP(bareHost(host)) === 0 ? bareHost(host) : '';
}

/** `[::1]` -> `::1`. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Everything wrong with a filled-in spec, one sentence each; empty when it can run. The agent
 * rejects a pushed config with these, `defaultPortSpec` throws them.
 */
export function portSpecProblems(spec: PortSpec): string[] {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  if (!spec.host) problem('has no host');
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) problem('port must be 1-65535');
  const literal = net.isIP(bareHost(spec.host));
  if ((spec.family === 'ipv4' && literal === 6) || (spec.family === 'ipv6' && literal === 4))
    problem(`family ${spec.family} does not fit the address ${spec.host}`);
  if (!(spec.timeoutMs > 0)) problem('timeout must be positive');
  if (!(spec.connectTimeoutMs > 0)) problem('connectTimeout must be positive');
  if (!Number.isInteger(spec.maxBytes) || spec.maxBytes < 1 || spec.maxBytes > MAX_BYTES_LIMIT)
    problem(`maxBytes must be 1-${MAX_BYTES_LIMIT}`);
  if (spec.tls && spec.starttls !== 'none') problem('tls and starttls cannot go together');
  if (
    spec.expectClosed &&
    (spec.steps.length > 0 || spec.tls || spec.starttls !== 'none' || spec.quit.length > 0)
  )
    problem('expectClosed takes no conversation, TLS or quit: the port must stay closed');
  spec.steps.forEach((step, i) => {
    if (step.kind !== 'expect') return;
    const { texts, regexes } = step.expect;
    if (texts.length + regexes.length === 0) problem(`steps[${i}] expects nothing`);
    if (texts.some((t) => t === '')) problem(`steps[${i}] expects an empty text`);
    for (const source of regexes) {
      const error = regexError(source);
      if (error) problem(`steps[${i}] has an ${error}`);
    }
  });
  return problems;
}

/** Beyond this an expect step would hold too much of a misbehaving server's output. */
export const MAX_BYTES_LIMIT = 1024 * 1024;

/** Why a regex source does not compile, or undefined when it does. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source, 'm');
    return undefined;
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    return `invalid regular expression /${source}/: ${why}`;
  }
}

const EMPTY = Buffer.alloc(0);

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function servicePort(service: string | undefined, problems: string[]): number {
  if (service === undefined) {
    problems.push('needs a port or a service');
    return 0;
  }
  if (!isServiceName(service)) {
    problems.push(`service "${service}" is unknown`);
    return 0;
  }
  return portOfService(service);
}
