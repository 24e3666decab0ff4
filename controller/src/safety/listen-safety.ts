import { BlockList, isIP } from 'node:net';
import { ConfigError } from '@portwarden/common/errors';
import { parseListen } from '../listen.js';

/** The explicit consents the listen checks honour. */
export interface ListenConsent {
  /** --http-insecure-public */
  httpInsecurePublic?: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Only this machine can reach a loopback address. A host name other than `localhost` is never
 * resolved here: it counts as public, as whatever it names may be.
 */
export function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return host.toLowerCase() === 'localhost';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1];
  return mapped ? LOOPBACK.check(mapped, 'ipv4') : LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Refuses the plaintext HTTP API on an address beyond loopback unless --http-insecure-public says
 * so; `tls` is whether the API speaks HTTPS (--http-tls-cert, or the controller CA's certificate:
 * http-tls.ts). Only a controller without its CA (--insecure) can be refused here.
 */
export function httpListenSafety(
  listen: string,
  tls: boolean,
  consent: ListenConsent,
): ConfigError | undefined {
  if (tls || consent.httpInsecurePublic) return undefined;
  if (isLoopback(parseListen(listen, 'HTTP listen address').host)) return undefined;
  return new ConfigError(
    `refusing plaintext HTTP on ${listen}, beyond loopback: whoever reaches it sees and changes what the controller holds`,
    'serve HTTPS (--http-tls-cert FILE --http-tls-key FILE, or --ca-key-file without --insecure for a certificate from the controller CA), keep --http-listen on loopback (127.0.0.1:7480) behind a TLS reverse proxy, or pass --http-insecure-public (PORTWARDEN_HTTP_INSECURE_PUBLIC=1) if only a network you trust reaches it',
  );
}

/** Refuses --insecure gRPC (plaintext, agents not authenticated) on an address beyond loopback. */
export function grpcListenSafety(listen: string, tls: boolean): ConfigError | undefined {
  // grpc-js also binds unix:PATH, which only this machine reaches.
  if (tls || listen.startsWith('unix:')) return undefined;
  if (isLoopback(parseListen(listen, 'gRPC listen address').host)) return undefined;
  return new ConfigError(
    `refusing --insecure gRPC on ${listen}, beyond loopback: whoever reaches it can report as any agent`,
    'run with mutual TLS (--ca-key-file, without --insecure), or keep --grpc-listen on loopback (127.0.0.1:7443)',
  );
}
