import {
  Metadata,
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerListener,
} from '@grpc/grpc-js';
import { parseEnrollmentToken, tokenHash } from '@portwarden/common/enrollment-token';
import type { Labels } from '@portwarden/common/labels';
import type { Logger } from '@portwarden/common/logger';
import { AgentServiceService, type ConnectRequest, type EnrollRequest } from '@portwarden/proto/agent/v1';
import { identityOf, type PeerIdentity } from '../ca/identity.js';
import type { RateLimiter } from '../enroll/rate-limit.js';
import type { SecurityEvent, SecurityLog } from '../enroll/security.js';
import type { CertificateStatus, TokenProblem } from '../store/enrollment.js';
import { Undecodable } from './decode.js';
import type { StreamTracker } from './streams.js';

/** What the guard looks up about certificates, tokens and identities; store/enrollment.ts. */
export interface GuardStore {
  certificateStatus(serial: string): Promise<CertificateStatus | undefined>;
  /** What is wrong with a token, if anything, without using it up. */
  tokenProblem(hash: Buffer): Promise<{ id?: string; problem?: TokenProblem }>;
  /** The labels the agent enrolled with. */
  labels(name: string): Promise<Labels | undefined>;
}

/** What the guard needs when the server speaks TLS; without it the server is plaintext (--insecure). */
export interface GuardTls {
  store: GuardStore;
  /** SHA-256 of the CA certificate: a token that pins another CA is refused. */
  caFingerprint: Buffer;
}

export interface GuardDeps {
  tls?: GuardTls;
  streams: StreamTracker;
  /** Enroll attempts per peer IP. */
  enrollLimiter: RateLimiter;
  /** Renew calls per agent. */
  renewLimiter: RateLimiter;
  security: SecurityLog;
  logger: Logger;
}

/** A refusal: the status the peer gets, and the security event logged for it (none for plain misuse). */
interface Refusal {
  code: status;
  details: string;
  event?: SecurityEvent;
}

type Admitted = { identity?: PeerIdentity; release?: () => void };

const METHODS = new Map<string, 'connect' | 'enroll' | 'renew'>([
  [AgentServiceService.connect.path, 'connect'],
  [AgentServiceService.enroll.path, 'enroll'],
  [AgentServiceService.renew.path, 'renew'],
]);

const NO_CERTIFICATE =
  'a client certificate signed by this controller and still valid is required; enroll the agent with --enroll-token';

/**
 * The server interceptor in front of AgentService: every refusal here happens before a handler
 * runs, and each one an attacker could cause is logged as a security event.
 *
 * - Connect and Renew (TLS): a client certificate verified against the CA by the TLS layer, that
 *   names an agent, is on record and not revoked. Connect's first message must be a hello with
 *   the certificate's name; its labels are replaced by the ones the agent enrolled with.
 * - Connect: at most `perIp` streams per peer address and `perIdentity` per agent.
 * - Enroll: a token bucket per peer address; a token that is well formed, pins this CA, exists,
 *   is unused and unexpired (the handler then uses it up in a transaction).
 * - Every message: one the deserializer could not read (grpc/decode.ts) ends the call with
 *   INVALID_ARGUMENT.
 * - Other services (health, reflection) pass untouched.
 */
export function createGuard(deps: GuardDeps): ServerInterceptor {
  return (method, call) => {
    const kind = METHODS.get(method.path);
    if (!kind) return new ServerInterceptingCall(call);
    const peer = call.getPeer();
    let release = () => {};
    let identity: PeerIdentity | undefined;
    let first = true;
    /** A status has been sent, or the peer went away: nothing more goes to the handler. */
    let done = false;
    const intercepting: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) => next(listener),
      sendStatus: (sent, next) => {
        release();
        next(sent);
      },
    });
    const refuse = (refusal: Refusal) => {
      if (done) return;
      done = true;
      if (refusal.event) deps.security({ ...refusal.event, method: method.path, peer }, refusal.details);
      intercepting.sendStatus({ code: refusal.code, details: refusal.details, metadata: new Metadata() });
    };
    const failed = (err: unknown) => {
      deps.logger.error({ err, method: method.path, peer }, 'cannot check the caller');
      refuse({
        code: status.UNAVAILABLE,
        details: 'the controller cannot check credentials right now; retry',
      });
    };
    const listener: ServerListener = {
      onReceiveMetadata: (metadata, next) => {
        admit(kind, call, deps).then((result) => {
          if ('code' in result) return refuse(result);
          if (done) return result.release?.();
          identity = result.identity;
          release = result.release ?? release;
          next(metadata);
        }, failed);
      },
      onReceiveMessage: (message, next) => {
        if (message instanceof Undecodable) {
          deps.logger.warn({ method: method.path, peer, err: message.details }, 'undecodable message');
          return refuse({ code: status.INVALID_ARGUMENT, details: message.details });
        }
        if (!first || kind === 'renew') return next(message);
        first = false;
        const check =
          kind === 'enroll'
            ? checkToken(message as EnrollRequest, deps).then((r) => r ?? message)
            : checkHello(message as ConnectRequest, identity, deps);
        check.then((result) => {
          if ('code' in result) refuse(result);
          else if (!done) next(result);
        }, failed);
      },
      onCancel: () => {
        done = true;
        release();
      },
    };
    return intercepting;
  };
}

