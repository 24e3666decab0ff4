import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { securityOptions, type SecurityFlags } from './security-flags.js';

const SECRET = 'x'.repeat(44);
const defaults: SecurityFlags = {
  grpcTlsNames: 'localhost,127.0.0.1,::1',
  agentCertTtl: '30d',
  maxStreamsPerIp: '1024',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-flags-'));
  await writeFile(path.join(dir, 'ca.key'), `${SECRET}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the controller security flags', () => {
  it('runs mutual TLS with a CA key from a file', async () => {
    const options = await securityOptions(
      { ...defaults, caKeyFile: path.join(dir, 'ca.key'), grpcTlsNames: 'ctl.example, 10.0.0.5' },
      {},
    );
    expect(options).toEqual({
      limits: { streamsPerIp: 1024 },
      tls: { caKey: `${SECRET}\n`, names: ['ctl.example', '10.0.0.5'], agentCertTtlMs: 30 * 86_400_000 },
    });
  });

  it('takes the secret itself from PORTWARDEN_CA_KEY', async () => {
    expect((await securityOptions(defaults, { PORTWARDEN_CA_KEY: SECRET })).tls?.caKey).toBe(SECRET);
  });

  it('runs in plaintext only when asked', async () => {
    expect(await securityOptions({ ...defaults, insecure: true }, {})).toEqual({
      limits: { streamsPerIp: 1024 },
    });
  });

  // Each refusal: the flags, the environment, the message; every one has a hint.
  const refused: [string, Partial<SecurityFlags>, NodeJS.ProcessEnv, RegExp][] = [
    ['neither a CA key nor --insecure', {}, {}, /^no CA key/],
    ['both a CA key and --insecure', { insecure: true }, { PORTWARDEN_CA_KEY: SECRET }, /exclude each other/],
    [
      'an unreadable key file',
      { caKeyFile: '/nonexistent/ca.key' },
      {},
      /cannot read the CA key file \/nonexistent\/ca.key: ENOENT/,
    ],
    ['no TLS names', { grpcTlsNames: ' , ' }, { PORTWARDEN_CA_KEY: SECRET }, /--grpc-tls-names is empty/],
    [
      'a bad certificate lifetime',
      { agentCertTtl: 'forever' },
      { PORTWARDEN_CA_KEY: SECRET },
      /invalid --agent-cert-ttl/,
    ],
    [
      'a bad stream bound',
      { maxStreamsPerIp: '0' },
      { PORTWARDEN_CA_KEY: SECRET },
      /invalid --max-streams-per-ip/,
    ],
  ];
  it.each(refused)('refuses %s', async (_why, flags, env, message) => {
    const error = await securityOptions({ ...defaults, ...flags }, env).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).hint).toBeTruthy();
  });
});
