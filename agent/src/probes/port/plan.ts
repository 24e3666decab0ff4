import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { compileScript, type Script } from './conversation.js';
import { bareHost, type PortSpec } from './spec.js';
import { STARTTLS_DIALOGUES } from './starttls.js';
import { quitBytes } from './writes.js';

/**
 * Everything about a spec that does not change between runs, computed on its first run and kept
 * for as long as the spec object lives (the scheduler keeps one per check and config): matchers
 * and regexes, the bytes of every write, the TLS context with its CA file.
 */
export interface Plan {
  spec: PortSpec;
  /** The host without brackets. */
  host: string;
  /** 4 or 6 for an IP literal: no lookup; 0 for a name. */
  literal: 0 | 4 | 6;
  /** For the resolver: 0 any, 4, 6. */
  family: 0 | 4 | 6;
  script: Script;
  /** The STARTTLS negotiation, when the spec asks for one. */
  starttls?: { name: string; script: Script };
  /** Wire bytes of the quit text; undefined for none. */
  quit?: Buffer;
  /** Options for tls.connect, when the probe speaks TLS. */
  tls?: tls.ConnectionOptions;
}

const plans = new WeakMap<PortSpec, Plan>();

/** The plan of a spec, compiled once. Throws PlanError when the CA file cannot be read. */
export function planOf(spec: PortSpec): Plan {
  let plan = plans.get(spec);
  if (!plan) {
    plan = compile(spec);
    plans.set(spec, plan);
  }
  return plan;
}

/** The probe cannot run as configured (an unreadable CA file); not cached, so a fix is picked up. */
export class PlanError extends Error {}

const STARTTLS_SCRIPTS = new Map<string, { name: string; script: Script }>();

function starttlsScript(spec: PortSpec): Plan['starttls'] {
  if (spec.starttls === 'none') return undefined;
  const key = `${spec.starttls}/${spec.maxBytes}`;
  let compiled = STARTTLS_SCRIPTS.get(key);
  if (!compiled) {
    const dialogue = STARTTLS_DIALOGUES[spec.starttls];
    const script = compileScript({ ...dialogue.spec, maxBytes: spec.maxBytes }, dialogue.rejects);
    compiled = { name: dialogue.name, script };
    STARTTLS_SCRIPTS.set(key, compiled);
  }
  return compiled;
}

function compile(spec: PortSpec): Plan {
  const host = bareHost(spec.host);
  const starttls = starttlsScript(spec);
  const secure = spec.tls || starttls !== undefined;
  return {
    spec,
    host,
    literal: net.isIP(host) as 0 | 4 | 6,
    family: spec.family === 'ipv4' ? 4 : spec.family === 'ipv6' ? 6 : 0,
    script: compileScript(spec),
    ...(starttls && { starttls }),
    ...(spec.quit.length > 0 && { quit: quitBytes(spec) }),
    ...(secure && { tls: tlsOptions(spec, host) }),
  };
}

function tlsOptions(spec: PortSpec, host: string): tls.ConnectionOptions {
  let ca: Buffer | undefined;
  if (spec.caFile) {
    try {
      ca = readFileSync(spec.caFile);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new PlanError(`cannot read caFile ${spec.caFile}: ${code}`);
    }
    try {
      new X509Certificate(ca);
    } catch {
      throw new PlanError(`caFile ${spec.caFile} holds no PEM certificate`);
    }
  }
  // The name the certificate must carry: the SNI, or the host as written when SNI is off.
  const identity = spec.sni || host;
  return {
    // One context per spec: parsing the trusted roots is the costly part of a TLS client.
    secureContext: tls.createSecureContext(ca ? { ca } : {}),
    ...(spec.sni && { servername: spec.sni }),
    rejectUnauthorized: spec.tlsVerify,
    checkServerIdentity: (_name, cert) => tls.checkServerIdentity(identity, cert),
  };
}
