import { isIP } from 'node:net';
import type { Reason } from '@portwarden/common/reasons';
import type { PortSpec } from '@portwarden/agent/probes/port/spec';
import type { Lookup } from '@portwarden/agent/probes/port/resolve';
import type { Probe, ProbeResult } from '@portwarden/agent/probes/probe';

/** Failures to connect: check_tcp moves on to the next address only after one of these. */
const CONNECT_FAILURES: ReadonlySet<Reason | undefined> = new Set<Reason | undefined>([
  'refused',
  'connect-timeout',
  'unreachable',
]);

const FAMILIES = { auto: 0, ipv4: 4, ipv6: 6 } as const;

/**
 * check_tcp's way with a name of several addresses (`localhost`: `::1` then `127.0.0.1`): connect
 * to each in turn, in the resolver's order, until one accepts; that address's conversation is the
 * verdict. All of it within the one timeout. A name with one address, an IP literal or a failed
 * lookup is the probe's own business (its `dns` reason included).
 */
export async function probeInTurn(
  spec: PortSpec,
  lookup: Lookup,
  probe: Probe<PortSpec>,
): Promise<ProbeResult> {
  const single = () => probe({ ...spec, addresses: 'first' }, {});
  if (isIP(spec.host)) return single();
  const family = FAMILIES[spec.family];
  let addresses: string[];
  try {
    const answer = await lookup(spec.host, { family, all: true });
    addresses = [
      ...new Set(
        answer
          .filter((a) => (a.family === 4 || a.family === 6) && (family === 0 || a.family === family))
          .map((a) => a.address),
      ),
    ];
  } catch {
    return single();
  }
  if (addresses.length <= 1) return single();
  const started = performance.now();
  let first: ProbeResult | undefined;
  for (const [i, address] of addresses.entries()) {
    const leftMs = Math.round(spec.timeoutMs - (performance.now() - started));
    if (leftMs <= 0) break;
    const result = await probe(
      {
        ...spec,
        // The certificate is still checked against the name (spec.sni came from it).
        host: address,
        addresses: 'first',
        timeoutMs: leftMs,
        connectTimeoutMs: Math.min(spec.connectTimeoutMs, leftMs),
      },
      {},
    );
    const durationMs = Math.round(performance.now() - started);
    if (!CONNECT_FAILURES.has(result.reason))
      return {
        ...result,
        durationMs,
        detail: `${address}, ${i + 1} of ${addresses.length} addresses: ${result.detail}`,
      };
    first ??= result;
  }
  // None accepted: the first address's failure, as check_tcp reports the connection it tried first.
  return { ...first!, durationMs: Math.round(performance.now() - started) };
}
