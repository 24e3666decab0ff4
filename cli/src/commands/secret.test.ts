import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client.js';
import { deleteSecret, listSecrets, setSecret } from './secret.js';

describe('portwarden secret', () => {
  it.each([
    ['s3cret\n', 's3cret'],
    ['s3cret\r\n', 's3cret'],
    ['two\nlines\n\n', 'two\nlines\n'],
    ['no-newline', 'no-newline'],
  ])('set sends %j from stdin as %j', async (stdin, sent) => {
    const { client, requests } = fakeClient({ name: 'pd', created: true });
    const out: string[] = [];
    await setSecret(client, 'pd', Readable.from([Buffer.from(stdin)]), (t) => out.push(t));
    expect(requests).toEqual([{ method: 'PUT', path: '/api/v1/secrets/pd', body: sent }]);
    expect(out.join('')).toBe('secret "pd" created\n');
  });

  it('set refuses an empty stdin without calling the controller', async () => {
    const { client, requests } = fakeClient({});
    await expect(setSecret(client, 'pd', Readable.from([Buffer.from('\n')]), () => {})).rejects.toThrow(
      'no secret value on stdin',
    );
    expect(requests).toEqual([]);
  });

  it('list shows names and dates', async () => {
    const { client } = fakeClient({ secrets: [{ name: 'pd', createdAt: 'c1', updatedAt: 'u1' }] });
    const out: string[] = [];
    await listSecrets(client, (t) => out.push(t));
    const lines = out.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CREATED\s+UPDATED$/);
    expect(lines[1]).toMatch(/^pd\s+c1\s+u1$/);
  });

  it('delete deletes by name', async () => {
    const { client, requests } = fakeClient({ name: 'pd', deleted: true });
    const out: string[] = [];
    await deleteSecret(client, 'pd', (t) => out.push(t));
    expect(requests).toEqual([{ method: 'DELETE', path: '/api/v1/secrets/pd' }]);
    expect(out.join('')).toBe('secret "pd" deleted\n');
  });
});
