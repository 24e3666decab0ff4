/**
 * A closed loop: `concurrency` workers, each starting its next probe as soon as the last one
 * ends, until the duration or the count runs out. Probes in flight at the deadline finish and count.
 */

/** One probe: resolves to undefined when it succeeded, or to a short text saying why it failed. */
export type ProbeOnce = () => Promise<string | undefined>;

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  maxProbes: number;
}

export interface LoadResult {
  probes: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  elapsedMs: number;
}

const MAX_FAILURE_KINDS = 8;

export async function closedLoop(probe: ProbeOnce, options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { probes: 0, ok: 0, failed: 0, failures: {}, elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + options.durationMs;
  let launched = 0;
  const worker = async () => {
    while (launched < options.maxProbes && performance.now() < deadline) {
      launched += 1;
      const failure = await probe().catch((err: unknown) => `threw: ${(err as Error).message}`);
      result.probes += 1;
      if (failure === undefined) result.ok += 1;
      else tally(result, failure);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

function tally(result: LoadResult, failure: string): void {
  result.failed += 1;
  const known = Object.keys(result.failures);
  const key = known.includes(failure) || known.length < MAX_FAILURE_KINDS ? failure.slice(0, 120) : 'other';
  result.failures[key] = (result.failures[key] ?? 0) + 1;
}
