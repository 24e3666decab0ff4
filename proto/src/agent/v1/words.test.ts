import { describe, expect, it } from 'vitest';
import * as wire from '../../gen/portwarden/agent/v1/agent.js';
import {
  ADDRESS_FAMILY_WORDS,
  ADDRESS_MODE_WORDS,
  FIREWALL_MODE_WORDS,
  FIREWALL_PROFILE_WORDS,
  FIREWALL_STATE_WORDS,
  MATCH_MODE_WORDS,
  OUTCOME_WORDS,
  PROFILE_NAME_WORDS,
  PROVIDER_CHOICE_WORDS,
  PROVIDER_NAME_WORDS,
  RESPONSE_KIND_WORDS,
  RESPONSE_STATUS_WORDS,
  RESPONSE_VERDICT_WORDS,
  START_TLS_WORDS,
  TRANSCRIPT_DIRECTION_WORDS,
  WireWords,
} from './words.js';

/** The values a generated enum declares, UNRECOGNIZED (-1, ts-proto's own) left out. */
const valuesOf = (e: Record<string, string | number>) =>
  Object.values(e).filter((v): v is number => typeof v === 'number' && v >= 0);

// Each table, its enum, and the values it leaves without a word (and why).
const cases: [string, WireWords<string, number>, Record<string, string | number>, number[]][] = [
  ['outcome', OUTCOME_WORDS, wire.Outcome, [0]],
  ['transcript direction', TRANSCRIPT_DIRECTION_WORDS, wire.TranscriptDirection, [0]],
  // 0 is `auto` itself: the controller sends it, the agent reads it.
  ['address family', ADDRESS_FAMILY_WORDS, wire.AddressFamily, []],
  ['address mode', ADDRESS_MODE_WORDS, wire.AddressMode, [0]],
  // 0 is `none`.
  ['starttls', START_TLS_WORDS, wire.StartTls, []],
  ['match mode', MATCH_MODE_WORDS, wire.MatchMode, [0]],
  ['firewall mode', FIREWALL_MODE_WORDS, wire.FirewallMode, [0]],
  // A check asks for Windows profiles only; HOST is a report's word for a Linux firewall.
  [
    'firewall profile',
    FIREWALL_PROFILE_WORDS,
    wire.FirewallProfile,
    [0, wire.FirewallProfile.FIREWALL_PROFILE_HOST],
  ],
  ['profile name', PROFILE_NAME_WORDS, wire.FirewallProfile, [0]],
  // In a report, 0 is "no provider could read the state", not a name.
  ['provider name', PROVIDER_NAME_WORDS, wire.FirewallProvider, [0]],
  // 0 is `auto`.
  ['provider choice', PROVIDER_CHOICE_WORDS, wire.FirewallProvider, []],
  ['firewall state', FIREWALL_STATE_WORDS, wire.FirewallState, [0]],
  ['response verdict', RESPONSE_VERDICT_WORDS, wire.ResponseVerdict, [0]],
  ['response kind', RESPONSE_KIND_WORDS, wire.ResponseKind, [0]],
  ['response status', RESPONSE_STATUS_WORDS, wire.ResponseStatus, [0]],
];

describe.each(cases)('%s words', (_name, words, wireEnum, without) => {
  const values = valuesOf(wireEnum);

  it('maps every value it knows to a word and back', () => {
    for (const value of values.filter((v) => !without.includes(v)))
      expect(words.encode(words.decode(value)!), `value ${value}`).toBe(value);
  });

  it('maps every word to a value of the enum and back', () => {
    for (const word of words.words) {
      expect(values).toContain(words.encode(word));
      expect(words.decode(words.encode(word))).toBe(word);
    }
  });

  it('reads a value it does not know as no word', () => {
    for (const value of [...without, -1, Math.max(...values) + 1, 2 ** 31 - 1])
      expect(words.decode(value), `value ${value}`).toBeUndefined();
  });
});

describe('reading UNSPECIFIED', () => {
  it.each([
    // strict (the controller reading a report): no word
    ['state, strict', FIREWALL_STATE_WORDS, 0, undefined, undefined],
    // with a default (the agent reading a config): the default
    ['address mode, default', ADDRESS_MODE_WORDS, 0, 'first', 'first'],
    ['firewall mode, default', FIREWALL_MODE_WORDS, 0, 'notify', 'notify'],
    // a table that names 0 keeps its own word
    ['provider choice, own word', PROVIDER_CHOICE_WORDS, 0, 'powershell', 'auto'],
    // the default stands for 0 only: a value this build does not know is still no word
    ['unknown, default', ADDRESS_MODE_WORDS, 9, 'first', undefined],
  ] as [string, WireWords<string, number>, number, string | undefined, string | undefined][])(
    '%s',
    (_name, words, value, unspecified, expected) => {
      const options = unspecified === undefined ? undefined : { unspecified };
      expect(words.decode(value, options)).toBe(expected);
    },
  );
});

it('refuses a table whose words repeat a value: the way back would be ambiguous', () => {
  expect(() => new WireWords({ on: 1, yes: 1 })).toThrow(/repeat a value/);
});

it('has words for every enum of the contract', () => {
  const isEnum = (v: unknown) => typeof v === 'object' && v !== null && 'UNRECOGNIZED' in v;
  const enums = Object.values(wire).filter(isEnum);
  expect(new Set(cases.map(([, , wireEnum]) => wireEnum))).toEqual(new Set(enums));
});
