import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client.js';
import { createApiToken, listApiTokens, revokeApiToken } from './api-token.js';

describe('portwarden api-token', () => {
  it('create prints the token alone on stdout, and what it is on stderr', async () => {
    const { client, requests } = fakeClient({
      id: 7,
      name: 'grafana',
      role: 'viewer',
      token: 'pwt_secret',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-31T00:00:00.000Z',
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    await createApiToken(
      client,
      { role: 'viewer', name: 'grafana', ttl: '30d' },
      (t) => stdout.push(t),
      (t) => stderr.push(t),
    );
    expect(requests).toEqual([
      { method: 'POST', path: '/api/v1/api-tokens', body: { role: 'viewer', name: 'grafana', ttl: '30d' } },
    ]);
    expect(stdout.join('')).toBe('pwt_secret\n');
    expect(stderr.join('')).toMatch(/^API token 7 "grafana": role viewer, expires 2026-01-31/);
  });

  it('list shows names, roles and state in a table', async () => {
    const { client } = fakeClient({
      tokens: [
        {
          id: 1,
          name: 'bootstrap-admin',
          role: 'admin',
          createdAt: 'c1',
          expiresAt: null,
          lastUsedAt: 'u1',
          revokedAt: null,
        },
        {
          id: 2,
          name: 'ci',
          role: 'operator',
          createdAt: 'c2',
          expiresAt: 'e2',
          lastUsedAt: null,
          revokedAt: 'r2',
        },
      ],
    });
    const out: string[] = [];
    await listApiTokens(client, (t) => out.push(t));
    const lines = out.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLE\s+CREATED\s+EXPIRES\s+LAST USED\s+STATE$/);
    expect(lines[1]).toMatch(/^1\s+bootstrap-admin\s+admin\s+c1\s+-\s+u1\s+live$/);
    expect(lines[2]).toMatch(/^2\s+ci\s+operator\s+c2\s+e2\s+-\s+revoked r2$/);
  });

  it('revoke deletes the token by id', async () => {
    const { client, requests } = fakeClient({ id: 2, revokedAt: '2026-01-02T00:00:00.000Z' });
    const out: string[] = [];
    await revokeApiToken(client, '2', (t) => out.push(t));
    expect(requests).toEqual([{ method: 'DELETE', path: '/api/v1/api-tokens/2' }]);
    expect(out.join('')).toBe('API token 2 revoked at 2026-01-02T00:00:00.000Z\n');
  });
});
