import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse.js';
import { policyRejection } from './testing.js';

const policy = (groups: string) => `alertGroups:
${groups}
checks:
- {name: web, port: 80, alertGroup: ops}
`;

const issues = (text: string) => policyRejection(text).issues;

describe('alert group repeatInterval and escalate', () => {
  it('defaults to a 4h repeat and no escalation', () => {
    const { alertGroups } = parsePolicy(policy('  ops: {channels: [{log: {}}]}'));
    expect(alertGroups.ops).toMatchObject({ repeatIntervalMs: 4 * 3600_000, escalate: [] });
  });

  it('reads durations in seconds and the steps in order', () => {
    const { alertGroups } = parsePolicy(
      policy(`  ops:
    channels: [{log: {}}]
    repeatInterval: 2s
    escalate:
    - {after: 15m, to: leads}
    - {after: 1h, to: cto}
  leads: {channels: [{log: {}}]}
  cto: {channels: [{log: {}}]}`),
    );
    expect(alertGroups.ops).toMatchObject({
      repeatIntervalMs: 2000,
      escalate: [
        { afterMs: 900_000, to: 'leads' },
        { afterMs: 3_600_000, to: 'cto' },
      ],
    });
  });

  it.each([
    // why: a step must name a group that exists, with the path and line of its `to`
    [
      '  ops:\n    channels: [{log: {}}]\n    escalate: [{after: 15m, to: nobody}]',
      { path: 'alertGroups.ops.escalate[0].to', line: 4, message: 'unknown alert group "nobody"' },
    ],
    // why: escalating to the same group would page the same people twice
    [
      '  ops:\n    channels: [{log: {}}]\n    escalate: [{after: 15m, to: ops}]',
      {
        path: 'alertGroups.ops.escalate[0].to',
        line: 4,
        message: 'an alert group cannot escalate to itself',
      },
    ],
    // why: durations have units, as everywhere in the policy
    [
      '  ops:\n    channels: [{log: {}}]\n    repeatInterval: 4h30',
      {
        path: 'alertGroups.ops.repeatInterval',
        line: 4,
        message: 'expected a duration such as 500ms, 10s, 2m, 1h',
      },
    ],
  ])('rejects %j', (groups, expected) => {
    expect(issues(policy(groups))).toEqual([expected]);
  });
});
