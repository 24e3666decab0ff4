import { describe, expect, it } from 'vitest';
import { PortwardenError } from '@portwarden/common/errors';
import { fakeClient } from '../testing/fake-client.js';
import { revokeAgent } from './agents.js';
import { get } from './get.js';
import { createToken, type CreatedToken } from './token.js';

const created: CreatedToken = {
  token: 'pwt1.secret.pin',
  id: 'abc123def456',
  labels: { role: 'web', site: 'paris' },
  expiresAt: '2026-01-01T01:00:00.000Z',
  caFingerprint: 'sha256:00ff',
};

describe('portwarden token create', () => {
  it('prints the token alone on stdout, and what it is on stderr', async () => {
    const { client, requests } = fakeClient(created);
    const stdout: string[] = [];
    const stderr: string[] = [];
    await createToken(
      client,
      { label: ['role=web', 'site=paris'], ttl: '1h', output: 'table' },
      (t) => stdout.push(t),
      (t) => stderr.push(t),
    );
    expect(requests).toEqual([
      { method: 'POST', path: '/api/v1/tokens', body: { labels: { role: 'web', site: 'paris' }, ttl: '1h' } },
    ]);
    expect(stdout.join('')).toBe('pwt1.secret.pin\n');
    expect(stderr.join('')).toMatch(
      /^token abc123def456: single use, role=web,site=paris, expires 2026-01-01T01:00:00.000Z/,
    );
  });

  it('refuses a label that is not key=value before asking the controller', async () => {
    const { client, requests } = fakeClient(created);
    const error = await createToken(
      client,
      { label: ['web'], ttl: '1h', output: 'table' },
      () => {},
      () => {},
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PortwardenError);
    expect((error as PortwardenError).hint).toMatch(/--label key=value/);
    expect(requests).toEqual([]);
  });
});

describe('portwarden agents revoke', () => {
  it('says what was revoked and whether a stream was closed', async () => {
    const { client, requests } = fakeClient({ agent: 'web 1', certificates: 2, closedStream: true });
    const out: string[] = [];
    await revokeAgent(client, 'web 1', (t) => out.push(t));
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/agents/web%201/revoke' });
    expect(out.join('')).toMatch(/^agent web 1 revoked \(2 certificates\); its stream was closed\./);
  });
});

describe('portwarden get gaps', () => {
  it('lists one agent’s gaps with their counts per check', async () => {
    const { client, requests } = fakeClient({
      gaps: [
        {
          agent: 'web-1',
          id: 2,
          fromSeq: 41,
          toSeq: 50,
          dropped: 7,
          byCheck: { web: 7 },
          receivedAt: '2026-01-01',
        },
      ],
    });
    const out: string[] = [];
    await get(client, 'gaps', 'table', (t) => out.push(t), { agent: 'web-1' });
    expect(requests).toEqual([{ method: 'GET', path: '/api/v1/gaps?agent=web-1' }]);
    expect(out.join('')).toMatch(/web-1\s+2\s+41-50\s+7\s+web=7\s+2026-01-01/);
  });

  it('refuses --agent for other resources', async () => {
    const { client } = fakeClient({});
    await expect(get(client, 'checks', 'table', () => {}, { agent: 'web-1' })).rejects.toThrow(/get gaps/);
  });
});
