import { readFile } from 'node:fs/promises';
import { ConfigError, PortwardenError } from '@portwarden/common/errors';
import { createClient, UnreachableError } from '../client.js';
import { readConfig, writeConfig, type Context } from '../config.js';
import { connectPinned, normalizeFingerprint } from '../pinned.js';

export interface LoginOptions {
  url: string | undefined;
  tokenFile: string;
  name?: string;
  caFingerprint?: string;
}

/**
 * `portwarden login`: checks the token against the controller once, then keeps URL, token and (for
 * https) the certificate fingerprint as the current context of the CLI config. Nothing is written
 * when the check fails.
 */
export async function login(
  opts: LoginOptions,
  configFile: string,
  io: { out: (text: string) => void; note: (text: string) => void; stdin: () => Promise<string> },
): Promise<void> {
  if (!opts.url)
    throw new ConfigError('portwarden login needs --url', 'portwarden login --url URL --token-file FILE');
  const url = new URL(opts.url).origin;
  const token = await readToken(opts.tokenFile, io.stdin);
  const caFingerprint = new URL(url).protocol === 'https:' ? await pin(url, opts.caFingerprint) : undefined;
  await createClient(url, token, caFingerprint).get('/api/v1/agents');
  const name = opts.name ?? new URL(url).host;
  const context: Context = { url, token, ...(caFingerprint && { caFingerprint }) };
  const config = readConfig(configFile) ?? { contexts: {} };
  await writeConfig(configFile, { contexts: { ...config.contexts, [name]: context }, current: name });
  io.out(`logged in to ${url} as context ${name} (${configFile})\n`);
  if (caFingerprint && !opts.caFingerprint)
    io.note(
      `pinned the certificate the controller presented: ${caFingerprint}; compare it with the controller's, the CLI trusts only it from now on\n`,
    );
}

/** The given fingerprint, or the one the controller presents now (trust on first use). */
async function pin(url: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return normalizeFingerprint(given);
  try {
    const { socket, fingerprint } = await connectPinned(new URL(url), undefined, 30_000);
    socket.destroy();
    return fingerprint;
  } catch (err) {
    throw new UnreachableError(url, err);
  }
}

async function readToken(file: string, stdin: () => Promise<string>): Promise<string> {
  let text: string;
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new PortwardenError(
      'token-file',
      `cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'pass a readable file holding the API token, or - for stdin',
      { cause: err },
    );
  }
  const token = text.trim();
  if (!token)
    throw new PortwardenError('token-file', `--token-file ${file} is empty`, 'put the API token in it');
  return token;
}
