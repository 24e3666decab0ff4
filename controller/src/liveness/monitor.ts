import type { Logger } from '@portwarden/common/logger';
import type { Labels } from '@portwarden/common/labels';
import { bookTransition, type IncidentBook } from '../state/book.js';
import type { EventGroup, GroupingRule, Subject } from '../state/event.js';
import { judgeLiveness, LIVENESS_THRESHOLDS, livenessCheck, livenessState } from '../state/liveness.js';
import { nextState } from '../state/next-state.js';

export interface LivenessSettings {
  /** Silence after which an agent is unreachable. @default 30000 (3 missed heartbeats of 10 s) */
  silenceMs: number;
  /** Who is told; undefined records the incident without notifying. */
  alertGroup: EventGroup | undefined;
  /** The policy revision the group comes from. */
  policyRevision: number;
  /** The group's grouping; absent: each agent is told of at once. */
  grouping?: GroupingRule;
}

export interface LivenessAgent {
  id: number;
  name: string;
  hostname: string;
  labels: Labels;
  lastSeenAt: Date | null;
}

export interface OpenLiveness {
  incidentId: number;
  openedAt: Date;
  agent: LivenessAgent;
}

/** What liveness needs from storage, inside one transaction. The PostgreSQL version is in store/. */
export interface LivenessTransaction extends IncidentBook {
  /** Agents last seen before `cutoff` without an open liveness incident, locked (others skipped). */
  quietAgents(cutoff: Date): Promise<LivenessAgent[]>;
  /** Records the agent heard at `at` (never moving back); returns its open liveness incident, locked. */
  heard(agentId: number, at: Date): Promise<OpenLiveness | undefined>;
  /**
   * Records many agents heard, in one statement, skipping rows that already say within `slackMs`
   * of it; returns the open liveness incidents of those agents, locked.
   */
  heardMany(seen: { agentId: number; at: Date }[], slackMs: number): Promise<OpenLiveness[]>;
}

export interface LivenessStore {
  transaction<T>(work: (tx: LivenessTransaction) => Promise<T>): Promise<T>;
}

export interface LivenessMonitorOptions {
  store: LivenessStore;
  logger: Logger;
  /** Read on every pass, so a new policy applies at once. */
  settings(): LivenessSettings;
  /** Outbox rows were written. */
  onEvents(): void;
  /** How often silence is looked for. @default 5000 */
  intervalMs?: number;
  /** How often heartbeats, and the agents with streams here, are written in bulk. @default silence / 6, at most 5000 */
  writeIntervalMs?: number;
  now?: () => Date;
}

/** What a session tells liveness about its agent. */
export interface LivenessPort {
  /**
   * The agent said hello on a stream of this process: until the returned function is called (the
   * stream closed), it is heard, even while its messages wait for the store, since its transport
   * answers keepalive pings.
   */
  streamOpened(agentName: string): () => void;
  /**
   * A hello: remembered at once; recorded, and the agent's "unreachable" incident resolved, in the
   * background. From then on the agent counts as heard while its stream is open. Never throws,
   * never waits for the store.
   */
  greeted(agent: { id: number; name: string }): void;
  /**
   * A heartbeat: remembered at once, written with every other agent's in the next bulk write (no
   * commit of its own). Never throws, never waits for the store.
   */
  heard(agent: { id: number; name: string }): void;
}

/**
 * Missed heartbeats become ordinary observations on the same path as check results
 * (state/liveness.ts decides, state/book.ts books): opened after the configured silence, resolved
 * when the agent is heard from again. Silence is judged on what this process saw of each agent,
 * and not at all until its store has answered for a full window.
 */
