import { parseEnrollmentToken } from '@portwarden/common/enrollment-token';
import type * as X509 from '../tls/x509.js';
import type { Logger } from '@portwarden/common/logger';
import { createBackoff, type BackoffOptions } from '../link/backoff.js';
import { caFingerprint, readIdentity, saveIdentity, type AgentIdentity } from '../tls/identity.js';
import { EnrollError } from './errors.js';
import { fetchPinnedCa } from './pin.js';
import { serverAuthenticated, unary } from './rpc.js';

export interface EnrollOptions {
  controllers: string[];
  /** As printed by `portwarden token create`. */
  token: string;
  name: string;
  stateDir: string;
  logger: Logger;
  /** Aborts the retries (the agent is stopping). */
  signal?: AbortSignal;
  /** Delays between attempts. @default 1 s doubling to 30 s, with jitter */
  backoff?: BackoffOptions;
  /** Each attempt's time limit. @default 15_000 */
  timeoutMs?: number;
}

/**
 * Enrolls the agent: a new key made here, a certificate request over the Enroll call (TLS, the
 * CA pinned by the token), and the certificate and CA saved with the key in the state
 * directory. Tries the controllers in turn while they are unreachable; a refusal is final.
 */
export async function enroll(options: EnrollOptions): Promise<AgentIdentity> {
  const token = parseEnrollmentToken(options.token);
  const { keyPem, csrPem } = await (await loadX509()).newKeyAndCsr(options.name);
  const backoff = createBackoff({ initialMs: 1_000, ...options.backoff });
  const timeoutMs = options.timeoutMs ?? 15_000;
  const log = options.logger;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    const address = options.controllers[attempt % options.controllers.length]!;
    try {
      const caPem = await fetchPinnedCa(address, token.caFingerprint, timeoutMs);
      const response = await unary(
        'enroll',
        address,
        serverAuthenticated(caPem),
        { token: options.token, csrPem },
        timeoutMs,
      );
      const identity = checked(
        { keyPem, certPem: response.certificatePem, caPem: response.caCertificatePem },
        options.name,
      );
      if (!caFingerprint(identity.caPem).equals(token.caFingerprint))
        throw new EnrollError(
          `the controller at ${address} answered with another CA than the token pins`,
          undefined,
          { final: true },
        );
      await saveIdentity(options.stateDir, identity);
      log.info(
        { address, serial: identity.serial, notAfter: identity.notAfter, labels: response.labels },
        'enrolled',
      );
      return identity;
    } catch (err) {
      if (err instanceof EnrollError && err.final) throw err;
      const retryInMs = backoff.next();
      log.warn({ address, error: (err as Error).message, retryInMs }, 'enrollment attempt failed');
      await pause(retryInMs, options.signal);
    }
  }
}

/** A certificate the controller issued must be for our key, our name, and signed by its CA. */
export function checked(
  pems: { keyPem: string; certPem: string; caPem: string },
  name: string,
): AgentIdentity {
  let identity: AgentIdentity;
  try {
    identity = readIdentity(pems);
  } catch (err) {
    throw new EnrollError(
      `the controller answered with an unusable certificate: ${(err as Error).message}`,
      undefined,
      {
        final: true,
      },
    );
  }
  if (identity.name !== name)
    throw new EnrollError(
      `the controller issued a certificate for "${identity.name}", not "${name}"`,
      undefined,
      {
        final: true,
      },
    );
  return identity;
}

export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

type X509Module = typeof X509;

/** The X.509 library costs about 20 MiB of memory: loaded only when a key and CSR are made. */
function loadX509(): Promise<X509Module> {
  return import('../tls/x509.js');
}
