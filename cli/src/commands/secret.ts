import type { Readable } from 'node:stream';
import { ConfigError } from '@portwarden/common/errors';
import type { ApiClient } from '../client.js';
import { renderTable } from '../table.js';

export interface SecretRow {
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** Read past this and the controller would refuse it anyway (8 KiB, api/secret-routes.ts). */
const MAX_READ_BYTES = 64 * 1024;

/**
 * `portwarden secret set NAME`: the value from stdin, so that it is in no shell history or process
 * list; one trailing newline (what `echo` and editors add) is not part of it.
 */
export async function setSecret(
  client: ApiClient,
  name: string,
  input: Readable,
  out: (text: string) => void,
): Promise<void> {
  const value = (await readAll(input)).replace(/\r?\n$/, '');
  if (value === '')
    throw new ConfigError(
      'no secret value on stdin',
      `pipe it in: printf %s "$VALUE" | portwarden secret set ${name}`,
    );
  const saved = await client.put<{ name: string; created: boolean }>(
    `/api/v1/secrets/${encodeURIComponent(name)}`,
    value,
    'text/plain',
  );
  out(`secret "${saved.name}" ${saved.created ? 'created' : 'replaced'}\n`);
}

/** `portwarden secret list`: names and dates, never values. */
export async function listSecrets(client: ApiClient, out: (text: string) => void): Promise<void> {
  const { secrets } = await client.get<{ secrets: SecretRow[] }>('/api/v1/secrets');
  out(
    renderTable(
      ['name', 'created', 'updated'],
      secrets.map((s) => [s.name, s.createdAt, s.updatedAt]),
    ),
  );
}

/** `portwarden secret delete NAME`: channels that refer to it fail from then on. */
export async function deleteSecret(
  client: ApiClient,
  name: string,
  out: (text: string) => void,
): Promise<void> {
  await client.delete(`/api/v1/secrets/${encodeURIComponent(name)}`);
  out(`secret "${name}" deleted\n`);
}

async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    chunks.push(Buffer.from(chunk as Buffer));
    size += (chunk as Buffer).length;
    if (size > MAX_READ_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
