import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../client.js';
import { formatTest, test, type TestAnswer } from './test.js';

const firewall: TestAnswer = {
  agent: 'win-1',
  check: { id: 'windows-firewall', name: 'Windows Firewall', kind: 'firewall' },
  result: {
    outcome: 'down',
    reason: 'firewall-disabled',
    detail: 'public is off (Enabled=0 in the active store) (provider powershell)',
    durationMs: 12,
    startedAt: '2026-01-01T00:00:00.000Z',
    firewall: {
      provider: 'powershell',
      profiles: [
        { profile: 'domain', state: 'on', detail: 'Enabled=1 in the active store' },
        { profile: 'private', state: 'on', detail: 'Enabled=1 in the active store' },
        { profile: 'public', state: 'off', detail: 'Enabled=0 in the active store', gpoOverride: false },
      ],
      service: { name: 'MpsSvc', state: 'on', detail: 'Get-Service' },
      notes: [],
    },
  },
};

describe('portwarden test', () => {
  it('prints a firewall check profile by profile', () => {
    expect(formatTest(firewall)).toBe(
      [
        'Windows Firewall on win-1: down, firewall-disabled (12 ms)',
        'public is off (Enabled=0 in the active store) (provider powershell)',
        '',
        'PROFILE   STATE   GROUP POLICY   DETAIL',
        'domain    on                     Enabled=1 in the active store',
        'private   on                     Enabled=1 in the active store',
        'public    off     no             Enabled=0 in the active store',
        'firewall service MpsSvc: running',
        'provider: powershell',
        '',
      ].join('\n'),
    );
  });

  it('asks the agent through the API, and exits 0 when up, 1 when down', async () => {
    const calls: unknown[][] = [];
    const client = (answer: TestAnswer) =>
      ({
        post: async (...args: unknown[]) => (calls.push(args), answer),
      }) as unknown as ApiClient;
    const up = {
      ...firewall,
      result: { ...firewall.result, outcome: 'up' as const, reason: '', firewall: null },
    };
    const printed: string[] = [];
    expect(
      await test(client(up), 'Windows Firewall', { agent: 'win 1', output: 'table' }, (t) => printed.push(t)),
    ).toBe(0);
    expect(
      await test(client(firewall), 'x', { agent: 'win-1', output: 'json' }, (t) => printed.push(t)),
    ).toBe(1);
    expect(calls[0]).toEqual(['/api/v1/agents/win%201/test', { check: 'Windows Firewall' }, 130_000]);
    expect(printed[0]).toBe(`Windows Firewall on win-1: up (12 ms)\n${firewall.result.detail}\n`);
    expect(JSON.parse(printed[1]!)).toEqual(firewall);
  });
});
