import { silentLogger } from '@portwarden/common/logger';
import { describe, expect, it } from 'vitest';
import type { CheckOverride } from '../store/check-overrides.js';
import { createConfigFanout } from './config-fanout.js';
import { CHANNELS } from './channels.js';
import { memoryBusHub } from './testing.js';

/** A replica's view: the revision in force, the stored one, the overrides, and what its agents got. */
function replica() {
  const state = { inForce: 1, stored: 1, overrides: [] as CheckOverride[] };
  const policyListeners = new Set<() => void>();
  const overrideListeners = new Set<() => void>();
  const pushed: { revision: number; overrides: string[] }[] = [];
  const policy = {
    current: () => ({ revision: state.inForce }),
    async refresh() {
      if (state.stored <= state.inForce) return false;
      state.inForce = state.stored;
      policyListeners.forEach((l) => l());
      return true;
    },
    onChange: (l: () => void) => (policyListeners.add(l), () => void policyListeners.delete(l)),
  };
  const overrides = {
    list: async () => state.overrides,
    onChange: (l: () => void) => (overrideListeners.add(l), () => void overrideListeners.delete(l)),
  };
  const session = {
    pushConfig: (p: typeof policy, list: readonly CheckOverride[]) =>
      pushed.push({ revision: p.current().revision, overrides: list.map((o) => o.checkId) }),
  };
  const bus = memoryBusHub().bus();
  const fanout = createConfigFanout({
    policy,
    overrides,
    sessions: () => [session],
    bus,
    logger: silentLogger(),
    pollMs: 60_000,
  });
  return { state, pushed, fanout, bus, policyListeners, overrideListeners };
}

const override = (checkId: string): CheckOverride => ({
  checkId,
  agent: null,
  by: 't',
  at: new Date(),
  comment: null,
});

describe('the config fan-out of one replica', () => {
  it('pushes nothing at start: agents got the config at hello', async () => {
    const r = replica();
    await r.fanout.start();
    await r.fanout.settled();
    expect(r.pushed).toEqual([]);
  });

  it('pushes a revision applied on another replica, once, however often it is heard', async () => {
    const r = replica();
    await r.fanout.start();
    r.state.stored = 2;
    await r.bus.notify(CHANNELS.policy, '2');
    await r.bus.notify(CHANNELS.policy, '2');
    r.bus.resume();
    await r.fanout.settled();
    await r.fanout.settled();
    expect(r.pushed).toEqual([{ revision: 2, overrides: [] }]);
  });

  it('ignores a notification of a revision it already runs (its own apply)', async () => {
    const r = replica();
    await r.fanout.start();
    // This replica applied 2 itself: its listener pushed; then its own NOTIFY arrives.
    r.state.stored = 2;
    r.state.inForce = 2;
    r.policyListeners.forEach((l) => l());
    await r.bus.notify(CHANNELS.policy, '2');
    await r.fanout.settled();
    expect(r.pushed).toEqual([{ revision: 2, overrides: [] }]);
  });

  it('pushes an override change made anywhere once, and nothing for a notification that changes nothing', async () => {
    const r = replica();
    await r.fanout.start();
    r.state.overrides = [override('web')];
    r.overrideListeners.forEach((l) => l());
    await r.bus.notify(CHANNELS.overrides, '');
    await r.fanout.settled();
    expect(r.pushed).toEqual([{ revision: 1, overrides: ['web'] }]);
  });

  it('catches up when listening resumes after a missed notification', async () => {
    const r = replica();
    await r.fanout.start();
    r.state.stored = 3;
    r.state.overrides = [override('ssh')];
    r.bus.resume();
    await r.fanout.settled();
    await r.fanout.settled();
    expect(r.pushed).toEqual([{ revision: 3, overrides: ['ssh'] }]);
  });

  it('stops listening at stop', async () => {
    const r = replica();
    await r.fanout.start();
    await r.fanout.stop();
    r.state.overrides = [override('web')];
    await r.bus.notify(CHANNELS.overrides, '');
    await r.fanout.settled();
    expect(r.pushed).toEqual([]);
  });
});
