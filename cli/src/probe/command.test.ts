import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbeCommand } from './command.js';
import type { ProbeFlags } from './flags.js';

const CHECK_TCP = '/usr/lib/nagios/plugins/check_tcp';
const CLI = fileURLToPath(new URL('../../bin/portwarden.js', import.meta.url));

/** Greets `220 ready`, answers a CR/LF line `HELO ...` with `250 ok`, closes after 300 ms. */
function banner(socket: Socket): void {
  socket.on('error', () => {});
  socket.write('220 ready\r\n');
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    if (/^HELO .*\r\n/m.test(text)) socket.write('250 ok\r\n');
  });
  setTimeout(() => socket.destroy(), 300).unref();
}

let server: Server;
let port: number;
let closedPort: number;

beforeAll(async () => {
  server = createServer(banner).listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  const spare = createServer().listen(0, '127.0.0.1');
  await once(spare, 'listening');
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const flags = (extra: Partial<ProbeFlags>): ProbeFlags => ({
  host: '127.0.0.1',
  verify: true,
  timeout: '5',
  family: 'auto',
  mismatch: 'warn',
  ...extra,
});

function run(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }));
  });
}

/** Numbers differ from run to run; the form must not. */
const form = (line: string) => line.trim().replace(/\d+\.\d+/g, 'N');

describe('portwarden probe', () => {
  // [case, flags, check_tcp args, expected exit code]
  const cases: [string, Partial<ProbeFlags>, string[], number][] = [
    ['plain connect', {}, [], 0],
    ['expected greeting', { expect: ['220'] }, ['-e', '220'], 0],
    ['refused', { port: '' }, [], 2],
    ['expect mismatch (WARNING by default, as check_tcp)', { expect: ['250'] }, ['-e', '250'], 1],
    ['expect mismatch with -M crit', { expect: ['250'], mismatch: 'crit' }, ['-e', '250', '-M', 'crit'], 2],
  ];

  it.each(cases)(
    '%s: exit code and status line like check_tcp',
    async (name, extra, checkTcpArgs, exitCode) => {
      const target = name === 'refused' ? closedPort : port;
      const ours = await runProbeCommand(flags({ ...extra, port: String(target) }));
      expect(ours.exitCode).toBe(exitCode);
      expect(ours.stdout.trim().split('\n')).toHaveLength(1);
      if (!existsSync(CHECK_TCP)) return; // the recorded forms are asserted in nagios.test.ts
      const theirs = await run(CHECK_TCP, ['-H', '127.0.0.1', '-p', String(target), ...checkTcpArgs]);
      expect(theirs.code).toBe(exitCode);
      expect(form(ours.stdout)).toBe(form(theirs.stdout));
    },
  );

  it('stops reading as soon as the expectation is met, where check_tcp waits for the close', async () => {
    const ours = await runProbeCommand(
      flags({ port: String(port), send: 'HELO x', crlf: true, expect: ['250'] }),
    );
    expect(ours.exitCode).toBe(0);
    expect(ours.stdout).toMatch(
      /^TCP OK - 0\.\d{3} second response time on 127\.0\.0\.1 port \d+ \[220 ready 250 ok\]\|time=/,
    );
  });

  it('prints the structured result with --json', async () => {
    const ours = await runProbeCommand(
      flags({ port: String(port), expect: ['250'], json: true, timeout: '1' }),
    );
    const result = JSON.parse(ours.stdout) as {
      state: string;
      outcome: string;
      reason: string;
      detail: string;
    };
    expect(ours.exitCode).toBe(1);
    expect(result).toMatchObject({ state: 'WARNING', outcome: 'down', reason: 'expect-mismatch' });
    expect(result.detail).toContain('220 ready\\r\\n');
  });

  it('prints the exact bytes with --dry-run and connects nowhere', async () => {
    const ours = await runProbeCommand(
      flags({ port: String(closedPort), send: 'HELO x\\t1', crlf: true, extraCrlf: true, dryRun: true }),
    );
    expect(ours.exitCode).toBe(0);
    expect(ours.stdout).toContain('"HELO x\\t1\\r\\n\\r\\n" (12 bytes)');
    expect(ours.stdout).toContain('48 45 4c 4f 20 78 09 31 0d 0a 0d 0a');
  });

  // Nagios reads anything it cannot use as UNKNOWN.
  const unknown: [string, string[]][] = [
    ['a port out of range', ['probe', '-p', '70000']],
    ['no port and no service', ['probe']],
    ['an unknown flag', ['probe', '-p', '25', '--bogus']],
    ['a bad escape', ['probe', '-p', '25', '-s', 'x\\q', '--dry-run']],
  ];
  it.each(unknown)('exits UNKNOWN (3) for %s', async (_why, args) => {
    const result = await run(process.execPath, [CLI, ...args]);
    expect(result.code).toBe(3);
  });
});