export function createLivenessMonitor(options: LivenessMonitorOptions) {
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ component: 'liveness' });
  /** When this process last heard from each agent, by name. */
  const heardAt = new Map<string, Date>();
  /** Open streams of each agent on this process, by name. */
  const streams = new Map<string, number>();
  const lastHeard = (name: string, at: Date) => (streams.has(name) ? at : heardAt.get(name));
  /** Since when the store has answered; undefined at start and after a failure. */
  let storeUpSince: Date | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  /** After stop, sessions still closing are remembered but not written: the store is going. */
  let stopped = false;

  const storeFailed = (err: unknown, what: string) => {
    if (storeUpSince)
      logger.warn({ err }, `${what} failed; agents are judged again a full window after the store answers`);
    storeUpSince = undefined;
  };

  const subject = (agent: LivenessAgent, settings: LivenessSettings): Subject => ({
    agent,
    check: livenessCheck(agent.hostname),
    group: settings.alertGroup,
    policyRevision: settings.policyRevision,
    ...(settings.grouping && { grouping: settings.grouping }),
  });

  /** Opens an incident for one quiet agent if it is silent; returns outbox rows written. */
  const judge = async (
    tx: LivenessTransaction,
    agent: LivenessAgent,
    at: Date,
    settings: LivenessSettings,
  ) => {
    const verdict = judgeLiveness({
      storedSeenAt: agent.lastSeenAt,
      heardAt: lastHeard(agent.name, at),
      now: at,
      silenceMs: settings.silenceMs,
      storeUpSince,
    });
    if (verdict.verdict === 'unjudged') return 0;
    if (verdict.verdict === 'alive') {
      await tx.heard(agent.id, verdict.heardAt);
      return 0;
    }
    const prev = livenessState(undefined, agent.lastSeenAt);
    const decision = nextState(prev, verdict.observation, LIVENESS_THRESHOLDS);
    const cause = { reason: 'agent-unreachable', detail: verdict.detail };
    const booked = await bookTransition(tx, subject(agent, settings), {
      prev,
      decision,
      incidentId: null,
      cause,
      at,
    });
    if (booked.incidentId !== null)
      logger.warn({ agent: agent.name, silenceMs: settings.silenceMs }, 'agent unreachable');
    return booked.events;
  };

  const tick = async () => {
    const at = now();
    const settings = options.settings();
    try {
      const events = await options.store.transaction(async (tx) => {
        const quiet = await tx.quietAgents(new Date(at.getTime() - settings.silenceMs));
        storeUpSince ??= now(); // not `at`: the query may have waited long for a connection
        let written = 0;
        for (const agent of quiet) written += await judge(tx, agent, at, settings);
        return written;
      });
      if (events > 0) options.onEvents();
    } catch (err) {
      storeFailed(err, 'liveness pass');
    }
  };

  const resolve = async (tx: LivenessTransaction, agentId: number, at: Date) => {
    const open = await tx.heard(agentId, at);
    if (!open) return 0;
    const prev = livenessState(open, open.agent.lastSeenAt);
    const booked = await bookTransition(tx, subject(open.agent, options.settings()), {
      prev,
      decision: nextState(prev, { outcome: 'up', at }, LIVENESS_THRESHOLDS),
      incidentId: open.incidentId,
      cause: { reason: 'agent-unreachable', detail: '' },
      at,
    });
    logger.info({ agent: open.agent.name }, 'agent reachable again');
    return booked.events;
  };

  /** Store writes of hellos in flight, one per agent at most. */
  const writing = new Map<string, Promise<void>>();

  const record = async (agent: { id: number; name: string }, at: Date) => {
    try {
      if ((await options.store.transaction((tx) => resolve(tx, agent.id, at))) > 0) options.onEvents();
    } catch (err) {
      storeFailed(err, 'recording a hello');
    } finally {
      writing.delete(agent.name);
    }
  };

  /** Heartbeats since the last bulk write, by agent id. */
  let heardSince = new Map<number, { name: string; at: Date }>();
  /** Agents greeted on a stream of this process still open, by name: written as heard each time. */
  const greetedHere = new Map<string, number>();
  const writeIntervalMs = () => options.writeIntervalMs ?? Math.min(5_000, options.settings().silenceMs / 6);
  let writer: NodeJS.Timeout | undefined;
  let writes: Promise<void> = Promise.resolve();

  /**
   * One transaction for every agent heard since the last: heartbeats cost no commit of their own.
   * Agents with a stream here are written too, even when their heartbeats wait behind a stream that
   * flow control stopped reading, so another replica never judges them silent.
   */
  const writeHeard = async () => {
    const at = now();
    const seen = new Map([...heardSince].map(([agentId, h]) => [agentId, h.at]));
    heardSince = new Map();
    for (const [name, agentId] of greetedHere) if (streams.has(name)) seen.set(agentId, at);
    if (seen.size === 0) return;
    try {
      const slackMs = writeIntervalMs();
      const events = await options.store.transaction(async (tx) => {
        const open = await tx.heardMany(
          [...seen].map(([agentId, heardAt]) => ({ agentId, at: heardAt })),
          slackMs,
        );
        let written = 0;
        for (const incident of open)
          written += await resolve(tx, incident.agent.id, seen.get(incident.agent.id)!);
        return written;
      });
      if (events > 0) options.onEvents();
    } catch (err) {
      storeFailed(err, 'recording heartbeats');
    }
  };

  const port: LivenessPort = {
    streamOpened(agentName) {
      streams.set(agentName, (streams.get(agentName) ?? 0) + 1);
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        heardAt.set(agentName, now());
        const left = streams.get(agentName)! - 1;
        if (left > 0) streams.set(agentName, left);
        else {
          streams.delete(agentName);
          greetedHere.delete(agentName);
        }
      };
    },
    greeted(agent) {
      const at = now();
      heardAt.set(agent.name, at);
      if (streams.has(agent.name)) greetedHere.set(agent.name, agent.id);
      // A store that hangs must not hold up the agent's stream, nor pile up writes: while one is
      // in flight the agent's news stays in memory, which is what judging reads first.
      if (!stopped && !writing.has(agent.name)) writing.set(agent.name, record(agent, at));
    },
    heard(agent) {
      const at = now();
      heardAt.set(agent.name, at);
      if (!stopped) heardSince.set(agent.id, { name: agent.name, at });
    },
  };

  return {
    ...port,

    start(): void {
      stopped = false;
      timer = setInterval(() => {
        pass = pass.then(tick);
      }, options.intervalMs ?? 5_000);
      writer = setInterval(() => {
        writes = writes.then(writeHeard);
      }, writeIntervalMs());
    },

    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      clearInterval(writer);
      await pass;
      await writes;
      await Promise.all(writing.values());
    },
  };
}

export type LivenessMonitor = ReturnType<typeof createLivenessMonitor>;
