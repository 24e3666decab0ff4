import { Outcome, type Result } from '@portwarden/proto/agent/v1';
import { describe, expect, it } from 'vitest';
import { createTestBroker } from './broker.js';

const up: Result = {
  seq: 0,
  checkId: 'web',
  startedAtUnixMs: Date.UTC(2026, 0, 1),
  durationMs: 4,
  outcome: Outcome.OUTCOME_UP,
  reason: '',
  detail: 'connected to 127.0.0.1:80',
  timings: undefined,
  consecutiveFailures: 0,
  responds: false,
};

/** A broker whose only agent, web-1, records what it is sent. */
function setup() {
  const sent: { requestId: string; checkId: string }[] = [];
  const broker = createTestBroker((agent) => (agent === 'web-1' ? { send: (r) => sent.push(r) } : undefined));
  return { broker, sent };
}

describe('the test-now broker', () => {
  it("sends the request on the agent's stream and returns its answer", async () => {
    const { broker, sent } = setup();
    const waiting = broker.run('web-1', 'web', 10_000);
    expect(sent).toEqual([{ requestId: expect.any(String), checkId: 'web' }]);
    broker.settle('web-1', { requestId: sent[0]!.requestId, result: up, error: '' });
    expect(await waiting).toEqual({
      status: 'done',
      result: {
        checkId: 'web',
        startedAt: new Date(Date.UTC(2026, 0, 1)),
        durationMs: 4,
        outcome: 'up',
        reason: '',
        detail: 'connected to 127.0.0.1:80',
        timings: null,
        transcript: null,
        firewall: null,
      },
    });
  });

  it("ignores another agent's answer and a late one, and times out", async () => {
    const { broker, sent } = setup();
    const waiting = broker.run('web-1', 'web', 50);
    broker.settle('web-2', { requestId: sent[0]!.requestId, result: up, error: '' });
    expect(await waiting).toEqual({ status: 'timeout' });
    expect(() =>
      broker.settle('web-1', { requestId: sent[0]!.requestId, result: up, error: '' }),
    ).not.toThrow();
  });

  it('passes on why the agent could not run it, and refuses a result that breaks the contract', async () => {
    const { broker, sent } = setup();
    const refused = broker.run('web-1', 'nope', 10_000);
    broker.settle('web-1', {
      requestId: sent[0]!.requestId,
      result: undefined,
      error: 'this agent runs no check "nope"',
    });
    expect(await refused).toEqual({ status: 'refused', error: 'this agent runs no check "nope"' });

    const invalid = broker.run('web-1', 'web', 10_000);
    const bad = { ...up, outcome: Outcome.OUTCOME_DOWN, reason: 'gremlins' };
    expect(() => broker.settle('web-1', { requestId: sent[1]!.requestId, result: bad, error: '' })).toThrow(
      /reason "gremlins" is not a known reason/,
    );
    expect(await invalid).toMatchObject({
      status: 'refused',
      error: expect.stringMatching(/^the agent sent an invalid result/),
    });
  });

  it('answers at once for an agent without a stream here, and ends every wait on close', async () => {
    const { broker } = setup();
    expect(await broker.run('db-1', 'web', 10_000)).toEqual({ status: 'not-connected' });
    const waiting = broker.run('web-1', 'web', 10_000);
    broker.close();
    expect(await waiting).toEqual({ status: 'not-connected' });
  });
});
