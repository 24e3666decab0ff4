import { Writable } from 'node:stream';
import { credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createLogger, type Logger } from '@portwarden/common/logger';
import {
  AgentServiceClient,
  type ConnectRequest,
  type ConnectResponse,
  type EnrollResponse,
  type RenewResponse,
} from '@portwarden/proto/agent/v1';
import { ALGORITHM, newKeys, privateKeyPem, x509 } from '../../ca/x509.js';

/** A logger whose JSON lines a test can read back. */
export function capturedLogger(level: 'info' | 'debug' = 'info'): {
  logger: Logger;
  lines: Record<string, unknown>[];
  text: () => string;
} {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return {
    logger: createLogger({ name: 'controller', level, destination }),
    lines,
    text: () => raw.join('\n'),
  };
}

/** A fresh ECDSA P-256 key and a certificate request naming `cn`, as an agent makes them. */
export async function keyAndCsr(cn: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await newKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: ALGORITHM,
  });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}

/** Channel credentials: server-authenticated with `caPem`, and with a client certificate when given. */
export function tlsCredentials(
  caPem: string,
  client?: { keyPem: string; certPem: string },
): ChannelCredentials {
  return client
    ? credentials.createSsl(Buffer.from(caPem), Buffer.from(client.keyPem), Buffer.from(client.certPem))
    : credentials.createSsl(Buffer.from(caPem));
}

type Unary<T> = Promise<{ value?: T; error?: ServiceError }>;

/** One AgentService client; every call resolves, with the value or the error. */
export class TestAgentClient {
  private readonly client: AgentServiceClient;

  constructor(address: string, creds: ChannelCredentials) {
    this.client = new AgentServiceClient(address, creds);
  }

  enroll(token: string, csrPem: string): Unary<EnrollResponse> {
    return new Promise((resolve) =>
      this.client.enroll({ token, csrPem }, (error, value) => resolve(error ? { error } : { value })),
    );
  }

  renew(csrPem: string): Unary<RenewResponse> {
    return new Promise((resolve) =>
      this.client.renew({ csrPem }, (error, value) => resolve(error ? { error } : { value })),
    );
  }

  /**
   * Opens a stream, sends the messages, and collects what comes back until the stream ends, or
   * `until` holds (the stream is then left open: call `cancel`).
   */
  converse(messages: ConnectRequest[], until: (got: ConnectResponse[]) => boolean = () => false) {
    const stream = this.client.connect();
    const got: ConnectResponse[] = [];
    const ended = new Promise<{ got: ConnectResponse[]; error?: ServiceError }>((resolve) => {
      stream.on('data', (m: ConnectResponse) => {
        got.push(m);
        if (until(got)) resolve({ got });
      });
      stream.on('error', (error: ServiceError) =>
        resolve({ got, ...(error.code !== status.CANCELLED && { error }) }),
      );
      stream.on('end', () => resolve({ got }));
    });
    for (const m of messages) stream.write(m);
    /** Resolves when the stream ends after `until` held: with the status the server ended it with. */
    const closed = new Promise<ServiceError | undefined>((resolve) => {
      stream.on('error', (error: ServiceError) => resolve(error));
      stream.on('end', () => resolve(undefined));
    });
    return { ended, closed, stream, cancel: () => stream.cancel() };
  }

  close(): void {
    this.client.close();
  }
}

export const hello = (name: string, labels: Record<string, string> = {}): ConnectRequest => ({
  body: {
    $case: 'hello',
    value: { name, labels, os: 'linux', agentVersion: 'test', configRevision: 0, hostname: name },
  },
});

export const isConfig = (got: ConnectResponse[]) => got.some((m) => m.body?.$case === 'config');

/** The security events logged so far, as `reason` codes, optionally for one agent. */
export const securityReasons = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.event === 'security').map((l) => l.reason as string);
