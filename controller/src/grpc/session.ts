import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '@portwarden/common/logger';
import type { ConnectRequest, ConnectResponse } from '@portwarden/proto/agent/v1';
import { StoppingError, type GroupCommit } from '../ingest/group-commit.js';
import type { LivenessPort } from '../liveness/monitor.js';
import { overrideFor } from '../override/decide.js';
import type { IngestMetrics } from '../metrics/types.js';
import { agentConfig } from '../policy/agent-config.js';
import type { PolicyService } from '../policy/policy-service.js';
import type { AgentRecord } from '../store/agents.js';
import type { CheckOverride } from '../store/check-overrides.js';
import type { SessionAgents, SessionGaps } from './session-stores.js';
import type { TestBroker } from '../testnow/broker.js';
import { nextAck, STREAM_START, type AckInput } from './acks.js';
import type { FlowGate } from './flow-control.js';
import { validateGap } from './gaps.js';
import { InvalidMessageError, validateHello, validateResults } from './validate.js';

export type AgentCall = ServerDuplexStream<ConnectRequest, ConnectResponse>;

export interface SessionDeps {
  agents: SessionAgents;
  /** Where results batches go to be committed with those of other streams (ingest/group-commit.ts). */
  ingest: Pick<GroupCommit, 'submit'>;
  /** Bounds what is read and not yet committed, per stream and in total (grpc/flow-control.ts). */
  flow: FlowGate;
  /** Where gap reports (results the agent's full spool dropped) are recorded. */
  gaps: SessionGaps;
  /** Where "test now" answers go (testnow/broker.ts); without it they are ignored. */
  tests?: Pick<TestBroker, 'settle'>;
  policy: PolicyService;
  /** The run-time overrides (`portwarden disable`), read for each agent that connects. */
  overrides: { list(): Promise<CheckOverride[]> };
  registry: SessionRegistry;
  logger: Logger;
  /** What the session saw of its agent, for the liveness judgement (liveness/monitor.ts). */
  liveness: LivenessPort;
  /** @default 10000 */
  helloTimeoutMs?: number;
  /** Batches, results and ack latency for /metrics (metrics/). @default none */
  metrics?: IngestMetrics;
}

/** The open sessions of this replica, by agent name; a reconnecting agent replaces its old stream. */
export class SessionRegistry {
  readonly sessions = new Map<string, AgentSession>();
  /** Stopping: streams are read no further, so what is in flight commits and is acknowledged. */
  draining = false;

  /** Stops reading every stream; what was read still commits (see grpcPart's close). */
  drain(): void {
    this.draining = true;
    for (const session of this.sessions.values()) session.pauseReading();
  }

  add(session: AgentSession): void {
    this.sessions
      .get(session.agent.name)
      ?.close(status.ALREADY_EXISTS, 'replaced by a newer connection of the same agent');
    this.sessions.set(session.agent.name, session);
  }

  remove(session: AgentSession): boolean {
    if (this.sessions.get(session.agent.name) !== session) return false;
    this.sessions.delete(session.agent.name);
    return true;
  }
}

export class AgentSession {
  private closed = false;
  private acks = STREAM_START;
  /** Seqs committed since the last ack went out: the commits of one group answer in one ack. */
  private committed: number[] = [];
  constructor(
    readonly agent: AgentRecord,
    private readonly call: AgentCall,
  ) {}

  send(message: ConnectResponse): void {
    if (!this.closed) this.call.write(message);
  }

  /**
   * The agent's part of the policy in force, with the checks `overrides` disable here sent disabled.
   * The revision stays the policy's: a push after an override carries the same one, and the agent
   * applies every push it gets.
   */
  pushConfig(policy: PolicyService, overrides: readonly CheckOverride[]): void {
    const current = policy.current();
    const disabledHere = (checkId: string) => overrideFor(overrides, checkId, this.agent.name) !== undefined;
    const config = agentConfig(current?.policy, this.agent.labels, disabledHere);
    this.send({ body: { $case: 'config', value: { revision: current?.revision ?? 0, config } } });
  }

