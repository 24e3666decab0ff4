import { isIP } from 'node:net';
import { ConfigError } from '@portwarden/common/errors';

export interface MetricsListen {
  host: string;
  port: number;
  /** Beyond this machine: the agent logs a warning (the metrics need no token). */
  loopback: boolean;
}

const HINT = 'write host:port, [ipv6]:port or a port alone (loopback): 127.0.0.1:9464';

/** `--metrics-listen`: `host:port`, `[v6]:port`, or a bare port on 127.0.0.1. */
export function parseMetricsListen(text: string): MetricsListen {
  const bare = /^\d+$/.test(text);
  const match = bare ? undefined : /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  const port = Number(bare ? text : match?.[3]);
  const host = bare ? '127.0.0.1' : (match?.[1] ?? match?.[2]);
  const bracketed = match?.[1] !== undefined;
  if (!host || !Number.isInteger(port) || port > 65_535 || (bracketed && isIP(host) !== 6))
    throw new ConfigError(`invalid metrics listen address "${text}"`, HINT);
  return { host, port, loopback: isLoopback(host) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
