import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { TestCa } from '../testing/pki.js';
import { loadIdentity, readIdentity, renewAt, saveIdentity, type AgentIdentity } from './identity.js';
import { newKeyAndCsr } from './x509.js';

let dir: string;
let ca: TestCa;
beforeAll(async () => {
  ca = await TestCa.create();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function identity(name = 'web-1', ttlMs = 3_600_000): Promise<AgentIdentity> {
  const { keyPem, csrPem } = await newKeyAndCsr(name);
  return readIdentity({ keyPem, certPem: await ca.signAgent(csrPem, { ttlMs }), caPem: ca.certPem });
}

describe('the agent identity on disk', () => {
  it('round-trips, with the key readable by its owner only', async () => {
    const saved = await identity();
    await saveIdentity(dir, saved);
    expect(await loadIdentity(dir)).toEqual(saved);
    if (process.platform !== 'win32') {
      expect((await stat(path.join(dir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
      expect((await stat(path.join(dir, 'tls'))).mode & 0o777).toBe(0o700);
    }
    expect(await readFile(path.join(dir, 'tls', 'ca.pem'), 'utf8')).toBe(ca.certPem);
  });

  it('is absent for an agent that never enrolled', async () => {
    expect(await loadIdentity(dir)).toBeUndefined();
  });

  it('replaces the previous identity whole', async () => {
    await saveIdentity(dir, await identity());
    const next = await identity();
    await saveIdentity(dir, next);
    expect((await loadIdentity(dir))?.serial).toBe(next.serial);
  });

  // A crash between the two renames of saveIdentity leaves one complete copy aside.
  it('finishes a renewal cut short after the old identity was moved aside', async () => {
    await saveIdentity(dir, await identity());
    const next = await identity();
    await saveIdentity(path.join(dir, 'scratch'), next);
    await rename(path.join(dir, 'tls'), path.join(dir, 'tls.old'));
    await rename(path.join(dir, 'scratch', 'tls'), path.join(dir, 'tls.next'));
    expect((await loadIdentity(dir))?.serial).toBe(next.serial);
    // ...and tidies up: the next load reads the current directory alone.
    await expect(stat(path.join(dir, 'tls.old'))).rejects.toThrow();
    expect((await loadIdentity(dir))?.serial).toBe(next.serial);
  });

  it('falls back to the old identity when the new one was never complete', async () => {
    const old = await identity();
    await saveIdentity(dir, old);
    await rename(path.join(dir, 'tls'), path.join(dir, 'tls.old'));
    await mkdir(path.join(dir, 'tls.next'));
    await writeFile(path.join(dir, 'tls.next', 'key.pem'), 'half');
    expect((await loadIdentity(dir))?.serial).toBe(old.serial);
  });

  it('refuses a damaged identity with a hint to enroll again', async () => {
    await saveIdentity(dir, await identity());
    await writeFile(path.join(dir, 'tls', 'cert.pem'), (await identity()).certPem); // not for this key
    const error = await loadIdentity(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).hint).toMatch(/enroll again/);
  });

  it('renews two thirds into the certificate life', async () => {
    const id = await identity('web-1', 90_000);
    expect(renewAt(id).getTime()).toBe(id.notBefore.getTime() + 60_000);
  });
});

describe('readIdentity', () => {
  it('refuses a certificate from another CA', async () => {
    const other = await TestCa.create();
    const { keyPem, csrPem } = await newKeyAndCsr('web-1');
    const certPem = await other.signAgent(csrPem);
    expect(() => readIdentity({ keyPem, certPem, caPem: ca.certPem })).toThrow(/not signed by the CA/);
  });
});