  /** After a commit or a gap report: the ack, when it moved or a batch is answered (grpc/acks.ts). */
  acknowledge(input: AckInput): void {
    const before = this.acks.acked;
    this.acks = nextAck(this.acks, input);
    if ('committed' in input || this.acks.acked > before)
      this.send({ body: { $case: 'ack', value: { upToSeq: this.acks.acked } } });
  }

  /** A batch committed: its ack goes out with those of the other batches of the same group commit. */
  committedBatch(seqs: number[]): void {
    if (this.committed.length === 0) setImmediate(() => this.flushCommitted());
    for (const seq of seqs) this.committed.push(seq);
  }

  pauseReading(): void {
    this.call.pause();
  }

  /** Sends the ack of what committed and has not been acknowledged yet, now. */
  flushCommitted(): void {
    if (this.committed.length === 0) return;
    const committed = this.committed;
    this.committed = [];
    this.acknowledge({ committed });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(code: status, details: string): void {
    if (this.closed) return;
    this.closed = true;
    this.call.emit('error', { code, details });
  }
}

/**
 * One agent's stream: hello first, then config down and results up. Results batches go to the
 * group commit as they are read, several in flight at once, within the flow gate's bounds; other
 * messages are handled one at a time, in order, with the stream paused meanwhile. Heartbeats never
 * wait. (An async iterator would destroy the stream on error before the status is sent.)
 */
export function runSession(call: AgentCall, deps: SessionDeps): void {
  const log = deps.logger.child({ peer: call.getPeer() });
  log.debug('agent stream opened');
  let session: AgentSession | undefined;
  /** Tells liveness the stream is gone; set once the hello named the agent. */
  let closeStream: (() => void) | undefined;
  let failed = false;
  const helloTimer = setTimeout(
    () => end(status.DEADLINE_EXCEEDED, 'no hello within the timeout'),
    deps.helloTimeoutMs ?? 10_000,
  );

  const end = (code: status, details: string) => {
    failed = true;
    if (session) session.close(code, details);
    else call.emit('error', { code, details });
  };

  const fail = (err: unknown) => {
    if (failed) return;
    if (err instanceof StoppingError) {
      end(status.UNAVAILABLE, 'controller shutting down');
    } else if (err instanceof InvalidMessageError) {
      log.warn({ agent: session?.agent.name, err: err.message }, 'invalid message from agent');
      end(status.INVALID_ARGUMENT, err.message);
    } else {
      log.error({ agent: session?.agent.name, err }, 'agent session failed');
      end(status.UNAVAILABLE, 'controller could not store the results; retry');
    }
  };

  /** Results messages of this stream read and not yet committed (the flow gate bounds them). */
  let committing = 0;
  let commits = Promise.resolve();
  /** Another message is being handled: reading waits for it. */
  let handling = false;
  const tryResume = () => {
    if (failed || handling || deps.registry.draining) return;
    if (deps.flow.open(committing)) call.resume();
    else if (committing < deps.flow.limits.perStream) deps.flow.whenRoom(tryResume);
    // else: the stream's own bound; the next commit of this stream resumes it
  };

  const results = (
    message: Extract<ConnectRequest['body'], { $case: 'results' }>,
    agentSession: AgentSession,
  ) => {
    const arrived = performance.now();
    const batch = validateResults(message.value.results);
    const count = batch.length;
    committing++;
    deps.flow.admit(count);
    const done = deps.ingest
      .submit({ agent: agentSession.agent, results: batch }, () => failed)
      .then(() => {
        agentSession.committedBatch(batch.map((r) => r.seq));
        deps.metrics?.batchAcked(count, (performance.now() - arrived) / 1000);
      }, fail)
      .finally(() => {
        committing--;
        deps.flow.release(count);
        tryResume();
      });
    commits = commits.then(() => done);
  };

  const onMessage = async (message: ConnectRequest) => {
    try {
      if (session && message.body?.$case === 'results') results(message.body, session);
      else if (session) await handle(message, session, deps, log);
      else {
        // Known as soon as it is registered, so that the close handler releases it even when
        // what follows the hello fails.
        session = await register(message, call, deps, (close) => (closeStream = close));
        clearTimeout(helloTimer);
        await greet(session, deps, log);
      }
    } catch (err) {
      fail(err);
    } finally {
      handling = false;
      tryResume();
    }
  };

  let chain = Promise.resolve();
  call.on('data', (message: ConnectRequest) => {
    if (failed) return;
    const body = message.body;
    if (session && !handling && body?.$case === 'results') {
      try {
        results(body, session);
      } catch (err) {
        fail(err);
        return;
      }
      if (!deps.flow.open(committing)) {
        call.pause();
        tryResume();
      }
      return;
    }
    if (session && body?.$case === 'heartbeat') {
      // Liveness records it without holding up the stream, whatever the store does.
      deps.liveness.heard(session.agent);
      return;
    }
    handling = true;
    call.pause();
    chain = chain.then(() => onMessage(message));
  });
  call.on('end', () => {
    void chain.then(() => commits).then(() => call.end());
  });
  call.on('error', () => {}); // status already chosen; the close handler below cleans up
  call.on('close', () => {
    clearTimeout(helloTimer);
    closeStream?.();
    deps.flow.forget(tryResume);
    void chain
      .then(() => commits)
      .then(() => release(session, deps, log))
      .finally(() => log.debug({ agent: session?.agent.name }, 'agent stream ended'));
  });
}

async function release(session: AgentSession | undefined, deps: SessionDeps, log: Logger): Promise<void> {
  if (!session || !deps.registry.remove(session)) return;
  await deps.agents
    .disconnect(session.agent.id)
    .catch((err: unknown) => log.warn({ err }, 'could not mark agent disconnected'));
  log.info({ agent: session.agent.name }, 'agent disconnected');
}

/**
 * The first message: a hello. Liveness hears of the stream at once, even if the store cannot
 * record it now; then the agent is marked connected and its session registered.
 */
async function register(
  message: ConnectRequest,
  call: AgentCall,
  deps: SessionDeps,
  onStream: (close: () => void) => void,
): Promise<AgentSession> {
  const body = message.body;
  if (body?.$case !== 'hello')
    throw new InvalidMessageError('the first message on the stream must be a hello');
  const hello = validateHello(body.value);
  onStream(deps.liveness.streamOpened(hello.name));
  const session = new AgentSession(await deps.agents.connect(hello), call);
  deps.registry.add(session);
  return session;
}

async function greet(session: AgentSession, deps: SessionDeps, log: Logger): Promise<void> {
  const agent = session.agent;
  deps.liveness.greeted(agent);
  log.info(
    { agent: agent.name, version: agent.agentVersion, revision: agent.configRevision },
    'agent connected',
  );
  session.pushConfig(deps.policy, await deps.overrides.list());
}

async function handle(
  message: ConnectRequest,
  session: AgentSession,
  deps: SessionDeps,
  log: Logger,
): Promise<void> {
  const body = message.body;
  switch (body?.$case) {
    case 'configAck':
      await deps.agents.configApplied(session.agent.id, body.value.revision, body.value.error.slice(0, 1000));
      if (body.value.error)
        log.warn(
          { agent: session.agent.name, revision: body.value.revision, error: body.value.error },
          'agent refused config',
        );
      return;
    case 'heartbeat':
      deps.liveness.heard(session.agent);
      return;
    case 'gap': {
      const gap = validateGap(body.value);
      await deps.gaps.record(session.agent.id, gap);
      log.warn(
        { agent: session.agent.name, gap: gap.id, dropped: gap.dropped },
        'agent reported dropped results',
      );
      session.send({ body: { $case: 'gapAck', value: { id: gap.id } } });
      session.acknowledge({ gap: { from: gap.fromSeq, to: gap.toSeq } });
      return;
    }
    case 'testResult':
      deps.tests?.settle(session.agent.name, body.value);
      return;
    case 'hello':
      throw new InvalidMessageError('hello may only be sent once per stream');
    default:
      throw new InvalidMessageError('empty message');
  }
}
