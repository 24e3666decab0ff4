import type { ResponseStatus } from '@portwarden/common/firewall';
import type { ResponseReason } from '@portwarden/common/reasons';
import type { CommandSummary } from '../probes/firewall/provider.js';
import type { ResponseKind } from './spec.js';

/** What one response did, as the agent reports it to the controller and writes it to the audit log. */
export interface ResponseOutcome {
  kind: ResponseKind;
  /** The service, the program, the profiles, or `host`. */
  target: string;
  /**
   * `done`: every command ran and exited 0 (whether it helped is the verification's to say).
   * `failed`: a command failed, timed out or could not be built. `denied`: the local config does
   * not allow it; nothing ran. `suppressed`: the reboot guard or Group Policy held it back; nothing ran.
   */
  status: ResponseStatus;
  reason?: ResponseReason | 'gpo-override';
  detail: string;
  startedAtUnixMs: number;
  durationMs: number;
  /** Every command run, arguments redacted. */
  commands: CommandSummary[];
}
