import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { CertificateAuthority } from '../ca/authority.js';
import { createDb } from './db.js';
import { postgresTls } from './db-tls.js';

let dir: string;
let caFile: string;
let server: Server;
let port: number;
/** TLS handshakes the fake server completed: a client that did not verify would complete one. */
let handshakes = 0;

/** A PostgreSQL ErrorResponse message. */
function fatal(message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C08006\0M${message}\0\0`);
  const length = Buffer.alloc(4);
  length.writeInt32BE(fields.length + 4);
  return Buffer.concat([Buffer.from('E'), length, fields]);
}

/** Answers PostgreSQL's SSLRequest with "S", then speaks TLS with a certificate from our own CA. */
async function fakeTlsPostgres(cert: string, key: string): Promise<Server> {
  const fake = createServer((socket) => {
    socket.once('data', () => {
      socket.write('S');
      const tls = new TLSSocket(socket, { isServer: true, cert, key });
      tls.on('secure', () => (handshakes += 1));
      // Whatever the client says next (its startup message), a FATAL error: the query fails at once.
      tls.once('data', () => tls.end(fatal('fake server: TLS handshake done')));
      tls.on('error', () => {});
    });
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  return fake;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-db-tls-'));
  const { authority } = await CertificateAuthority.create();
  const { chainPem, keyPem } = await authority.issueServer(['localhost', '127.0.0.1'], 86_400_000);
  caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, authority.certPem);
  server = await fakeTlsPostgres(chainPem, keyPem);
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('postgresTls', () => {
  // [url, what postgres.js gets: url, and the ssl option's keys]
  const cases: [string, string, string[] | undefined][] = [
    ['postgres://u@db/x', 'postgres://u@db/x', undefined],
    ['postgres://u@db/x?sslmode=verify-full', 'postgres://u@db/x?sslmode=verify-full', undefined],
    ['postgres://u@db/x?sslmode=verify-full&sslrootcert=CA', 'postgres://u@db/x?sslmode=verify-full', ['ca']],
    [
      'postgres://u@db/x?sslmode=verify-ca&sslrootcert=CA',
      'postgres://u@db/x?sslmode=verify-ca',
      ['ca', 'checkServerIdentity'],
    ],
    [
      'postgres://u@db/x?sslmode=require&sslrootcert=CA',
      'postgres://u@db/x?sslmode=require',
      ['ca', 'checkServerIdentity'],
    ],
    ['postgres://u@db/x?sslrootcert=system', 'postgres://u@db/x', []],
    [
      'postgres://u@h1,h2/x?sslrootcert=CA&sslmode=prefer&a=b',
      'postgres://u@h1,h2/x?sslmode=prefer&a=b',
      undefined,
    ],
  ];
  it.each(cases)('%s', (url, expected, sslKeys) => {
    const tls = postgresTls(url.replace('=CA', `=${caFile}`));
    expect(tls.url).toBe(expected);
    expect(tls.ssl && Object.keys(tls.ssl)).toEqual(sslKeys);
  });

  it('refuses a root certificate file it cannot read, with a hint', () => {
    const read = () => postgresTls(`postgres://u@db/x?sslmode=verify-full&sslrootcert=${dir}/nope.pem`);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/^cannot read sslrootcert .*nope\.pem of --database-url: ENOENT$/);
  });
});

describe('createDb with TLS', () => {
  /** Runs one query; the fake server fails every connection: the handshake is what counts. */
  async function tryQuery(query: string): Promise<{ handshook: boolean; error: Error }> {
    const before = handshakes;
    const sql = createDb({ url: `postgres://u@localhost:${port}/x?${query}`, maxConnections: 1 });
    const error = (await sql`SELECT 1`.catch((err: unknown) => err)) as Error;
    await sql.end({ timeout: 0 });
    return { handshook: handshakes > before, error };
  }

  it('trusts the CA named by sslrootcert, and only it', async () => {
    const { handshook, error } = await tryQuery(`sslmode=verify-full&sslrootcert=${caFile}`);
    expect(handshook).toBe(true);
    expect(error.message).toBe('fake server: TLS handshake done');
  });

  it('refuses the same server without it', async () => {
    const { handshook, error } = await tryQuery('sslmode=verify-full');
    expect(handshook).toBe(false);
    expect(error.message).toMatch(/certificate/);
  });
});
