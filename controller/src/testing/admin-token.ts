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
