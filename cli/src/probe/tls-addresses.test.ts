import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Lookup } from '@portwarden/agent/probes/port/resolve';
import { runProbeCommand } from './command.js';
import type { ProbeFlags } from './flags.js';

const CHECK_TCP = '/usr/lib/nagios/plugins/check_tcp';

function run(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }));
  });
}

const flags = (extra: Partial<ProbeFlags>): ProbeFlags => ({
  host: '127.0.0.1',
  verify: true,
  timeout: '5',
  family: 'auto',
  mismatch: 'warn',
  ...extra,
});

/** Numbers differ from run to run; the form must not. */
const form = (line: string) => line.trim().replace(/\d+\.\d+/g, 'N');

let dir: string;
let certFile: string;
let tlsServer: tls.Server;
let tlsPort: number;
let plainServer: Server;
let plainPort: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-probe-tls-'));
  certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  // A self-signed certificate with 3 days to live: check_tcp -S calls it OK, -D 10 WARNING.
  const made = await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '3', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]); // prettier-ignore
  expect(made.code).toBe(0);
  tlsServer = tls.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (socket) => {
    socket.on('error', () => {});
    socket.end('220 secure\r\n');
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  tlsPort = (tlsServer.address() as AddressInfo).port;
  // Listens on 127.0.0.1 only: ::1 on the same port refuses.
  plainServer = createServer((socket) => {
    socket.on('error', () => {});
    socket.end('220 ready\r\n');
  }).listen(0, '127.0.0.1');
  await once(plainServer, 'listening');
  plainPort = (plainServer.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all([
    new Promise((resolve) => tlsServer.close(resolve)),
    new Promise((resolve) => plainServer.close(resolve)),
  ]);
  await rm(dir, { recursive: true, force: true });
});

describe('portwarden probe TLS, as check_tcp', () => {
  // [case, flags, check_tcp args (undefined: check_tcp has no such form), expected exit code]
  const cases: [string, () => Partial<ProbeFlags>, string[] | undefined, number][] = [
    // why: check_tcp -S checks the handshake, not the chain: a self-signed server is OK
    ['-S on a self-signed server', () => ({ S: true }), ['-S'], 0],
    // why: -D warns within its days, and implies -S as in check_tcp
    ['-D 10 on a certificate with 3 days left', () => ({ D: '10' }), ['-D', '10'], 1],
    // why: -D warn,crit: 3 days left is within crit 5
    ['-S -D 10,5', () => ({ S: true, D: '10,5' }), ['-S', '-D', '10,5'], 2],
    // why: 3 days left is outside -D 1
    ['-S -D 1', () => ({ S: true, D: '1' }), ['-S', '-D', '1'], 0],
    // why: the expected text is read inside TLS
    ['-S -e 220', () => ({ S: true, expect: ['220'] }), ['-S', '-e', '220'], 0],
    // why: the long --tls verifies the chain, as policy checks do: a self-signed server is CRITICAL
    ['--tls verifies the chain', () => ({ tls: true }), undefined, 2],
    // why: --no-verify works on the long form
    ['--tls --no-verify', () => ({ tls: true, verify: false }), undefined, 0],
    // why: --ca-file trusts the given CA on the long form
    ['--tls --ca-file', () => ({ tls: true, caFile: certFile }), undefined, 0],
    // why: --ca-file turns verification on for -S, and the chain is good
    ['-S --ca-file', () => ({ S: true, caFile: certFile }), undefined, 0],
  ];

  it.each(cases)('%s', async (_name, extra, checkTcpArgs, exitCode) => {
    const ours = await runProbeCommand(flags({ ...extra(), port: String(tlsPort) }));
    expect(ours.exitCode).toBe(exitCode);
    expect(ours.stdout.trim().split('\n')).toHaveLength(1);
    if (!checkTcpArgs || !existsSync(CHECK_TCP)) return;
    const theirs = await run(CHECK_TCP, ['-H', '127.0.0.1', '-p', String(tlsPort), ...checkTcpArgs]);
    expect(theirs.code).toBe(exitCode);
    // check_tcp's certificate lines are its own; the TCP status lines have one form.
    if (theirs.stdout.startsWith('TCP ')) expect(form(ours.stdout)).toBe(form(theirs.stdout));
  });

  it('-S with --ca-file of another CA fails the chain', async () => {
    const other = path.join(dir, 'other.pem');
    const made = await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'other-key.pem'), '-out', other, '-days', '3', '-subj', '/CN=other',
    ]); // prettier-ignore
    expect(made.code).toBe(0);
    const ours = await runProbeCommand(flags({ S: true, caFile: other, port: String(tlsPort) }));
    expect(ours).toMatchObject({ exitCode: 2 });
    expect(ours.stdout).toMatch(/^TCP CRITICAL - tls on /);
  });
});

