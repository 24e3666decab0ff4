import { silentLogger } from '@portwarden/common/logger';
import { describe, expect, it } from 'vitest';
import { createRetentionLoop, runRetention } from './loop.js';
import type { PartitionStore } from './types.js';

/** Failure paths of a run, against a store that fails where told (no database needed). */

const now = new Date('2026-12-07T10:00:00Z');

function fakeStore(fail: { facts?: boolean; createDay?: string; dropDay?: boolean }) {
  const calls: string[] = [];
  const store: PartitionStore = {
    async facts() {
      if (fail.facts) throw new Error('connection refused');
      return { partitions: ['2026-10-01', '2026-12-07'], defaultDays: [] };
    },
    async createDay(day) {
      calls.push(`create ${day}`);
      if (day === fail.createDay) throw new Error('lock timeout');
      return { created: true, moved: 0 };
    },
    async dropDay(day) {
      calls.push(`drop ${day}`);
      if (fail.dropDay) throw new Error('lock timeout');
      return true;
    },
    async deleteDefaultBefore() {
      calls.push('delete');
      return 3;
    },
  };
  return { store, calls };
}

describe('runRetention', () => {
  it('goes on past a step that fails, counts it, and leaves it for the next run', async () => {
    const { store, calls } = fakeStore({ createDay: '2026-12-09', dropDay: true });
    const report = await runRetention(store, { retentionDays: 30 }, now, silentLogger());
    // why: every other step still ran: the days after the failed one, the drop, the delete
    expect(calls).toEqual([
      'create 2026-12-08',
      'create 2026-12-09',
      'create 2026-12-10',
      'create 2026-12-11',
      'create 2026-12-12',
      'create 2026-12-13',
      'create 2026-12-14',
      'drop 2026-10-01',
      'delete',
    ]);
    expect(report).toEqual({
      created: ['2026-12-08', '2026-12-10', '2026-12-11', '2026-12-12', '2026-12-13', '2026-12-14'],
      moved: 0,
      dropped: [],
      deleted: 3,
      failed: 2,
    });
  });
});

describe('createRetentionLoop', () => {
  it('starts even when the store cannot be read: the run is logged and skipped', async () => {
    const { store, calls } = fakeStore({ facts: true });
    const loop = createRetentionLoop({ store, settings: { retentionDays: 30 }, logger: silentLogger() });
    await expect(loop.start()).resolves.toBeUndefined();
    expect(await loop.runOnce()).toBeUndefined();
    expect(calls).toEqual([]);
    await loop.stop();
  });
});
