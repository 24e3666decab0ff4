import { describe, expect, it } from 'vitest';
import type { TestOutcome } from '../testnow/broker.js';
import {
  decodeRevision,
  decodeTestAnswer,
  decodeTestAsk,
  encodeTestAnswer,
  encodeTestAsk,
  MAX_PAYLOAD_BYTES,
} from './channels.js';

const done: TestOutcome = {
  status: 'done',
  result: {
    checkId: 'web',
    startedAt: new Date('2026-12-07T18:00:00.000Z'),
    durationMs: 3,
    outcome: 'up',
    reason: '',
    detail: 'connected',
    timings: null,
    transcript: null,
    firewall: null,
  },
};

describe('replica notification payloads', () => {
  it.each([
    // why: the trigger sends the revision as text
    ['12', 12],
    // why: anything else is not a revision and is ignored
    ['', undefined],
    ['0', undefined],
    ['-3', undefined],
    ['1.5', undefined],
    ['abc', undefined],
  ])('revision %j decodes to %j', (payload, revision) => {
    expect(decodeRevision(payload)).toBe(revision);
  });

  it('carries a test request there and back', () => {
    const ask = { id: 'r1', agent: 'web-1', check: 'web', timeoutMs: 5000 };
    expect(decodeTestAsk(encodeTestAsk(ask))).toEqual(ask);
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '"x"'],
    ['no agent', '{"id":"r1","check":"web","timeoutMs":5}'],
    ['no timeout', '{"id":"r1","agent":"a","check":"web"}'],
    ['a zero timeout', '{"id":"r1","agent":"a","check":"web","timeoutMs":0}'],
  ])('ignores a test request with %s', (_why, payload) => {
    expect(decodeTestAsk(payload)).toBeUndefined();
  });

  it.each<[string, TestOutcome]>([
    ['done, dates revived', done],
    ['refused', { status: 'refused', error: 'no such check' }],
    ['timeout', { status: 'timeout' }],
    ['not connected', { status: 'not-connected' }],
  ])('carries an answer: %s', (_why, outcome) => {
    expect(decodeTestAnswer(encodeTestAnswer('r1', outcome)!)).toEqual({ id: 'r1', outcome });
  });

  it('says an answer too large for a NOTIFY does not fit, and reads the stored marker', () => {
    const big: TestOutcome = { status: 'refused', error: 'x'.repeat(MAX_PAYLOAD_BYTES) };
    expect(encodeTestAnswer('r1', big)).toBeUndefined();
    expect(decodeTestAnswer('{"id":"r1","stored":true}')).toEqual({ id: 'r1', stored: true });
  });

  it.each([
    ['no id', '{"outcome":{"status":"timeout"}}'],
    ['an unknown status', '{"id":"r1","outcome":{"status":"maybe"}}'],
    ['a result without a time', '{"id":"r1","outcome":{"status":"done","result":{"checkId":"web"}}}'],
    ['a refusal without a reason', '{"id":"r1","outcome":{"status":"refused"}}'],
  ])('ignores an answer with %s', (_why, payload) => {
    expect(decodeTestAnswer(payload)).toBeUndefined();
  });
});
