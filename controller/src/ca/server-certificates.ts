import type { experimental } from '@grpc/grpc-js';
import type { Logger } from '@portwarden/common/logger';
import type { CertificateAuthority } from './authority.js';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** The gRPC server certificate lives this long and is replaced after two thirds of it. */
export const SERVER_CERT_TTL_MS = 90 * 86_400_000;
/** setTimeout's longest delay; a later renewal re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The gRPC server's TLS material for grpc-js: the CA that client certificates must chain to, and
 * the server's own certificate and key, issued by that CA at start and again before it expires.
 * grpc-js swaps the secure context in place when it changes; open streams are not touched.
 */
export class ServerCertificates implements CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private identity: { certificate: Buffer; privateKey: Buffer } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly caCertificate: Buffer;

  constructor(
    private readonly authority: CertificateAuthority,
    private readonly names: string[],
    private readonly log: Logger,
    private readonly ttlMs = SERVER_CERT_TTL_MS,
  ) {
    this.caCertificate = Buffer.from(authority.certPem);
  }

  /** Issues the first certificate; call before the server binds. */
  async start(): Promise<void> {
    await this.renew();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The certificate in force (its chain, then the CA) and its key, PEM; undefined before start. */
  get current(): { cert: string; key: string } | undefined {
    return (
      this.identity && { cert: String(this.identity.certificate), key: String(this.identity.privateKey) }
    );
  }

  // grpc-js registers its own watcher only after adding these listeners: an answer given at once
  // would reach nobody, and the server would drop every connection. Answer on the next microtask.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener({ caCertificate: this.caCertificate });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identity && this.identityListeners.has(listener)) listener(this.identity);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private async renew(): Promise<void> {
    const issued = await this.authority.issueServer(this.names, this.ttlMs);
    this.identity = { certificate: Buffer.from(issued.chainPem), privateKey: Buffer.from(issued.keyPem) };
    for (const listener of this.identityListeners) listener(this.identity);
    this.log.info({ names: this.names, notAfter: issued.notAfter }, 'gRPC server certificate issued');
    const renewAt =
      issued.notBefore.getTime() + ((issued.notAfter.getTime() - issued.notBefore.getTime()) * 2) / 3;
    this.schedule(renewAt);
  }

  private schedule(at: number): void {
    const delay = at - Date.now();
    this.timer = setTimeout(
      () => {
        if (Date.now() < at) return this.schedule(at);
        this.renew().catch((err: unknown) => {
          this.log.error({ err }, 'cannot renew the gRPC server certificate; retrying in a minute');
          this.schedule(Date.now() + 60_000);
        });
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    this.timer.unref();
  }
}
