import { lookup as dnsLookup } from 'node:dns/promises';
import type { Plan } from './plan.js';

/** One address to connect to. */
export interface Target {
  address: string;
  family: 4 | 6;
  port: number;
  /** `127.0.0.1:25`, `[::1]:25`: how details name it. */
  where: string;
}

export interface LookupAddress {
  address: string;
  family: number;
}

/** The resolver the probe uses; always asked for every address, in the resolver's order. */
export type Lookup = (
  hostname: string,
  options: { family: 0 | 4 | 6; all: true },
) => Promise<LookupAddress[]>;

/** The system resolver, as every other program on the machine uses it (getaddrinfo). */
export const systemLookup: Lookup = (hostname, options) => dnsLookup(hostname, options);

export function target(address: string, family: 4 | 6, port: number): Target {
  return { address, family, port, where: `${family === 6 ? `[${address}]` : address}:${port}` };
}

const literalTargets = new WeakMap<Plan, Target[]>();

/** An IP literal needs no resolver: its one target, made once per plan. */
export function literalTarget(plan: Plan): Target[] {
  let targets = literalTargets.get(plan);
  if (!targets) {
    targets = [target(plan.host, plan.literal as 4 | 6, plan.spec.port)];
    literalTargets.set(plan, targets);
  }
  return targets;
}

/**
 * The targets of a lookup's answer: the first address for `addresses: first`, every distinct one
 * otherwise. Undefined when the answer holds none of the wanted family.
 */
export function targetsOf(plan: Plan, answer: LookupAddress[]): Target[] | undefined {
  const usable = answer.filter(
    (a) => (a.family === 4 || a.family === 6) && (plan.family === 0 || a.family === plan.family),
  );
  if (usable.length === 0) return undefined;
  const chosen = plan.spec.addresses === 'first' ? usable.slice(0, 1) : usable;
  const seen = new Set<string>();
  return chosen
    .filter((a) => !seen.has(a.address) && seen.add(a.address))
    .map((a) => target(a.address, a.family as 4 | 6, plan.spec.port));
}

/** `cannot resolve db.example: ENOTFOUND`. */
export function lookupFailure(host: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return `cannot resolve ${host}: ${code}`;
}
