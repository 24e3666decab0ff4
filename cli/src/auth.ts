import { readFileSync } from 'node:fs';
import { quickstartAdminTokenFile } from '@portwarden/common/quickstart-paths';
import { DEFAULT_URL } from './client.js';
import type { Context } from './config.js';

/** Where the CLI looks for the controller and its credentials, strongest first. */
export interface TargetSources {
  /** --url, --token */
  flags: { url?: string; token?: string };
  /** PORTWARDEN_URL, PORTWARDEN_TOKEN */
  env: NodeJS.ProcessEnv;
  /** The config's context in use (portwarden login wrote it). */
  context?: Context;
  /** The quick start's admin token, asked for only against the quick start's own URL. */
  quickstartToken: () => string | undefined;
}

/** The controller to talk to, the token to send it, and the certificate to insist on. */
export interface Target {
  url: string;
  token?: string;
  caFingerprint?: string;
}

/**
 * flags > env > the config's context > quick start discovery > the default URL. A token or a pin
 * goes only to the URL it came with: --url elsewhere does not get the context's token.
 */
export function resolveTarget({ flags, env, context, quickstartToken }: TargetSources): Target {
  const url = flags.url || env.PORTWARDEN_URL || context?.url || DEFAULT_URL;
  const own = context && sameOrigin(context.url, url) ? context : undefined;
  const token =
    flags.token ||
    env.PORTWARDEN_TOKEN ||
    own?.token ||
    (sameOrigin(url, DEFAULT_URL) ? quickstartToken() : undefined);
  return { url, ...(token && { token }), ...(own?.caFingerprint && { caFingerprint: own.caFingerprint }) };
}

const sameOrigin = (a: string, b: string) => new URL(a).origin === new URL(b).origin;

/** The admin token the quick start wrote in its state directory; undefined when there is none. */
export function quickstartToken(
  env: NodeJS.ProcessEnv,
  cwd: string,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): string | undefined {
  try {
    return read(quickstartAdminTokenFile(env, cwd)).trim() || undefined;
  } catch {
    return undefined;
  }
}
