/**
 * Inhibition, as a pure function: while an agent is unreachable (its "agent unreachable" incident
 * is open), incidents of its checks are recorded, not told; the unreachability is the one alert.
 *
 * Results replayed from the agent's spool after it reconnects arrive when the liveness incident
 * may already be resolved, but they describe the time the agent was unreachable: a result whose
 * probe time (the agent's clock) falls inside an unreachable span is judged as inhibited too. That
 * keeps the replay of an outage (typically one cause: the network or the host) from paging for
 * each check after "agent reachable again" has been told. A check still failing after the
 * reconnect is not lost: its next live result releases the held firing (state/tell.ts).
 * Results probed before the span opened are judged as usual: the check failed while the agent
 * was still heard.
 */
export interface UnreachableSpan {
  openedAt: Date;
  /** Null while the agent is still unreachable. */
  resolvedAt: Date | null;
}

export function inhibited(spans: readonly UnreachableSpan[], probedAt: Date | undefined): boolean {
  return spans.some((span) => {
    if (span.resolvedAt === null) return true;
    if (!probedAt) return false;
    return probedAt >= span.openedAt && probedAt <= span.resolvedAt;
  });
}
