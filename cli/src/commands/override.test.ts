import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client.js';
import { disable, enable } from './override.js';

const at = '2026-12-07T14:00:00.000Z';
const check = { id: 'web', name: 'Web Server' };

async function printed(run: (out: (t: string) => void) => Promise<void>): Promise<string> {
  const lines: string[] = [];
  await run((t) => lines.push(t));
  return lines.join('');
}

describe('portwarden disable', () => {
  it('posts the agent and the comment, and says who disabled it where', async () => {
    const { client, requests } = fakeClient({
      check,
      agent: 'web-1',
      changed: true,
      disabled: { agent: 'web-1', by: 'alice', at, comment: 'new disk' },
    });
    const text = await printed((out) =>
      disable(client, 'Web Server', { agent: 'web-1', comment: 'new disk' }, out),
    );
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/checks/Web%20Server/disable',
        body: { agent: 'web-1', comment: 'new disk' },
      },
    ]);
    expect(text).toBe('Web Server disabled on web-1 by alice: new disk\n');
  });

  it('sends neither without flags, and says who disabled it first when it already was', async () => {
    const { client, requests } = fakeClient({
      check,
      agent: 'web-1',
      changed: false,
      disabled: { agent: null, by: 'bob', at, comment: null },
    });
    const text = await printed((out) => disable(client, 'web', {}, out));
    expect(requests).toEqual([{ method: 'POST', path: '/api/v1/checks/web/disable', body: {} }]);
    expect(text).toBe(`Web Server was already disabled on every agent by bob at ${at}\n`);
  });
});

describe('portwarden enable', () => {
  it.each<[{ agent?: string }, Record<string, string>, boolean, string]>([
    // why: --agent goes in the body, and the answer names where
    [{ agent: 'web-1' }, { agent: 'web-1' }, true, 'Web Server enabled on web-1\n'],
    // why: without --agent every override of the check is lifted
    [{}, {}, true, 'Web Server enabled on every agent\n'],
    // why: enabling what is not disabled is idempotent, and says so
    [
      { agent: 'web-1' },
      { agent: 'web-1' },
      false,
      'Web Server was not disabled on web-1: nothing changed\n',
    ],
  ])('%j -> posts %j, changed %s', async (options, body, changed, expected) => {
    const { client, requests } = fakeClient({ check, agent: options.agent ?? null, changed });
    const text = await printed((out) => enable(client, 'web', options, out));
    expect(requests).toEqual([{ method: 'POST', path: '/api/v1/checks/web/enable', body }]);
    expect(text).toBe(expected);
  });
});
