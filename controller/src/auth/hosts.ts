import { isIP } from 'node:net';

/** The Host header values this controller answers; anything else may be DNS rebinding. */
export interface HostAllowance {
  /** `host:port`, lower case. */
  exact: Set<string>;
  /** Host names accepted on any port (--http-allowed-hosts entries without a port). */
  anyPort: Set<string>;
  /** The port any IP literal is accepted on: set when listening on a wildcard address. */
  anyIpOnPort?: number;
}

export interface ServedHosts {
  /** The address the HTTP API bound, as `listen` gave it (`0.0.0.0`, `::1`, a name...). */
  listenHost: string;
  port: number;
  externalUrl?: string;
  /** `host` or `host:port`, from --http-allowed-hosts. */
  allowed?: string[];
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function hostAllowance({ listenHost, port, externalUrl, allowed = [] }: ServedHosts): HostAllowance {
  const exact = new Set(
    ['localhost', '127.0.0.1', '[::1]', bracket(listenHost)].map((host) => `${host}:${port}`.toLowerCase()),
  );
  if (externalUrl) exact.add(new URL(externalUrl).host.toLowerCase());
  const anyPort = new Set<string>();
  for (const entry of allowed.map((a) => a.trim().toLowerCase()).filter(Boolean)) {
    if (splitHost(entry).port === undefined) anyPort.add(splitHost(entry).host);
    else exact.add(entry);
  }
  return { exact, anyPort, ...(WILDCARDS.has(listenHost) && { anyIpOnPort: port }) };
}

/**
 * Whether a request's Host header names a host served here. An IP literal cannot be rebound by
 * DNS, so on a wildcard listen address any IP on the bound port is accepted.
 */
export function hostAllowed(header: string | undefined, allowance: HostAllowance): boolean {
  if (!header) return false;
  const value = header.trim().toLowerCase();
  if (allowance.exact.has(value)) return true;
  const { host, port } = splitHost(value);
  if (allowance.anyPort.has(host)) return true;
  return (
    allowance.anyIpOnPort !== undefined &&
    port === String(allowance.anyIpOnPort) &&
    isIP(host.replace(/^\[|\]$/g, '')) !== 0
  );
}

/** `example.com:80` -> { host, port }, `[::1]:80` -> { host: '[::1]', port }, `example.com` -> no port. */
function splitHost(value: string): { host: string; port?: string } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(value);
  if (!match) return { host: value };
  return { host: match[1]!, ...(match[2] !== undefined && { port: match[2] }) };
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
