import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import type { SilenceView } from './silence-routes.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
const tokens: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  for (const role of ['viewer', 'operator'] as const) {
    const created = await call('POST', '/api/v1/api-tokens', { role, name: `the-${role}` }, admin.token);
    tokens[role] = ((await created.json()) as { token: string }).token;
  }
});

afterAll(async () => {
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

function call(method: string, path: string, body?: unknown, token = tokens.operator) {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const hour = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * hour).toISOString();

async function audit(): Promise<{ actor: string; action: string; target: string }[]> {
  const response = await call('GET', '/api/v1/audit?limit=50', undefined, admin.token);
  return ((await response.json()) as { entries: { actor: string; action: string; target: string }[] })
    .entries;
}

describe('silences API', () => {
  it('a viewer may list but not add; nothing is written', async () => {
    const denied = await call(
      'POST',
      '/api/v1/silences',
      { matchers: ['check=web'], duration: '1h', comment: 'x' },
      tokens.viewer,
    );
    expect(denied.status).toBe(403);
    const listed = await call('GET', '/api/v1/silences', undefined, tokens.viewer);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { silences: unknown[] }).silences).toEqual([]);
  });

  it('an operator adds one: active, by the token name, matchers as written; audited', async () => {
    const response = await call('POST', '/api/v1/silences', {
      matchers: ['check=web', 'agent =~ db-.*'],
      duration: '2h',
      comment: 'patching the databases',
    });
    expect(response.status).toBe(201);
    const silence = (await response.json()) as SilenceView;
    expect(silence).toMatchObject({
      matchers: ['check=web', 'agent=~db-.*'],
      comment: 'patching the databases',
      createdBy: 'the-operator',
      expiredAt: null,
      state: 'active',
    });
    expect(Date.parse(String(silence.endsAt)) - Date.parse(String(silence.startsAt))).toBe(2 * hour);
    expect(await audit()).toContainEqual(
      expect.objectContaining({
        actor: 'the-operator',
        action: 'silence-create',
        target: 'check=web, agent =~ db-.*',
      }),
    );
  });

  it('a silence that starts later is pending; expiring it ends it before it began', async () => {
    const created = (await (
      await call('POST', '/api/v1/silences', {
        matchers: ['agent=web-1'],
        startsAt: inHours(1),
        endsAt: inHours(3),
        comment: 'deploy tonight',
      })
    ).json()) as SilenceView;
    expect(created.state).toBe('pending');
    const expired = await call('POST', `/api/v1/silences/${created.id}/expire`, undefined);
    expect(expired.status).toBe(200);
    expect(((await expired.json()) as SilenceView).state).toBe('expired');
  });

  it('expiring: viewer refused, operator ends it, unknown ids are 404, audited with the id', async () => {
    const { id } = (await (
      await call('POST', '/api/v1/silences', { matchers: ['check=ssh'], duration: '1h', comment: 'c' })
    ).json()) as SilenceView;
    expect((await call('POST', `/api/v1/silences/${id}/expire`, undefined, tokens.viewer)).status).toBe(403);
    const expired = (await (await call('POST', `/api/v1/silences/${id}/expire`)).json()) as SilenceView;
    expect(expired.state).toBe('expired');
    expect(expired.expiredAt).not.toBeNull();
    // Again: it stays as it is.
    const again = (await (await call('POST', `/api/v1/silences/${id}/expire`)).json()) as SilenceView;
    expect(again.expiredAt).toBe(expired.expiredAt);
    for (const unknown of ['999999', 'abc']) {
      const response = await call('POST', `/api/v1/silences/${unknown}/expire`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { hint: string } }).error.hint).toContain('silence list');
    }
    expect(await audit()).toContainEqual(
      expect.objectContaining({ actor: 'the-operator', action: 'silence-expire', target: String(id) }),
    );
    // Listed as expired, recently.
    const { silences } = (await (await call('GET', '/api/v1/silences')).json()) as {
      silences: SilenceView[];
    };
    expect(silences.find((s) => s.id === id)?.state).toBe('expired');
    expect(new Set(silences.map((s) => s.state))).toEqual(new Set(['active', 'expired']));
  });

  it.each([
    // why: a regex that does not compile: the matcher is named
    [{ matchers: ['agent=~db-('], duration: '1h', comment: 'c' }, 'matcher "agent=~db-(": invalid regex'],
    // why: no operator
    [{ matchers: ['check'], duration: '1h', comment: 'c' }, 'matcher "check": no operator'],
    // why: it would silence everything
    [{ matchers: ['agent=~.*'], duration: '1h', comment: 'c' }, 'match every alert'],
    [{ matchers: [], duration: '1h', comment: 'c' }, 'at least one matcher'],
    // why: amtool requires a comment; so do we
    [{ matchers: ['check=web'], duration: '1h' }, 'comment'],
    [{ matchers: ['check=web'], duration: '1h', comment: '  ' }, 'a comment is required'],
    [{ matchers: ['check=web'], comment: 'c' }, 'give endsAt or duration'],
    [
      { matchers: ['check=web'], duration: '1h', endsAt: inHours(1), comment: 'c' },
      'give endsAt or duration',
    ],
    [{ matchers: ['check=web'], endsAt: inHours(-1), comment: 'c' }, 'endsAt is in the past'],
    [{ matchers: ['check=web'], startsAt: inHours(2), endsAt: inHours(1), comment: 'c' }, 'after startsAt'],
    [{ matchers: ['check=web'], duration: 'forever', comment: 'c' }, 'duration'],
    [{ matchers: ['check=web'], endsAt: 'tomorrow', comment: 'c' }, 'ISO 8601'],
  ])('400 for %j', async (body, message) => {
    const response = await call('POST', '/api/v1/silences', body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('bad-request');
    expect(error.message).toContain(message);
  });
});
