import { parseListen } from '../listen.js';
import { isLoopback } from './listen-safety.js';

/** Where the HTTP API's certificate comes from: its own, the controller CA, or none (plain HTTP). */
export type HttpTlsSource = 'own' | 'ca' | 'none';

/** The options the choice reads (options.ts ResolvedOptions has them all). */
export interface HttpTlsChoice {
  httpListen: string;
  /** --http-tls-cert and --http-tls-key */
  httpTls?: unknown;
  /** --http-tls-from-ca */
  httpTlsFromCa?: boolean;
  /** --http-insecure-public */
  httpInsecurePublic?: boolean;
  /** The controller's CA (--ca-key-file); undefined with --insecure. */
  tls?: unknown;
}

/**
 * HTTPS whenever it can be had without asking: beyond loopback, a controller that has its CA
 * serves the CA's certificate for --grpc-tls-names unless --http-insecure-public asks for plain
 * HTTP. Loopback stays plain HTTP (the quick start, a local reverse proxy) unless
 * --http-tls-from-ca asks for HTTPS there too.
 */
export function httpTlsSource(choice: HttpTlsChoice): HttpTlsSource {
  if (choice.httpTls !== undefined) return 'own';
  if (choice.tls === undefined) return 'none';
  if (choice.httpTlsFromCa) return 'ca';
  if (choice.httpInsecurePublic) return 'none';
  return isLoopback(parseListen(choice.httpListen, 'HTTP listen address').host) ? 'none' : 'ca';
}
