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
  stop(): void;
}

/** The bus's own channel: a ping it sends itself to learn that it still hears. */
const PING = 'portwarden_bus_ping';
/** Channels listened again within this long of each other are one resumption. */
const RESUME_SETTLE_MS = 100;

export interface ReplicaBusOptions {
  /** Without it the bus only sends: one replica, one connection (the quick start). @default true */
  listen?: boolean;
  /** How long start waits for LISTEN before it goes on without (the check listens again). @default 10000 */
  startTimeoutMs?: number;
  /** How often the bus pings itself; a ping not heard by the next one means listening is lost. @default 10000 */
  checkMs?: number;
}

export function createReplicaBus(sql: Sql, logger: Logger, options: ReplicaBusOptions = {}): ReplicaBus {
  const log = logger.child({ component: 'replicas' });
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const resumeHandlers = new Set<() => void>();
  const unlistens: (() => Promise<void>)[] = [];
  const busId = randomUUID();
  let started = false;
  let stopped = false;
  let resumeScheduled = false;
  let pingsUnheard = 0;
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

  /** One call for all channels that listened again at once (postgres.js re-listens each in turn). */
  const resumed = () => {
    if (!started || stopped || resumeScheduled) return;
    resumeScheduled = true;
    setTimeout(() => {
      resumeScheduled = false;
      log.info('listening to other replicas again; reloading what they may have changed');
      for (const handler of resumeHandlers) handler();
    }, RESUME_SETTLE_MS).unref();
  };

  const listenAll = async () => {
    const listened = await Promise.all(
      [...Object.values(CHANNELS), PING].map((channel) =>
        sql.listen(channel, (payload) => dispatch(channel, payload), resumed),
      ),
    );
    unlistens.push(...listened.map((l) => l.unlisten));
  };

  /** A ping not heard since the last check: listening is lost for good (postgres.js gave up). */
  const check = async () => {
    if (pingsUnheard > 0) {
      log.warn('no longer hearing other replicas; listening again');
      const old = unlistens.splice(0);
      await Promise.all(old.map((unlisten) => unlisten().catch(() => undefined)));
      await listenAll();
      resumed();
    }
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
      if (options.listen === false) return;
      let timeout: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave up'>((resolve) => {
        timeout = setTimeout(() => resolve('gave up'), options.startTimeoutMs ?? 10_000);
      });
      const listening = listenAll().then(
        () => 'listening' as const,
        (err: unknown) => (log.error({ err }, 'cannot LISTEN for other replicas'), 'failed' as const),
      );
      // A LISTEN that fails or hangs holds no start: the first check tries again, and the poll
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

    // The listening connection closes with the pool (sql.end() in the database part).
    stop() {
      stopped = true;
      clearInterval(timer);
      void checking;
    },
  };
}
