import { silentLogger } from '@portwarden/common/logger';
import { describe, expect, it } from 'vitest';
import type { TestBroker, TestOutcome } from '../testnow/broker.js';
import { createForwardingTests } from './test-forward.js';
import { memoryBusHub } from './testing.js';

const done = (detail: string): TestOutcome => ({
  status: 'done',
  result: {
    checkId: 'web',
    startedAt: new Date('2026-12-07T18:00:00.000Z'),
    durationMs: 3,
    outcome: 'up',
    reason: '',
    detail,
    timings: null,
    transcript: null,
    firewall: null,
  },
});

/**
 * Two replicas on one bus and one answer store; `web-1` is on B, whose agent answers with
 * `answer`. The store says which agents are connected anywhere.
 */
function twoReplicas(answer: TestOutcome, connected = new Set(['web-1', 'lost-1'])) {
  const hub = memoryBusHub();
  const stored = new Map<string, unknown>();
  const answers = {
    put: async (id: string, outcome: TestOutcome) => void stored.set(id, JSON.parse(JSON.stringify(outcome))),
    take: async (id: string) => {
      const value = stored.get(id);
      stored.delete(id);
      return value;
    },
  };
  const asked: string[] = [];
  const local = (agents: string[]): TestBroker => ({
    async run(agent, check) {
      asked.push(`${agent}:${check}`);
      return agents.includes(agent) ? answer : { status: 'not-connected' };
    },
    settle() {},
    close() {},
  });
  const make = (agents: string[]) => {
    const tests = createForwardingTests({
      local: local(agents),
      holds: (agent) => agents.includes(agent),
      connected: async (agent) => connected.has(agent),
      bus: hub.bus(),
      answers,
      logger: silentLogger(),
    });
    tests.start();
    return tests;
  };
  return { a: make([]), b: make(['web-1']), asked, stored };
}

describe('test now across replicas', () => {
  it("asks the agent through the replica that holds it, and returns that replica's answer", async () => {
    const { a, asked } = twoReplicas(done('connected'));
    expect(await a.run('web-1', 'web', 1000)).toEqual(done('connected'));
    expect(asked).toEqual(['web-1:web']);
  });

  it('carries an answer too large for a NOTIFY through the store, and leaves nothing there', async () => {
    const big = done('x'.repeat(10_000));
    const { a, stored } = twoReplicas(big);
    expect(await a.run('web-1', 'web', 1000)).toEqual(big);
    expect(stored.size).toBe(0);
  });

  it('says not connected, without asking anyone, for an agent the store shows disconnected', async () => {
    const { a, asked } = twoReplicas(done('connected'), new Set());
    expect(await a.run('web-1', 'web', 1000)).toEqual({ status: 'not-connected' });
    expect(asked).toEqual([]);
  });

  it('times out when no replica holds an agent the store still shows connected', async () => {
    const { a, asked } = twoReplicas(done('connected'));
    expect(await a.run('lost-1', 'web', 50)).toEqual({ status: 'timeout' });
    expect(asked).toEqual([]);
  });

  it('asks its own agent directly', async () => {
    const { b, asked } = twoReplicas({ status: 'refused', error: 'no such check' });
    expect(await b.run('web-1', 'nope', 1000)).toEqual({ status: 'refused', error: 'no such check' });
    expect(asked).toEqual(['web-1:nope']);
  });

  it('ends a forwarded wait when the controller stops', async () => {
    const hub = memoryBusHub();
    const tests = createForwardingTests({
      local: { run: async () => ({ status: 'timeout' }), settle() {}, close() {} },
      holds: () => false,
      connected: async () => true,
      bus: hub.bus(),
      answers: { put: async () => {}, take: async () => undefined },
      logger: silentLogger(),
    });
    const waiting = tests.run('web-1', 'web', 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    tests.close();
    expect(await waiting).toEqual({ status: 'not-connected' });
  });
});