/** Checks made on the call's headers and connection, before its handler starts. */
async function admit(
  kind: 'connect' | 'enroll' | 'renew',
  call: ServerInterceptingCallInterface,
  deps: GuardDeps,
): Promise<Admitted | Refusal> {
  const ip = peerIp(call);
  if (kind === 'enroll') {
    if (!deps.tls)
      return {
        code: status.FAILED_PRECONDITION,
        details:
          'this controller runs without TLS (--insecure), so it enrolls no agents; start it with --ca-key-file',
      };
    const waitMs = deps.enrollLimiter.take(ip);
    if (waitMs > 0)
      return {
        code: status.RESOURCE_EXHAUSTED,
        details: `too many enrollment attempts from ${ip}; retry in ${Math.ceil(waitMs / 1000)} s`,
        event: { reason: 'enroll-rate-limited' },
      };
    return {};
  }
  const identity = deps.tls ? await checkCertificate(call, deps.tls) : undefined;
  if (identity && 'code' in identity) return identity;
  if (kind === 'renew') {
    if (!identity)
      return { code: status.FAILED_PRECONDITION, details: 'this controller runs without TLS (--insecure)' };
    const waitMs = deps.renewLimiter.take(identity.name);
    if (waitMs > 0)
      return {
        code: status.RESOURCE_EXHAUSTED,
        details: `too many renewals for agent ${identity.name}; retry in ${Math.ceil(waitMs / 1000)} s`,
        event: { reason: 'renew-rate-limited', agent: identity.name, serial: identity.serial },
      };
    return { identity };
  }
  const stream = deps.streams.acquire(ip, identity);
  if ('refused' in stream)
    return stream.refused === 'ip'
      ? {
          code: status.RESOURCE_EXHAUSTED,
          details: `too many streams from ${ip}`,
          event: { reason: 'too-many-streams-from-ip' },
        }
      : {
          code: status.RESOURCE_EXHAUSTED,
          details: `too many streams for agent ${identity!.name}`,
          event: { reason: 'too-many-streams-for-agent', agent: identity!.name, serial: identity!.serial },
        };
  return { identity, release: stream.release };
}

/** The TLS layer has verified the chain and the dates; here: an agent certificate, on record, not revoked. */
async function checkCertificate(
  call: ServerInterceptingCallInterface,
  tls: GuardTls,
): Promise<PeerIdentity | Refusal> {
  const cert = call.getAuthContext().sslPeerCertificate;
  // grpc-js reports a certificate only when the TLS layer authorized it: none, one from another CA
  // and an expired one all arrive here as no certificate.
  if (!cert)
    return {
      code: status.UNAUTHENTICATED,
      details: NO_CERTIFICATE,
      event: { reason: 'no-valid-client-certificate' },
    };
  const identity = identityOf(cert);
  if (!identity)
    return {
      code: status.UNAUTHENTICATED,
      details: 'the client certificate names no agent',
      event: { reason: 'not-an-agent-certificate', serial: cert.serialNumber },
    };
  const record = await tls.store.certificateStatus(identity.serial);
  const event = { agent: identity.name, serial: identity.serial };
  if (!record || record.agentName !== identity.name)
    return {
      code: status.UNAUTHENTICATED,
      details: 'this certificate is not on record',
      event: { reason: 'certificate-unknown', ...event },
    };
  if (record.revokedAt)
    return {
      code: status.UNAUTHENTICATED,
      details: `the certificate of agent ${identity.name} is revoked; enroll it again with a new token`,
      event: { reason: 'certificate-revoked', ...event },
    };
  return identity;
}

/** With TLS, a stream speaks for its certificate only: hello.name must be that name, labels are the enrolled ones. */
async function checkHello(
  message: ConnectRequest,
  identity: PeerIdentity | undefined,
  deps: GuardDeps,
): Promise<ConnectRequest | Refusal> {
  const body = message.body;
  if (!identity || !deps.tls || body?.$case !== 'hello') return message;
  if (body.value.name !== identity.name)
    return {
      code: status.PERMISSION_DENIED,
      details: `this certificate is agent "${identity.name}"; it cannot speak as "${body.value.name.slice(0, 64)}"`,
      event: {
        reason: 'hello-name-mismatch',
        agent: identity.name,
        claimed: body.value.name.slice(0, 128),
        serial: identity.serial,
      },
    };
  const labels: Labels = (await deps.tls.store.labels(identity.name)) ?? {};
  return { body: { $case: 'hello', value: { ...body.value, labels } } };
}

/** The token's own checks: the handler repeats them in the transaction that uses it up. */
async function checkToken(request: EnrollRequest, deps: GuardDeps): Promise<Refusal | undefined> {
  const tls = deps.tls!;
  let token;
  try {
    token = parseEnrollmentToken(request.token);
  } catch {
    return {
      code: status.UNAUTHENTICATED,
      details: 'the enrollment token is malformed',
      event: { reason: 'token-malformed' },
    };
  }
  if (!token.caFingerprint.equals(tls.caFingerprint))
    return {
      code: status.UNAUTHENTICATED,
      details: 'the enrollment token was made for another controller (its CA fingerprint differs)',
      event: { reason: 'token-other-ca' },
    };
  const { id, problem } = await tls.store.tokenProblem(tokenHash(token.secret));
  if (!problem) return undefined;
  return {
    code: status.UNAUTHENTICATED,
    details: TOKEN_PROBLEMS[problem],
    event: { reason: problem, ...(id && { tokenId: id }) },
  };
}

export const TOKEN_PROBLEMS = {
  'token-unknown':
    'the enrollment token is not known to this controller; create one with `portwarden token create`',
  'token-used': 'the enrollment token was already used; each token enrolls one agent: create another',
  'token-expired': 'the enrollment token has expired; create another with `portwarden token create`',
} as const;

/** The peer's IP address, an IPv4-mapped IPv6 address written as IPv4. */
function peerIp(call: ServerInterceptingCallInterface): string {
  const address = call.getConnectionInfo().remoteAddress ?? call.getPeer();
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
