import { readFile } from 'node:fs/promises';
import { ConfigError } from '@portwarden/common/errors';
import type { HttpTlsOptions } from './options.js';

/** --http-tls-cert and --http-tls-key, as commander reads them (environment defaults filled in). */
export interface HttpTlsFlags {
  httpTlsCert?: string;
  httpTlsKey?: string;
}

/** The HTTP API's certificate and key from their files: both or neither. */
export async function httpTlsOptions(flags: HttpTlsFlags): Promise<HttpTlsOptions | undefined> {
  const { httpTlsCert, httpTlsKey } = flags;
  if (!httpTlsCert && !httpTlsKey) return undefined;
  if (!httpTlsCert || !httpTlsKey)
    throw new ConfigError(
      `--http-tls-${httpTlsCert ? 'key' : 'cert'} is missing: HTTPS needs both the certificate and its key`,
      'pass --http-tls-cert FILE and --http-tls-key FILE (PEM), or neither for plain HTTP on loopback',
    );
  return {
    cert: await readPem(httpTlsCert, '--http-tls-cert'),
    key: await readPem(httpTlsKey, '--http-tls-key'),
  };
}

async function readPem(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      `pass ${flag} with a readable PEM file`,
      { cause: err },
    );
  }
}
