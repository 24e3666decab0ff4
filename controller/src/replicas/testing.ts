import type { ReplicaBus } from './bus.js';
import type { Channel } from './channels.js';

/** A bus of memoryBusHub: a ReplicaBus, and `resume()` to play listening coming back. */
export interface MemoryBus extends ReplicaBus {
  handlers: Map<string, Set<(payload: string) => void>>;
  resume(): void;
}

/** Replicas' bus in memory: what one notifies, every bus made by the same hub hears. */
export function memoryBusHub() {
  const buses: MemoryBus[] = [];
  function bus(): MemoryBus {
    const handlers = new Map<string, Set<(payload: string) => void>>();
    const resumeHandlers = new Set<() => void>();
    const made: MemoryBus = {
      handlers,
      on(channel: Channel, handler: (payload: string) => void) {
        const set = handlers.get(channel) ?? new Set();
        handlers.set(channel, set);
        set.add(handler);
        return () => void set.delete(handler);
      },
      onResume(handler: () => void) {
        resumeHandlers.add(handler);
        return () => void resumeHandlers.delete(handler);
      },
      async notify(channel: Channel, payload: string) {
        // As PostgreSQL does: later, and to every listener, the sender's own too.
        await Promise.resolve();
        for (const b of buses) for (const h of b.handlers.get(channel) ?? []) h(payload);
      },
      /** Listening came back after a cut. */
      resume() {
        for (const h of resumeHandlers) h();
      },
      async start() {},
      async stop() {},
    };
    buses.push(made);
    return made;
  }
  return { bus };
}
