import { describe, expect, it } from 'vitest';
import { compileMatchers, MatcherError, parseMatcher, parseMatcherSet } from './matchers.js';

describe('parseMatcher', () => {
  it.each([
    // why: the plain equality silences write most
    ['check=web', { name: 'check', op: '=', value: 'web' }],
    // why: the op is the first of =~ !~ != = after the name, never = inside the value
    ['agent=~db-.*', { name: 'agent', op: '=~', value: 'db-.*' }],
    ['env!=prod', { name: 'env', op: '!=', value: 'prod' }],
    ['env!~prod|stage', { name: 'env', op: '!~', value: 'prod|stage' }],
    // why: spaces around the operator are not part of name or value
    [' site = paris ', { name: 'site', op: '=', value: 'paris' }],
    // why: Alertmanager's quoted form; the quotes are not part of the value
    ['note="a b"', { name: 'note', op: '=', value: 'a b' }],
    // why: an empty value is allowed (it matches a missing label)
    ['env=', { name: 'env', op: '=', value: '' }],
    // why: agent label names may carry . and -
    ['team.name=db-ops', { name: 'team.name', op: '=', value: 'db-ops' }],
    // why: a value may hold = itself
    ['query=a=b', { name: 'query', op: '=', value: 'a=b' }],
  ])('%j', (text, expected) => {
    expect(parseMatcher(text)).toEqual(expected);
  });

  it.each([
    // why: no operator at all
    ['check', 'matcher "check": no operator'],
    // why: no name
    ['=web', 'matcher "=web": no operator'],
    // why: a name that is no label name
    ['1abc=x', 'matcher "1abc=x": invalid label name "1abc"'],
    // why: a regex that does not compile is named, with the engine's reason
    ['agent=~db-(', 'matcher "agent=~db-(": invalid regex:'],
  ])('rejects %j', (text, message) => {
    let error: unknown;
    try {
      parseMatcher(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MatcherError);
    expect((error as MatcherError).message).toContain(message);
    expect((error as MatcherError).hint).toBeTruthy();
    expect((error as MatcherError).matcher).toBe(text);
  });
});

describe('compileMatchers', () => {
  const labels = { check: 'web', agent: 'db-1', alertgroup: 'ops', role: 'db' };
  it.each([
    [['check=web'], true, 'equality'],
    [['check=web', 'agent=db-2'], false, 'every matcher must match'],
    [['agent=~db-.*'], true, 'regex over the whole value'],
    [['agent=~db'], false, 'regex anchored at the end: db does not match db-1'],
    [['agent=~b-1'], false, 'regex anchored at the start'],
    [['agent=~db-1|web-1'], true, 'alternation inside the anchors'],
    [['agent!~db-.*'], false, 'negative regex'],
    [['env!=prod'], true, 'a missing label is "" and so differs from prod'],
    [['env=prod'], false, 'a missing label is not prod'],
    [['env='], true, 'a missing label equals the empty value'],
    [['env=~.+'], false, 'a missing label does not match .+'],
    [['role!=db'], false, 'negative equality on a present label'],
  ])('%j -> %s (%s)', (texts, expected, _why) => {
    expect(compileMatchers(texts.map(parseMatcher)).matches(labels)).toBe(expected);
  });
});

describe('parseMatcherSet', () => {
  it('refuses no matchers', () => {
    expect(() => parseMatcherSet([])).toThrow(MatcherError);
  });
  it.each([[['env=']], [['agent=~.*']], [['env!=prod', 'role=~.*']]])(
    'refuses %j: it would cover every alert',
    (texts) => {
      expect(() => parseMatcherSet(texts)).toThrow('match every alert');
    },
  );
  it('accepts a set where one matcher names something', () => {
    expect(parseMatcherSet(['env=', 'agent=~.+'])).toHaveLength(2);
  });
});
