import { parsePolicy } from '@portwarden/common/policy/parse';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import { describe, expect, it } from 'vitest';
import { isUnchanged } from './unchanged.js';

const policy = (checks: string) =>
  parsePolicy(`alertGroups: { ops: { channels: [{ log: {} }] } }\nchecks: [${checks}]\n`);
const web = policy('{ name: web, port: 80, alertGroup: ops }');
/** As it comes back from jsonb: keys in another order. */
const stored = (p: ResolvedPolicy) =>
  JSON.parse(JSON.stringify(p, (_key, value: unknown) => reversedKeys(value))) as ResolvedPolicy;
const reversedKeys = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).reverse())
    : value;

describe('isUnchanged', () => {
  // [why, next, in force, unchanged?]
  const cases: [string, ResolvedPolicy, ResolvedPolicy | undefined, boolean][] = [
    ['nothing in force yet', web, undefined, false],
    ['the same policy', web, policy('{ name: web, port: 80, alertGroup: ops }'), true],
    ['a default written out', policy('{ name: web, port: 80, alertGroup: ops, interval: 2m }'), web, true],
    ['the policy in force read back from jsonb', web, stored(web), true],
    ['another port', policy('{ name: web, port: 8080, alertGroup: ops }'), web, false],
    [
      'one more check',
      policy('{ name: web, port: 80, alertGroup: ops }, { name: db, port: 5432, alertGroup: ops }'),
      web,
      false,
    ],
  ];
  it.each(cases)('%s', (_why, next, current, unchanged) => {
    expect(isUnchanged(next, current)).toBe(unchanged);
  });
});