/** A resolver that answers `names` for every name, in that order, and asks nothing else. */
const fixed =
  (...addresses: string[]): Lookup =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('portwarden probe, a name with several addresses', () => {
  it.each([
    // why: check_tcp tries the addresses in turn: ::1 refuses, 127.0.0.1 answers: OK
    { addresses: 'any' as const, exitCode: 0, detail: /^127\.0\.0\.1:\d+, 1 of 2 addresses: connected$/ },
    // why: first probes ::1 alone, which refuses
    { addresses: 'first' as const, exitCode: 2, detail: /^cannot connect to \[::1\]:\d+: ECONNREFUSED$/ },
    // why: all needs each address: ::1 refuses
    { addresses: 'all' as const, exitCode: 2, detail: /^\[::1\]:\d+, 1 of 2 addresses: cannot connect/ },
  ])('--addresses $addresses', async ({ addresses, exitCode, detail }) => {
    const ours = await runProbeCommand(
      flags({ host: 'localhost', port: String(plainPort), addresses, json: true }),
      { lookup: fixed('::1', '127.0.0.1') },
    );
    expect(ours.exitCode).toBe(exitCode);
    expect((JSON.parse(ours.stdout) as { detail: string }).detail).toMatch(detail);
  });

  it.each([
    {
      // why: check_tcp's way by default: ::1 refuses, so 127.0.0.1 is tried next, and answers
      addresses: ['::1', '127.0.0.1'],
      extra: {},
      exitCode: 0,
      detail: /^127\.0\.0\.1, 2 of 2 addresses: connected$/,
    },
    {
      // why: none accepts: CRITICAL, with the first address's failure
      addresses: ['::1', '127.0.0.3'],
      extra: {},
      exitCode: 2,
      detail: /^cannot connect to \[::1\]:\d+: ECONNREFUSED$/,
    },
    {
      // why: once an address accepts, its conversation is the verdict: a mismatch is not retried
      addresses: ['127.0.0.1', '::1'],
      extra: { expect: ['250'] },
      exitCode: 1,
      detail: /^127\.0\.0\.1, 1 of 2 addresses: expected "250"/,
    },
  ])('in turn by default: $addresses $extra', async ({ addresses, extra, exitCode, detail }) => {
    const ours = await runProbeCommand(
      flags({ host: 'localhost', port: String(plainPort), json: true, timeout: '2', ...extra }),
      { lookup: fixed(...addresses) },
    );
    expect(ours.exitCode).toBe(exitCode);
    expect((JSON.parse(ours.stdout) as { detail: string }).detail).toMatch(detail);
  });

  it('is OK by default, and names the address that answered', async () => {
    const ours = await runProbeCommand(flags({ host: 'localhost', port: String(plainPort) }), {
      lookup: fixed('::1', '127.0.0.1'),
    });
    expect(ours.exitCode).toBe(0);
    expect(ours.stdout).toMatch(/^TCP OK - \d\.\d{3} second response time on localhost port \d+\|/);
  });

  it('--addresses all, passing, names every address', async () => {
    // The same port on a second loopback address: the name's two addresses both answer.
    const second = createServer((socket) => socket.end()).listen(plainPort, '127.0.0.2');
    await once(second, 'listening');
    onTestFinished(() => new Promise<void>((resolve) => second.close(() => resolve())));
    const ours = await runProbeCommand(
      flags({ host: 'twice.test', port: String(plainPort), addresses: 'all', json: true }),
      { lookup: fixed('127.0.0.1', '127.0.0.2') },
    );
    const { detail } = JSON.parse(ours.stdout) as { detail: string };
    expect(ours.exitCode).toBe(0);
    expect(detail).toBe(
      `all 2 addresses passed (127.0.0.1:${plainPort}, 127.0.0.2:${plainPort}); 127.0.0.1:${plainPort}: connected`,
    );
  });

  // check_tcp resolves localhost itself; compared only where /etc/hosts gives it both families.
  const hosts = existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '';
  const bothFamilies =
    /^\s*::1\s.*\blocalhost\b/m.test(hosts) && /^\s*127\.0\.0\.1\s.*\blocalhost\b/m.test(hosts);
  it.skipIf(!bothFamilies || !existsSync(CHECK_TCP))('-H localhost agrees with check_tcp live', async () => {
    const ours = await runProbeCommand(flags({ host: 'localhost', port: String(plainPort) }));
    const theirs = await run(CHECK_TCP, ['-H', 'localhost', '-p', String(plainPort)]);
    expect(ours.exitCode).toBe(theirs.code);
    expect(theirs.code).toBe(0);
  });
});
