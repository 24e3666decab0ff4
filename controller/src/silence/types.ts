import type { Matcher } from '@portwarden/common/matchers';
import type { ResolvedMaintenance } from '@portwarden/common/policy/resolved';
import type { IncidentEvent } from '../state/event.js';

/** A silence as stored (store/silences.ts). */
export interface Silence {
  id: number;
  matchers: Matcher[];
  startsAt: Date;
  /** Planned end. */
  endsAt: Date;
  comment: string;
  /** The API token's name. */
  createdBy: string;
  createdAt: Date;
  /** Set when expired by hand, earlier than `endsAt`. */
  expiredAt: Date | null;
}

/** What covers an event: a silence or a maintenance window. */
export type Cover = { kind: 'silence'; id: number } | { kind: 'maintenance'; name: string };

/** What coverage is decided from; the PostgreSQL one is store/silences.ts `createCoverSource`. */
export interface CoverSource {
  /** Silences that have not ended at `now` (active or pending). */
  silences(now: Date): Promise<Silence[]>;
  /** The maintenance windows of the policy revision in force. */
  maintenance(): Promise<ResolvedMaintenance[]>;
}

/** A channel's notification of an incident's latest firing before an event. */
export interface FiringRecord {
  status: string;
  /** The hold's note (`silence 7`) or the error; absent when none. */
  note?: string;
}

/** What the gate needs to let a resolve follow its firing. */
export interface FiringLookup {
  /** The record of `channelKey` for the incident's latest `opened` event before this one; undefined when none. */
  firingBefore(event: IncidentEvent, channelKey: string): Promise<FiringRecord | undefined>;
}

/** The latest firing of an open incident, held on some channel by a silence or maintenance window. */
export interface HeldFiring {
  incidentId: number;
  outboxId: number;
  payload: Omit<IncidentEvent, 'outboxId'>;
  /** The note of the hold, `silence 7` or `maintenance <name>`. */
  note: string;
}

/** What the release sweep needs: one transaction that locks held firings and writes outbox rows. */
export interface ReleaseStore {
  /**
   * Locks (`FOR UPDATE SKIP LOCKED`) open incidents whose latest firing was held, and writes an
   * outbox event for each one `decide` returns one for, in one transaction. Returns how many.
   */
  releaseHeld(decide: (held: HeldFiring) => Omit<IncidentEvent, 'outboxId'> | undefined): Promise<number>;
}
