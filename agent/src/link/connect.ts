import os from 'node:os';
import type { Hello } from '@portwarden/proto/agent/v1';
import type { AgentSettings } from '../options.js';
import { AGENT_VERSION, osFamily } from '../platform.js';
import type { AgentTlsOptions, LinkSecurity } from '../tls/setup.js';
import { createLink, type Link, type LinkOptions } from './link.js';

/** What the link needs of the rest of the agent. */
export interface ConnectDeps extends Pick<LinkOptions, 'spool' | 'applyConfig' | 'runTest'> {
  /** The revision of the config being run, said in each hello. */
  revision(): number;
}

type ConnectSettings = Pick<
  AgentSettings,
  | 'controllers'
  | 'name'
  | 'labels'
  | 'stateDir'
  | 'logger'
  | 'tls'
  | 'keepalive'
  | 'heartbeatMs'
  | 'reconnect'
  | 'drainMs'
  | 'onConnect'
>;

/** The link to the controller and, with TLS, the identity it presents. */
export interface Connection {
  readonly link: Link;
  /** Stops renewing the certificate, waits up to `drainMs` for the spool's acks, ends the stream. */
  stop(): Promise<void>;
}

/**
 * Connects to the controller, over mutual TLS when `tls` is set: the identity in the state
 * directory, enrolled first when there is none (aborted by `signal`), then renewed in the
 * background. Built whole or not at all.
 */
export async function connect(
  settings: ConnectSettings,
  deps: ConnectDeps,
  signal: AbortSignal,
): Promise<Connection> {
  const log = settings.logger;
  const security = settings.tls && (await secure(settings, settings.tls, signal));
  const link = createLink({
    controllers: settings.controllers,
    credentials: security?.credentials,
    keepalive: settings.keepalive,
    hello: () => hello(settings, deps.revision()),
    spool: deps.spool,
    applyConfig: deps.applyConfig,
    heartbeatMs: settings.heartbeatMs,
    backoff: settings.reconnect,
    logger: log.child({ component: 'link' }),
    onConnect: settings.onConnect,
    runTest: deps.runTest,
  });
  link.start();
  return {
    link,
    async stop() {
      await security?.stop();
      await link.stop(settings.drainMs);
    },
  };
}

async function secure(
  settings: ConnectSettings,
  tls: AgentTlsOptions,
  signal: AbortSignal,
): Promise<LinkSecurity> {
  // Loaded only with TLS: plaintext (loopback) agents never pay for the PKI code.
  const { prepareLinkSecurity } = await import('../tls/setup.js');
  return prepareLinkSecurity({
    tls,
    controllers: settings.controllers,
    name: settings.name,
    stateDir: settings.stateDir,
    logger: settings.logger.child({ component: 'tls' }),
    signal,
  });
}

function hello(settings: ConnectSettings, revision: number): Hello {
  return {
    name: settings.name,
    labels: settings.labels,
    os: osFamily(),
    agentVersion: AGENT_VERSION,
    configRevision: revision,
    hostname: os.hostname(),
  };
}
