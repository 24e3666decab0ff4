import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiToken } from '../auth/token.js';

/** An admin API token for a test controller: pass `file` as adminTokenFile, send `headers`. */
export interface TestAdminToken {
  file: string;
  token: string;
  headers: { authorization: string };
  remove(): Promise<void>;
}

/** A fresh token in a file of its own temporary directory, as --admin-token-file reads it. */
export async function testAdminToken(): Promise<TestAdminToken> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-admin-token-'));
  const token = newApiToken();
  const file = join(dir, 'admin-token');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return {
    file,
    token,
    headers: { authorization: `Bearer ${token}` },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Creates an API token of `role` through the controller at `base`, as the admin; returns the token. */
export async function mintApiToken(
  base: string,
  admin: TestAdminToken,
  role: 'viewer' | 'operator' | 'admin',
  name: string,
): Promise<string> {
  const created = await fetch(`${base}/api/v1/api-tokens`, {
    method: 'POST',
    headers: { ...admin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ role, name }),
  });
  if (created.status !== 201) throw new Error(`creating a ${role} token answered ${created.status}`);
  return ((await created.json()) as { token: string }).token;
}
