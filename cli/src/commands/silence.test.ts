import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client.js';
import { addSilence, expireSilence, listSilences, type SilenceRow } from './silence.js';

const row: SilenceRow = {
  id: 7,
  matchers: ['check=web', 'agent=web-1'],
  startsAt: '2026-12-07T10:00:00.000Z',
  endsAt: '2026-12-07T12:00:00.000Z',
  comment: 'deploy',
  createdBy: 'alice',
  createdAt: '2026-12-07T10:00:00.000Z',
  expiredAt: null,
  state: 'active',
};

function capture() {
  const out: string[] = [];
  const note: string[] = [];
  return { out, note, toOut: (t: string) => out.push(t), toNote: (t: string) => note.push(t) };
}

describe('portwarden silence', () => {
  it('add --for sends the matchers and the duration; the id alone on stdout', async () => {
    const { client, requests } = fakeClient(row);
    const c = capture();
    await addSilence(
      client,
      { match: ['check=web', 'agent=web-1'], for: '2h', comment: 'deploy' },
      c.toOut,
      c.toNote,
    );
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/silences',
        body: { matchers: ['check=web', 'agent=web-1'], duration: '2h', comment: 'deploy' },
      },
    ]);
    expect(c.out.join('')).toBe('7\n');
    expect(c.note.join('')).toContain('check=web, agent=web-1 until 2026-12-07T12:00:00.000Z');
  });

  it('add --until sends endsAt as an ISO time', async () => {
    const { client, requests } = fakeClient(row);
    const c = capture();
    await addSilence(
      client,
      { match: ['check=web'], until: '2026-12-07T22:00:00+01:00', comment: 'x' },
      c.toOut,
      c.toNote,
    );
    expect(requests[0]!.body).toMatchObject({ endsAt: '2026-12-07T21:00:00.000Z' });
  });

  it.each([
    [{ match: [], for: '2h', comment: 'x' }, 'no --match given'],
    [{ match: ['check=web'], comment: 'x' }, 'give --for or --until'],
    [{ match: ['check=web'], for: '2h', until: '2026-12-07T22:00Z', comment: 'x' }, 'give --for or --until'],
    [{ match: ['check=web'], until: 'tonight', comment: 'x' }, 'invalid --until "tonight"'],
  ])('add refuses %j without calling the controller', async (options, message) => {
    const { client, requests } = fakeClient(row);
    await expect(
      addSilence(
        client,
        options,
        () => {},
        () => {},
      ),
    ).rejects.toThrow(message);
    expect(requests).toEqual([]);
  });

  it('list shows id, state, matchers, times, author and comment', async () => {
    const { client } = fakeClient({ silences: [row] });
    const c = capture();
    await listSilences(client, c.toOut);
    const lines = c.out.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+MATCHERS\s+STARTS\s+ENDS\s+CREATED BY\s+COMMENT$/);
    expect(lines[1]).toMatch(
      /^7\s+active\s+check=web, agent=web-1\s+2026-12-07T10:00:00.000Z\s+2026-12-07T12:00:00.000Z\s+alice\s+deploy$/,
    );
  });

  it('expire posts to the silence', async () => {
    const { client, requests } = fakeClient({ ...row, state: 'expired' });
    const c = capture();
    await expireSilence(client, '7', c.toOut);
    expect(requests).toEqual([{ method: 'POST', path: '/api/v1/silences/7/expire', body: {} }]);
    expect(c.out.join('')).toBe('silence 7 expired\n');
  });
});
