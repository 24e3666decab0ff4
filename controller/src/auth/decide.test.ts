import { describe, expect, it } from 'vitest';
import { authorize, bearerToken, checkToken, needsTouch, type KnownToken } from './decide.js';
import type { Role } from './roles.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const token = (over: Partial<KnownToken> = {}): KnownToken => ({
  id: 1,
  name: 'ci',
  role: 'viewer',
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

describe('bearerToken', () => {
  it.each([
    // the ordinary case
    ['Bearer pwt_abc', 'pwt_abc'],
    // RFC 7235: the scheme is case-insensitive
    ['bearer pwt_abc', 'pwt_abc'],
  ])('%s -> %s', (header, expected) => expect(bearerToken(header)).toBe(expected));

  it.each([
    // no header at all: the hint names the bootstrap flag
    [undefined, /no API token/],
    // Basic auth is not ours
    ['Basic dXNlcjpwYXNz', /not "Bearer <token>"/],
    // a scheme without a token
    ['Bearer ', /not "Bearer <token>"/],
  ])('%s -> 401', (header, message) => {
    expect(() => bearerToken(header)).toThrow(message);
    try {
      bearerToken(header);
    } catch (err) {
      expect(err).toMatchObject({
        code: 'unauthenticated',
        hint: expect.stringContaining('--admin-token-file'),
      });
    }
  });
});

describe('checkToken', () => {
  it.each([
    // not in the store
    ['unknown', undefined, /unknown API token/],
    // revoked a second ago
    ['revoked', token({ revokedAt: ago(1000) }), /"ci" was revoked/],
    // expiry is exclusive: at the instant it expires, it no longer works
    ['expired now', token({ expiresAt: NOW }), /"ci" expired/],
  ])('%s -> 401', (_case, known, message) => {
    expect(() => checkToken(known, NOW)).toThrow(message);
  });

  it('accepts a live token that expires later', () => {
    expect(checkToken(token({ expiresAt: new Date(NOW.getTime() + 1) }), NOW).name).toBe('ci');
  });
});

describe('authorize', () => {
  const cases: [Role, Role, boolean][] = [
    ['viewer', 'viewer', true],
    ['viewer', 'operator', false],
    ['viewer', 'admin', false],
    ['operator', 'operator', true],
    ['operator', 'admin', false],
    ['admin', 'admin', true],
    ['admin', 'viewer', true],
  ];
  it.each(cases)('%s on a route for %s -> allowed %s', (role, required, allowed) => {
    const call = () => authorize({ name: 'x', role }, { role: required }, 'PUT /api/v1/policy');
    if (allowed) expect(call).not.toThrow();
    else expect(call).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });
});

describe('needsTouch', () => {
  it.each([
    // never used: write it
    [null, true],
    // used 59 s ago: the row already says "about now"
    [ago(59_000), false],
    // used a minute ago: write again
    [ago(60_000), true],
  ])('last used %s -> %s', (lastUsedAt, expected) => expect(needsTouch(lastUsedAt, NOW)).toBe(expected));
});
