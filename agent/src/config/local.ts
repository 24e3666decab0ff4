import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@portwarden/common/errors';
import { parseResponsesConfig, RESPONSES_CONFIG_DEFAULTS, type ResponsesConfig } from '../responses/allow.js';

/**
 * The agent's own local config: what whoever administers this server allows, which the controller
 * can never change. Today it holds one section, `responses:` (see responses/allow.ts); nothing is
 * allowed without it.
 */
export interface LocalConfig {
  responses: ResponsesConfig;
}

/** `<state dir>/agent.yaml`, read when no --config names another file. */
export const LOCAL_CONFIG_FILE = 'agent.yaml';

const KEYS = ['responses'];

export const LOCAL_CONFIG_DEFAULTS: LocalConfig = { responses: RESPONSES_CONFIG_DEFAULTS };

/**
 * Reads the local config: `file` when given (it must exist), else `<stateDir>/agent.yaml` when it
 * exists, else the defaults. A file that cannot be read or parsed, or with any unknown key, stops
 * the agent with every problem listed: a typo must not silently take a permission away or grant one.
 */
export async function loadLocalConfig(
  stateDir: string,
  file: string | undefined,
  platform: NodeJS.Platform,
): Promise<LocalConfig> {
  const where = file ?? path.join(stateDir, LOCAL_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file === undefined) return LOCAL_CONFIG_DEFAULTS;
    throw new ConfigError(
      `cannot read the local config ${where}: ${code ?? (err as Error).message}`,
      fix(where),
      {
        cause: err,
      },
    );
  }
  return parseLocalConfig(text, where, platform);
}

/** The local config's text -> LocalConfig; throws a ConfigError naming the file and every problem. */
export function parseLocalConfig(text: string, where: string, platform: NodeJS.Platform): LocalConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError(`${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, fix(where));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ConfigError(`${where}: must be a mapping with a responses: section`, fix(where));
  const unknown = Object.keys(doc).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0)
    throw new ConfigError(`${where}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')}`, fix(where));
  try {
    return { responses: parseResponsesConfig((doc as { responses?: unknown }).responses, platform) };
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError(`${where}: ${err.message}`, fix(where), { cause: err });
    throw err;
  }
}

const fix = (where: string) => `fix ${where} (see agent/README.md, "Responses") and start the agent again`;
