import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { createTestDatabase, type TestDatabase } from './testing/db.js';

/** The installed command; this test needs `npm run build` first. */
const BIN = fileURLToPath(new URL('../bin/portwarden-controller.js', import.meta.url));

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  if (!existsSync(new URL('../dist/main.js', import.meta.url)))
    throw new Error('controller/dist is missing: run `npm run build` first');
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'pw-main-env-'));
});

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('portwarden-controller reads its environment', { timeout: 60_000 }, () => {
  it('PORTWARDEN_ADMIN_TOKEN_FILE as --admin-token-file (the token written there, 0600, is admin), PORTWARDEN_METRICS_PUBLIC=1 as --metrics-public', async () => {
    const file = join(dir, 'admin-token');
    const args = ['--insecure', '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'];
    // Only what this run needs: nothing from the outer environment can name a token file.
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      PORTWARDEN_ADMIN_TOKEN_FILE: file,
      PORTWARDEN_METRICS_PUBLIC: '1',
      LOG_LEVEL: 'info',
    };
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = once(child, 'exit');
    let output = '';
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => (output += chunk));
    try {
      const line = await until('the controller to start', () =>
        output.split('\n').find((l) => l.includes('"controller started"')),
      );
      const { httpUrl } = JSON.parse(line) as { httpUrl: string };
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const token = (await readFile(file, 'utf8')).trim();
      expect(token).toMatch(/^pwt_/);
      const answer = await fetch(`${httpUrl}/api/v1/api-tokens`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.status).toBe(200);
      expect(output).toContain('"admin token written"');
      // /metrics needs no token; the API still does.
      expect((await fetch(`${httpUrl}/metrics`)).status).toBe(200);
      expect((await fetch(`${httpUrl}/api/v1/agents`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await exit;
    }
  });
});
