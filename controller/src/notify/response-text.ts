import type { ResponseVerdict } from '@portwarden/common/firewall';
import type { IncidentResponse } from '../state/event.js';

const VERDICT_TEXT: Record<ResponseVerdict, string> = {
  recovered: 'the response worked',
  failed: 'the response failed',
  denied: "the response was denied by the agent's local config",
  suppressed: 'the response was held back',
  rebooting: 'the host is rebooting',
  none: 'no response configured',
};

/**
 * What the agent tried and how it ended, in one line for people:
 * `the response failed: restart-service nginx: done, then the check was still down (refused)`.
 */
export function describeResponse(response: IncidentResponse): string {
  const tried = response.attempts.map((a) => {
    const how = a.status === 'done' ? 'done' : `${a.status} (${a.detail})`;
    const verification = a.verification;
    const after = !verification
      ? ''
      : verification.outcome === 'up'
        ? ', then the check was up'
        : `, then the check was still down (${verification.reason || 'down'})`;
    return `${a.kind} ${a.target}: ${how}${after}`;
  });
  return `${VERDICT_TEXT[response.verdict]}: ${tried.length > 0 ? tried.join('; ') : 'nothing ran'}`;
}
