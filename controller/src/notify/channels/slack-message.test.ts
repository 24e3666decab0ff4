import { describe, expect, it } from 'vitest';
import type { IncidentFacts } from './facts.js';
import { expectBlockKit } from '../testing/chat-shapes.js';
import { buildSlackMessage, escapeMrkdwn, mrkdwn } from './slack-message.js';

const firing: IncidentFacts = {
  state: 'FIRING',
  firing: true,
  title: 'Mail on mx-1',
  summary: 'Mail on mx-1 failed: expect-mismatch',
  check: 'Mail',
  agent: 'mx-1',
  target: 'mail.example:25',
  reason: 'expect-mismatch (the answer did not match)',
  detail: '554 go away',
  startsAt: '2026-11-21T10:00:00.000Z',
  url: 'http://ui.example/incidents/5',
};
const resolved: IncidentFacts = {
  ...firing,
  state: 'RESOLVED',
  firing: false,
  endsAt: '2026-11-21T10:05:00.000Z',
};

describe('escapeMrkdwn and mrkdwn', () => {
  it('turns the three control characters into entities, and nothing else', () => {
    expect(['&', '<', '>', '*', 'a'].map(escapeMrkdwn)).toEqual(['&amp;', '&lt;', '&gt;', '*', 'a']);
    expect(mrkdwn('<!channel> & <http://evil|click>')).toBe(
      '&lt;!channel&gt; &amp; &lt;http://evil|click&gt;',
    );
  });

  it('never cuts an entity or a surrogate pair in half', () => {
    expect(mrkdwn('ab<cd', 6)).toBe('ab…');
    expect(mrkdwn('ab<cd', 7)).toBe('ab&lt;…');
    expect(mrkdwn('a😀b', 3)).toBe('a…');
  });
});

describe('buildSlackMessage, one notification', () => {
  it('has a header with the state, the facts, the detail and a button to the incident', () => {
    const message = buildSlackMessage([firing]);
    expectBlockKit(message);
    expect(message.text).toBe('FIRING: Mail on mx-1 failed: expect-mismatch');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'FIRING: Mail on mx-1' },
    });
    expect(message.blocks[1]).toMatchObject({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Check*\nMail' },
        { type: 'mrkdwn', text: '*Agent*\nmx-1' },
        { type: 'mrkdwn', text: '*Target*\nmail.example:25' },
        { type: 'mrkdwn', text: '*Reason*\nexpect-mismatch (the answer did not match)' },
      ],
    });
    expect(message.blocks).toContainEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Detail*\n554 go away' },
    });
    expect(message.blocks.at(-1)).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'open-incident',
          text: { type: 'plain_text', text: 'Open incident' },
          url: 'http://ui.example/incidents/5',
          style: 'danger',
        },
      ],
    });
  });

  it('says RESOLVED and when, without the danger style', () => {
    const message = buildSlackMessage([resolved]);
    expectBlockKit(message);
    expect(message.blocks[0]).toMatchObject({ text: { text: 'RESOLVED: Mail on mx-1' } });
    expect(JSON.stringify(message)).toContain('resolved 2026-11-21T10:05:00.000Z');
    expect(JSON.stringify(message)).not.toContain('danger');
  });

  it('escapes hostile text and keeps every text within its limit', () => {
    const hostile: IncidentFacts = {
      ...firing,
      check: '<!here> & <https://evil.example|log in>',
      title: `${'T'.repeat(200)}`,
      detail: `<@U123> ${'&'.repeat(5000)}`,
      response: 'the response failed: <script>',
    };
    const message = buildSlackMessage([hostile]);
    expectBlockKit(message);
    const json = JSON.stringify(message.blocks.filter((b) => b.type !== 'header'));
    expect(json).not.toMatch(/<!here>|<@U123>|<https|<script>/);
    expect(json).toContain('&lt;!here&gt; &amp; &lt;https://evil.example|log in&gt;');
    expect((message.blocks[0] as { text: { text: string } }).text.text).toHaveLength(150);
  });

  it('leaves out the detail section when there is no detail', () => {
    const message = buildSlackMessage([{ ...firing, detail: '' }]);
    expect(JSON.stringify(message)).not.toContain('*Detail*');
  });
});

describe('buildSlackMessage, several notifications', () => {
  it('has a summary line and one section per notification, each with its link', () => {
    const message = buildSlackMessage([
      firing,
      { ...resolved, url: 'http://ui.example/incidents/6?a=1&b=2' },
      firing,
    ]);
    expectBlockKit(message);
    expect(message.text).toBe('3 notifications: 2 firing, 1 resolved');
    expect(message.blocks).toHaveLength(4);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '3 notifications: 2 firing, 1 resolved' },
    });
    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*FIRING* <http://ui.example/incidents/5|Mail on mx-1>\nmail.example:25 · expect-mismatch (the answer did not match)\n554 go away',
      },
    });
    expect(message.blocks[2]).toMatchObject({
      text: {
        text: expect.stringContaining('*RESOLVED* <http://ui.example/incidents/6?a=1&amp;b=2|Mail on mx-1>'),
      },
    });
  });

  it('lists 49 in full and says "and N more" past the 50 blocks', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      ...firing,
      title: `check ${i}`,
      detail: 'x'.repeat(4000),
    }));
    const message = buildSlackMessage(many);
    expectBlockKit(message);
    expect(message.blocks).toHaveLength(50);
    expect(message.blocks.at(-1)).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '_and 12 more_' },
    });
    expect(JSON.stringify(message.blocks.at(-2))).toContain('check 47');

    const exactly = buildSlackMessage(many.slice(0, 49));
    expectBlockKit(exactly);
    expect(exactly.blocks).toHaveLength(50);
    expect(JSON.stringify(exactly)).not.toContain('more_');
  });

  it('escapes hostile titles and keeps a | in a link from ending the URL', () => {
    const message = buildSlackMessage([
      { ...firing, title: '<!channel>', url: 'http://ui.example/x|y>' },
      firing,
    ]);
    const text = (message.blocks[1] as { text: { text: string } }).text.text;
    expect(text).toContain('<http://ui.example/x%7Cy&gt;|&lt;!channel&gt;>');
  });

  it('refuses an empty list', () => {
    expect(() => buildSlackMessage([])).toThrow(RangeError);
  });
});
