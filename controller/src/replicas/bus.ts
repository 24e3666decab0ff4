import { randomUUID } from 'node:crypto';
import type { Logger } from '@portwarden/common/logger';
import type { Sql } from '../store/db.js';
import { CHANNELS, type Channel } from './channels.js';

/**
 * What replicas say to each other, over PostgreSQL LISTEN/NOTIFY: every replica listens on every
 * channel of channels.ts, on one connection of its own (postgres.js `sql.listen`). Nothing is
 * kept: a notification sent while a replica's listening connection is down is lost to it, so a
 * replica reloads what it holds when listening resumes (`onResume`), and a slow poll elsewhere
 * catches what slipped through anyway.
 */
export interface ReplicaBus {
  /** `handler` hears every notification on `channel`, this replica's own included. */
  on(channel: Channel, handler: (payload: string) => void): () => void;
  /** Listening resumed after its connection was lost: notifications may have been missed. */
  onResume(handler: () => void): () => void;
  /** NOTIFY outside a transaction: delivered at once to every replica listening (this one too). */
  notify(channel: Channel, payload: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The bus's own channel: a ping it sends itself to learn that it still hears. */
const PING = 'portwarden_bus_ping';
/** Channels listened again within this long of each other are one resumption. */
const RESUME_SETTLE_MS = 100;

export interface ReplicaBusOptions {
  /**
   * A client of its own to LISTEN with (postgres.js opens one connection for it), made anew when
   * listening is lost for good. Without it the bus only sends: one replica, one connection (the
   * quick start's embedded PostgreSQL).
   */
  listenClient?: () => Sql;
  /** How long start waits for LISTEN before it goes on without (the check listens again). @default 10000 */
  startTimeoutMs?: number;
  /** How often the bus pings itself; a ping not heard by the next one means listening is lost. @default 10000 */
  checkMs?: number;
}

export function createReplicaBus(sql: Sql, logger: Logger, options: ReplicaBusOptions = {}): ReplicaBus {
  const log = logger.child({ component: 'replicas' });
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const resumeHandlers = new Set<() => void>();
  const busId = randomUUID();
  let listener: Sql | undefined;
  let started = false;
  let stopped = false;
  let resumeScheduled = false;
  /** Pings sent and not heard back; LISTENs that succeeded, in all and when the first went out. */
  let pingsUnheard = 0;
  let listens = 0;
  let listensAtPing = 0;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> = Promise.resolve();

  const dispatch = (channel: string, payload: string) => {
    if (stopped) return;
    if (channel === PING) {
      if (payload === busId) pingsUnheard = 0;
      return;
    }
    for (const handler of handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (err) {
        log.error({ err, channel }, 'a replica notification handler failed');
      }
    }
  };

  /** Each LISTEN that succeeded; after the first round, postgres.js listening again after a drop. */
  const listened = () => {
    listens += 1;
    if (!started || stopped || resumeScheduled) return;
    // One call for all channels: postgres.js listens again on each in turn.
    resumeScheduled = true;
    setTimeout(() => {
      resumeScheduled = false;
      log.info('listening to other replicas again; reloading what they may have changed');
      for (const handler of resumeHandlers) handler();
    }, RESUME_SETTLE_MS).unref();
  };

  /** Only the client in use dispatches: while a new one takes over, nothing is heard twice. */
  const listenAll = async (client: Sql) => {
    await Promise.all(
      [...Object.values(CHANNELS), PING].map((channel) =>
        client.listen(
          channel,
          (payload) => {
            if (client === listener) dispatch(channel, payload);
          },
          listened,
        ),
      ),
    );
  };

  /**
   * Two pings unheard, and no LISTEN since the first was sent: postgres.js lost the connection and
   * could not listen again. A new client listens, then takes over from the old one.
   */
  const check = async () => {
    if (pingsUnheard >= 2 && listens === listensAtPing && options.listenClient) {
      log.warn('no longer hearing other replicas; listening again');
      const next = options.listenClient();
      try {
        await listenAll(next);
      } catch (err) {
        void next.end({ timeout: 1 });
        throw err;
      }
      const old = listener;
      listener = next;
      pingsUnheard = 0;
      void old?.end({ timeout: 1 });
    }
    if (pingsUnheard === 0) listensAtPing = listens;
    pingsUnheard += 1;
    await sql.notify(PING, busId);
  };

  return {
    on(channel, handler) {
      const set = handlers.get(channel) ?? new Set();
      handlers.set(channel, set);
      set.add(handler);
      return () => set.delete(handler);
    },

    onResume(handler) {
      resumeHandlers.add(handler);
      return () => resumeHandlers.delete(handler);
    },

    async notify(channel, payload) {
      await sql.notify(channel, payload);
    },

    async start() {
      if (!options.listenClient) return;
      listener = options.listenClient();
      let timeout: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave up'>((resolve) => {
        timeout = setTimeout(() => resolve('gave up'), options.startTimeoutMs ?? 10_000);
      });
      const listening = listenAll(listener).then(
        () => 'listening' as const,
        (err: unknown) => (log.error({ err }, 'cannot LISTEN for other replicas'), 'failed' as const),
      );
      // A LISTEN that fails or hangs holds no start: the check tries again, and the poll
      // (config-fanout.ts) and the sweep (revocation.ts) do without meanwhile.
      if ((await Promise.race([listening, gaveUp])) !== 'listening')
        log.error('not listening to other replicas yet; changes they make arrive by the poll until then');
      clearTimeout(timeout);
      started = true;
      timer = setInterval(() => {
        checking = checking
          .then(check)
          .catch((err: unknown) => log.warn({ err }, 'cannot reach PostgreSQL to listen to other replicas'));
      }, options.checkMs ?? 10_000);
      timer.unref();
    },

    async stop() {
      stopped = true;
      clearInterval(timer);
      await listener?.end({ timeout: 1 });
    },
  };
}
