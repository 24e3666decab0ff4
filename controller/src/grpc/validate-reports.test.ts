import {
  FirewallProfile,
  FirewallProvider,
  FirewallState,
  Outcome,
  ResponseKind,
  ResponseStatus,
  ResponseVerdict,
  type Result,
} from '@portwarden/proto/agent/v1';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError, validateResults } from './validate.js';
import { REPORT_LIMITS } from './validate-reports.js';

const base: Result = {
  seq: 1,
  checkId: 'fw',
  startedAtUnixMs: Date.UTC(2026, 0, 1),
  durationMs: 9,
  outcome: Outcome.OUTCOME_UP,
  reason: '',
  detail: 'domain, private, public are on (provider powershell)',
  timings: undefined,
  consecutiveFailures: 0,
  responds: false,
};

const summary = {
  outcome: Outcome.OUTCOME_DOWN,
  reason: 'firewall-disabled',
  detail: 'public is off',
  durationMs: 5,
};
const attempt = {
  kind: ResponseKind.RESPONSE_KIND_FIREWALL_ENABLE,
  target: 'domain,private,public',
  status: ResponseStatus.RESPONSE_STATUS_DONE,
  reason: '',
  detail: 'Set-NetFirewallProfile done (provider powershell)',
  startedAtUnixMs: Date.UTC(2026, 0, 1),
  durationMs: 800,
  verification: { outcome: Outcome.OUTCOME_UP, reason: '', detail: 'all on', durationMs: 6 },
  commands: [
    {
      argv: ['powershell.exe', '-Command', 'Set-NetFirewallProfile'],
      exitCode: 0,
      timedOut: false,
      spawnError: '',
      durationMs: 790,
      output: '',
    },
  ],
};

const validate = (r: Partial<Result>) => validateResults([{ ...base, ...r }])[0]!;
const rejection = (r: Partial<Result>) => {
  try {
    validate(r);
  } catch (err) {
    if (err instanceof InvalidMessageError) return err.message;
    throw err;
  }
  throw new Error('accepted');
};

describe('the firewall and response parts of a result', () => {
  it('are read into the stored shape', () => {
    const result = validate({
      consecutiveFailures: 0,
      firewall: {
        provider: FirewallProvider.FIREWALL_PROVIDER_POWERSHELL,
        found: [FirewallProvider.FIREWALL_PROVIDER_POWERSHELL, FirewallProvider.FIREWALL_PROVIDER_NETSH],
        profiles: [
          {
            profile: FirewallProfile.FIREWALL_PROFILE_PUBLIC,
            state: FirewallState.FIREWALL_STATE_ON,
            detail: 'Enabled=1',
          },
        ],
        service: { name: 'MpsSvc', state: FirewallState.FIREWALL_STATE_ON, detail: 'Get-Service' },
        notes: [],
      },
      response: {
        verdict: ResponseVerdict.RESPONSE_VERDICT_RECOVERED,
        trigger: summary,
        attempts: [attempt],
      },
    });
    expect(result.firewall).toEqual({
      provider: 'powershell',
      found: ['powershell', 'netsh'],
      profiles: [{ profile: 'public', state: 'on', detail: 'Enabled=1' }],
      service: { name: 'MpsSvc', state: 'on', detail: 'Get-Service' },
      notes: [],
    });
    expect(result.response).toEqual({
      verdict: 'recovered',
      trigger: { outcome: 'down', reason: 'firewall-disabled', detail: 'public is off', durationMs: 5 },
      attempts: [
        {
          kind: 'firewall-enable',
          target: 'domain,private,public',
          status: 'done',
          reason: '',
          detail: 'Set-NetFirewallProfile done (provider powershell)',
          startedAt: '2026-01-01T00:00:00.000Z',
          durationMs: 800,
          verification: { outcome: 'up', reason: '', detail: 'all on', durationMs: 6 },
          commands: [
            {
              argv: ['powershell.exe', '-Command', 'Set-NetFirewallProfile'],
              exitCode: 0,
              timedOut: false,
              spawnError: '',
              durationMs: 790,
              output: '',
            },
          ],
        },
      ],
    });
  });

  it('are absent on a plain result', () => {
    expect(validate({})).toMatchObject({
      firewall: null,
      response: null,
      consecutiveFailures: 0,
      responds: false,
    });
  });

  // [what, the part, the message the agent gets back]
  const invalid: [string, Partial<Result>, RegExp][] = [
    [
      'an unknown verdict',
      { response: { verdict: 42 as ResponseVerdict, trigger: summary, attempts: [] } },
      /response\.verdict has an unknown value 42/,
    ],
    [
      'a round without its trigger',
      { response: { verdict: ResponseVerdict.RESPONSE_VERDICT_FAILED, trigger: undefined, attempts: [] } },
      /response\.trigger is missing/,
    ],
    [
      'an unknown reason in a verification',
      {
        response: {
          verdict: ResponseVerdict.RESPONSE_VERDICT_FAILED,
          trigger: summary,
          attempts: [{ ...attempt, verification: { ...summary, reason: 'bad-luck' } }],
        },
      },
      /attempts\[0\]\.verification\.reason "bad-luck" is not a known reason/,
    ],
    [
      'too many attempts',
      {
        response: {
          verdict: ResponseVerdict.RESPONSE_VERDICT_FAILED,
          trigger: summary,
          attempts: Array(REPORT_LIMITS.attempts + 1).fill(attempt),
        },
      },
      /attempts has 9 entries; at most 8/,
    ],
    [
      'an unknown profile',
      {
        firewall: {
          provider: 0,
          found: [],
          profiles: [{ profile: 9 as FirewallProfile, state: FirewallState.FIREWALL_STATE_ON, detail: '' }],
          notes: [],
        },
      },
      /firewall\.profiles\[0\]\.profile has an unknown value 9/,
    ],
    [
      'too many profiles',
      {
        firewall: {
          provider: 0,
          found: [],
          profiles: Array(REPORT_LIMITS.profiles + 1).fill({
            profile: FirewallProfile.FIREWALL_PROFILE_HOST,
            state: FirewallState.FIREWALL_STATE_ON,
            detail: '',
          }),
          notes: [],
        },
      },
      /firewall\.profiles has 9 entries/,
    ],
  ];
  it.each(invalid)('refuse %s', (_what, part, message) => {
    expect(rejection(part)).toMatch(message);
  });
});
