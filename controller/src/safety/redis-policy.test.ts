import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../ca/authority.js';
import { closedPort, startRedisServer, type TestRedisServer } from '../testing/redis-server.js';
import { readEvictionPolicy } from './redis-policy.js';

const servers: TestRedisServer[] = [];
const redisWith = async (...args: string[]) => {
  const server = await startRedisServer(...args);
  servers.push(server);
  return server.url;
};

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

describe('readEvictionPolicy', () => {
  it('reads the policy with CONFIG GET', async () => {
    const url = await redisWith('--maxmemory-policy', 'allkeys-lru');
    expect(await readEvictionPolicy(url)).toBe('allkeys-lru');
  });

  it('falls back to INFO memory where CONFIG is renamed away', async () => {
    const url = await redisWith('--maxmemory-policy', 'volatile-ttl', '--rename-command', 'CONFIG', '');
    expect(await readEvictionPolicy(url)).toBe('volatile-ttl');
  });

  it('is undefined when Redis denies both', async () => {
    const url = await redisWith('--user', ...'default on nopass ~* &* +@all -config -info'.split(' '));
    expect(await readEvictionPolicy(url)).toBeUndefined();
  });

  it('rejects with the cause when Redis cannot be reached', async () => {
    const port = await closedPort();
    await expect(readEvictionPolicy(`redis://127.0.0.1:${port}`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('verifies the certificate of a rediss:// server, and sends it nothing unverified', async () => {
    const { authority } = await CertificateAuthority.create();
    const { chainPem, keyPem } = await authority.issueServer(['localhost', '127.0.0.1'], 86_400_000);
    let received = 0;
    const server = createServer({ cert: chainPem, key: keyPem }, (socket) =>
      socket.on('data', (data: Buffer) => (received += data.length)),
    );
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      await expect(readEvictionPolicy(`rediss://127.0.0.1:${port}`)).rejects.toThrow(/certificate/);
      expect(received).toBe(0);
    } finally {
      server.close();
    }
  });
});
