import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError } from '@portwarden/common/errors';

/** One controller the user logged in to, as `portwarden login` wrote it. */
export interface Context {
  url: string;
  token: string;
  /** `sha256:hex` of the certificate pinned at login; set for https URLs. */
  caFingerprint?: string;
}

/** The user's CLI config, as kubectl's kubeconfig: contexts by name and the one in use. */
export interface CliConfig {
  contexts: Record<string, Context>;
  current?: string;
}

/** $PORTWARDEN_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/portwarden/config.yaml. */
export function configPath(env: NodeJS.ProcessEnv, home: string): string {
  if (env.PORTWARDEN_CONFIG) return env.PORTWARDEN_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'portwarden', 'config.yaml');
}

/** undefined when there is no file yet: nobody logged in. Synchronous: the CLI reads it once, at start. */
export function readConfig(file: string): CliConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the CLI config ${file}: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
  return checkConfig(file, parse(text) as unknown);
}

function checkConfig(file: string, doc: unknown): CliConfig {
  const config = (doc ?? { contexts: {} }) as Partial<CliConfig>;
  const contexts = config.contexts ?? {};
  const valid =
    typeof contexts === 'object' &&
    Object.values(contexts).every((c) => typeof c?.url === 'string' && typeof c.token === 'string') &&
    (config.current === undefined || typeof config.current === 'string');
  if (!valid)
    throw new ConfigError(
      `the CLI config ${file} is not contexts: {NAME: {url, token}} with current: NAME`,
      'fix it, or remove it and run portwarden login again',
    );
  return { contexts, ...(config.current !== undefined && { current: config.current }) };
}

/** Readable by the user alone (it holds tokens), and never half-written: temp file, then rename. */
export async function writeConfig(file: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, stringify(config), { mode: 0o600 });
  await rename(temp, file);
}

/** The context `name` says, else the current one. */
export function pickContext(config: CliConfig | undefined, name?: string): Context | undefined {
  const chosen = name ?? config?.current;
  if (chosen === undefined || !config) return undefined;
  const context = config.contexts[chosen];
  if (!context && name !== undefined)
    throw new ConfigError(
      `no context ${name} in the CLI config`,
      `one of: ${Object.keys(config.contexts).join(', ') || '(none; run portwarden login)'}`,
    );
  return context;
}
