import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse.js';
import { policyRejection } from './testing.js';

const base = `alertGroups:
  ops:
    channels: [{ log: {} }]
checks:
  - { name: Web, port: 80, alertGroup: ops }
`;

const issues = (text: string) => policyRejection(text).issues;

describe('maintenance:', () => {
  it('resolves a weekly and a cron window, the time zone defaulting to UTC', () => {
    const policy = parsePolicy(`${base}maintenance:
  - name: db patching
    schedule: { weekly: { days: [sun, wed], at: "02:30" } }
    duration: 2h
    timeZone: Europe/Berlin
    matchers: [ "agent=~db-.*", "check!=ssh" ]
  - name: monthly
    schedule: { cron: "0 4 1 * *" }
    duration: 30m
    matchers: [ alertgroup=ops ]
`);
    expect(policy.maintenance).toEqual([
      {
        name: 'db patching',
        cron: '30 2 * * 0,3',
        timeZone: 'Europe/Berlin',
        durationMs: 7_200_000,
        matchers: [
          { name: 'agent', op: '=~', value: 'db-.*' },
          { name: 'check', op: '!=', value: 'ssh' },
        ],
      },
      {
        name: 'monthly',
        cron: '0 4 1 * *',
        timeZone: 'UTC',
        durationMs: 1_800_000,
        matchers: [expect.anything()],
      },
    ]);
  });

  it('is left out of the resolved policy when there is none', () => {
    expect(parsePolicy(base)).not.toHaveProperty('maintenance');
  });

  it.each([
    [
      'a bad cron expression',
      `schedule: { cron: "0 25 * * *" }\n    duration: 1h\n    matchers: [agent=db-1]`,
      { path: 'maintenance[0].schedule.cron', line: 8, message: 'invalid cron expression' },
    ],
    [
      'an unknown time zone',
      `schedule: { cron: "0 2 * * *" }\n    duration: 1h\n    timeZone: Europe/Atlantis\n    matchers: [agent=db-1]`,
      { path: 'maintenance[0].timeZone', line: 10, message: 'unknown time zone' },
    ],
    [
      'a bad matcher regex',
      `schedule: { cron: "0 2 * * *" }\n    duration: 1h\n    matchers: [agent=db-1, "agent=~db-("]`,
      { path: 'maintenance[0].matchers[1]', line: 10, message: 'matcher "agent=~db-(": invalid regex' },
    ],
    [
      'matchers that cover everything',
      `schedule: { cron: "0 2 * * *" }\n    duration: 1h\n    matchers: ["agent=~.*"]`,
      { path: 'maintenance[0].matchers', line: 10, message: 'match every alert' },
    ],
    [
      'a bad weekday',
      `schedule: { weekly: { days: [sunday], at: "02:00" } }\n    duration: 1h\n    matchers: [agent=db-1]`,
      { path: 'maintenance[0].schedule', line: 8, message: 'a schedule is weekly' },
    ],
    [
      'a bad time of day',
      `schedule: { weekly: { days: [sun], at: "2am" } }\n    duration: 1h\n    matchers: [agent=db-1]`,
      { path: 'maintenance[0].schedule.weekly.at', line: 8, message: 'expected a time of day' },
    ],
    [
      'a bad duration',
      `schedule: { cron: "0 2 * * *" }\n    duration: forever\n    matchers: [agent=db-1]`,
      { path: 'maintenance[0].duration', line: 9, message: 'expected a duration' },
    ],
  ])('rejects %s with its path and line', (_what, body, expected) => {
    const found = issues(`${base}maintenance:\n  - name: w\n    ${body}\n`);
    expect(found).toEqual([
      { path: expected.path, line: expected.line, message: expect.stringContaining(expected.message) },
    ]);
  });

  it('rejects two windows of one name', () => {
    const window = `schedule: { cron: "0 2 * * *" }\n    duration: 1h\n    matchers: [agent=db-1]`;
    expect(issues(`${base}maintenance:\n  - name: w\n    ${window}\n  - name: w\n    ${window}\n`)).toEqual([
      { path: 'maintenance[1].name', line: 11, message: expect.stringContaining('also maintenance[0]') },
    ]);
  });
});
