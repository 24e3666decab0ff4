import { ConfigError } from '@portwarden/common/errors';

/** `127.0.0.1:7480`, `[::1]:7480`, `:7480` -> { host, port } */
export function parseListen(text: string, what: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigError(
      `invalid ${what} "${text}"`,
      'write HOST:PORT, for example 127.0.0.1:7480 or [::1]:7480 (port 0 picks a free one)',
    );
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
