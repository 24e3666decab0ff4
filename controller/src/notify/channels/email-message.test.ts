import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../state/event.js';
import { alertLabels, fingerprint } from '../alertmanager.js';
import { buildEmailMessage, escapeHtml, renderSubject } from './email-message.js';

const opened: IncidentEvent = {
  outboxId: 1,
  event: 'opened',
  incidentId: 42,
  check: { id: 'https', name: 'Web HTTPS', host: '10.0.0.7', port: 443 },
  agent: { name: 'web-1', hostname: 'web-1.example', labels: {} },
  alertGroup: { id: 'critical', name: 'Critical Errors' },
  policyRevision: 1,
  reason: 'refused',
  detail: 'connect ECONNREFUSED 10.0.0.7:443',
  consecutiveFailures: 3,
  startsAt: '2026-11-21T10:00:00.000Z',
};
const resolved: IncidentEvent = { ...opened, event: 'resolved', endsAt: '2026-11-21T10:05:00.000Z' };
const print = fingerprint(alertLabels(opened));
const started = Date.parse(opened.startsAt);

describe('buildEmailMessage', () => {
  it('threads the resolved mail under the opened one, with ids derived from the incident', () => {
    const first = buildEmailMessage(opened, 'https://portwarden.example:8443/ui');
    const last = buildEmailMessage(resolved, 'https://portwarden.example:8443/ui');
    expect(first.messageId).toBe(`<incident-42.${started}.${print}@portwarden.example>`);
    expect(first.inReplyTo).toBeUndefined();
    expect(last).toMatchObject({
      messageId: `<incident-42.${started}.${print}.resolved@portwarden.example>`,
      inReplyTo: first.messageId,
      references: first.messageId,
    });
    // A retry builds the same mail: receivers can drop the duplicate by its Message-ID.
    expect(buildEmailMessage(opened, 'https://portwarden.example:8443/ui')).toEqual(first);
  });

  it.each([
    // An IPv6 literal is not a dot-atom, so it cannot follow the @.
    ['http://[::1]:8080', 'portwarden'],
    ['http://127.0.0.1:8080', '127.0.0.1'],
    ['not a url', 'portwarden'],
  ])('takes the host of %s for the Message-ID, else portwarden', (url, host) => {
    expect(buildEmailMessage(opened, url).messageId).toMatch(new RegExp(`@${host.replace(/\./g, '\\.')}>$`));
  });

  it('states the response an agent tried, and the agent clock when it disagrees', () => {
    const event: IncidentEvent = {
      ...opened,
      probedAt: '2026-11-21T09:59:00.000Z',
      response: {
        verdict: 'failed',
        trigger: { outcome: 'down', reason: 'refused', detail: 'ECONNREFUSED', durationMs: 1 },
        attempts: [],
      },
    };
    const { text } = buildEmailMessage(event, 'https://ui.example');
    expect(text).toMatch(/^Response: +the response failed: nothing ran$/m);
    expect(text).toMatch(/^Probed at: +2026-11-21T09:59:00\.000Z \(agent clock\)$/m);
  });

  it('links the incident in HTML only for an http(s) URL', () => {
    expect(buildEmailMessage(opened, 'https://ui.example').html).toContain(
      '<a href="https://ui.example/incidents/42">',
    );
    expect(buildEmailMessage(opened, 'javascript:alert(1)//').html).not.toContain('<a ');
  });
});

describe('subject', () => {
  it('fills the placeholders and keeps one line', () => {
    const event = { ...opened, check: { ...opened.check, name: 'Web\r\nBcc: x@evil.example' } };
    expect(renderSubject('[{status}] {check} on {agent}: {reason} ({group})', event)).toBe(
      '[FIRING] Web Bcc: x@evil.example on web-1: refused (Critical Errors)',
    );
    expect(renderSubject('{status}', resolved)).toBe('RESOLVED');
  });
});

it('escapes the five HTML characters', () => {
  expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
  );
});
