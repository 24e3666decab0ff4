import type { Logger } from '@portwarden/common/logger';
import type * as X509 from './x509.js';
import { checked } from '../enroll/enroll.js';
import { EnrollError } from '../enroll/errors.js';
import { mutual, unary } from '../enroll/rpc.js';
import { createBackoff } from '../link/backoff.js';
import { caFingerprint, renewAt, saveIdentity, type AgentIdentity } from './identity.js';

export interface RenewerOptions {
  identity: AgentIdentity;
  controllers: string[];
  stateDir: string;
  logger: Logger;
  /** The new identity is on disk: streams opened from now on use it. */
  onRenewed(identity: AgentIdentity): void;
  /** Each attempt's time limit. @default 15_000 */
  timeoutMs?: number;
}

/** setTimeout's longest delay; a later moment re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Renews the agent's certificate two thirds into its life, through the Renew call authenticated
 * by the current one, with a new key each time. Failures retry with backoff (5 s doubling to
 * 10 min) through the next controller address, for as long as the current certificate lasts
 * and after: an expired one is refused, and the log says to enroll again.
 */
export function createRenewer(options: RenewerOptions) {
  const log = options.logger;
  const backoff = createBackoff({ initialMs: 5_000, maxMs: 600_000 });
  let current = options.identity;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let attempt = 0;

  const schedule = (at: number) => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        if (Date.now() < at) return schedule(at);
        running = renew();
      },
      Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS),
    );
    timer.unref();
  };

  const renew = async () => {
    const address = options.controllers[attempt++ % options.controllers.length]!;
    try {
      const { keyPem, csrPem } = await (await loadX509()).newKeyAndCsr(current.name);
      const response = await unary(
        'renew',
        address,
        mutual(current),
        { csrPem },
        options.timeoutMs ?? 15_000,
      );
      const next = checked(
        { keyPem, certPem: response.certificatePem, caPem: response.caCertificatePem },
        current.name,
      );
      if (!caFingerprint(next.caPem).equals(caFingerprint(current.caPem)))
        throw new EnrollError(
          'the controller renewed the certificate under another CA; refusing it',
          undefined,
          { final: true },
        );
      if (stopped) return;
      await saveIdentity(options.stateDir, next);
      log.info(
        { address, serial: next.serial, previous: current.serial, notAfter: next.notAfter },
        'certificate renewed',
      );
      current = next;
      backoff.reset();
      options.onRenewed(next);
      schedule(renewAt(next).getTime());
    } catch (err) {
      const retryInMs = backoff.next();
      const expired = current.notAfter.getTime() <= Date.now();
      log[expired || (err instanceof EnrollError && err.final) ? 'error' : 'warn'](
        {
          address,
          error: (err as Error).message,
          retryInMs,
          notAfter: current.notAfter,
          ...(expired && { hint: 'the certificate has expired: enroll the agent again with a new token' }),
        },
        'cannot renew the certificate',
      );
      schedule(Date.now() + retryInMs);
    }
  };

  return {
    start(): void {
      log.info(
        { serial: current.serial, notAfter: current.notAfter, renewAt: renewAt(current) },
        'certificate loaded',
      );
      schedule(renewAt(current).getTime());
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    get identity(): AgentIdentity {
      return current;
    },
  };
}

type X509Module = typeof X509;

/** The X.509 library costs about 20 MiB of memory: loaded only when a key and CSR are made. */
function loadX509(): Promise<X509Module> {
  return import('./x509.js');
}
