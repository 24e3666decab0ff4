import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from '@portwarden/common/errors';

/**
 * The agent's settings file for services (`--environment-file`): `KEY=VALUE` lines, read with Node's own
 * `util.parseEnv` (the dotenv dialect: `#` comments, optional quotes, `export ` prefixes), the
 * same file a systemd unit names in `EnvironmentFile=` and `service configure` writes on Windows.
 */

/** Reads and parses the file; a missing or unreadable file is a ConfigError. */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      `cannot read the env file ${file}: ${code}`,
      'check the --environment-file path (or PORTWARDEN_ENVIRONMENT_FILE) and that this account may read it',
      { cause: err },
    );
  }
  return parseEnvText(text);
}

/** `util.parseEnv`, with a byte-order mark (Notepad writes one) dropped first. */
export function parseEnvText(text: string): Record<string, string> {
  const parsed = parseEnv(text.replace(/^\uFEFF/, ''));
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The environment the flags are read from: the file's values fill in what the real environment
 * leaves unset or empty (an empty variable already counts as unset for every agent setting).
 */
export function withEnvFile(env: NodeJS.ProcessEnv, file: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(file)) if (!env[key]) merged[key] = value;
  return merged;
}

const BARE = /^[A-Za-z0-9_.,:=@/+\-[\]\\]*$/;

/**
 * One `KEY=VALUE` line that `util.parseEnv` reads back as exactly `value`: bare when it is plain,
 * else in the first quotes it does not contain (single and backtick quotes are literal; double
 * quotes would expand `\n`). A line break, or a value with every kind of quote, cannot be written.
 */
export function envLine(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ConfigError(`invalid env file key "${key}"`);
  const refuse = (why: string) =>
    new ConfigError(`cannot write ${key} to the env file: ${why}`, 'remove the character from the value');
  if (/[\r\n\0]/.test(value)) throw refuse('it contains a line break');
  if (BARE.test(value)) return `${key}=${value}`;
  for (const quote of ["'", '`', '"']) {
    if (value.includes(quote)) continue;
    if (quote === '"' && value.includes('\\')) continue;
    return `${key}=${quote}${value}${quote}`;
  }
  throw refuse('it contains every kind of quote');
}

/**
 * Merges settings into an env file's text: each non-empty value replaces its key's line (the first
 * one; later duplicates, which `parseEnv` would let win, are dropped) or is appended; an empty or
 * absent value keeps what the file says. Comments and other keys stay as they are.
 */
export function mergeEnvText(text: string, updates: Readonly<Record<string, string | undefined>>): string {
  const pending = new Map(Object.entries(updates).filter((e): e is [string, string] => !!e[1]));
  const written = new Set<string>();
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .flatMap((line) => {
      const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
      if (key === undefined || !pending.has(key)) return [line];
      if (written.has(key)) return [];
      written.add(key);
      return [envLine(key, pending.get(key)!)];
    });
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const [key, value] of pending) if (!written.has(key)) lines.push(envLine(key, value));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
