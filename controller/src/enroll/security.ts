import type { Logger } from '@portwarden/common/logger';

/**
 * One refused attempt to reach the controller as an agent. Never holds a token or a key: a token
 * is named by its id (a prefix of its hash), a certificate by its serial.
 */
export interface SecurityEvent {
  /** Stable code: `no-valid-client-certificate`, `certificate-revoked`, `token-used`, ... */
  reason: string;
  /** The gRPC method, for example `/portwarden.agent.v1.AgentService/Connect`. */
  method?: string;
  peer?: string;
  /** The agent the certificate names. */
  agent?: string;
  /** The name the peer claimed, when it differs from its certificate. */
  claimed?: string;
  serial?: string;
  tokenId?: string;
}

export type SecurityLog = (event: SecurityEvent, message: string) => void;

/** Security events are one warn line each, `event: 'security'`, from the `security` component. */
export function securityLog(logger: Logger): SecurityLog {
  const log = logger.child({ component: 'security' });
  return (event, message) => log.warn({ event: 'security', ...event }, message);
}
