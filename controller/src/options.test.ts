import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { controllerOptions, DEFAULT_LIMITS, type ControllerOptions } from './options.js';

const databaseUrl = 'postgres://db';
const caKey = 'k'.repeat(32);

describe('controller options', () => {
  // [why, options given, what the filled-in options contain]
  const cases: [string, ControllerOptions, object][] = [
    [
      'nothing but a database: the listen addresses, key prefix and limits of the docs',
      { databaseUrl },
      {
        grpcListen: '127.0.0.1:7443',
        httpListen: '127.0.0.1:7480',
        redisPrefix: 'portwarden',
        limits: DEFAULT_LIMITS,
      },
    ],
    [
      'one limit given: the others keep their defaults, and an undefined one is not given',
      { databaseUrl, limits: { streamsPerIp: 3, renewBurst: undefined } },
      { limits: { ...DEFAULT_LIMITS, streamsPerIp: 3 } },
    ],
    [
      'TLS with only its key: the loopback names and 30 days',
      { databaseUrl, tls: { caKey } },
      {
        tls: {
          secret: Buffer.from(caKey),
          names: ['localhost', '127.0.0.1', '::1'],
          agentCertTtlMs: 30 * 86_400_000,
        },
      },
    ],
    [
      'what is given is kept',
      {
        databaseUrl,
        grpcListen: '0.0.0.0:1',
        redisPrefix: 'x',
        tls: { caKey, names: ['a'], agentCertTtlMs: 5 },
      },
      {
        grpcListen: '0.0.0.0:1',
        redisPrefix: 'x',
        tls: { secret: Buffer.from(caKey), names: ['a'], agentCertTtlMs: 5 },
      },
    ],
  ];
  it.each(cases)('%s', (_why, given, expected) => {
    expect(controllerOptions(given)).toMatchObject(expected);
  });

  it('has no TLS without a CA key', () => {
    expect(controllerOptions({ databaseUrl }).tls).toBeUndefined();
  });

  it('refuses a CA key secret that is too short before anything starts', () => {
    expect(() => controllerOptions({ databaseUrl, tls: { caKey: 'short' } })).toThrow(ConfigError);
  });

  it('refuses --http-tls-from-ca without a CA before anything starts, with the fix', () => {
    const refused = () => controllerOptions({ databaseUrl, httpTlsFromCa: true });
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(/^--http-tls-from-ca needs the controller CA/);
  });
});
