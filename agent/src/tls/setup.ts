import path from 'node:path';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { ConfigError } from '@portwarden/common/errors';
import type { Logger } from '@portwarden/common/logger';
import { enroll } from '../enroll/enroll.js';
import { mutual } from '../enroll/rpc.js';
import { loadIdentity, TLS_DIR } from './identity.js';
import { createRenewer } from './renew.js';

export interface AgentTlsOptions {
  /**
   * A token from `portwarden token create`. Used only when the state directory holds no
   * certificate yet (or an expired one); once enrolled, the agent ignores it.
   */
  enrollToken?: string;
}

export interface LinkSecurity {
  /** The credentials for the next stream: the current certificate. */
  credentials(): ChannelCredentials;
  stop(): Promise<void>;
}

/**
 * Mutual TLS for the link: the identity in `<stateDir>/tls`, enrolled first when there is none,
 * then renewed in the background.
 */
export async function prepareLinkSecurity(options: {
  tls: AgentTlsOptions;
  controllers: string[];
  name: string;
  stateDir: string;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<LinkSecurity> {
  const log = options.logger;
  const dir = path.join(options.stateDir, TLS_DIR);
  let identity = await loadIdentity(options.stateDir);
  if (identity && identity.name !== options.name)
    throw new ConfigError(
      `the certificate in ${dir} is for agent "${identity.name}", not "${options.name}"`,
      `run with --name ${identity.name}, or revoke it (portwarden agents revoke ${identity.name}), remove ${dir} and enroll again`,
    );
  const expired = identity && identity.notAfter.getTime() <= Date.now();
  if (expired && options.tls.enrollToken) {
    log.warn({ notAfter: identity!.notAfter }, 'the certificate has expired; enrolling again with the token');
    identity = undefined;
  } else if (expired) {
    // Monitoring goes on offline; the link is refused until someone enrolls the agent again.
    log.error(
      { notAfter: identity!.notAfter },
      'the certificate has expired: the controller will refuse this agent; enroll it again with --enroll-token',
    );
  } else if (identity && options.tls.enrollToken) {
    log.info({ serial: identity.serial }, 'already enrolled; the enrollment token is not used');
  }
  if (!identity) {
    if (!options.tls.enrollToken)
      throw new ConfigError(
        `this agent is not enrolled: ${dir} holds no certificate`,
        'create a token with `portwarden token create --label role=...` and pass it with --enroll-token (or PORTWARDEN_ENROLL_TOKEN)',
      );
    identity = await enroll({ ...options, token: options.tls.enrollToken });
  }
  let credentials = mutual(identity);
  const renewer = createRenewer({
    identity,
    controllers: options.controllers,
    stateDir: options.stateDir,
    logger: log,
    onRenewed: (next) => (credentials = mutual(next)),
  });
  renewer.start();
  return { credentials: () => credentials, stop: () => renewer.stop() };
}
