import { status } from '@grpc/grpc-js';
import type { Logger } from '@portwarden/common/logger';
import type { SessionRegistry } from '../grpc/session.js';
import type { StreamTracker } from '../grpc/streams.js';
import type { ReplicaBus } from '../replicas/bus.js';
import { CHANNELS } from '../replicas/channels.js';

/** What revocation changes and reads; store/enrollment.ts. */
export interface RevocationStore {
  /** Revokes every certificate of the agent; undefined when no agent of that name ever enrolled. */
  revoke(name: string): Promise<{ certificates: number } | undefined>;
  /** Which of these serials are revoked (or unknown). */
  notAccepted(serials: string[]): Promise<string[]>;
}

export interface RevocationDeps {
  store: RevocationStore;
  registry: SessionRegistry;
  streams: StreamTracker;
  logger: Logger;
  /** How often open streams are checked against revocations made on other replicas. @default 5000 */
  sweepMs?: number;
  /** A revocation on any replica is NOTIFYed (a trigger, migration 0016): sweep at once then. */
  bus?: Pick<ReplicaBus, 'on'>;
}

/**
 * `portwarden agents revoke NAME`: every certificate of the agent is refused from now on (the
 * guard checks each new stream), and its open stream closes: at once on this replica, as soon as
 * the NOTIFY arrives on the others, and within one sweep on a replica that missed it.
 */
export function createRevocation(deps: RevocationDeps) {
  const log = deps.logger.child({ component: 'enroll' });
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void) | undefined;

  const close = (name: string): boolean => {
    const session = deps.registry.sessions.get(name);
    session?.close(status.UNAUTHENTICATED, `the certificate of agent ${name} is revoked`);
    return session !== undefined;
  };

  const sweep = async () => {
    const open = deps.streams.identities();
    const refused = new Set(await deps.store.notAccepted(open.map((i) => i.serial)));
    for (const identity of open)
      if (refused.has(identity.serial) && close(identity.name))
        log.warn(
          { agent: identity.name, serial: identity.serial },
          'closed the stream of a revoked certificate',
        );
  };

  return {
    /** Undefined when no agent of that name ever enrolled. */
    async revoke(name: string): Promise<{ certificates: number; closedStream: boolean } | undefined> {
      const revoked = await deps.store.revoke(name);
      if (!revoked) return undefined;
      const closedStream = close(name);
      log.warn({ agent: name, certificates: revoked.certificates, closedStream }, 'agent revoked');
      return { ...revoked, closedStream };
    },

    start(): void {
      const sweepSoon = () => {
        sweeping = sweeping
          .then(sweep)
          .catch((err: unknown) => log.error({ err }, 'revocation sweep failed'));
      };
      timer = setInterval(sweepSoon, deps.sweepMs ?? 5_000);
      timer.unref();
      unsubscribe = deps.bus?.on(CHANNELS.revoked, sweepSoon);
    },

    async stop(): Promise<void> {
      clearInterval(timer);
      unsubscribe?.();
      await sweeping;
    },
  };
}
