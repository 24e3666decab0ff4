import { status, type handleUnaryCall, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  formatEnrollmentToken,
  formatFingerprint,
  newTokenSecret,
  parseEnrollmentToken,
  tokenHash,
  tokenId,
} from '@portwarden/common/enrollment-token';
import { PortwardenError } from '@portwarden/common/errors';
import type { Labels } from '@portwarden/common/labels';
import type { Logger } from '@portwarden/common/logger';
import type { EnrollRequest, EnrollResponse, RenewRequest, RenewResponse } from '@portwarden/proto/agent/v1';
import { CsrError, type CertificateAuthority } from '../ca/authority.js';
import { identityOf } from '../ca/identity.js';
import { TOKEN_PROBLEMS } from '../grpc/guard.js';
import { EnrollRefusedError, type CertificateRecord, type TokenRecord } from '../store/enrollment.js';
import type { SecurityLog } from './security.js';

/** Agent certificates live this long unless configured otherwise; agents renew after two thirds. */
export const DEFAULT_AGENT_CERT_TTL_MS = 30 * 86_400_000;
/** Enrollment tokens are short-lived: an hour unless asked otherwise, a week at most. */
export const DEFAULT_TOKEN_TTL_MS = 3_600_000;
export const MAX_TOKEN_TTL_MS = 7 * 86_400_000;

/** The controller runs with --insecure: there is no CA to enroll agents with. */
export class EnrollmentDisabledError extends PortwardenError {
  constructor() {
    super(
      'enrollment-disabled',
      'this controller runs without TLS (--insecure): it has no CA, so it creates no tokens and revokes no certificates',
      'start the controller with --ca-key-file (or PORTWARDEN_CA_KEY)',
    );
  }
}

export interface CreatedToken {
  /** The token itself: shown once, never stored. */
  token: string;
  id: string;
  labels: Labels;
  expiresAt: Date;
  /** `sha256:...` of the CA certificate the token pins. */
  caFingerprint: string;
}

/** What enrollment records; store/enrollment.ts. */
export interface EnrollmentServiceStore {
  createToken(token: { id: string; hash: Buffer; labels: Labels; expiresAt: Date }): Promise<TokenRecord>;
  /** Uses the token up and records the certificate; throws EnrollRefusedError when it may not. */
  enroll(hash: Buffer, certificate: CertificateRecord): Promise<{ tokenId: string; labels: Labels }>;
  recordRenewal(certificate: CertificateRecord): Promise<void>;
}

export interface EnrollmentServiceDeps {
  authority: CertificateAuthority;
  store: EnrollmentServiceStore;
  security: SecurityLog;
  logger: Logger;
  /** @default 30 days */
  agentCertTtlMs?: number;
}

/** Tokens, the Enroll and Renew calls, and the certificates they issue. */
export function createEnrollmentService(deps: EnrollmentServiceDeps) {
  const log = deps.logger.child({ component: 'enroll' });
  const ttlMs = deps.agentCertTtlMs ?? DEFAULT_AGENT_CERT_TTL_MS;
  const caPem = deps.authority.certPem;

  const enroll: handleUnaryCall<EnrollRequest, EnrollResponse> = (call, callback) => {
    const reply = replier(call, callback, log, deps.security);
    void (async () => {
      const secret = parseEnrollmentToken(call.request.token).secret;
      const cert = await deps.authority.issueAgent(call.request.csrPem, ttlMs);
      const { tokenId: id, labels } = await deps.store.enroll(tokenHash(secret), cert);
      log.info(
        { agent: cert.name, tokenId: id, serial: cert.serial, notAfter: cert.notAfter, labels },
        'agent enrolled',
      );
      return { certificatePem: cert.certPem, caCertificatePem: caPem, labels };
    })().then(reply.ok, reply.fail);
  };

  const renew: handleUnaryCall<RenewRequest, RenewResponse> = (call, callback) => {
    const reply = replier(call, callback, log, deps.security);
    void (async () => {
      const cert = call.getAuthContext().sslPeerCertificate;
      const identity = cert && identityOf(cert);
      // The guard admits Renew only with a verified agent certificate; this cannot happen.
      if (!identity) throw new Error('Renew reached its handler without an agent certificate');
      const issued = await deps.authority.issueAgent(call.request.csrPem, ttlMs, identity.name);
      await deps.store.recordRenewal(issued);
      log.info(
        { agent: issued.name, serial: issued.serial, previous: identity.serial, notAfter: issued.notAfter },
        'certificate renewed',
      );
      return { certificatePem: issued.certPem, caCertificatePem: caPem };
    })().then(reply.ok, reply.fail);
  };

  return {
    enroll,
    renew,
    caFingerprint: deps.authority.fingerprint,

    async createToken(request: { labels: Labels; ttlMs?: number }): Promise<CreatedToken> {
      const secret = newTokenSecret();
      const expiresAt = new Date(Date.now() + (request.ttlMs ?? DEFAULT_TOKEN_TTL_MS));
      const record: TokenRecord = await deps.store.createToken({
        id: tokenId(secret),
        hash: tokenHash(secret),
        labels: request.labels,
        expiresAt,
      });
      log.info(
        { tokenId: record.id, labels: record.labels, expiresAt: record.expiresAt },
        'enrollment token created',
      );
      return {
        token: formatEnrollmentToken({ secret, caFingerprint: deps.authority.fingerprint }),
        id: record.id,
        labels: record.labels,
        expiresAt: record.expiresAt,
        caFingerprint: formatFingerprint(deps.authority.fingerprint),
      };
    },
  };
}

/** Turns the outcome of a unary handler into its answer; refusals become statuses with a reason. */
function replier<Req, Res>(
  call: ServerUnaryCall<Req, Res>,
  callback: sendUnaryData<Res>,
  log: Logger,
  security: SecurityLog,
) {
  const method = call.getPath();
  const peer = call.getPeer();
  return {
    ok: (value: Res) => callback(null, value),
    fail: (err: unknown) => {
      if (err instanceof EnrollRefusedError) {
        const details =
          err.reason === 'agent-enrolled'
            ? 'an agent of this name is enrolled and holds a valid certificate; revoke it first (portwarden agents revoke NAME) to enroll it again'
            : TOKEN_PROBLEMS[err.reason];
        security({ reason: err.reason, method, peer, ...(err.tokenId && { tokenId: err.tokenId }) }, details);
        const code = err.reason === 'agent-enrolled' ? status.ALREADY_EXISTS : status.UNAUTHENTICATED;
        return callback({ code, details });
      }
      if (err instanceof CsrError) return callback({ code: status.INVALID_ARGUMENT, details: err.message });
      if (err instanceof PortwardenError)
        return callback({ code: status.INVALID_ARGUMENT, details: err.message });
      log.error({ err, method, peer }, 'enrollment failed');
      callback({ code: status.UNAVAILABLE, details: 'the controller could not issue a certificate; retry' });
    },
  };
}
