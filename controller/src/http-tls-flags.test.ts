import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { httpTlsOptions, type HttpTlsFlags } from './http-tls-flags.js';

let dir: string;
const file = (name: string) => path.join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-http-tls-'));
  await writeFile(file('cert.pem'), 'CERT');
  await writeFile(file('key.pem'), 'KEY');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the HTTP API TLS flags', () => {
  it('is plain HTTP without either', async () => {
    expect(await httpTlsOptions({})).toBeUndefined();
  });

  it('reads both files', async () => {
    expect(await httpTlsOptions({ httpTlsCert: file('cert.pem'), httpTlsKey: file('key.pem') })).toEqual({
      cert: 'CERT',
      key: 'KEY',
    });
  });

  // [why, flags, message]
  const refused: [string, () => HttpTlsFlags, RegExp][] = [
    [
      'a certificate without its key',
      () => ({ httpTlsCert: file('cert.pem') }),
      /^--http-tls-key is missing/,
    ],
    ['a key without its certificate', () => ({ httpTlsKey: file('key.pem') }), /^--http-tls-cert is missing/],
    [
      'a file that is not there',
      () => ({ httpTlsCert: file('nope.pem'), httpTlsKey: file('key.pem') }),
      /^cannot read --http-tls-cert .*nope\.pem: ENOENT$/,
    ],
  ];
  it.each(refused)('refuses %s, with a hint', async (_why, flags, message) => {
    const read = httpTlsOptions(flags());
    await expect(read).rejects.toBeInstanceOf(ConfigError);
    await expect(read).rejects.toThrow(message);
    await expect(read).rejects.toHaveProperty('hint', expect.stringMatching(/--http-tls/));
  });
});
