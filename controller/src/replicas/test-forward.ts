import { randomUUID } from 'node:crypto';
import type { Logger } from '@portwarden/common/logger';
import type { TestBroker, TestOutcome } from '../testnow/broker.js';
import type { ReplicaBus } from './bus.js';
import {
  CHANNELS,
  decodeTestAnswer,
  decodeTestAsk,
  decodeTestOutcome,
  encodeTestAnswer,
  encodeTestAsk,
  type TestAsk,
} from './channels.js';

/** Where an answer too large for a NOTIFY waits for its asker; store/test-answers.ts. */
export interface TestAnswerStore {
  put(requestId: string, outcome: TestOutcome): Promise<void>;
  take(requestId: string): Promise<unknown>;
}

export interface ForwardingDeps {
  /** The broker of this replica's own streams (testnow/broker.ts). */
  local: TestBroker;
  /** Whether the agent's stream is open on this replica. */
  holds(agent: string): boolean;
  /** Whether the store shows the agent connected (to any replica). */
  connected(agent: string): Promise<boolean>;
  bus: Pick<ReplicaBus, 'on' | 'notify'>;
  answers: TestAnswerStore;
  logger: Logger;
}

/**
 * "Test now" through any replica: an agent whose stream is open here is asked directly; for any
 * other agent the store shows connected, the request goes out on a NOTIFY (channels.ts) and the
 * replica that holds the agent asks it and NOTIFYs the answer back. The asker waits as long as it
 * would for its own agent; an answer that comes later, or to another replica's request, is ignored.
 */
export function createForwardingTests(deps: ForwardingDeps): TestBroker & { start(): () => void } {
  const log = deps.logger.child({ component: 'testnow' });
  const pending = new Map<string, (outcome: TestOutcome) => void>();

  /** Another replica asks: run it if the agent is here, and send the answer back. */
  const onAsk = async (ask: TestAsk) => {
    if (!deps.holds(ask.agent)) return;
    const outcome = await deps.local.run(ask.agent, ask.check, ask.timeoutMs);
    const payload = encodeTestAnswer(ask.id, outcome);
    if (payload !== undefined) return deps.bus.notify(CHANNELS.testAnswer, payload);
    await deps.answers.put(ask.id, outcome);
    await deps.bus.notify(CHANNELS.testAnswer, JSON.stringify({ id: ask.id, stored: true }));
  };

  const onAnswer = async (payload: string) => {
    const answer = decodeTestAnswer(payload);
    const finish = answer && pending.get(answer.id);
    if (!answer || !finish) return;
    if ('outcome' in answer) return finish(answer.outcome);
    const outcome = decodeTestOutcome(await deps.answers.take(answer.id));
    finish(outcome ?? { status: 'refused', error: 'the answer was lost between replicas' });
  };

  const forward = async (agent: string, check: string, timeoutMs: number): Promise<TestOutcome> => {
    const id = randomUUID();
    const answered = new Promise<TestOutcome>((resolve) => {
      const timer = setTimeout(() => finish({ status: 'timeout' }), timeoutMs);
      const finish = (outcome: TestOutcome) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(outcome);
      };
      pending.set(id, finish);
    });
    try {
      await deps.bus.notify(CHANNELS.testAsk, encodeTestAsk({ id, agent, check, timeoutMs }));
    } catch (err) {
      pending.get(id)?.({ status: 'timeout' });
      throw err;
    }
    return answered;
  };

  return {
    async run(agent, check, timeoutMs) {
      if (deps.holds(agent)) return deps.local.run(agent, check, timeoutMs);
      if (!(await deps.connected(agent))) return { status: 'not-connected' };
      return forward(agent, check, timeoutMs);
    },

    settle: (agent, answer) => deps.local.settle(agent, answer),

    close() {
      deps.local.close();
      for (const finish of pending.values()) finish({ status: 'not-connected' });
    },

    start() {
      const off = [
        deps.bus.on(CHANNELS.testAsk, (payload) => {
          const ask = decodeTestAsk(payload);
          if (ask)
            void onAsk(ask).catch((err: unknown) =>
              log.error({ err, agent: ask.agent }, 'could not answer a test asked through another replica'),
            );
        }),
        deps.bus.on(CHANNELS.testAnswer, (payload) => {
          void onAnswer(payload).catch((err: unknown) =>
            log.error({ err }, 'could not read a test answer from another replica'),
          );
        }),
      ];
      return () => off.forEach((unsubscribe) => unsubscribe());
    },
  };
}
