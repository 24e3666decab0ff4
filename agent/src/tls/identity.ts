import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@portwarden/common/errors';

/** The agent's credentials for mutual TLS, as kept in `<state-dir>/tls/`. */
export interface AgentIdentity {
  /** The agent's name, as its certificate says. */
  name: string;
  keyPem: string;
  certPem: string;
  /** The controller's CA: the only root the agent trusts. */
  caPem: string;
  /** Upper-case hex. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export const TLS_DIR = 'tls';
const KEY = 'key.pem';
const CERT = 'cert.pem';
const CA = 'ca.pem';
const URI_PREFIX = 'URI:urn:portwarden:agent:';

/** The moment to renew: two thirds into the certificate's life. */
export function renewAt(identity: Pick<AgentIdentity, 'notBefore' | 'notAfter'>): Date {
  const from = identity.notBefore.getTime();
  return new Date(from + ((identity.notAfter.getTime() - from) * 2) / 3);
}

export function caFingerprint(caPem: string): Buffer {
  return createHash('sha256').update(new X509Certificate(caPem).raw).digest();
}

/**
 * Checks that the three PEM texts make one identity: a key, a certificate for that key signed by
 * the CA, naming an agent. Throws an Error saying what is wrong.
 */
export function readIdentity(pems: { keyPem: string; certPem: string; caPem: string }): AgentIdentity {
  const cert = new X509Certificate(pems.certPem);
  const ca = new X509Certificate(pems.caPem);
  if (!cert.checkPrivateKey(createPrivateKey(pems.keyPem)))
    throw new Error('the certificate is not for this key');
  if (!cert.verify(ca.publicKey)) throw new Error('the certificate is not signed by the CA');
  const uris = (cert.subjectAltName ?? '').split(', ').filter((e) => e.startsWith(URI_PREFIX));
  if (uris.length !== 1) throw new Error('the certificate names no agent');
  return {
    ...pems,
    name: uris[0]!.slice(URI_PREFIX.length),
    serial: cert.serialNumber.toUpperCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

/**
 * Loads the identity in `<stateDir>/tls`, undefined when the agent never enrolled. A crash during
 * `saveIdentity` leaves `tls.next` or `tls.old` next to it: the complete one wins.
 */
export async function loadIdentity(stateDir: string): Promise<AgentIdentity | undefined> {
  const dirs = ['', '.next', '.old'].map((suffix) => path.join(stateDir, `${TLS_DIR}${suffix}`));
  const [current, next, old] = dirs as [string, string, string];
  let found: { dir: string; identity: AgentIdentity } | undefined;
  for (const dir of dirs) {
    const identity = await readDir(dir);
    if (identity) {
      found = { dir, identity };
      break;
    }
  }
  if (!found) {
    if (await exists(path.join(current, CERT)))
      throw new ConfigError(
        `the TLS identity in ${current} is damaged`,
        `remove ${current} and enroll again with --enroll-token (create a token with \`portwarden token create\`)`,
      );
    return undefined;
  }
  if (found.dir !== current) await rename(found.dir, current);
  await rm(next, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
  return found.identity;
}

/**
 * Replaces the identity: the new files are written and synced in `tls.next`, then swapped in by
 * two renames. The key file is mode 0600, the directory 0700.
 */
export async function saveIdentity(stateDir: string, identity: AgentIdentity): Promise<void> {
  const current = path.join(stateDir, TLS_DIR);
  const next = `${current}.next`;
  const old = `${current}.old`;
  await rm(next, { recursive: true, force: true });
  await mkdir(next, { recursive: true, mode: 0o700 });
  await writeSynced(path.join(next, KEY), identity.keyPem, 0o600);
  await writeSynced(path.join(next, CERT), identity.certPem, 0o644);
  await writeSynced(path.join(next, CA), identity.caPem, 0o644);
  await syncDir(next);
  await rm(old, { recursive: true, force: true });
  if (await exists(current)) await rename(current, old);
  await rename(next, current);
  await syncDir(stateDir);
  await rm(old, { recursive: true, force: true });
}

async function readDir(dir: string): Promise<AgentIdentity | undefined> {
  try {
    const [keyPem, certPem, caPem] = await Promise.all(
      [KEY, CERT, CA].map((file) => readFile(path.join(dir, file), 'utf8')),
    );
    return readIdentity({ keyPem: keyPem!, certPem: certPem!, caPem: caPem! });
  } catch {
    return undefined;
  }
}

async function writeSynced(file: string, text: string, mode: number): Promise<void> {
  const handle = await open(file, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Directory fsync makes the renames durable; Windows cannot open a directory, and needs none. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
