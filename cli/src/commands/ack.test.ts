import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client.js';
import { ack } from './ack.js';

describe('portwarden ack', () => {
  it('posts the comment and says who acknowledged', async () => {
    const { client, requests } = fakeClient({
      incident: 12,
      acknowledged: { by: 'alice', at: '2026-12-07T14:00:00.000Z', comment: 'on it' },
      alreadyAcknowledged: false,
    });
    const printed: string[] = [];
    await ack(client, '12', { comment: 'on it' }, (t) => printed.push(t));
    expect(requests).toEqual([
      { method: 'POST', path: '/api/v1/incidents/12/ack', body: { comment: 'on it' } },
    ]);
    expect(printed.join('')).toBe('incident 12 acknowledged by alice: on it\n');
  });

  it('says so when it was already acknowledged, and sends no comment when none was given', async () => {
    const { client, requests } = fakeClient({
      incident: 12,
      acknowledged: { by: 'alice', at: '2026-12-07T14:00:00.000Z' },
      alreadyAcknowledged: true,
    });
    const printed: string[] = [];
    await ack(client, '12', {}, (t) => printed.push(t));
    expect(requests).toEqual([{ method: 'POST', path: '/api/v1/incidents/12/ack', body: {} }]);
    expect(printed.join('')).toBe(
      'incident 12 was already acknowledged by alice at 2026-12-07T14:00:00.000Z\n',
    );
  });
});
