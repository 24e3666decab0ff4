import type { PeerIdentity } from '../ca/identity.js';

export interface StreamLimits {
  /** Concurrent Connect streams one agent (one certificate name) may hold. */
  perIdentity: number;
  /** Concurrent Connect streams from one IP address (agents behind a NAT share one). */
  perIp: number;
}

interface Tracked {
  ip: string;
  identity: PeerIdentity | undefined;
}

/**
 * The Connect streams open on this replica, counted per peer IP and per identity. A newer stream
 * of an agent still replaces its older one (SessionRegistry); these bounds stop a flood of
 * streams that never get that far.
 */
export class StreamTracker {
  private readonly byKey = new Map<string, number>();
  private readonly open = new Set<Tracked>();

  constructor(private readonly limits: StreamLimits) {}

  /** Counts a new stream; returns its release function, or why it is refused. */
  acquire(ip: string, identity?: PeerIdentity): { release: () => void } | { refused: 'ip' | 'identity' } {
    if (this.count(`ip:${ip}`) >= this.limits.perIp) return { refused: 'ip' };
    if (identity && this.count(`agent:${identity.name}`) >= this.limits.perIdentity)
      return { refused: 'identity' };
    const tracked: Tracked = { ip, identity };
    this.open.add(tracked);
    const keys = [`ip:${ip}`, ...(identity ? [`agent:${identity.name}`] : [])];
    for (const key of keys) this.byKey.set(key, this.count(key) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open.delete(tracked);
        for (const key of keys) {
          const left = this.count(key) - 1;
          if (left > 0) this.byKey.set(key, left);
          else this.byKey.delete(key);
        }
      },
    };
  }

  /** The certificates the open streams were admitted with. */
  identities(): PeerIdentity[] {
    return [...this.open].flatMap((t) => (t.identity ? [t.identity] : []));
  }

  count(key: string): number {
    return this.byKey.get(key) ?? 0;
  }
}
