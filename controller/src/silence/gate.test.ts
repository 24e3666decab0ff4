import { describe, expect, it } from 'vitest';
import { decideSilence } from './gate.js';
import { decideRelease } from './release.js';
import { sampleEvent } from './testing.js';

describe('decideSilence', () => {
  const silence = { kind: 'silence', id: 7 } as const;
  it.each([
    // why: a firing covered at the moment of delivery is held, with what holds it
    ['opened', undefined, silence, { hold: 'held', note: 'silence 7' }],
    // why: a maintenance window holds the same way
    [
      'opened',
      undefined,
      { kind: 'maintenance', name: 'nightly' },
      { hold: 'held', note: 'maintenance nightly' },
    ],
    // why: nothing covers it: it goes on to be sent
    ['opened', undefined, undefined, undefined],
    // why: a resolve whose firing was held is held too, with the firing's note
    ['resolved', { status: 'held', note: 'silence 7' }, undefined, { hold: 'held', note: 'silence 7' }],
    // why: a resolve whose firing was sent is sent, even while a silence is in force
    ['resolved', { status: 'sent' }, silence, undefined],
    // why: a firing that failed for good may have reached someone: the resolve is tried
    ['resolved', { status: 'failed', note: 'HTTP 500' }, undefined, undefined],
    // why: other holds (inhibited, flapping) are not this gate's to follow
    ['resolved', { status: 'inhibited' }, undefined, undefined],
    // why: no firing recorded on this channel yet: the resolve goes out
    ['resolved', undefined, silence, undefined],
  ] as const)('%s after %j under %j -> %j', (event, firing, cover, verdict) => {
    expect(decideSilence({ event }, firing, cover)).toEqual(verdict);
  });
});

describe('decideRelease', () => {
  const held = {
    incidentId: 3,
    outboxId: 10,
    payload: (({ outboxId: _id, ...payload }) => payload)(sampleEvent()),
    note: 'silence 7',
  };
  it('still covered (the same silence or another): nothing', () => {
    expect(decideRelease(held, { kind: 'silence', id: 7 })).toBeUndefined();
    expect(decideRelease(held, { kind: 'maintenance', name: 'nightly' })).toBeUndefined();
  });

  it('no longer covered: the held payload again, opened, with the released notice', () => {
    expect(decideRelease(held, undefined)).toEqual({
      ...held.payload,
      event: 'opened',
      notice: { kind: 'released', text: 'Silence 7 ended; still failing since 2026-12-07T10:00:00.000Z.' },
    });
  });

  it('a held repeat is released as a release, not as a repeat; a state hold is not copied', () => {
    const repeat = {
      ...held,
      note: 'maintenance nightly',
      payload: {
        ...held.payload,
        notice: { kind: 'repeat' as const, text: 'Still failing.' },
        hold: 'flapping' as const,
      },
    };
    const event = decideRelease(repeat, undefined)!;
    expect(event.notice).toEqual({
      kind: 'released',
      text: 'Maintenance window "nightly" ended; still failing since 2026-12-07T10:00:00.000Z.',
    });
    expect(event).not.toHaveProperty('hold');
  });
});
