import type { Logger } from '@portwarden/common/logger';
import type { AgentServiceServer } from '@portwarden/proto/agent/v1';
import type { EnrollmentAccess } from '../api/enrollment-routes.js';
import { openAuthority, type CaStore } from '../ca/open.js';
import { ServerCertificates } from '../ca/server-certificates.js';
import type { GuardStore, GuardTls } from '../grpc/guard.js';
import type { SessionRegistry } from '../grpc/session.js';
import type { StreamTracker } from '../grpc/streams.js';
import type { ResolvedTls } from '../options.js';
import type { ReplicaBus } from '../replicas/bus.js';
import { createRevocation, type RevocationStore } from './revocation.js';
import type { SecurityLog } from './security.js';
import { createEnrollmentService, EnrollmentDisabledError, type EnrollmentServiceStore } from './service.js';

export interface SecurityDeps {
  tls: ResolvedTls;
  caStore: CaStore;
  store: EnrollmentServiceStore & RevocationStore & GuardStore;
  registry: SessionRegistry;
  streams: StreamTracker;
  security: SecurityLog;
  logger: Logger;
  revocationSweepMs?: number;
  /** Revocations made on other replicas, heard at once. */
  bus?: Pick<ReplicaBus, 'on'>;
}

/** Mutual TLS and enrollment, whole: only a controller with a CA has any of it. */
export interface Security {
  /** The gRPC server's certificate, and the CA client certificates must chain to. */
  certificates: ServerCertificates;
  /** The guard's TLS checks. */
  guard: GuardTls;
  /** The Enroll and Renew calls. */
  handlers: Pick<AgentServiceServer, 'enroll' | 'renew'>;
  /** Tokens and revocation, for the HTTP API. */
  access: EnrollmentAccess;
  stop(): Promise<void>;
}

/**
 * Opens the CA (created in PostgreSQL by the first replica to start), issues the server
 * certificate and starts the revocation sweep.
 */
export async function openSecurity(deps: SecurityDeps): Promise<Security> {
  const log = deps.logger.child({ component: 'ca' });
  const authority = await openAuthority(deps.caStore, deps.tls.secret, log);
  const certificates = new ServerCertificates(authority, deps.tls.names, log);
  await certificates.start();
  const { store, security, logger } = deps;
  const enrollment = createEnrollmentService({
    authority,
    store,
    security,
    logger,
    agentCertTtlMs: deps.tls.agentCertTtlMs,
  });
  const revocation = createRevocation({ ...deps, sweepMs: deps.revocationSweepMs });
  revocation.start();
  return {
    certificates,
    guard: { store, caFingerprint: enrollment.caFingerprint },
    handlers: { enroll: enrollment.enroll, renew: enrollment.renew },
    access: { createToken: enrollment.createToken, revoke: revocation.revoke },
    async stop() {
      await revocation.stop();
      certificates.stop();
    },
  };
}

/** What the enrollment routes get on a controller without TLS (--insecure). */
export const ENROLLMENT_OFF: EnrollmentAccess = {
  createToken: () => Promise.reject(new EnrollmentDisabledError()),
  revoke: () => Promise.reject(new EnrollmentDisabledError()),
};
