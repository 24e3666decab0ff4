/** What the repeat and escalation decisions know of one incident, as of the sweep. */
export interface FollowupIncident {
  openedAt: Date;
  ackedAt: Date | null;
  resolvedAt: Date | null;
  /**
   * When a firing notification (the opening, a repeat, a release) for the incident's own group was
   * last sent to any channel; null while none was (held by a silence, inhibited, not yet delivered).
   */
  firingSentAt: Date | null;
  /** When the last repeat was written to the outbox (it may not be sent yet); null if none. */
  repeatWrittenAt: Date | null;
}

/** Why an incident gets no follow-up: nobody needs reminding, or nobody was told in the first place. */
export type QuietReason = 'resolved' | 'acknowledged' | 'not-sent';

/** The reasons common to repeats and escalations, or undefined when the incident is still pending. */
export function quietReason(incident: FollowupIncident): QuietReason | undefined {
  if (incident.resolvedAt) return 'resolved';
  if (incident.ackedAt) return 'acknowledged';
  if (!incident.firingSentAt) return 'not-sent';
  return undefined;
}

export type RepeatDecision = { repeat: true } | { repeat: false; reason: QuietReason | 'not-due' };

/**
 * Alertmanager's `repeat_interval`: an open, unacknowledged incident whose firing was sent is sent
 * again once `repeatIntervalMs` passed since the last firing sent or repeat written, whichever is
 * later (a repeat still in the queue counts, so a slow channel never gets two).
 */
export function decideRepeat(
  incident: FollowupIncident,
  repeatIntervalMs: number,
  now: Date,
): RepeatDecision {
  const quiet = quietReason(incident);
  if (quiet) return { repeat: false, reason: quiet };
  const last = Math.max(incident.firingSentAt!.getTime(), incident.repeatWrittenAt?.getTime() ?? 0);
  return now.getTime() - last >= repeatIntervalMs ? { repeat: true } : { repeat: false, reason: 'not-due' };
}
