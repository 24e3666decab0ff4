import type { ResolvedPolicy } from './resolved.js';

/**
 * Time to first page: the worst-case time from a check starting to fail to the first notification
 * of it, `interval × failuresBeforeAlert + timeout + groupWait` (groupWait of the check's alert
 * group, 0 without grouping). Shown by `portwarden apply --dry-run` so that a policy's noise
 * control can be weighed against how late it pages. Pure: from the resolved policy alone.
 */
export interface FirstPage {
  checkId: string;
  name: string;
  alertGroup: string;
  intervalMs: number;
  failuresBeforeAlert: number;
  timeoutMs: number;
  /** 0 when the alert group does not group. */
  groupWaitMs: number;
  firstPageMs: number;
  /** A disabled check never pages; its time is what it would be. */
  enabled: boolean;
}

export function timeToFirstPage(policy: ResolvedPolicy): FirstPage[] {
  return policy.checks.map((check) => {
    const groupWaitMs = policy.alertGroups[check.alertGroup]?.grouping?.waitMs ?? 0;
    return {
      checkId: check.id,
      name: check.name,
      alertGroup: check.alertGroup,
      intervalMs: check.intervalMs,
      failuresBeforeAlert: check.failuresBeforeAlert,
      timeoutMs: check.timeoutMs,
      groupWaitMs,
      firstPageMs: check.intervalMs * check.failuresBeforeAlert + check.timeoutMs + groupWaitMs,
      enabled: check.enabled,
    };
  });
}
