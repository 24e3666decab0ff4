import type { ChannelDocument } from '@portwarden/common/policy/schema';

/**
 * Where delivery finds an event's channels: in the policy revision the event names. Events and
 * queue jobs carry no channel config (a webhook's headers may hold credentials); it is read here,
 * when sending. The PostgreSQL version is store/policy-revisions.ts.
 */
export interface ChannelRoutes {
  /** The channels of alert group `groupId` in policy revision `revision`; none when it has none. */
  channels(revision: number, groupId: string): Promise<readonly ChannelDocument[]>;
}
