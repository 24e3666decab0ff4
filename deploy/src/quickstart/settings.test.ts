import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { describeUrl, EXAMPLE_POLICY_FILE, readSettings } from './settings.js';

describe('readSettings', () => {
  it('fills every default from an empty environment', () => {
    expect(readSettings({}, '/srv/pw')).toEqual({
      httpListen: '127.0.0.1:7480',
      grpcListen: '127.0.0.1:7443',
      home: '/srv/pw/.portwarden',
      pgDataDir: '/srv/pw/.portwarden/pgdata',
      adminTokenFile: '/srv/pw/.portwarden/admin-token',
      agentStateDir: '/srv/pw/.portwarden/agent',
      policyFile: EXAMPLE_POLICY_FILE,
      agentName: os.hostname(),
      agentLabels: { role: 'quickstart' },
      consents: {},
    });
  });

  it("passes the controller's consents on, each only when set to yes", () => {
    const env = { PORTWARDEN_HTTP_INSECURE_PUBLIC: '1', PORTWARDEN_ALLOW_REDIS_EVICTION: 'true' };
    expect(readSettings({ ...env, PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS: '0' }, '/').consents).toEqual({
      httpInsecurePublic: true,
      allowRedisEviction: true,
    });
  });

  it('takes every variable, resolving PORTWARDEN_HOME against the working directory', () => {
    const settings = readSettings(
      {
        DATABASE_URL: 'postgres://pw:secret@db.example:5432/portwarden',
        REDIS_URL: 'redis://cache.example:6379',
        PORTWARDEN_REDIS_PREFIX: 'pw-staging',
        PORTWARDEN_HTTP_LISTEN: '0.0.0.0:8080',
        PORTWARDEN_GRPC_LISTEN: '[::1]:9443',
        PORTWARDEN_HOME: 'state',
      },
      '/srv/pw',
    );
    expect(settings).toMatchObject({
      databaseUrl: 'postgres://pw:secret@db.example:5432/portwarden',
      redisUrl: 'redis://cache.example:6379',
      redisPrefix: 'pw-staging',
      httpListen: '0.0.0.0:8080',
      grpcListen: '[::1]:9443',
      home: '/srv/pw/state',
      pgDataDir: '/srv/pw/state/pgdata',
      adminTokenFile: '/srv/pw/state/admin-token',
      agentStateDir: '/srv/pw/state/agent',
    });
  });

  it('treats empty and blank variables as unset', () => {
    const settings = readSettings({ DATABASE_URL: '', REDIS_URL: '  ', PORTWARDEN_HOME: '' }, '/srv/pw');
    expect(settings).not.toHaveProperty('databaseUrl');
    expect(settings).not.toHaveProperty('redisUrl');
    expect(settings.home).toBe('/srv/pw/.portwarden');
  });

  it.each([
    // a bare host is a common slip; the message must not echo the value (it may hold a password)
    ['DATABASE_URL', 'db.example:5432', /^DATABASE_URL is not a postgres:\/\/ URL$/],
    ['DATABASE_URL', 'mysql://u:pw@db/x', /^DATABASE_URL is not a postgres:\/\/ URL$/],
    ['REDIS_URL', 'http://cache:6379', /^REDIS_URL is not a redis:\/\/ URL$/],
  ])('rejects %s=%s', (name, value, message) => {
    const read = () => readSettings({ [name]: value }, '/');
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });

  it('accepts postgresql:// and rediss://', () => {
    const settings = readSettings(
      { DATABASE_URL: 'postgresql://db/x', REDIS_URL: 'rediss://cache:6380' },
      '/',
    );
    expect(settings.databaseUrl).toBe('postgresql://db/x');
    expect(settings.redisUrl).toBe('rediss://cache:6380');
  });
});

describe('describeUrl', () => {
  it.each([
    ['postgres://pw:secret@db.example:5432/portwarden', 'db.example:5432/portwarden'],
    ['redis://:secret@cache.example:6379', 'cache.example:6379'],
    ['redis://cache.example', 'cache.example'],
  ])('%s -> %s (never the user or the password)', (url, shown) => {
    expect(describeUrl(url)).toBe(shown);
  });
});
