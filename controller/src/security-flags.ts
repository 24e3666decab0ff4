import { readFile } from 'node:fs/promises';
import { parseDuration } from '@portwarden/common/duration';
import { ConfigError } from '@portwarden/common/errors';
import type { ControllerOptions } from './options.js';

/** The controller's security flags, as commander reads them (environment defaults filled in). */
export interface SecurityFlags {
  caKeyFile?: string;
  grpcTlsNames: string;
  agentCertTtl: string;
  maxStreamsPerIp: string;
  insecure?: boolean;
}

/**
 * TLS and bounds from the flags: a CA key secret (from --ca-key-file or PORTWARDEN_CA_KEY) or an
 * explicit --insecure, never neither, never both.
 */
export async function securityOptions(
  flags: SecurityFlags,
  env: NodeJS.ProcessEnv,
): Promise<Pick<ControllerOptions, 'tls' | 'limits'>> {
  const streamsPerIp = Number(flags.maxStreamsPerIp);
  if (!Number.isSafeInteger(streamsPerIp) || streamsPerIp < 1)
    throw new ConfigError(
      `invalid --max-streams-per-ip "${flags.maxStreamsPerIp}"`,
      'write a positive whole number',
    );
  const limits = { streamsPerIp };
  const secret = flags.caKeyFile ? await readSecret(flags.caKeyFile) : env.PORTWARDEN_CA_KEY;
  if (flags.insecure) {
    if (secret)
      throw new ConfigError(
        '--insecure and a CA key (--ca-key-file or PORTWARDEN_CA_KEY) exclude each other',
        'drop --insecure to run with mutual TLS, or the CA key to run in plaintext',
      );
    return { limits };
  }
  if (!secret)
    throw new ConfigError(
      'no CA key: the controller needs one to run its certificate authority and mutual TLS',
      'create one with `openssl rand -base64 32 > ca.key` (mode 0600) and pass --ca-key-file ca.key, or set PORTWARDEN_CA_KEY; or pass --insecure for plaintext on loopback',
    );
  const names = flags.grpcTlsNames
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new ConfigError(
      '--grpc-tls-names is empty',
      'list the names agents connect by: controller.example,10.0.0.5',
    );
  return {
    limits,
    tls: { caKey: secret, names, agentCertTtlMs: parseDuration(flags.agentCertTtl, '--agent-cert-ttl') },
  };
}

async function readSecret(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read the CA key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'pass --ca-key-file with a readable file',
      { cause: err },
    );
  }
}
