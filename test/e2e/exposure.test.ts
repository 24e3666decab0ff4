import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CONTROLLER = fileURLToPath(new URL('../../controller/bin/portwarden-controller.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built controller binary as an operator would, with only the given environment. */
function controller(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { PATH = '', HOME = '' } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CONTROLLER, ...args],
      { env: { PATH, HOME, ...env }, timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A loopback PostgreSQL URL nothing answers at: a refusal must come before any connection. */
async function unansweredDatabase(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `postgres://portwarden@127.0.0.1:${port}/none`;
}

describe('the controller binary refuses an unsafe configuration before it binds anything', () => {
  // [why, flags beyond --database-url, the refusal's line, its hint]
  const cases: [string, string[], RegExp, RegExp][] = [
    [
      'plaintext HTTP on every interface',
      ['--insecure', '--http-listen', '0.0.0.0:0', '--grpc-listen', '127.0.0.1:0'],
      /^portwarden-controller: refusing plaintext HTTP on 0\.0\.0\.0:0, beyond loopback: .+$/,
      /^ {2}hint: serve HTTPS \(--http-tls-cert FILE --http-tls-key FILE, or --ca-key-file without --insecure for a certificate from the controller CA\), keep --http-listen on loopback .+ or pass --http-insecure-public \(PORTWARDEN_HTTP_INSECURE_PUBLIC=1\).*$/,
    ],
    [
      '--insecure gRPC on every interface',
      ['--insecure', '--http-listen', '127.0.0.1:0', '--grpc-listen', '[::]:0'],
      /^portwarden-controller: refusing --insecure gRPC on \[::\]:0, beyond loopback: .+$/,
      /^ {2}hint: run with mutual TLS \(--ca-key-file, without --insecure\), or keep --grpc-listen on loopback.*$/,
    ],
  ];
  it.each(cases)('%s: one line and its hint, exit 2', async (_why, flags, line, hint) => {
    const run = await controller(['--database-url', await unansweredDatabase(), ...flags]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(line);
    expect(lines[1]).toMatch(hint);
    expect(run.stdout).not.toContain('controller started');
  });

  it('refuses sslmode=require unless PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS=1 says so', async () => {
    const url = `${await unansweredDatabase()}?sslmode=require`;
    const args = [
      '--database-url',
      url,
      '--insecure',
      '--http-listen',
      '127.0.0.1:0',
      '--grpc-listen',
      '127.0.0.1:0',
    ];
    const refused = await controller(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^portwarden-controller: refusing --database-url with sslmode=require: /);
    // With the consent it goes on to the database, which does not answer: a different failure.
    const allowed = await controller(args, { PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS: '1' });
    expect(allowed.code).not.toBe(0);
    expect(allowed.stderr).not.toContain('refusing');
    expect(allowed.stderr).toContain('ECONNREFUSED');
  });
});
