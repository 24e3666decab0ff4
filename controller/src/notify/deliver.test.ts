import { describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { ChannelDocument } from '@portwarden/common/policy/schema';
import type { IncidentEvent } from '../state/event.js';
import type { ChannelRoutes } from './routes.js';
import type { Channel } from './channels/channel.js';
import { createChannelRegistry } from './channels/registry.js';
import { createDeliver, decideDedup, type Gate } from './deliver.js';
import type { NotificationLog, NotificationRecord } from './nflog.js';
import { ConnectionError, RejectedStatusError } from './retry.js';

/**
 * An in-memory notification log with the table's rule: one row per key, a `retrying` one is
 * replaced, a final one stays (store/notification-log.test.ts checks the SQL against the same).
 */
function memoryLog(): NotificationLog & { rows: NotificationRecord[] } {
  const rows: NotificationRecord[] = [];
  const find = (outboxId: number, channelKey: string) =>
    rows.find((row) => row.outboxId === outboxId && row.channelKey === channelKey);
  return {
    rows,
    find: async (outboxId, channelKey) => find(outboxId, channelKey),
    record: async (entry) => {
      const prior = find(entry.outboxId, entry.channelKey);
      if (prior && prior.status !== 'retrying') return false;
      if (prior) rows.splice(rows.indexOf(prior), 1, entry);
      else rows.push(entry);
      return true;
    },
  };
}

/** A channel of kind `test` that throws the errors it is given, in order, then succeeds. */
function scriptedChannel(failures: Error[]): Channel & { sent: number } {
  const channel = {
    kind: 'test',
    sent: 0,
    parseConfig: () => ({}),
    async send() {
      const failure = failures.shift();
      if (failure) throw failure;
      channel.sent += 1;
    },
  };
  return channel;
}

const event = {
  outboxId: 1,
  event: 'opened',
  incidentId: 9,
  check: { id: 'ssh', name: 'SSH', host: '127.0.0.1', port: 22 },
  agent: { name: 'a1', hostname: 'a1', labels: {} },
  alertGroup: { id: 'ops', name: 'Ops' },
  policyRevision: 3,
  reason: 'refused',
  detail: '',
  consecutiveFailures: 1,
  startsAt: '2026-11-21T10:00:00.000Z',
} as unknown as IncidentEvent;

/** Channels by revision and group, as policy_revisions holds them. */
function routesOf(byRevision: Record<number, Record<string, ChannelDocument[]>>): ChannelRoutes {
  return { channels: async (revision, groupId) => byRevision[revision]?.[groupId] ?? [] };
}

function setup(failures: Error[] = [], gates?: Gate[]) {
  const log = memoryLog();
  const channel = scriptedChannel(failures);
  const deliver = createDeliver({
    log,
    routes: routesOf({
      3: { ops: [{ test: {} } as unknown as ChannelDocument] },
      4: { ops: [{ pager: {} } as unknown as ChannelDocument] },
    }),
    logger: silentLogger(),
    externalUrl: 'http://127.0.0.1',
    channels: createChannelRegistry([channel]),
    ...(gates ? { gates } : {}),
  });
  return { log, channel, deliver };
}

const where = 'POST http://r';

describe('decideDedup', () => {
  it.each([
    // why: nothing recorded yet: go ahead.
    [undefined, undefined],
    // why: a sent notification is never sent twice.
    [{ status: 'sent' }, 'already-sent'],
    // why: a final failure is final; re-sending would contradict the log.
    [{ status: 'failed' }, 'already-failed'],
    // why: a held notification (silence, inhibition) is final for its event; a release is a new event.
    [{ status: 'held' }, 'already-held'],
    [{ status: 'inhibited' }, 'already-held'],
    // why: a retrying row is progress, not an outcome: the next attempt goes ahead.
    [{ status: 'retrying' }, undefined],
  ] as const)('%j -> %s', (prior, expected) => {
    const record = prior && { outboxId: 1, channelKey: 'k', attempts: 1, ...prior };
    expect(decideDedup(record)).toBe(expected);
  });
});

describe('createDeliver', () => {
  it('sends, records sent, and skips the second time with a named reason', async () => {
    const { log, channel, deliver } = setup();
    const first = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 3 });
    const again = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 3 });
    expect(first).toEqual({ status: 'sent', channelKey: 'ops#0:test', attempts: 1 });
    expect(again).toEqual({ status: 'skipped', channelKey: 'ops#0:test', reason: 'already-sent' });
    expect(channel.sent).toBe(1);
    expect(log.rows).toEqual([{ outboxId: 1, channelKey: 'ops#0:test', status: 'sent', attempts: 1 }]);
  });

  it('records `retrying` with the last error while attempts remain, and replaces it with the last failure', async () => {
    const reset = () => new ConnectionError('ECONNRESET', where);
    const { log, deliver } = setup([reset(), reset()]);
    const first = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 2 });
    expect(first.status).toBe('retry');
    expect(log.rows).toEqual([
      {
        outboxId: 1,
        channelKey: 'ops#0:test',
        status: 'retrying',
        attempts: 1,
        error: 'POST http://r: connection failed (ECONNRESET)',
      },
    ]);
    const last = await deliver({ event, channelIndex: 0, attempt: 2, maxAttempts: 2 });
    expect(last.status).toBe('failed');
    expect(log.rows).toEqual([
      {
        outboxId: 1,
        channelKey: 'ops#0:test',
        status: 'failed',
        attempts: 2,
        error: 'POST http://r: connection failed (ECONNRESET) (gave up after 2 attempts)',
      },
    ]);
  });

  it('records a final error at once, whatever the attempts left', async () => {
    const { log, deliver } = setup([new RejectedStatusError(403, 'forbidden', where)]);
    const outcome = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 8 });
    expect(outcome.status).toBe('failed');
    expect(log.rows[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(log.rows[0]!.error).toContain('403: forbidden (not retryable)');
  });

  it('fails an unknown channel kind for good instead of retrying it', async () => {
    const { log, deliver } = setup();
    const odd: IncidentEvent = { ...event, policyRevision: 4 };
    const outcome = await deliver({ event: odd, channelIndex: 0, attempt: 1, maxAttempts: 8 });
    expect(outcome).toMatchObject({ status: 'failed', channelKey: 'ops#0:pager' });
    expect(log.rows[0]!.error).toMatch(/unknown channel kind "pager"/);
  });

  it("reads the channel from the event's policy revision, and fails for good when it has none", async () => {
    const { channel, log, deliver } = setup();
    expect((await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 8 })).status).toBe('sent');
    expect(channel.sent).toBe(1);
    const lost: IncidentEvent = { ...event, outboxId: 2, policyRevision: 99 };
    const outcome = await deliver({ event: lost, channelIndex: 0, attempt: 1, maxAttempts: 8 });
    expect(outcome).toMatchObject({ status: 'failed', channelKey: 'ops#0:missing' });
    expect(log.rows.at(-1)!.error).toContain('policy revision 99 has no channel #0');
  });

  it('runs extra gates first and stops at the first reason', async () => {
    const hold: Gate = { name: 'hold', check: async () => ({ skip: 'already-failed' }) };
    const { channel, deliver } = setup([], [hold]);
    const outcome = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 1 });
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'already-failed' });
    expect(channel.sent).toBe(0);
  });

  it('records an event the state stage holds (inhibited) without sending it, once', async () => {
    const { channel, log, deliver } = setup();
    const inhibited: IncidentEvent = { ...event, hold: 'inhibited' };
    const outcome = await deliver({ event: inhibited, channelIndex: 0, attempt: 1, maxAttempts: 3 });
    expect(outcome).toEqual({ status: 'held', channelKey: 'ops#0:test', hold: 'inhibited' });
    expect(channel.sent).toBe(0);
    expect(log.rows).toEqual([{ outboxId: 1, channelKey: 'ops#0:test', status: 'inhibited', attempts: 0 }]);
    const again = await deliver({ event: inhibited, channelIndex: 0, attempt: 1, maxAttempts: 3 });
    expect(again).toMatchObject({ status: 'skipped', reason: 'already-held' });
  });

  it('records a gate hold with its note (a silence)', async () => {
    const silence: Gate = { name: 'silence', check: async () => ({ hold: 'held', note: 'silence 7' }) };
    const { channel, log, deliver } = setup([], [silence]);
    const outcome = await deliver({ event, channelIndex: 0, attempt: 1, maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'held', hold: 'held' });
    expect(channel.sent).toBe(0);
    expect(log.rows[0]).toMatchObject({ status: 'held', error: 'silence 7' });
  });
});
