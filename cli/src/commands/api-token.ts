import type { ApiClient } from '../client.js';
import { renderTable } from '../table.js';

/** What `POST /api/v1/api-tokens` answers: the only time the token itself is shown. */
export interface CreatedApiToken {
  id: number;
  name: string;
  role: string;
  token: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface ApiTokenRow {
  id: number;
  name: string;
  role: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * `portwarden api-token create --role R --name N [--ttl D]`: the token alone on stdout (so that
 * `TOKEN=$(portwarden api-token create ...)` works), what it is on stderr.
 */
export async function createApiToken(
  client: ApiClient,
  options: { role: string; name: string; ttl?: string },
  out: (text: string) => void,
  note: (text: string) => void,
): Promise<void> {
  const created = await client.post<CreatedApiToken>('/api/v1/api-tokens', {
    role: options.role,
    name: options.name,
    ...(options.ttl !== undefined && { ttl: options.ttl }),
  });
  out(`${created.token}\n`);
  note(
    `API token ${created.id} "${created.name}": role ${created.role}, ${created.expiresAt ? `expires ${created.expiresAt}` : 'no expiry'}; it is shown only this once\n`,
  );
}

/** `portwarden api-token list`: names, roles and dates; never the tokens. */
export async function listApiTokens(client: ApiClient, out: (text: string) => void): Promise<void> {
  const { tokens } = await client.get<{ tokens: ApiTokenRow[] }>('/api/v1/api-tokens');
  const state = (t: ApiTokenRow) => (t.revokedAt ? `revoked ${t.revokedAt}` : 'live');
  out(
    renderTable(
      ['id', 'name', 'role', 'created', 'expires', 'last used', 'state'],
      tokens.map((t) => [
        t.id,
        t.name,
        t.role,
        t.createdAt,
        t.expiresAt ?? '-',
        t.lastUsedAt ?? '-',
        state(t),
      ]),
    ),
  );
}

/** `portwarden api-token revoke ID`: the token stops working at once. */
export async function revokeApiToken(
  client: ApiClient,
  id: string,
  out: (text: string) => void,
): Promise<void> {
  const revoked = await client.delete<{ id: number; revokedAt: string }>(
    `/api/v1/api-tokens/${encodeURIComponent(id)}`,
  );
  out(`API token ${revoked.id} revoked at ${revoked.revokedAt}\n`);
}
